/**
 * Lawful basis for touching a patient's clinical data (SPEC §4), judged at the transaction
 * timestamp, in order: the patient; treating staff of the custodian (staff with a care
 * relationship to the patient); an active consent; an open break-glass window; last, staff of
 * the custodian without a care relationship, whose read is flagged for the home member to
 * review. Nothing is cached: expiry and revocation act on the next call.
 */
import type { Context } from 'fabric-contract-api';
import type { CareAssignment, CareLink } from '@ehr/protocol';
import { getAppointment } from './appointments';
import { ChaincodeError, notFound } from './errors';
import type { Caller } from './identity';
import { getJson, key, listJson, putJson, txTime } from './ledger';
import type { Basis } from './types/access';
import { getOrder, orderOfResult } from './lab-orders';
import type { BreakGlass } from './types/break-glass';
import { type Consent, consentCovers, consentState } from './types/consent';
import type { Patient } from './types/patient';
import type { Purpose, RecordCategory } from './types/vocabulary';
import { id } from './validate';

export interface BasisFound {
  basis: Basis;
  consentId?: string;
  breakGlassId?: string;
  flagged: boolean;
}

export async function getPatient(ctx: Context, patientId: string): Promise<Patient> {
  const patient = await getJson<Patient>(ctx, key(ctx, 'patient', id(patientId, 'patientId')));
  if (!patient) throw notFound(`patient ${patientId} is not registered`);
  return patient;
}

/**
 * True when the caller's certificate names this patient and comes from the patient's home
 * member. That member issues such certificates at will, so this alone is no proof: see
 * `isThePatient`.
 */
export function claimsToBeThePatient(who: Caller, patient: Patient): boolean {
  return who.role === 'patient' && who.patientId === patient.patientId && who.mspId === patient.homeOrg;
}

/**
 * True when the caller is this patient: a certificate of the home member, bound to the patient
 * (`certFingerprints`: the first certificate linked, then those the patient confirmed or a
 * majority of members recovered to). Another certificate with the same patientId is not them.
 */
export function isThePatient(who: Caller, patient: Patient): boolean {
  return claimsToBeThePatient(who, patient) && patient.certFingerprints.includes(who.fingerprint);
}

async function consentBasis(
  ctx: Context,
  who: Caller,
  patientId: string,
  category: RecordCategory,
  purpose: Purpose,
): Promise<{ found?: BasisFound; lapsed: boolean }> {
  const now = txTime(ctx);
  let lapsed = false;
  const reader = { mspId: who.mspId, practitionerId: who.practitionerId };
  for (const consent of await listJson<Consent>(ctx, 'consent', patientId)) {
    if (!consentCovers(consent, reader, category, purpose)) continue;
    const state = consentState(consent, now);
    if (state === 'active')
      return { found: { basis: 'consent', consentId: consent.consentId, flagged: false }, lapsed };
    if (state === 'expired') lapsed = true;
  }
  return { lapsed };
}

/** An open break-glass window of this doctor for this patient, if any. */
export async function openBreakGlass(ctx: Context, who: Caller, patientId: string): Promise<BreakGlass | undefined> {
  if (who.role !== 'doctor') return undefined;
  const now = txTime(ctx);
  const windows = await listJson<BreakGlass>(ctx, 'breakglass', patientId);
  return windows.find(
    (w) =>
      w.doctor.mspId === who.mspId &&
      w.doctor.practitionerId === who.practitionerId &&
      w.openedAt <= now &&
      now < w.expiresAt,
  );
}

const CONSENT_READERS = ['doctor', 'labtech', 'adjuster'];

/**
 * The basis on which `who` may read a record of `patientId` held by `custodian`, or a
 * CONSENT_REQUIRED / CONSENT_EXPIRED error.
 */
export async function readBasis(
  ctx: Context,
  who: Caller,
  target: { patientId: string; custodian: string; category: RecordCategory; recordId?: string },
  purpose: Purpose,
): Promise<BasisFound> {
  const patient = await getPatient(ctx, target.patientId);
  if (isThePatient(who, patient)) return { basis: 'patient', flagged: false };
  const staff = who.mspId === target.custodian && (who.role === 'doctor' || who.role === 'labtech');
  if (staff && (await treats(ctx, who, target))) return { basis: 'treating-staff', flagged: false };
  if (target.recordId && (await isOrderingDoctor(ctx, who, target.recordId)))
    return { basis: 'ordering-doctor', flagged: false };
  return consentOrBreakGlass(ctx, who, target, purpose, staff ? unreviewedStaff() : undefined);
}

