/**
 * The objects the ledger keeps and answers, as the chaincode writes them (deterministic JSON)
 * and the gateways read them. Public objects carry no PHI; the private ones are held by the
 * members named in each comment and reach a reader only through an audited read.
 */
import type { OrgKind, PractitionerRole } from './roles';
import type {
  AppointmentStatus,
  Basis,
  BillBasisKind,
  BillStatus,
  BreakGlassReviewStatus,
  Canceller,
  CareVia,
  ClaimReasonCode,
  ClaimStatus,
  ConsentStatus,
  ErasureStatus,
  IntegrityStatus,
  LabOrderStatus,
  LabPriority,
  PatientStatus,
  PendingKind,
  PendingStatus,
  PolicyStatus,
  PractitionerStatus,
  Purpose,
  Rating,
  ReadKind,
  RecordCategory,
  RecordSource,
  RecoveryStatus,
} from './vocabulary';

/** A practitioner of a member. */
export interface PractitionerRef {
  mspId: string;
  practitionerId: string;
}

/** One page of a list and the bookmark of the next ('' when there is none). */
export interface Page<T> {
  items: T[];
  bookmark: string;
}

// ---------------------------------------------------------------- consents

/** An org or a single practitioner (of an org). */
export interface Grantee {
  mspId: string;
  practitionerId?: string;
}

/** Public: a patient's permission for a grantee to read some categories for a purpose. */
export interface Consent {
  consentId: string;
  patientId: string;
  grantee: Grantee;
  categories: RecordCategory[];
  purpose: Purpose;
  validFrom: string;
  validUntil: string;
  status: ConsentStatus;
  createdAt: string;
  revokedAt?: string;
}

// ---------------------------------------------------------------- records

/** Public: the header of a clinical record. The body stays with the custodian. */
export interface RecordHeader {
  recordId: string;
  patientId: string;
  category: RecordCategory;
  /** MSP ID of the member holding the body. */
  custodian: string;
  /** Practitioner id of the author of the latest version; the patientId when `source` is 'patient'. */
  author: string;
  /**
   * Always written now; headers from before patients could report have none and are clinicians',
   * so readers test for 'patient' only.
   */
  source?: RecordSource;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** SHA-256 (hex) of the canonical body bytes of the latest version. */
  contentHash: string;
  purged: boolean;
}

/** Public: one entry of a record's version history. */
export interface RecordVersion {
  recordId: string;
  version: number;
  author: string;
  contentHash: string;
  txId: string;
  publishedAt: string;
}

/** What a body write answers: the version stored and its hash, for the header to publish. */
export interface StoredBody {
  recordId: string;
  version: number;
  contentHash: string;
}

/** The record integrity check: the held body (on the custodian's peer) or its hash against the header. */
export interface RecordIntegrity {
  recordId: string;
  version: number;
  contentHash: string;
  status: IntegrityStatus;
  checked: 'body' | 'hash';
}

export interface Attachment {
  name: string;
  sha256: string;
}

/** Private (custodian only): the clinical content of one version. */
export interface RecordBody {
  recordId: string;
  version: number;
  patientId: string;
  category: RecordCategory;
  diagnosis?: string;
  medication?: string[];
  suggestion?: string;
  nextReview?: string;
  notes?: string;
  attachments?: Attachment[];
}

// ---------------------------------------------------------------- audited reads

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

/** What an access request answers: the ticket to read with, and the member whose peer serves the value. */
export interface ReadTicket {
  ticketId: string;
  kind: ReadKind;
  resourceId: string;
  basis: Basis;
  flagged: boolean;
  expiresAt: string;
  custodian: string;
}

/** A record's access request answers the same ticket, naming the record. */
export interface RecordTicket {
  ticketId: string;
  recordId: string;
  basis: Basis;
  flagged: boolean;
  expiresAt: string;
  custodian: string;
}

// ---------------------------------------------------------------- break-glass and erasure

/** Public: an emergency access window a doctor opened for a patient. */
export interface BreakGlass {
  breakGlassId: string;
  patientId: string;
  doctor: PractitionerRef;
  reasonCode: string;
  openedAt: string;
  expiresAt: string;
  review: { status: BreakGlassReviewStatus; reviewer?: string; reviewedAt?: string };
}

/** Public: a patient's request to erase their private data, and its approvals. */
export interface ErasureRequest {
  requestId: string;
  patientId: string;
  requestedAt: string;
  /** Approved once every required member approved. */
  status: ErasureStatus;
  /**
   * The members that must approve (each purging what it holds): the home member and every
   * member whose collection holds something of the patient when the request is made.
   */
  required: string[];
  /** `purgedKeys`: how many private values of the patient the member purged (its index entries aside). */
  approvals: { mspId: string; approvedAt: string; purgedKeys: number }[];
}

/**
 * What a member's peer holds of a patient, as its index lists it (`Held`, evaluated on that
 * peer): each key as its parts (object type, then attributes), and the transaction that last
 * wrote there ('' when none did). Ids only, no PHI: an approval carries it as an argument.
 */
