/**
 * Small hand-written checks of what the ledger answers, against the types in objects.ts: a
 * client reads an answer through the guard of its type and gets that type, or a ProtocolError
 * naming the first field that is not as the protocol says. Fields the protocol does not name
 * are let through (a newer chaincode may add some before every gateway knows them); the ones
 * it names must be there, of their type.
 */
import type {
  AccessEvent,
  Appointment,
  Approval,
  Bill,
  BillLine,
  BillView,
  BreakGlass,
  CareAssignment,
  CareLink,
  Claim,
  ClaimLine,
  Consent,
  ErasureRequest,
  Feedback,
  FeedbackEntry,
  FeedbackSummary,
  FreeBeds,
  Grantee,
  HeldKeys,
  LabOrder,
  MemberKind,
  MemberKindProposal,
  MemberKinds,
  MyPatient,
  OrgProfileView,
  Page,
  Patient,
  PatientRecovery,
  PendingView,
  Payment,
  Policy,
  Practitioner,
  PractitionerRef,
  Receipt,
  SettledWrite,
  ReadTicket,
  RecordHeader,
  RecordIntegrity,
  RecordTicket,
  RecordVersion,
  StoredBody,
} from './objects';
import { ORG_KINDS, PRACTITIONER_ROLES } from './roles';
import {
  APPOINTMENT_STATUSES,
  BASES,
  BILL_BASIS_KINDS,
  BILL_STATUSES,
  BREAK_GLASS_REVIEW_STATUSES,
  CANCELLERS,
  CARE_VIAS,
  CLAIM_REASON_CODES,
  CLAIM_STATUSES,
  CONSENT_STATUSES,
  ERASURE_STATUSES,
  INTEGRITY_STATUSES,
  LAB_ORDER_STATUSES,
  LAB_PRIORITIES,
  PATIENT_STATUSES,
  PENDING_KINDS,
  PENDING_STATUSES,
  POLICY_STATUSES,
  PRACTITIONER_STATUSES,
  PURPOSES,
  RATINGS,
  READ_KINDS,
  RECORD_CATEGORIES,
  RECORD_SOURCES,
  RECOVERY_STATUSES,
} from './vocabulary';

/** An answer that is not what the protocol says: a chaincode and a client that disagree. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`the ledger's answer does not follow the protocol: ${path} must be ${expected}`);
  }
}

/** Checks `value` (found at `path`) and answers it typed, or throws a ProtocolError. */
export type Guard<T> = (value: unknown, path?: string) => T;

function check<T>(expected: string, test: (value: unknown) => boolean): Guard<T> {
  return (value, path = 'answer') => {
    if (!test(value)) throw new ProtocolError(path, expected);
    return value as T;
  };
}

export const string: Guard<string> = check('a string', (v) => typeof v === 'string');
export const number: Guard<number> = check('a number', (v) => typeof v === 'number' && Number.isFinite(v));
export const integer: Guard<number> = check('an integer', (v) => Number.isSafeInteger(v));
export const boolean: Guard<boolean> = check('true or false', (v) => typeof v === 'boolean');

/** One of a closed vocabulary. */
export function oneOf<T extends string>(values: readonly T[]): Guard<T> {
  return check(
    `one of ${values.join(', ')}`,
    (v) => typeof v === 'string' && (values as readonly string[]).includes(v),
  );
}

/** A value that may be null. */
export function nullable<T>(guard: Guard<T>): Guard<T | null> {
  return (value, path) => (value === null ? null : guard(value, path));
}

/** A field that may be absent. */
export function optional<T>(guard: Guard<T>): Guard<T | undefined> {
  return (value, path) => (value === undefined ? undefined : guard(value, path));
}

