/**
 * Everything private that someone may read, and on which basis. Each kind of private value
 * names the patient it is about, the members whose collections hold it, the lawful basis of a
 * reader, and how to read it on a holder's peer. The access contract audits every read the same
 * way through this table (SPEC §4: no unaudited read).
 */
import type { Context } from 'fabric-contract-api';
import { isOneOf, READ_KINDS, RECORD_READER_ROLES, type ReadKind } from '@ehr/protocol';
import { commentKey, getAppointment, reasonKey as appointmentReasonKey } from './appointments';
import { type BasisFound, careOf, getPatient, isThePatient, patientBasis, readBasis, unreviewedStaff } from './basis';
import { billItemsKey, getBill } from './bills';
import { getWindowById, reasonKey as breakGlassReasonKey } from './break-glass';
import { claimLinesKey, getClaim } from './claims';
import { demographicsKey } from './directory-contract';
import { ChaincodeError, forbidden, invalid } from './errors';
import type { Caller } from './identity';
import { unmarshal } from './json';
import { getJson, implicitCollection, key } from './ledger';
import { detailsKey, getOrder } from './lab-orders';
import { bodyKey, getHeader } from './records';
import type { Feedback } from './types/appointment';
import type { Purpose } from './types/vocabulary';

export { READ_KINDS, type ReadKind } from '@ehr/protocol';

export interface Readable {
  /** The patient the value is about: their access log shows the read. */
  patientId: string;
  /** The members whose implicit collections hold the value; a read is served by one of them. */
  holders: string[];
  /** The reader's lawful basis, or CONSENT_REQUIRED / CONSENT_EXPIRED / FORBIDDEN. */
  basis(who: Caller, purpose: Purpose): Promise<BasisFound>;
  /**
   * The stored key in a holder's collection; none for a value the holder keeps off the ledger
   * (secure messages, in the home hospital's gateway), whose read the access event only audits.
   */
  privateKey?: string;
}

const allowed = (basis: BasisFound['basis']): BasisFound => ({ basis, flagged: false });

function noBasis(what: string): ChaincodeError {
  return new ChaincodeError('CONSENT_REQUIRED', `no lawful basis to read ${what}`);
}

async function record(ctx: Context, recordId: string): Promise<Readable> {
  const header = await getHeader(ctx, recordId);
  if (header.purged) throw new ChaincodeError('PURGED', `record ${recordId} was erased`);
  return {
    patientId: header.patientId,
    holders: [header.custodian],
    basis: (who, purpose) => {
      if (!isOneOf(RECORD_READER_ROLES, who.role)) throw forbidden(`a ${who.role} does not read clinical records`);
      return readBasis(ctx, who, header, purpose);
    },
    privateKey: bodyKey(ctx, recordId, header.version),
  };
}

