/**
 * Every shape the API accepts or answers, as JSON Schema (the subset OpenAPI 3.0 speaks). Inputs
 * mirror the chaincode's parse functions (chaincode/src/types/*.ts, chaincode/src/validate.ts):
 * the same required fields, lengths, patterns and vocabularies, so the gateway refuses what the
 * chaincode would refuse before any transaction is sent. Answers mirror the chaincode's types.
 * Every object names its fields and refuses others: the document tells a client everything.
 * The schemas listed in `COMPONENTS` appear once in the OpenAPI document and are referenced.
 */
import type * as P from '@ehr/protocol';
import { NODE_NAMES, NODE_STATUSES } from './health';
import {
  APPOINTMENT_STATUSES,
  BASES,
  BILL_BASIS_KINDS,
  BILL_STATUSES,
  BREAK_GLASS_REASONS,
  BREAK_GLASS_REVIEW_STATUSES,
  CANCELLERS,
  CLAIM_REASON_CODES,
  CLAIM_STATUSES,
  CONSENT_STATUSES,
  ERASURE_STATUSES,
  INTEGRITY_STATUSES,
  LAB_ORDER_STATUSES,
  LAB_PRIORITIES,
  ORG_KINDS,
  PATIENT_STATUSES,
  POLICY_STATUSES,
  PRACTITIONER_ROLES,
  PRACTITIONER_STATUSES,
  PURPOSES,
  READ_KINDS,
  RECORD_CATEGORIES,
  RECORD_SOURCES,
  RECOVERY_STATUSES,
  ROLES,
} from '@ehr/protocol';

export type JsonSchema = Record<string, unknown>;

/** A string of 1 (or `min`) to `max` characters, optionally matching a pattern. */
export function str(max: number, pattern?: string, min = 1): JsonSchema {
  return { type: 'string', minLength: min, maxLength: max, ...(pattern ? { pattern } : {}) };
}

/** An integer from `minimum` to `maximum`. */
export function int(minimum: number, maximum: number): JsonSchema {
  return { type: 'integer', minimum, maximum };
}

/** One string of a closed vocabulary. */
export function oneOf(values: readonly string[]): JsonSchema {
  return { type: 'string', enum: [...values] };
}

/** A closed object: only these properties, the `required` ones always. */
export function object(required: string[], properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties,
    ...(description ? { description } : {}),
  };
}

/** The fields of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T] & string;

/**
 * The schema of a protocol object (`@ehr/protocol`'s types): a closed object that names every
 * field of T and no other, and requires exactly the fields T requires. A field added to the
 * protocol type, or dropped from it, and not here, does not compile.
 */
export function shapeOf<T>() {
  return <const R extends readonly RequiredKeys<T>[]>(
    required: R,
    properties: { [K in keyof Required<T>]: JsonSchema } & ([Exclude<RequiredKeys<T>, R[number]>] extends [never]
      ? unknown
      : { requiredButNotListed: Exclude<RequiredKeys<T>, R[number]> }),
    description?: string,
  ): JsonSchema => object([...required], properties, description);
}

/** An array of `items`, optionally with a least and a most number of them. */
export function list(items: JsonSchema, limits: { min?: number; max?: number } = {}): JsonSchema {
  return {
    type: 'array',
    items,
    ...(limits.min === undefined ? {} : { minItems: limits.min }),
    ...(limits.max === undefined ? {} : { maxItems: limits.max }),
  };
}

/** The same object with the committed transaction's id first and the block it committed in, as submits answer. */
export function withTxId(schema: JsonSchema): JsonSchema {
  const { required, properties } = schema as { required: string[]; properties: Record<string, JsonSchema> };
  return object(['txId', ...required, 'committedBlock'], {
    txId: TX_ID,
    ...properties,
    committedBlock: COMMITTED_BLOCK,
  });
}

// Formats and ids, as chaincode/src/validate.ts checks them.
export const ID = str(128, '^[A-Za-z0-9][A-Za-z0-9_.:-]*$');
export const MSP_ID = str(64, '^[A-Za-z][A-Za-z0-9.-]*$');
export const PRACTITIONER_ID = str(64, '^[A-Za-z0-9_-]+$');
/** An ISO 8601 time with a zone; the chaincode stores it in UTC. */
export const ISO_TIME = str(40, '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$');
export const DATE = str(10, '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$');
export const HEX64 = str(64, '^[0-9a-f]{64}$', 64);
/** A Fabric transaction id (64 hex characters on a real network). */
export const TX_ID = str(128, '^[A-Za-z0-9_-]+$');
/** The block of a write's (last) commit; also sent as the Ehr-Committed-Block header. */
export const COMMITTED_BLOCK = {
  type: 'integer',
  minimum: 0,
  description:
    'The block the write committed in. Send it as the Ehr-Min-Block header of a later request, at any ' +
    "member's gateway: that gateway waits until its own peer has committed the block (read-your-writes)",
};
/** A time the ledger or the gateway set (UTC, `Date.toISOString`). */
export const TIME = { type: 'string', format: 'date-time' };
/** An amount in cents. */
export const CENTS = int(0, Number.MAX_SAFE_INTEGER);
export const CATEGORY = oneOf(RECORD_CATEGORIES);
export const PURPOSE = oneOf(PURPOSES);
export const ROLE = oneOf(ROLES);
export const ORG_KIND = oneOf(ORG_KINDS);
const PERCENT = int(0, 100);
const PRACTITIONER_ROLE = oneOf(PRACTITIONER_ROLES);
const REASON_CODE = oneOf(CLAIM_REASON_CODES);
const practitionerRef = object(['mspId', 'practitionerId'], { mspId: MSP_ID, practitionerId: PRACTITIONER_ID });

