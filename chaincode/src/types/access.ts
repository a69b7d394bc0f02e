import type { Purpose } from './vocabulary';

/**
 * Why a read was lawful. Records: the patient, treating staff of the custodian (flagged without a
 * care relationship: appointment, lab order, consent to them, assignment), a consent, the
 * ordering doctor of a lab result, break-glass. Other private data (READ_KINDS): also `care`
 * (the doctor's appointment, lab order or consent with the patient), `lab-order` (the lab a
 * test is ordered at), `reviewer` (the home member's admin reviewing a break-glass window),
 * `author` (who wrote it), `member-admin` (the admin of the member holding it), `claim-party`
 * and `bill-party` (provider and insurer of a claim, issuer of a bill).
 */
export const BASES = [
  'patient',
  'treating-staff',
  'consent',
  'ordering-doctor',
  'break-glass',
  'care',
  'lab-order',
  'reviewer',
  'author',
  'member-admin',
  'claim-party',
  'bill-party',
] as const;
export type Basis = (typeof BASES)[number];

/** Public: who read (or was allowed to read) what, why and on which basis. No PHI. */
export interface AccessEvent {
  ticketId: string;
  reader: { mspId: string; role: string; id: string; practitionerId?: string; patientId?: string };
  patientId: string;
  resource: string;
  action: 'read';
  purpose: Purpose;
  basis: Basis;
  consentId?: string;
  breakGlassId?: string;
  /**
   * True for reads under a break-glass window, and for staff of the holding member reading
   * without a care relationship: the patient's home member reviews them (ListFlaggedReads).
   */
  flagged: boolean;
  custodian: string;
  txId: string;
  time: string;
}