async function demographics(ctx: Context, patientId: string): Promise<Readable> {
  const patient = await getPatient(ctx, patientId);
  if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patientId} was erased`);
  return {
    patientId,
    holders: [patient.homeOrg],
    basis: async (who, purpose) => {
      // The home member's admin registered the patient and keeps the entry up to date.
      if (who.role === 'admin' && who.mspId === patient.homeOrg) return allowed('member-admin');
      return patientBasis(ctx, who, patient, purpose);
    },
    privateKey: demographicsKey(ctx, patientId),
  };
}

async function labOrderDetails(ctx: Context, orderId: string): Promise<Readable> {
  const order = await getOrder(ctx, orderId);
  return {
    patientId: order.patientId,
    holders: [order.orderingOrg, order.lab],
    basis: async (who) => {
      if (who.role === 'labtech' && who.mspId === order.lab) return allowed('lab-order');
      if (who.role === 'doctor' && who.mspId === order.orderingOrg) {
        if (who.practitionerId === order.orderingDoctor) return allowed('ordering-doctor');
        return (await careOf(ctx, who, order.patientId)).length > 0 ? allowed('treating-staff') : unreviewedStaff();
      }
      if (isThePatient(who, await getPatient(ctx, order.patientId))) return allowed('patient');
      throw noBasis(`the details of lab order ${orderId}`);
    },
    privateKey: detailsKey(ctx, orderId),
  };
}

/** The appointment's patient, its practitioner and the admins of the practitioner's member. */
async function appointmentParty(
  ctx: Context,
  who: Caller,
  appointment: { patientId: string; practitioner: { mspId: string; practitionerId: string } },
  what: string,
): Promise<BasisFound> {
  const { mspId, practitionerId } = appointment.practitioner;
  if (who.role === 'doctor' && who.mspId === mspId && who.practitionerId === practitionerId) return allowed('care');
  if (who.role === 'admin' && who.mspId === mspId) return allowed('member-admin');
  if (isThePatient(who, await getPatient(ctx, appointment.patientId))) return allowed('patient');
  throw noBasis(what);
}

async function appointmentReason(ctx: Context, appointmentId: string): Promise<Readable> {
  const appointment = await getAppointment(ctx, appointmentId);
  return {
    patientId: appointment.patientId,
    holders: [appointment.practitioner.mspId],
    basis: (who) => appointmentParty(ctx, who, appointment, `the reason for appointment ${appointmentId}`),
    privateKey: appointmentReasonKey(ctx, appointmentId),
  };
}

async function feedbackComment(ctx: Context, appointmentId: string): Promise<Readable> {
  const appointment = await getAppointment(ctx, appointmentId);
  const feedback = await getJson<Feedback>(ctx, key(ctx, 'feedback', appointmentId));
  if (!feedback) throw new ChaincodeError('NOT_FOUND', `appointment ${appointmentId} has no feedback`);
  return {
    patientId: appointment.patientId,
    holders: [appointment.practitioner.mspId],
    basis: (who) => appointmentParty(ctx, who, appointment, `the feedback on appointment ${appointmentId}`),
    privateKey: commentKey(ctx, appointmentId),
  };
}

async function breakGlassReason(ctx: Context, breakGlassId: string): Promise<Readable> {
  const window = await getWindowById(ctx, breakGlassId);
  const patient = await getPatient(ctx, window.patientId);
  return {
    patientId: window.patientId,
    // The home member holds it so that its admin can review the window on its own peer.
    holders: [patient.homeOrg, window.doctor.mspId],
    basis: (who) => {
      if (who.role === 'admin' && who.mspId === patient.homeOrg) return Promise.resolve(allowed('reviewer'));
      const { mspId, practitionerId } = window.doctor;
      if (who.role === 'doctor' && who.mspId === mspId && who.practitionerId === practitionerId) {
        return Promise.resolve(allowed('author'));
      }
      return Promise.reject(noBasis(`the reason of break-glass window ${breakGlassId}`));
    },
    privateKey: breakGlassReasonKey(ctx, breakGlassId),
  };
}

async function claimLines(ctx: Context, claimId: string): Promise<Readable> {
  const claim = await getClaim(ctx, claimId);
  return {
    patientId: claim.patientId,
    holders: [claim.provider, claim.insurer],
    basis: async (who) => {
      if (who.role === 'adjuster' && who.mspId === claim.insurer) return allowed('claim-party');
      if (who.role === 'billing' && who.mspId === claim.provider) return allowed('claim-party');
      if (isThePatient(who, await getPatient(ctx, claim.patientId))) return allowed('patient');
      throw noBasis(`the lines of claim ${claimId}`);
    },
    privateKey: claimLinesKey(ctx, claimId),
  };
}

/** What a bill's items were, in words: for the provider's billing clerks and admins, and the patient. */
async function billItems(ctx: Context, billId: string): Promise<Readable> {
  const bill = await getBill(ctx, billId);
  return {
    patientId: bill.patientId,
    holders: [bill.provider],
    basis: async (who) => {
      if (who.role === 'billing' && who.mspId === bill.provider) return allowed('bill-party');
      if (who.role === 'admin' && who.mspId === bill.provider) return allowed('member-admin');
      if (isThePatient(who, await getPatient(ctx, bill.patientId))) return allowed('patient');
      throw noBasis(`the items of bill ${billId}`);
    },
    privateKey: billItemsKey(ctx, billId),
  };
}

/**
 * A patient's secure messages (SPEC §5): never on the ledger; the home hospital's gateway keeps
 * them and serves them after this audited access. Readers: the patient; a doctor of the home
 * hospital with a care link that holds now (appointment, lab order, consent, assignment; a
 * break-glass window is for clinical emergencies, not for correspondence); the home hospital's
 * admin, for the purpose the access event records. No one else, flagged or not.
 */
async function messages(ctx: Context, patientId: string): Promise<Readable> {
  const patient = await getPatient(ctx, patientId);
  if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patientId} was erased`);
  const what = `the messages of patient ${patientId}`;
  return {
    patientId,
    holders: [patient.homeOrg],
    basis: async (who) => {
      if (isThePatient(who, patient)) return allowed('patient');
      if (who.role === 'patient') throw forbidden('a patient reads only their own messages');
      if (who.mspId !== patient.homeOrg) {
        throw forbidden(`${what} are kept by their home hospital ${patient.homeOrg}: only its staff take part`);
      }
      if (who.role === 'admin') return allowed('member-admin');
      if (who.role !== 'doctor') throw forbidden(`a ${who.role} does not take part in secure messages`);
      if ((await careOf(ctx, who, patientId)).length > 0) return allowed('care');
      throw new ChaincodeError(
        'CONSENT_REQUIRED',
        `no lawful basis to read ${what}: you are not on their care team (appointment, lab order, consent or assignment)`,
      );
    },
  };
}

const KINDS: Record<ReadKind, (ctx: Context, resourceId: string) => Promise<Readable>> = {
  record,
  demographics,
  labOrderDetails,
  appointmentReason,
  feedbackComment,
  breakGlassReason,
  claimLines,
  billItems,
  messages,
};

export function readKind(value: string): ReadKind {
  if (!(READ_KINDS as readonly string[]).includes(value)) throw invalid(`kind must be one of ${READ_KINDS.join(', ')}`);
  return value as ReadKind;
}

/** The private value of this kind and id, as the table describes it. */
export function readable(ctx: Context, kind: ReadKind, resourceId: string): Promise<Readable> {
  return KINDS[kind](ctx, resourceId);
}

/** The value as a holder's peer stores it: WRONG_PEER on a peer of another member, NOT_FOUND when none is held. */
export async function readHeld(ctx: Context, holder: string, target: Readable, what: string): Promise<unknown> {
  // Kept off the ledger: the ticket and the basis were checked; the holder's gateway serves it.
  if (target.privateKey === undefined) return { resource: what, heldBy: holder, offLedger: true };
  let bytes: Uint8Array;
  try {
    bytes = await ctx.stub.getPrivateData(implicitCollection(holder), target.privateKey);
  } catch {
    throw new ChaincodeError('WRONG_PEER', `read ${what} on a peer of ${holder}, which holds it`);
  }
  if (bytes.length === 0) throw new ChaincodeError('NOT_FOUND', `${what} is not held (never stored, or erased)`);
  return unmarshal(bytes);
}