// ---------------------------------------------------------------- inputs

/** types/patient.ts parseDemographics: private to the home member. */
export const Demographics = object(
  ['name', 'dateOfBirth'],
  {
    name: str(200),
    dateOfBirth: DATE,
    contact: object([], { phone: str(40), email: str(200), address: str(400) }),
  },
  "Who the patient is: kept only in the home member's private collection",
);

/** types/directory.ts parsePractitioner. */
export const PractitionerInput = object(['practitionerId', 'role', 'licenceNo'], {
  practitionerId: PRACTITIONER_ID,
  role: PRACTITIONER_ROLE,
  licenceNo: str(64),
  specialty: str(80),
  status: oneOf(PRACTITIONER_STATUSES),
});

/** types/directory.ts parseWard (occupied ≤ total is checked by the route). */
export const WardInput = object(['ward', 'specialty', 'total', 'occupied'], {
  ward: str(64, '^[A-Za-z0-9 _-]+$'),
  specialty: str(64),
  total: int(0, 100_000),
  occupied: int(0, 100_000),
});

/** types/directory.ts parseOrgProfile; the kind is the gateway's own member kind. */
export const OrgProfileInput = object(['displayName', 'specialities'], {
  displayName: str(120),
  specialities: list(str(128, undefined, 0), { max: 32 }),
});

/** types/consent.ts parseConsentGrant. */
export const ConsentGrant = object(['grantee', 'categories', 'purpose', 'validUntil'], {
  grantee: object(['mspId'], { mspId: MSP_ID, practitionerId: PRACTITIONER_ID }),
  categories: list(CATEGORY, { min: 1 }),
  purpose: PURPOSE,
  validFrom: ISO_TIME,
  validUntil: ISO_TIME,
});

const Attachment = object(['name', 'sha256'], { name: str(200), sha256: HEX64 });

/** types/record.ts parseRecordBody: at least one field; at most 64 KiB in all (checked by the chaincode). */
export const RecordBodyInput = {
  ...object([], {
    diagnosis: str(2000),
    medication: list(str(200, undefined, 0)),
    suggestion: str(4000),
    nextReview: ISO_TIME,
    notes: str(16000),
    attachments: list(Attachment, { max: 50 }),
  }),
  minProperties: 1,
};

/** types/lab-order.ts parseLabOrderDetails: private to the ordering member and the lab. */
export const LabOrderDetails = object(['tests'], {
  tests: list(object(['code', 'name'], { code: str(32), name: str(200) }), { min: 1, max: 50 }),
  notes: str(4000),
});

const COVERAGE = object(
  [],
  Object.fromEntries(RECORD_CATEGORIES.map((category) => [category, PERCENT])),
  'Share of each covered category the insurer pays, in percent',
);

/** types/policy.ts parsePolicyTerms (validUntil after validFrom is checked by the chaincode). */
export const PolicyTerms = object(['plan', 'coverage', 'copayPercent', 'annualLimit', 'validFrom', 'validUntil'], {
  plan: str(80),
  coverage: COVERAGE,
  copayPercent: PERCENT,
  annualLimit: CENTS,
  validFrom: ISO_TIME,
  validUntil: ISO_TIME,
});

const ClaimLineInput = object(['recordId', 'contentHash', 'category', 'amount'], {
  recordId: ID,
  contentHash: HEX64,
  category: CATEGORY,
  amount: int(1, Number.MAX_SAFE_INTEGER),
});

/** types/claim.ts parseClaimInput; `provider` is required when a patient files (billing files for its own member). */
export const ClaimInput = object(['policyId', 'patientId', 'serviceDate', 'lines'], {
  policyId: ID,
  patientId: ID,
  serviceDate: ISO_TIME,
  lines: list(ClaimLineInput, { min: 1, max: 50 }),
  provider: MSP_ID,
});

/**
 * What each claim line was (the chaincode keeps any object up to 32 KiB, in the provider's and
 * the insurer's collections only; the gateway fixes its shape so both read the same fields).
 */
export const ClaimLineDetails = object(['lines'], {
  lines: list(
    object(['recordId', 'description'], {
      recordId: ID,
      description: str(500),
      code: str(32),
      quantity: int(1, 10_000),
      unitAmount: CENTS,
    }),
    { min: 1, max: 50 },
  ),
  notes: str(4000),
});

// ---------------------------------------------------------------- answers

export const OrgProfile = shapeOf<P.OrgProfileView>()(['mspId', 'displayName', 'specialities', 'updatedAt'], {
  mspId: MSP_ID,
  kind: { ...ORG_KIND, description: 'The kind a majority of members approved; absent until they have' },
  displayName: str(120),
  specialities: list({ type: 'string' }),
  updatedAt: TIME,
});

export const Practitioner = shapeOf<P.Practitioner>()(
  ['practitionerId', 'mspId', 'role', 'licenceNo', 'status', 'updatedAt'],
  {
    practitionerId: PRACTITIONER_ID,
    mspId: MSP_ID,
    role: PRACTITIONER_ROLE,
    specialty: { type: 'string' },
    licenceNo: { type: 'string' },
    status: oneOf(PRACTITIONER_STATUSES),
    updatedAt: TIME,
  },
);