/**
 * Staff of the member holding the data, reading without a care relationship: allowed (a
 * hospital's staff must be able to act), but flagged, so the home member reviews it.
 */
export const unreviewedStaff = (): BasisFound => ({ basis: 'treating-staff', flagged: true });

/**
 * Whether staff of the custodian care for the patient: a doctor with a care link that holds
 * (appointment, lab order, consent to them, assignment by their member; a break-glass window is
 * no care, reads under it are flagged), a labtech for the result of an order placed with their lab.
 */
async function treats(ctx: Context, who: Caller, target: { patientId: string; recordId?: string }): Promise<boolean> {
  if (who.role === 'labtech') {
    const order = target.recordId === undefined ? undefined : await orderOfResult(ctx, target.recordId);
    return order?.lab === who.mspId;
  }
  return (await careOf(ctx, who, target.patientId)).length > 0;
}

/** The doctor's care links with the patient that hold now, break-glass windows left out. */
export async function careOf(ctx: Context, who: Caller, patientId: string): Promise<CareLink[]> {
  if (who.role !== 'doctor') return [];
  const links = await getJson<CareLinks>(
    ctx,
    careKey(ctx, { mspId: who.mspId, practitionerId: who.practitionerId ?? '' }, patientId),
  );
  return (links ? await currentCare(ctx, links) : []).filter((link) => link.via !== 'break-glass');
}

/** True when the record is the result of a lab order this doctor placed. */
async function isOrderingDoctor(ctx: Context, who: Caller, recordId: string): Promise<boolean> {
  if (who.role !== 'doctor') return false;
  const order = await orderOfResult(ctx, recordId);
  return order?.orderingOrg === who.mspId && order.orderingDoctor === who.practitionerId;
}

/**
 * The basis on which a doctor may write a record for a patient at the doctor's own member:
 * the patient's home member treats them, or a treatment consent, or break-glass.
 */