export interface HeldKeys {
  patientId: string;
  mspId: string;
  keys: string[][];
  through: string;
}

// ---------------------------------------------------------------- directory and members

/** Public: an opaque id, the home hospital, bound certificates. No PHI. */
export interface Patient {
  patientId: string;
  homeOrg: string;
  /**
   * SHA-256 fingerprints of the certificates bound to the patient, the only ones the patient acts
   * with: the first one linked, then those confirmed with a bound one, or recovered to.
   */
  certFingerprints: string[];
  /** SHA-256 of the canonical demographics in the home org's collection. */
  demographicsHash: string;
  status: PatientStatus;
  registeredAt: string;
}

/** Private (home org only): who the patient is. */
export interface Demographics {
  patientId: string;
  name: string;
  dateOfBirth: string;
  contact?: { phone?: string; email?: string; address?: string };
}

/**
 * Public: the home member's request to bind a new certificate to a patient who lost theirs
 * (no PHI). It takes effect once admins of a majority of members approved it, and replaces the
 * bound certificates: a lost key may be in other hands.
 */
export interface PatientRecovery {
  requestId: string;
  patientId: string;
  fingerprint: string;
  requestedAt: string;
  expiresAt: string;
  status: RecoveryStatus;
  approvals: Approval[];
  completedAt?: string;
}

/**
 * Public profile of a member, published by its admin: what the member says of itself. Its kind
 * is not among it: a majority of members decides that, and readers see it added.
 */
export interface OrgProfile {
  mspId: string;
  displayName: string;
  specialities: string[];
  updatedAt: string;
}

/** A profile as readers see it: with the kind in effect (none while no majority approved one). */
export interface OrgProfileView extends OrgProfile {
  kind?: OrgKind;
}

/** Public: a practitioner of a member, registered by its admin. */
export interface Practitioner {
  practitionerId: string;
  mspId: string;
  role: PractitionerRole;
  specialty?: string;
  licenceNo: string;
  status: PractitionerStatus;
  updatedAt: string;
}

/** Public: bed capacity of one ward of a hospital. */
export interface Ward {
  mspId: string;
  ward: string;
  specialty: string;
  total: number;
  occupied: number;
  updatedAt: string;
}

/**
 * Public: a member's admin assigns one of its doctors to a patient's care (an admission, a ward
 * round), until unassigned. It makes a care link for data that member holds; it is no basis to
 * read what other members hold. No PHI.
 */
export interface CareAssignment {
  assignmentId: string;
  mspId: string;
  practitionerId: string;
  patientId: string;
  assignedBy: string;
  assignedAt: string;
  endedAt?: string;
  endedBy?: string;
}

/** A doctor's link to a patient they care for, and what makes it. */
export interface CareLink {
  via: CareVia;
  /** The appointment, order, consent, assignment or window id. */
  ref: string;
  since: string;
}

/** A doctor's patient, with the care links that hold now. */
export interface MyPatient {
  patientId: string;
  links: CareLink[];
}

/** A ward of a hospital with free beds, as the bed search answers it. */
export interface FreeBeds {
  mspId: string;
  /** The hospital's display name (its MSP ID while it published no profile). */
  hospital: string;
  ward: string;
  specialty: string;
  free: number;
}

/** The member kinds in effect, the proposals awaiting approvals, and how many approvals make a majority. */
export interface MemberKinds {
  members: MemberKind[];
  proposals: MemberKindProposal[];
  approvalsNeeded: number;
}

/** One member's approval of a majority decision. */
export interface Approval {
  mspId: string;
  approvedAt: string;
}

/**
 * Public: the kind a member is, in effect. Written only when a proposal reaches a majority of
 * approvals, under the channel's majority policy: no member changes it alone.
 */
export interface MemberKind {
  mspId: string;
  kind: OrgKind;
  /** The members whose admins approved it, sorted. */
  approvedBy: string[];
  approvedAt: string;
}

/** Public: a kind proposed for a member, and who approved it so far. */
export interface MemberKindProposal {
  mspId: string;
  kind: OrgKind;
  proposedAt: string;
  approvals: Approval[];
}

// ---------------------------------------------------------------- requests and two-step writes

/** What created an object of a request (its id from the request key), found again on a retry. */
export interface Receipt {
  id: string;
  kind: string;
  txId: string;
}

/** A member's private value that waits for its public part (a first step whose second never came). */
export interface PendingView {
  kind: PendingKind;
  /** The record, lab order, bill or patient id. */
  id: string;
  /** The record version, for record bodies. */
  version?: number;
  storedAt: string;
  status: PendingStatus;
  purgeableAt: string;
}

/** A pending write settled: finished (its public part came) or purged (stale). */
export type SettledWrite = PendingView & { outcome: 'finished' | 'purged' };

// ---------------------------------------------------------------- lab orders