export const PatientEntry = shapeOf<P.Patient>()(
  ['patientId', 'homeOrg', 'certFingerprints', 'demographicsHash', 'status', 'registeredAt'],
  {
    patientId: ID,
    homeOrg: MSP_ID,
    certFingerprints: {
      ...list(HEX64),
      description:
        'SHA-256 of the certificates the patient acts with: the first linked, then those confirmed with a bound one or recovered to',
    },
    demographicsHash: HEX64,
    status: oneOf(PATIENT_STATUSES),
    registeredAt: TIME,
  },
  'The public entry of a patient: no demographics',
);

export const FreeBeds = shapeOf<P.FreeBeds>()(['mspId', 'hospital', 'ward', 'specialty', 'free'], {
  mspId: MSP_ID,
  hospital: { type: 'string', description: "The hospital's display name" },
  ward: { type: 'string' },
  specialty: { type: 'string' },
  free: int(1, 100_000),
});

export const Consent = shapeOf<P.Consent>()(
  ['consentId', 'patientId', 'grantee', 'categories', 'purpose', 'validFrom', 'validUntil', 'status', 'createdAt'],
  {
    consentId: ID,
    patientId: ID,
    grantee: object(['mspId'], { mspId: MSP_ID, practitionerId: PRACTITIONER_ID }),
    categories: list(CATEGORY, { min: 1 }),
    purpose: PURPOSE,
    validFrom: TIME,
    validUntil: TIME,
    status: oneOf(CONSENT_STATUSES),
    createdAt: TIME,
    revokedAt: TIME,
  },
);

export const RecordHeader = shapeOf<P.RecordHeader>()(
  [
    'recordId',
    'patientId',
    'category',
    'custodian',
    'author',
    'version',
    'createdAt',
    'updatedAt',
    'contentHash',
    'purged',
  ],
  {
    recordId: ID,
    patientId: ID,
    category: CATEGORY,
    custodian: MSP_ID,
    author: { type: 'string', description: 'Practitioner id of the author of the latest version' },
    version: int(1, 999_999),
    createdAt: TIME,
    updatedAt: TIME,
    contentHash: HEX64,
    purged: { type: 'boolean' },
    source: {
      ...oneOf(RECORD_SOURCES),
      description: "'patient' for a patient's own history (the author is then the patientId)",
    },
  },
  'The public header of a record: no clinical content',
);

export const RecordVersion = shapeOf<P.RecordVersion>()(
  ['recordId', 'version', 'author', 'contentHash', 'txId', 'publishedAt'],
  {
    recordId: ID,
    version: int(1, 999_999),
    author: { type: 'string' },
    contentHash: HEX64,
    txId: TX_ID,
    publishedAt: TIME,
  },
);

/** A written record version (create, amend). */
export const RecordWritten = shapeOf<P.StoredBody>()(['recordId', 'version', 'contentHash'], {
  recordId: ID,
  version: int(1, 999_999),
  contentHash: HEX64,
});

export const RecordIntegrity = shapeOf<P.RecordIntegrity>()(
  ['recordId', 'version', 'contentHash', 'status', 'checked'],
  {
    recordId: ID,
    version: int(1, 999_999),
    contentHash: HEX64,
    status: { ...oneOf(INTEGRITY_STATUSES), description: 'The held body or its hash against the header' },
    checked: {
      ...oneOf(['body', 'hash']),
      description:
        "'body': the hash of the body the custodian's peer holds was recomputed (the gateway asks that peer); " +
        "'hash': only the committed hash was compared (a peer without the body)",
    },
  },
);

/** The clinical content of a version, as the custodian stores it. */
export const RecordBody = object(['recordId', 'version', 'patientId', 'category'], {
  recordId: ID,
  version: int(1, 999_999),
  patientId: ID,
  category: CATEGORY,
  diagnosis: { type: 'string' },
  medication: list({ type: 'string' }),
  suggestion: { type: 'string' },
  nextReview: TIME,
  notes: { type: 'string' },
  attachments: list(Attachment),
});

const BASIS = {
  ...oneOf(BASES),
  description:
    "The lawful basis of a read: care = the doctor's appointment, lab order or consent with the patient; " +
    "lab-order = the lab the test is ordered at; reviewer = the home member's admin reviewing a break-glass window",
};

export const AccessTicket = shapeOf<P.RecordTicket>()(
  ['ticketId', 'recordId', 'basis', 'flagged', 'expiresAt', 'custodian'],
  {
    ticketId: TX_ID,
    recordId: ID,
    basis: BASIS,
    flagged: { type: 'boolean', description: 'True for a read under a break-glass window: it is reviewed' },
    expiresAt: TIME,
    custodian: { ...MSP_ID, description: 'The member whose peer serves the body: read it there' },
  },
);

/** The private values other than record bodies (which have routes of their own) read with an audit trail. */
export const VALUE_READ_KINDS = READ_KINDS.filter((kind) => kind !== 'record');

/** The audit record of a read of a private value other than a record body. */
export const ReadTicket = shapeOf<P.ReadTicket>()(
  ['ticketId', 'kind', 'resourceId', 'basis', 'flagged', 'expiresAt', 'custodian'],
  {
    ticketId: TX_ID,
    kind: oneOf(VALUE_READ_KINDS),
    resourceId: ID,
    basis: BASIS,
    flagged: { type: 'boolean', description: 'True for a read under a break-glass window: it is reviewed' },
    expiresAt: TIME,
    custodian: { ...MSP_ID, description: 'The member whose peer served the value' },
  },
);

