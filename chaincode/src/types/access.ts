import type { Purpose } from './vocabulary';

export const BASES = ['patient', 'treating-staff', 'consent', 'ordering-doctor', 'break-glass'] as const;
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
  /** True for reads under a break-glass window: they are reviewed. */
  flagged: boolean;
  custodian: string;
  txId: string;
  time: string;
}