/** Public: a lab order. The tests ordered stay private to the hospital and the lab. */
export interface LabOrder {
  orderId: string;
  patientId: string;
  orderingOrg: string;
  orderingDoctor: string;
  lab: string;
  /** SHA-256 of the canonical order details held by both members. */
  detailsHash: string;
  priority: LabPriority;
  status: LabOrderStatus;
  rejectionReason?: string;
  resultRecordId?: string;
  createdAt: string;
  updatedAt: string;
}

/** Private (ordering hospital and lab): what is to be tested. */
export interface LabOrderDetails {
  orderId: string;
  tests: { code: string; name: string }[];
  notes?: string;
}

// ---------------------------------------------------------------- appointments

/** Public: an appointment. The reason stays in the practitioner's member's collection. */
export interface Appointment {
  appointmentId: string;
  patientId: string;
  practitioner: PractitionerRef;
  /** Start of the slot, ISO 8601 UTC. */
  slot: string;
  status: AppointmentStatus;
  cancelledBy?: Canceller;
  /** When the patient rated it (a completed appointment is rated once); the rating is in Feedback. */
  feedbackGivenAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** Public: the patient's rating of a completed appointment; any comment is private. */
export interface Feedback {
  appointmentId: string;
  practitioner: PractitionerRef;
  rating: number;
  givenAt: string;
}

/** One rating in a practitioner's feedback list: which appointment, not who gave it. */
export type FeedbackEntry = Omit<Feedback, 'practitioner'>;

/** Public: how many of each rating a practitioner got, kept up to date as feedback is given. */
export interface FeedbackTally {
  mspId: string;
  practitionerId: string;
  count: number;
  ratings: Record<Rating, number>;
}

/** How a practitioner is rated: the count, the average (two decimals; null without ratings), each rating's count. */
export interface FeedbackSummary {
  mspId: string;
  practitionerId: string;
  count: number;
  average: number | null;
  ratings: Partial<Record<Rating, number>>;
}

// ---------------------------------------------------------------- policies, claims, bills

/** Public: an insurance policy issued by an insurer's adjuster. Money in cents. */
export interface Policy {
  policyId: string;
  insurer: string;
  patientId: string;
  plan: string;
  /** Share of each covered category the insurer pays, in percent. */
  coverage: Partial<Record<RecordCategory, number>>;
  copayPercent: number;
  annualLimit: number;
  validFrom: string;
  validUntil: string;
  status: PolicyStatus;
  updatedAt: string;
}

/** A claim line: one referenced record, its hash as the provider saw it, and the amount in cents. */
export interface ClaimLine {
  recordId: string;
  contentHash: string;
  category: RecordCategory;
  amount: number;
}

export interface LineDecision {
  recordId: string;
  approvedAmount: number;
  reasons: ClaimReasonCode[];
}

export interface Adjudication {
  approvedAmount: number;
  reasons: ClaimReasonCode[];
  lines: LineDecision[];
  adjudicatedAt: string;
  adjudicator: string;
}

/** Public: a claim (line descriptions stay in the provider's and insurer's collections). */
export interface Claim {
  claimId: string;
  patientId: string;
  policyId: string;
  insurer: string;
  provider: string;
  submittedBy: { mspId: string; role: string };
  serviceDate: string;
  lines: ClaimLine[];
  claimedAmount: number;
  /** The provider's bill the claim was made from, if any: its lines cite that bill's lines. */
  billId?: string;
  status: ClaimStatus;
  submittedAt: string;
  adjudication?: Adjudication;
  payment?: { paymentRef: string; paidAt: string; amount: number };
}

/** Public: one line of a bill, as a claim may cite it. Amounts in cents. */
export interface BillLine {
  /** The record documenting the billed care, if one does. */
  recordId?: string;
  category: RecordCategory;
  amount: number;
}

/** Private (the provider's collection): one billed item, with what it was in words. */
export interface BillItem extends BillLine {
  description: string;
  /** A tariff or procedure code of the provider's. */
  code?: string;
}

/** Private (the provider's collection): the items of a bill; their hash is public. */
export interface BillItems {
  billId: string;
  items: BillItem[];
}

/** Public: a payment by the patient, recorded by the provider's billing clerk. */
export interface Payment {
  amount: number;
  paymentRef: string;
  paidAt: string;
  /** The clerk's certificate subject. */
  recordedBy: string;
}

/** Public: a bill of a provider to a patient. The items in words stay with the provider. */
export interface Bill {
  billId: string;
  patientId: string;
  /** MSP ID of the hospital that issued the bill. */
  provider: string;
  basis: { kind: BillBasisKind; id: string };
  lines: BillLine[];
  total: number;
  /** SHA-256 (hex) of the canonical items held by the provider. */
  itemsHash: string;
  status: BillStatus;
  payments: Payment[];
  issuedAt: string;
  updatedAt: string;
}

/** A bill as its readers see it: with the insurers' share, the payments and what remains, as of now. */
export interface BillView extends Bill {
  /** Approved amount of the adjudicated claims made from this bill. */
  covered: number;
  /** Sum of the patient's payments. */
  paid: number;
  /** total − covered − paid, never below 0. */
  remaining: number;
}