/** An audited read's answer: its committed access event (ticket) and the value. */
export function auditedRead(value: JsonSchema): JsonSchema {
  return object(['txId', 'ticket', 'value', 'committedBlock'], {
    txId: TX_ID,
    ticket: ReadTicket,
    value,
    committedBlock: COMMITTED_BLOCK,
  });
}

/** The purpose of an audited read ('treatment' when not given). */
export const ReadRequest = object([], { purpose: PURPOSE });

// The private values as the holding members store them.
export const DemographicsHeld = object(['patientId', 'name', 'dateOfBirth'], {
  patientId: ID,
  name: { type: 'string' },
  dateOfBirth: DATE,
  contact: object([], { phone: { type: 'string' }, email: { type: 'string' }, address: { type: 'string' } }),
});
export const LabOrderDetailsHeld = object(['orderId', 'tests'], {
  orderId: ID,
  tests: list(object(['code', 'name'], { code: { type: 'string' }, name: { type: 'string' } })),
  notes: { type: 'string' },
});
export const AppointmentReason = object(['appointmentId', 'reason'], { appointmentId: ID, reason: { type: 'string' } });
export const FeedbackComment = object(['appointmentId', 'comment'], {
  appointmentId: ID,
  comment: { type: 'string' },
});
export const BreakGlassReason = object(['breakGlassId', 'patientId', 'reason'], {
  breakGlassId: ID,
  patientId: ID,
  reason: { type: 'string' },
});

export const AccessEvent = shapeOf<P.AccessEvent>()(
  ['ticketId', 'reader', 'patientId', 'resource', 'action', 'purpose', 'basis', 'flagged', 'custodian', 'txId', 'time'],
  {
    ticketId: TX_ID,
    reader: object(['mspId', 'role', 'id'], {
      mspId: MSP_ID,
      role: ROLE,
      id: { type: 'string', description: "The certificate's subject and issuer" },
      practitionerId: PRACTITIONER_ID,
      patientId: ID,
    }),
    patientId: ID,
    resource: { type: 'string', description: 'What was read, as kind:id, e.g. record:REC-… or demographics:PAT-…' },
    action: oneOf(['read']),
    purpose: PURPOSE,
    basis: BASIS,
    consentId: ID,
    breakGlassId: ID,
    flagged: { type: 'boolean' },
    custodian: MSP_ID,
    txId: TX_ID,
    time: TIME,
  },
);

export const BreakGlass = shapeOf<P.BreakGlass>()(
  ['breakGlassId', 'patientId', 'doctor', 'reasonCode', 'openedAt', 'expiresAt', 'review'],
  {
    breakGlassId: ID,
    patientId: ID,
    doctor: practitionerRef,
    reasonCode: oneOf(BREAK_GLASS_REASONS),
    openedAt: TIME,
    expiresAt: TIME,
    review: object(['status'], {
      status: oneOf(BREAK_GLASS_REVIEW_STATUSES),
      reviewer: { type: 'string' },
      reviewedAt: TIME,
    }),
  },
);

export const ErasureRequest = shapeOf<P.ErasureRequest>()(
  ['requestId', 'patientId', 'requestedAt', 'status', 'required', 'approvals'],
  {
    requestId: ID,
    patientId: ID,
    requestedAt: TIME,
    status: { ...oneOf(ERASURE_STATUSES), description: 'approved once every required member approved' },
    required: {
      ...list(MSP_ID),
      description: "The members that must approve: the patient's home member and every custodian of their records",
    },
    approvals: list(
      object(['mspId', 'approvedAt', 'purgedKeys'], {
        mspId: MSP_ID,
        approvedAt: TIME,
        purgedKeys: int(0, Number.MAX_SAFE_INTEGER),
      }),
    ),
  },
);

export const LabOrder = shapeOf<P.LabOrder>()(
  [
    'orderId',
    'patientId',
    'orderingOrg',
    'orderingDoctor',
    'lab',
    'detailsHash',
    'priority',
    'status',
    'createdAt',
    'updatedAt',
  ],
  {
    orderId: ID,
    patientId: ID,
    orderingOrg: MSP_ID,
    orderingDoctor: PRACTITIONER_ID,
    lab: MSP_ID,
    detailsHash: HEX64,
    priority: oneOf(LAB_PRIORITIES),
    status: oneOf(LAB_ORDER_STATUSES),
    rejectionReason: { type: 'string' },
    resultRecordId: ID,
    createdAt: TIME,
    updatedAt: TIME,
  },
);

export const Appointment = shapeOf<P.Appointment>()(
  ['appointmentId', 'patientId', 'practitioner', 'slot', 'status', 'createdAt', 'updatedAt'],
  {
    appointmentId: ID,
    patientId: ID,
    practitioner: practitionerRef,
    slot: TIME,
    status: oneOf(APPOINTMENT_STATUSES),
    cancelledBy: oneOf(CANCELLERS),
    feedbackGivenAt: TIME,
    createdAt: TIME,
    updatedAt: TIME,
  },
);