export async function writeBasis(
  ctx: Context,
  who: Caller,
  target: { patientId: string; category: RecordCategory },
): Promise<BasisFound> {
  const patient = await getPatient(ctx, target.patientId);
  if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patient.patientId} was erased`);
  if (patient.homeOrg === who.mspId) return { basis: 'treating-staff', flagged: false };
  return consentOrBreakGlass(ctx, who, target, 'treatment');
}

/** A consent, else an open window, else `otherwise` if given, else CONSENT_EXPIRED / CONSENT_REQUIRED. */
async function consentOrBreakGlass(
  ctx: Context,
  who: Caller,
  target: { patientId: string; category: RecordCategory },
  purpose: Purpose,
  otherwise?: BasisFound,
): Promise<BasisFound> {
  let lapsed = false;
  if (CONSENT_READERS.includes(who.role)) {
    const consent = await consentBasis(ctx, who, target.patientId, target.category, purpose);
    if (consent.found) return consent.found;
    lapsed = consent.lapsed;
  }
  const window = await openBreakGlass(ctx, who, target.patientId);
  if (window) return { basis: 'break-glass', breakGlassId: window.breakGlassId, flagged: true };
  if (otherwise) return otherwise;
  if (lapsed) {
    throw new ChaincodeError(
      'CONSENT_EXPIRED',
      `the consent of patient ${target.patientId} for this access has expired`,
    );
  }
  throw new ChaincodeError(
    'CONSENT_REQUIRED',
    `no lawful basis: patient ${target.patientId} has not consented to ${target.category} for ${purpose}`,
  );
}

export type { CareLink } from '@ehr/protocol';

export type { CareAssignment } from '@ehr/protocol';

export const assignmentKey = (ctx: Context, mspId: string, practitionerId: string, patientId: string) =>
  key(ctx, 'careAssignment', mspId, practitionerId, patientId);

/** Public: every care link of one doctor with one patient (no PHI). */
export interface CareLinks {
  mspId: string;
  practitionerId: string;
  patientId: string;
  links: CareLink[];
}

export const CARE_INDEX = 'care';
const careKey = (ctx: Context, doctor: { mspId: string; practitionerId: string }, patientId: string) =>
  key(ctx, CARE_INDEX, doctor.mspId, doctor.practitionerId, patientId);

/** Records that this doctor cares for this patient through an appointment, order, consent or window. */
export async function addCareLink(
  ctx: Context,
  doctor: { mspId: string; practitionerId: string },
  patientId: string,
  link: Omit<CareLink, 'since'>,
): Promise<void> {
  const linkKey = careKey(ctx, doctor, patientId);
  const current = (await getJson<CareLinks>(ctx, linkKey)) ?? { ...doctor, patientId, links: [] };
  if (current.links.some((l) => l.via === link.via && l.ref === link.ref)) return;
  await putJson(ctx, linkKey, { ...current, links: [...current.links, { ...link, since: txTime(ctx) }] });
}

/** Whether a care link still holds now: the appointment not cancelled, the order not rejected, … */
async function linkHolds(ctx: Context, links: CareLinks, link: CareLink): Promise<boolean> {
  const { patientId } = links;
  const now = txTime(ctx);
  switch (link.via) {
    case 'appointment':
      return (await getAppointment(ctx, link.ref)).status !== 'cancelled';
    case 'lab-order':
      return (await getOrder(ctx, link.ref)).status !== 'rejected';
    case 'consent': {
      const consent = await getJson<Consent>(ctx, key(ctx, 'consent', patientId, link.ref));
      return consent !== undefined && consentState(consent, now) === 'active';
    }
    case 'assignment': {
      const assignment = await getJson<CareAssignment>(
        ctx,
        assignmentKey(ctx, links.mspId, links.practitionerId, patientId),
      );
      return assignment?.assignmentId === link.ref && assignment.endedAt === undefined;
    }
    case 'break-glass': {
      const window = await getJson<BreakGlass>(ctx, key(ctx, 'breakglass', patientId, link.ref));
      return window !== undefined && window.openedAt <= now && now < window.expiresAt;
    }
  }
}

/** The care links of a doctor with a patient that hold now. */
export async function currentCare(ctx: Context, links: CareLinks): Promise<CareLink[]> {
  const holding: CareLink[] = [];
  for (const link of links.links) if (await linkHolds(ctx, links, link)) holding.push(link);
  return holding;
}

/** An active consent of the patient to this doctor (or the doctor's member) for a purpose, any category. */
async function anyConsent(
  ctx: Context,
  who: Caller,
  patientId: string,
  purpose: Purpose,
): Promise<Consent | undefined> {
  const now = txTime(ctx);
  const consents = await listJson<Consent>(ctx, 'consent', patientId);
  return consents.find(
    (c) =>
      c.grantee.mspId === who.mspId &&
      (c.grantee.practitionerId === undefined || c.grantee.practitionerId === who.practitionerId) &&
      c.purpose === purpose &&
      consentState(c, now) === 'active',
  );
}

/**
 * The basis on which `who` may see who a patient is (demographics) and other data about the
 * patient as a person rather than a record: the patient; a doctor with a care link that holds
 * (an assignment counts at the home member only, which holds these data): 'treating-staff' at
 * the home member, 'care' elsewhere; an active consent to the doctor or their member for the
 * purpose; an open break-glass window (flagged); a doctor of the home member without care
 * (flagged). Anything else: CONSENT_REQUIRED.
 */
export async function patientBasis(ctx: Context, who: Caller, patient: Patient, purpose: Purpose): Promise<BasisFound> {
  if (isThePatient(who, patient)) return { basis: 'patient', flagged: false };
  if (who.role === 'doctor') {
    const home = who.mspId === patient.homeOrg;
    const care = (await careOf(ctx, who, patient.patientId)).filter((link) => home || link.via !== 'assignment');
    if (care.length > 0) return { basis: home ? 'treating-staff' : 'care', flagged: false };
    const consent = await anyConsent(ctx, who, patient.patientId, purpose);
    if (consent) return { basis: 'consent', consentId: consent.consentId, flagged: false };
    const window = await openBreakGlass(ctx, who, patient.patientId);
    if (window) return { basis: 'break-glass', breakGlassId: window.breakGlassId, flagged: true };
    if (home) return unreviewedStaff();
  }
  throw new ChaincodeError('CONSENT_REQUIRED', `no lawful basis for patient ${patient.patientId}`);
}