export function arrayOf<T>(item: Guard<T>): Guard<T[]> {
  return (value, path = 'answer') => {
    if (!Array.isArray(value)) throw new ProtocolError(path, 'an array');
    value.forEach((element, i) => item(element, `${path}[${String(i)}]`));
    return value as T[];
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Any JSON object (private values whose shape their writer checked, e.g. a record body). */
export const jsonObject: Guard<Record<string, unknown>> = check('an object', isObject);

/** An object whose every key is one of `keys`, each value checked by `guard`. */
export function recordOf<K extends string, V>(keys: readonly K[], guard: Guard<V>): Guard<Partial<Record<K, V>>> {
  return (value, path = 'answer') => {
    if (!isObject(value)) throw new ProtocolError(path, 'an object');
    for (const [name, field] of Object.entries(value)) {
      oneOf(keys)(name, `${path} key ${name}`);
      guard(field, `${path}.${name}`);
    }
    return value as Partial<Record<K, V>>;
  };
}

/** An object with these fields (a guard for each, `optional` for those that may be absent). */
export function objectOf<T>(fields: { [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  return (value, path = 'answer') => {
    if (!isObject(value)) throw new ProtocolError(path, 'an object');
    for (const name of Object.keys(fields) as (keyof T & string)[]) fields[name](value[name], `${path}.${name}`);
    return value as T;
  };
}

/** A page of a list, each item checked. */
export function pageOf<T>(item: Guard<T>): Guard<Page<T>> {
  return objectOf<Page<T>>({ items: arrayOf(item), bookmark: string });
}

/** One of two shapes: the first that fits. */
export function either<A, B>(first: Guard<A>, second: Guard<B>): Guard<A | B> {
  return (value, path = 'answer') => {
    try {
      return first(value, path);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return second(value, path);
    }
  };
}

/** Nothing: transactions that answer no value. */
export const nothing: Guard<undefined> = check('empty', (v) => v === undefined);

// ---------------------------------------------------------------- the ledger's objects

const practitionerRef = objectOf<PractitionerRef>({ mspId: string, practitionerId: string });
const grantee = objectOf<Grantee>({ mspId: string, practitionerId: optional(string) });
const approval = objectOf<Approval>({ mspId: string, approvedAt: string });

export const consent = objectOf<Consent>({
  consentId: string,
  patientId: string,
  grantee,
  categories: arrayOf(oneOf(RECORD_CATEGORIES)),
  purpose: oneOf(PURPOSES),
  validFrom: string,
  validUntil: string,
  status: oneOf(CONSENT_STATUSES),
  createdAt: string,
  revokedAt: optional(string),
});

export const recordHeader = objectOf<RecordHeader>({
  recordId: string,
  patientId: string,
  category: oneOf(RECORD_CATEGORIES),
  custodian: string,
  author: string,
  source: optional(oneOf(RECORD_SOURCES)),
  version: integer,
  createdAt: string,
  updatedAt: string,
  contentHash: string,
  purged: boolean,
});

export const recordVersion = objectOf<RecordVersion>({
  recordId: string,
  version: integer,
  author: string,
  contentHash: string,
  txId: string,
  publishedAt: string,
});

export const storedBody = objectOf<StoredBody>({ recordId: string, version: integer, contentHash: string });

export const recordIntegrity = objectOf<RecordIntegrity>({
  recordId: string,
  version: integer,
  contentHash: string,
  status: oneOf(INTEGRITY_STATUSES),
  checked: oneOf(['body', 'hash'] as const),
});

export const accessEvent = objectOf<AccessEvent>({
  ticketId: string,
  reader: objectOf<AccessEvent['reader']>({
    mspId: string,
    role: string,
    id: string,
    practitionerId: optional(string),
    patientId: optional(string),
  }),
  patientId: string,
  resource: string,
  action: oneOf(['read'] as const),
  purpose: oneOf(PURPOSES),
  basis: oneOf(BASES),
  consentId: optional(string),
  breakGlassId: optional(string),
  flagged: boolean,
  custodian: string,
  txId: string,
  time: string,
});

export const readTicket = objectOf<ReadTicket>({
  ticketId: string,
  kind: oneOf(READ_KINDS),
  resourceId: string,
  basis: oneOf(BASES),
  flagged: boolean,
  expiresAt: string,
  custodian: string,
});

export const recordTicket = objectOf<RecordTicket>({
  ticketId: string,
  recordId: string,
  basis: oneOf(BASES),
  flagged: boolean,
  expiresAt: string,
  custodian: string,
});

export const breakGlass = objectOf<BreakGlass>({
  breakGlassId: string,
  patientId: string,
  doctor: practitionerRef,
  reasonCode: string,
  openedAt: string,
  expiresAt: string,
  review: objectOf<BreakGlass['review']>({
    status: oneOf(BREAK_GLASS_REVIEW_STATUSES),
    reviewer: optional(string),
    reviewedAt: optional(string),
  }),
});

export const erasureRequest = objectOf<ErasureRequest>({
  requestId: string,
  patientId: string,
  requestedAt: string,
  status: oneOf(ERASURE_STATUSES),
  required: arrayOf(string),
  approvals: arrayOf(
    objectOf<ErasureRequest['approvals'][number]>({ mspId: string, approvedAt: string, purgedKeys: integer }),
  ),
});

export const heldKeys = objectOf<HeldKeys>({
  patientId: string,
  mspId: string,
  keys: arrayOf(arrayOf(string)),
  through: string,
});

export const patient = objectOf<Patient>({
  patientId: string,
  homeOrg: string,
  certFingerprints: arrayOf(string),
  demographicsHash: string,
  status: oneOf(PATIENT_STATUSES),
  registeredAt: string,
});

export const patientRecovery = objectOf<PatientRecovery>({
  requestId: string,
  patientId: string,
  fingerprint: string,
  requestedAt: string,
  expiresAt: string,
  status: oneOf(RECOVERY_STATUSES),
  approvals: arrayOf(approval),
  completedAt: optional(string),
});

export const orgProfileView = objectOf<OrgProfileView>({
  mspId: string,
  displayName: string,
  specialities: arrayOf(string),
  updatedAt: string,
  kind: optional(oneOf(ORG_KINDS)),
});

export const practitioner = objectOf<Practitioner>({
  practitionerId: string,
  mspId: string,
  role: oneOf(PRACTITIONER_ROLES),
  specialty: optional(string),
  licenceNo: string,
  status: oneOf(PRACTITIONER_STATUSES),
  updatedAt: string,
});

export const careAssignment = objectOf<CareAssignment>({
  assignmentId: string,
  mspId: string,
  practitionerId: string,
  patientId: string,
  assignedBy: string,
  assignedAt: string,
  endedAt: optional(string),
  endedBy: optional(string),
});

export const memberKind = objectOf<MemberKind>({
  mspId: string,
  kind: oneOf(ORG_KINDS),
  approvedBy: arrayOf(string),
  approvedAt: string,
});

export const memberKindProposal = objectOf<MemberKindProposal>({
  mspId: string,
  kind: oneOf(ORG_KINDS),
  proposedAt: string,
  approvals: arrayOf(approval),
});

export const labOrder = objectOf<LabOrder>({
  orderId: string,
  patientId: string,
  orderingOrg: string,
  orderingDoctor: string,
  lab: string,
  detailsHash: string,
  priority: oneOf(LAB_PRIORITIES),
  status: oneOf(LAB_ORDER_STATUSES),
  rejectionReason: optional(string),
  resultRecordId: optional(string),
  createdAt: string,
  updatedAt: string,
});

export const appointment = objectOf<Appointment>({
  appointmentId: string,
  patientId: string,
  practitioner: practitionerRef,
  slot: string,
  status: oneOf(APPOINTMENT_STATUSES),
  cancelledBy: optional(oneOf(CANCELLERS)),
  feedbackGivenAt: optional(string),
  createdAt: string,
  updatedAt: string,
});

export const feedback = objectOf<Feedback>({
  appointmentId: string,
  practitioner: practitionerRef,
  rating: integer,
  givenAt: string,
});

export const feedbackEntry = objectOf<FeedbackEntry>({ appointmentId: string, rating: integer, givenAt: string });

export const policy = objectOf<Policy>({
  policyId: string,
  insurer: string,
  patientId: string,
  plan: string,
  coverage: recordOf(RECORD_CATEGORIES, integer),
  copayPercent: integer,
  annualLimit: integer,
  validFrom: string,
  validUntil: string,
  status: oneOf(POLICY_STATUSES),
  updatedAt: string,
});

const claimLine = objectOf<ClaimLine>({
  recordId: string,
  contentHash: string,
  category: oneOf(RECORD_CATEGORIES),
  amount: integer,
});
const reasons = arrayOf(oneOf(CLAIM_REASON_CODES));

export const claim = objectOf<Claim>({
  claimId: string,
  patientId: string,
  policyId: string,
  insurer: string,
  provider: string,
  submittedBy: objectOf<Claim['submittedBy']>({ mspId: string, role: string }),
  serviceDate: string,
  lines: arrayOf(claimLine),
  claimedAmount: integer,
  billId: optional(string),
  status: oneOf(CLAIM_STATUSES),
  submittedAt: string,
  adjudication: optional(
    objectOf<NonNullable<Claim['adjudication']>>({
      approvedAmount: integer,
      reasons,
      lines: arrayOf(objectOf({ recordId: string, approvedAmount: integer, reasons })),
      adjudicatedAt: string,
      adjudicator: string,
    }),
  ),
  payment: optional(objectOf<NonNullable<Claim['payment']>>({ paymentRef: string, paidAt: string, amount: integer })),
});

export const billLine = objectOf<BillLine>({
  recordId: optional(string),
  category: oneOf(RECORD_CATEGORIES),
  amount: integer,
});

const billFields = {
  billId: string,
  patientId: string,
  provider: string,
  basis: objectOf<Bill['basis']>({ kind: oneOf(BILL_BASIS_KINDS), id: string }),
  lines: arrayOf(billLine),
  total: integer,
  itemsHash: string,
  status: oneOf(BILL_STATUSES),
  payments: arrayOf(objectOf<Payment>({ amount: integer, paymentRef: string, paidAt: string, recordedBy: string })),
  issuedAt: string,
  updatedAt: string,
};

export const bill = objectOf<Bill>(billFields);

/** A bill with the insurers' share, the payments and what remains, as its readers get it. */
export const billView = objectOf<BillView>({ ...billFields, covered: integer, paid: integer, remaining: integer });

export const feedbackSummary = objectOf<FeedbackSummary>({
  mspId: string,
  practitionerId: string,
  count: integer,
  average: nullable(number),
  ratings: recordOf(RATINGS, integer),
});

export const myPatient = objectOf<MyPatient>({
  patientId: string,
  links: arrayOf(objectOf<CareLink>({ via: oneOf(CARE_VIAS), ref: string, since: string })),
});

export const freeBeds = objectOf<FreeBeds>({
  mspId: string,
  hospital: string,
  ward: string,
  specialty: string,
  free: integer,
});

export const memberKinds = objectOf<MemberKinds>({
  members: arrayOf(memberKind),
  proposals: arrayOf(memberKindProposal),
  approvalsNeeded: integer,
});

/** What a ping answers: the member whose peer served it. */
export const pong = objectOf<{ mspId: string }>({ mspId: string });

// What the first step of a two-step write answers: the ids and hashes the second step publishes.

export const storedDemographics = objectOf<{ patientId: string; demographicsHash: string }>({
  patientId: string,
  demographicsHash: string,
});

export const storedDetails = objectOf<{ orderId: string; detailsHash: string }>({
  orderId: string,
  detailsHash: string,
});

export const storedResult = objectOf<{ orderId: string; recordId: string; contentHash: string }>({
  orderId: string,
  recordId: string,
  contentHash: string,
});

export const storedItems = objectOf<{ billId: string; itemsHash: string; lines: BillLine[]; total: number }>({
  billId: string,
  itemsHash: string,
  lines: arrayOf(billLine),
  total: integer,
});

export const publishedResult = objectOf<{ orderId: string; recordId: string }>({ orderId: string, recordId: string });

/** A member kind approval: the kind in effect once a majority approved, else the proposal. */
export const kindDecision = either(memberKind, memberKindProposal);

export const receipt = objectOf<Receipt>({ id: string, kind: string, txId: string });

const pendingFields = {
  kind: oneOf(PENDING_KINDS),
  id: string,
  version: optional(integer),
  storedAt: string,
  status: oneOf(PENDING_STATUSES),
  purgeableAt: string,
};

export const pendingView = objectOf<PendingView>(pendingFields);

export const settledWrite = objectOf<SettledWrite>({
  ...pendingFields,
  outcome: oneOf(['finished', 'purged'] as const),
});