export const Policy = shapeOf<P.Policy>()(
  [
    'policyId',
    'insurer',
    'patientId',
    'plan',
    'coverage',
    'copayPercent',
    'annualLimit',
    'validFrom',
    'validUntil',
    'status',
    'updatedAt',
  ],
  {
    policyId: ID,
    insurer: MSP_ID,
    patientId: ID,
    plan: { type: 'string' },
    coverage: COVERAGE,
    copayPercent: PERCENT,
    annualLimit: CENTS,
    validFrom: TIME,
    validUntil: TIME,
    status: oneOf(POLICY_STATUSES),
    updatedAt: TIME,
  },
);

const Adjudication = object(['approvedAmount', 'reasons', 'lines', 'adjudicatedAt', 'adjudicator'], {
  approvedAmount: CENTS,
  reasons: list(REASON_CODE),
  lines: list(
    object(['recordId', 'approvedAmount', 'reasons'], {
      recordId: ID,
      approvedAmount: CENTS,
      reasons: list(REASON_CODE),
    }),
  ),
  adjudicatedAt: TIME,
  adjudicator: { type: 'string', description: "The adjuster's certificate subject and issuer" },
});

export const Claim = shapeOf<P.Claim>()(
  [
    'claimId',
    'patientId',
    'policyId',
    'insurer',
    'provider',
    'submittedBy',
    'serviceDate',
    'lines',
    'claimedAmount',
    'status',
    'submittedAt',
  ],
  {
    claimId: ID,
    patientId: ID,
    policyId: ID,
    insurer: MSP_ID,
    provider: MSP_ID,
    submittedBy: object(['mspId', 'role'], { mspId: MSP_ID, role: ROLE }),
    serviceDate: TIME,
    lines: list(
      object(['recordId', 'contentHash', 'category', 'amount'], {
        recordId: ID,
        contentHash: HEX64,
        category: CATEGORY,
        amount: CENTS,
      }),
    ),
    claimedAmount: CENTS,
    billId: { ...ID, description: 'The bill the claim was made from, if any' },
    status: oneOf(CLAIM_STATUSES),
    submittedAt: TIME,
    adjudication: Adjudication,
    payment: object(['paymentRef', 'paidAt', 'amount'], { paymentRef: str(64), paidAt: TIME, amount: CENTS }),
  },
);

/** A claim made from a bill: the policy to claim on and, optionally, what each line was. */
export const ClaimFromBill = object(['policyId'], { policyId: ID, lineDetails: ClaimLineDetails });

export const ClaimLinesHeld = object(['claimId', 'details'], { claimId: ID, details: ClaimLineDetails });

// Bills (chaincode/src/types/bill.ts). Amounts in cents.

const BillLine = object(['category', 'amount'], {
  recordId: { ...ID, description: 'The record documenting the billed care; a claim may cite such a line' },
  category: CATEGORY,
  amount: int(1, Number.MAX_SAFE_INTEGER),
});

const BillItem = object(['description', 'category', 'amount'], {
  description: str(500),
  code: str(32),
  recordId: ID,
  category: CATEGORY,
  amount: int(1, Number.MAX_SAFE_INTEGER),
});

/** What the hospital bills: the items stay in its own collection, their lines and total are public. */
export const BillInput = object(['patientId', 'basis', 'items'], {
  patientId: ID,
  basis: object(['kind', 'id'], {
    kind: {
      ...oneOf(BILL_BASIS_KINDS),
      description: 'A completed appointment or lab order of this member',
    },
    id: ID,
  }),
  items: list(BillItem, { min: 1, max: 50 }),
});

export const BillPayment = object(['amount', 'paymentRef'], {
  amount: int(1, Number.MAX_SAFE_INTEGER),
  paymentRef: str(64, '^[A-Za-z0-9_-]+$'),
});

const BILL_FIELDS = {
  billId: ID,
  patientId: ID,
  provider: MSP_ID,
  basis: object(['kind', 'id'], { kind: oneOf(BILL_BASIS_KINDS), id: ID }),
  lines: list(BillLine),
  total: CENTS,
  itemsHash: HEX64,
  status: oneOf(BILL_STATUSES),
  payments: list(
    object(['amount', 'paymentRef', 'paidAt', 'recordedBy'], {
      amount: CENTS,
      paymentRef: { type: 'string' },
      paidAt: TIME,
      recordedBy: { type: 'string' },
    }),
  ),
  issuedAt: TIME,
  updatedAt: TIME,
};
const BILL_REQUIRED = Object.keys(BILL_FIELDS) as (keyof P.Bill)[];

/** The public bill as issued: the items in words stay with the hospital. */
export const BillIssued = shapeOf<P.Bill>()(
  BILL_REQUIRED,
  BILL_FIELDS,
  'A bill as issued: the items in words stay with the hospital',
);

/** A bill as of now, with the insurers' share, the payments and what remains. */
export const Bill = shapeOf<P.BillView>()(
  [...BILL_REQUIRED, 'covered', 'paid', 'remaining'],
  {
    ...BILL_FIELDS,
    covered: { ...CENTS, description: "The insurers' approved share, from adjudicated claims made from this bill" },
    paid: { ...CENTS, description: "The patient's payments" },
    remaining: { ...CENTS, description: 'What the patient still owes' },
  },
  'A bill as of now: the items in words stay with the hospital',
);

export const BillItemsHeld = object(['billId', 'items'], { billId: ID, items: list(BillItem) });

// Feedback and a doctor's patients.
export const FeedbackEntry = shapeOf<P.FeedbackEntry>()(['appointmentId', 'rating', 'givenAt'], {
  appointmentId: ID,
  rating: int(1, 5),
  givenAt: TIME,
});

export const FeedbackSummary = shapeOf<P.FeedbackSummary>()(
  ['mspId', 'practitionerId', 'count', 'average', 'ratings'],
  {
    mspId: MSP_ID,
    practitionerId: PRACTITIONER_ID,
    count: int(0, Number.MAX_SAFE_INTEGER),
    average: { type: 'number', nullable: true, description: 'Two decimals; null without ratings' },
    ratings: object(
      ['1', '2', '3', '4', '5'],
      Object.fromEntries(['1', '2', '3', '4', '5'].map((r) => [r, int(0, Number.MAX_SAFE_INTEGER)])),
    ),
  },
);

export const CarePatient = shapeOf<P.MyPatient>()(['patientId', 'links'], {
  patientId: ID,
  links: list(
    object(['via', 'ref', 'since'], {
      via: oneOf(['appointment', 'lab-order', 'consent', 'break-glass', 'assignment']),
      ref: ID,
      since: TIME,
    }),
  ),
});

/** chaincode/src/basis.ts CareAssignment: an admin put a doctor of the member on a patient's care. */
export const CareAssignment = shapeOf<P.CareAssignment>()(
  ['assignmentId', 'mspId', 'practitionerId', 'patientId', 'assignedBy', 'assignedAt'],
  {
    assignmentId: ID,
    mspId: MSP_ID,
    practitionerId: PRACTITIONER_ID,
    patientId: ID,
    assignedBy: { type: 'string', description: "The admin's certificate subject and issuer" },
    assignedAt: TIME,
    endedAt: TIME,
    endedBy: { type: 'string', description: 'The admin who ended it' },
  },
  "A care link at the member: the doctor's reads of what the member holds of the patient are not flagged",
);

// Decisions a majority of members takes (chaincode/src/members.ts).
const APPROVALS = list(object(['mspId', 'approvedAt'], { mspId: MSP_ID, approvedAt: TIME }));
const APPROVALS_NEEDED = {
  ...int(1, Number.MAX_SAFE_INTEGER),
  description:
    'More than half of the members whose kind is in effect, and at least 3; a kind proposed for a newcomer counts the newcomer too',
};

export const MemberKind = shapeOf<P.MemberKind>()(
  ['mspId', 'kind', 'approvedBy', 'approvedAt'],
  { mspId: MSP_ID, kind: ORG_KIND, approvedBy: list(MSP_ID), approvedAt: TIME },
  'The kind of a member in effect (which roles its CA may issue), approved by admins of a majority of members',
);

export const MemberKindProposal = shapeOf<P.MemberKindProposal>()(
  ['mspId', 'kind', 'proposedAt', 'approvals'],
  { mspId: MSP_ID, kind: ORG_KIND, proposedAt: TIME, approvals: APPROVALS },
  'A kind proposed for a member, awaiting approvals',
);

export const MemberKinds = shapeOf<P.MemberKinds>()(['members', 'proposals', 'approvalsNeeded'], {
  members: list(MemberKind),
  proposals: list(MemberKindProposal),
  approvalsNeeded: APPROVALS_NEEDED,
});

export const MemberKindApproval = withTxId(
  object(
    ['mspId', 'kind', 'status'],
    {
      mspId: MSP_ID,
      kind: ORG_KIND,
      status: {
        ...oneOf(['proposed', 'approved']),
        description: 'approved: this approval made the majority and the kind is in effect (approvedBy, approvedAt)',
      },
      proposedAt: TIME,
      approvals: APPROVALS,
      approvedBy: list(MSP_ID),
      approvedAt: TIME,
    },
    "The proposal with this member's approval, or the kind in effect",
  ),
);

/** chaincode/src/types/patient.ts PatientRecovery. */
export const PatientRecovery = shapeOf<P.PatientRecovery>()(
  ['requestId', 'patientId', 'fingerprint', 'requestedAt', 'expiresAt', 'status', 'approvals'],
  {
    requestId: ID,
    patientId: ID,
    fingerprint: { ...HEX64, description: 'SHA-256 (hex) of the certificate to bind, as the patient signs with it' },
    requestedAt: TIME,
    expiresAt: { ...TIME, description: 'Approvals after this are refused (7 days after the request)' },
    status: {
      ...oneOf(RECOVERY_STATUSES),
      description: "completed: a majority approved and the certificate replaced the patient's bound ones",
    },
    approvals: { ...APPROVALS, description: "The home member's request is its approval" },
    completedAt: TIME,
  },
  'A recovery of a patient who lost their certificate: no PHI',
);

// Lists: a page at a time.
const BOOKMARK = {
  type: 'string',
  description: 'Send as ?bookmark= for the next page; empty when there is no more (a page may come back short)',
};

/** One page of items of a list. */
export function pageOf(items: JsonSchema): JsonSchema {
  return object(['items', 'bookmark'], { items: list(items), bookmark: BOOKMARK });
}

/** The query of a list: page size, bookmark, and the list's own filters. */
export function pageQuery(filters: Record<string, JsonSchema> = {}): JsonSchema {
  return object([], {
    ...filters,
    pageSize: { ...int(1, 100), description: 'Items per page (default 20)' },
    bookmark: { ...str(4096, '^[A-Za-z0-9_-]*$', 0), description: 'From the previous page' },
  });
}

// ---------------------------------------------------------------- people

export const USERNAME = str(64, '^[a-z][a-z0-9._-]+$', 3);

/** The `ehr.*` attributes in the user's certificate (SPEC §2). */
export const Attributes = object(['ehr.role'], {
  'ehr.role': ROLE,
  'ehr.patientId': ID,
  'ehr.practitionerId': PRACTITIONER_ID,
});

export const Me = object(['username', 'role', 'attrs'], { username: USERNAME, role: ROLE, attrs: Attributes });

export const InviteRequest = object(
  ['username', 'role'],
  {
    username: USERNAME,
    role: ROLE,
    practitionerId: { ...PRACTITIONER_ID, description: 'A doctor or labtech: the id to use (default: generated)' },
    demographics: { ...Demographics, description: 'Required for a patient, who is registered on the ledger with them' },
    practitioner: object(
      ['licenceNo'],
      { licenceNo: str(64), specialty: str(80) },
      'Required for a doctor or labtech, who is registered on the ledger as a practitioner',
    ),
  },
  'Sent again after a failure (same username and role), an invitation resumes where it stopped',
);

const CODE_SENT_VIA = {
  type: 'string',
  description:
    'The channel the one-time enrolment code was sent through, to the user (e.g. "outbox"); the code is never ' +
    'in this answer. The user signs up with it (POST /v1/signup)',
};

export const Invitation = object(
  ['username', 'role', 'attrs', 'codeSentVia', 'expiresAt'],
  {
    username: USERNAME,
    role: ROLE,
    attrs: Attributes,
    codeSentVia: CODE_SENT_VIA,
    expiresAt: { ...TIME, description: 'When the enrolment code stops working' },
    patientId: ID,
    practitionerId: PRACTITIONER_ID,
    txId: {
      ...TX_ID,
      description:
        'The transaction that registered the patient or practitioner (absent when an earlier attempt did and its answer was lost)',
    },
    committedBlock: COMMITTED_BLOCK,
  },
  'Registered on the ledger and at the CA; the enrolment code went to the user',
);

export const USER_STATUSES = ['registering', 'invited', 'totp-pending', 'active', 'disabled'];

export const UserSummary = object(
  ['username', 'role', 'attrs', 'status', 'createdAt', 'createdBy', 'lockedOut'],
  {
    username: USERNAME,
    role: ROLE,
    attrs: Attributes,
    enrollmentId: {
      ...str(64, '^[A-Za-z0-9._-]+$'),
      description:
        "The user's random enrolment id at the member's CA, the subject of their certificate (no username there); " +
        'absent before the CA registered them, and for users registered under their username',
    },
    status: {
      ...oneOf(USER_STATUSES),
      description:
        'registering: the invitation stopped before the ledger and the CA had it (send it again); ' +
        'invited: has an enrolment code; totp-pending: set a password, must confirm the authenticator; ' +
        'active: signs in; disabled: cannot sign in (enable restores the earlier status)',
    },
    createdAt: TIME,
    createdBy: { type: 'string', description: 'The admin who invited the user (or "network")' },
    lockedOut: {
      type: 'boolean',
      description: 'The failed sign-ins of the last 15 minutes reach the allowed attempts',
    },
    lockedUntil: { ...TIME, description: 'When the lock-out ends by itself; enabling the user ends it now' },
    disabledAt: TIME,
    disabledBy: USERNAME,
  },
  'A user of this member as its admins see them (no secrets)',
);

export const UserPage = object(['items', 'bookmark'], {
  items: list(UserSummary),
  bookmark: { type: 'string', description: 'Send as ?bookmark= for the next page; empty when there is no more' },
});

export const CodeSent = object(['username', 'codeSentVia', 'expiresAt'], {
  username: USERNAME,
  codeSentVia: CODE_SENT_VIA,
  expiresAt: { ...TIME, description: 'When the enrolment code stops working' },
});

export const TotpEnrolment = object(['totpSecret', 'otpauthUri'], {
  totpSecret: { type: 'string', description: 'Base32 secret for an authenticator app' },
  otpauthUri: { type: 'string', description: 'The same secret as an otpauth:// URI (for a QR code)' },
});

export const Session = object(['token', 'expiresAt'], {
  token: { type: 'string', description: 'Send as "Authorization: Bearer <token>"' },
  expiresAt: TIME,
});

/** A committed submit that answers nothing but its transaction id. */
export const Committed = object(['txId', 'committedBlock'], { txId: TX_ID, committedBlock: COMMITTED_BLOCK });

// Submits that answer what they committed.
export const ConsentCommitted = withTxId(Consent);
export const RecordCommitted = withTxId(RecordWritten);
export const AccessTicketCommitted = withTxId(AccessTicket);
export const BreakGlassCommitted = withTxId(BreakGlass);
export const ErasureCommitted = withTxId(ErasureRequest);
export const AppointmentCommitted = withTxId(Appointment);
export const PolicyCommitted = withTxId(Policy);
export const ClaimCommitted = withTxId(Claim);
export const BillCommitted = withTxId(Bill);
export const BillIssuedCommitted = withTxId(BillIssued);
export const CareAssignmentCommitted = withTxId(CareAssignment);
export const PatientRecoveryCommitted = withTxId(PatientRecovery);

// Secure messages (messages.ts): kept by the patient's home hospital's gateway, never on the ledger.
const MESSAGE_TEXT = {
  ...str(4000),
  pattern: '\\S',
  description: 'The message (PHI: kept sealed at the hospital only)',
};
const COUNTERPART = object(['kind'], {
  kind: { ...oneOf(['doctor', 'hospital']), description: "One doctor of the hospital, or the hospital's staff" },
  practitionerId: PRACTITIONER_ID,
});
export const MessageEntry = object(['messageId', 'from', 'at', 'text'], {
  messageId: ID,
  from: object(['role', 'id'], { role: oneOf(['patient', 'doctor', 'hospital']), id: { type: 'string' } }),
  at: TIME,
  text: { type: 'string' },
});
const CONVERSATION_FIELDS = {
  conversationId: ID,
  patientId: ID,
  with: COUNTERPART,
  createdAt: TIME,
  updatedAt: TIME,
};
export const ConversationSummary = object(
  ['conversationId', 'patientId', 'with', 'createdAt', 'updatedAt', 'messageCount', 'lastFrom'],
  {
    ...CONVERSATION_FIELDS,
    messageCount: int(1, 1_000_000),
    lastFrom: oneOf(['patient', 'doctor', 'hospital']),
  },
  'A conversation without its messages',
);
export const Conversation = object(['conversationId', 'patientId', 'with', 'createdAt', 'updatedAt', 'messages'], {
  ...CONVERSATION_FIELDS,
  messages: list(MessageEntry),
});
export const ConversationView = object(
  ['conversation'],
  {
    conversation: Conversation,
    access: object(
      ['ticketId', 'basis', 'purpose', 'recorded'],
      {
        ticketId: TX_ID,
        basis: BASIS,
        purpose: PURPOSE,
        recorded: { type: 'boolean', description: 'True when this request committed a new access event' },
      },
      "Staff only: the ledger's access ticket this request used (the patient's access log shows it)",
    ),
    committedBlock: COMMITTED_BLOCK,
  },
  'The conversation with every message kept, and for staff the audited access it was read under',
);
export const ConversationList = object(['items'], { items: list(ConversationSummary) });
export const MessageStart = object(
  ['text'],
  {
    text: MESSAGE_TEXT,
    practitionerId: {
      ...PRACTITIONER_ID,
      description: "A patient: the doctor of the hospital to write to (none: write to the hospital's staff)",
    },
    patientId: { ...ID, description: 'A doctor: the patient to write to' },
  },
  "A message opening (or continuing) the patient's conversation with the doctor or the hospital",
);
export const MessageInput = object(['text'], {
  text: MESSAGE_TEXT,
  purpose: { ...PURPOSE, description: "Staff: the purpose of the access ('treatment' when not given)" },
});

export const ERROR = object(['error'], {
  error: object(['code', 'message'], { code: { type: 'string' }, message: { type: 'string' }, txId: TX_ID }),
});

/** What GET /v1/org/health answers (health.ts MemberHealth). */
export const MemberHealth = object(['checkedAt', 'status', 'nodes'], {
  checkedAt: TIME,
  status: { ...oneOf(['up', 'degraded']), description: 'degraded when any configured node is down' },
  nodes: list(
    object(['node', 'endpoint', 'status', 'detail'], {
      node: oneOf(NODE_NAMES),
      endpoint: { ...str(300, undefined, 0), description: 'Where the gateway reached the node (no credentials)' },
      status: oneOf(NODE_STATUSES),
      detail: str(300, undefined, 0),
      blockHeight: {
        ...int(0, Number.MAX_SAFE_INTEGER),
        description: "The node's ledger height on the channel (the number of its next block)",
      },
    }),
  ),
});

/** Named schemas: each appears once in the OpenAPI document's components and is referenced. */
export const COMPONENTS: Record<string, JsonSchema> = {
  Error: ERROR,
  Attributes,
  Me,
  InviteRequest,
  Invitation,
  UserSummary,
  UserPage,
  CodeSent,
  TotpEnrolment,
  Session,
  Committed,
  Demographics,
  PractitionerInput,
  WardInput,
  OrgProfileInput,
  ConsentGrant,
  RecordBodyInput,
  LabOrderDetails,
  PolicyTerms,
  ClaimInput,
  ClaimLineDetails,
  OrgProfile,
  Practitioner,
  PatientEntry,
  FreeBeds,
  Consent,
  RecordHeader,
  RecordVersion,
  RecordWritten,
  RecordIntegrity,
  RecordBody,
  AccessTicket,
  AccessEvent,
  BreakGlass,
  ErasureRequest,
  LabOrder,
  Appointment,
  Policy,
  Claim,
  ConsentCommitted,
  RecordCommitted,
  AccessTicketCommitted,
  BreakGlassCommitted,
  ErasureCommitted,
  AppointmentCommitted,
  PolicyCommitted,
  ClaimCommitted,
  ReadTicket,
  DemographicsHeld,
  LabOrderDetailsHeld,
  AppointmentReason,
  FeedbackComment,
  BreakGlassReason,
  ClaimLinesHeld,
  ClaimFromBill,
  BillInput,
  BillPayment,
  Bill,
  BillItemsHeld,
  BillCommitted,
  BillIssued,
  BillIssuedCommitted,
  FeedbackEntry,
  FeedbackSummary,
  CarePatient,
  CareAssignment,
  CareAssignmentCommitted,
  MemberKind,
  MemberKindProposal,
  MemberKinds,
  MemberKindApproval,
  PatientRecovery,
  PatientRecoveryCommitted,
  MessageEntry,
  ConversationSummary,
  Conversation,
  ConversationView,
  ConversationList,
  MessageStart,
  MessageInput,
  MemberHealth,
};
