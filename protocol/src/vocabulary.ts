/** The closed vocabularies the ledger keeps in public state and the API documents. */

export const RECORD_CATEGORIES = [
  'allergy',
  'diagnosis',
  'imaging',
  'lab-result',
  'medication',
  'note',
  'procedure',
  'vitals',
] as const;
export type RecordCategory = (typeof RECORD_CATEGORIES)[number];

/** Why data is read; a consent names one. */
export const PURPOSES = ['treatment', 'insurance-claim', 'research', 'second-opinion'] as const;
export type Purpose = (typeof PURPOSES)[number];

/**
 * Who wrote a record: a clinician (a doctor, or a lab posting a result), or the patient
 * themself (patient-reported history), which a reader must be able to tell apart from findings.
 */
export const RECORD_SOURCES = ['clinician', 'patient'] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

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

/** The private values the access contract reads with an audit trail. */
export const READ_KINDS = [
  'record',
  'demographics',
  'labOrderDetails',
  'appointmentReason',
  'feedbackComment',
  'breakGlassReason',
  'claimLines',
  'billItems',
  /**
   * A patient's secure messages, kept off the ledger by the home hospital's gateway: the access
   * event (resource `messages:<patientId>`) is the audit of a staff member opening them.
   */
  'messages',
] as const;
export type ReadKind = (typeof READ_KINDS)[number];

/** Why a doctor opened a break-glass window. */
export const BREAK_GLASS_REASONS = ['unconscious', 'life-threatening', 'patient-unable-to-consent', 'other'] as const;
export type BreakGlassReason = (typeof BREAK_GLASS_REASONS)[number];

/** How the home member's admin judged a break-glass window. */
export const BREAK_GLASS_REVIEW_STATUSES = ['pending', 'justified', 'unjustified'] as const;
export type BreakGlassReviewStatus = (typeof BREAK_GLASS_REVIEW_STATUSES)[number];

export const LAB_PRIORITIES = ['routine', 'urgent', 'stat'] as const;
export type LabPriority = (typeof LAB_PRIORITIES)[number];

export const LAB_ORDER_STATUSES = ['ordered', 'accepted', 'in-progress', 'completed', 'rejected'] as const;
export type LabOrderStatus = (typeof LAB_ORDER_STATUSES)[number];

export const APPOINTMENT_STATUSES = ['requested', 'confirmed', 'cancelled', 'completed'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Who cancelled an appointment. */
export const CANCELLERS = ['patient', 'practitioner'] as const;
export type Canceller = (typeof CANCELLERS)[number];

/** The ratings a patient gives a completed appointment, as the transaction takes them. */
export const RATINGS = ['1', '2', '3', '4', '5'] as const;
export type Rating = (typeof RATINGS)[number];

/** Why an adjuster's decision paid less than claimed. */
export const CLAIM_REASON_CODES = [
  'POLICY_INACTIVE',
  'NOT_COVERED',
  'LIMIT_EXCEEDED',
  'MISSING_DOCUMENT',
  'HASH_MISMATCH',
  'DUPLICATE',
] as const;
export type ClaimReasonCode = (typeof CLAIM_REASON_CODES)[number];

export const CLAIM_STATUSES = ['submitted', 'approved', 'partially-approved', 'rejected', 'paid'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export const BILL_STATUSES = ['issued', 'paid'] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

/** What a bill is for: a completed appointment or a completed lab order. */
export const BILL_BASIS_KINDS = ['appointment', 'lab-order'] as const;
export type BillBasisKind = (typeof BILL_BASIS_KINDS)[number];

export const POLICY_STATUSES = ['active', 'ended'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

export const CONSENT_STATUSES = ['active', 'revoked'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const PRACTITIONER_STATUSES = ['active', 'suspended'] as const;
export type PractitionerStatus = (typeof PRACTITIONER_STATUSES)[number];

export const PATIENT_STATUSES = ['active', 'erased'] as const;
export type PatientStatus = (typeof PATIENT_STATUSES)[number];

/** A decision of several members: asked, then done once every (or a majority of) member approved. */
export const ERASURE_STATUSES = ['requested', 'approved'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

export const RECOVERY_STATUSES = ['requested', 'completed'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];

/** What the record integrity check found: the held body (or its hash) against the header. */
export const INTEGRITY_STATUSES = ['intact', 'mismatch', 'purged'] as const;
export type IntegrityStatus = (typeof INTEGRITY_STATUSES)[number];

/** The private values a first step of a two-step write stores, which wait for their public part. */
export const PENDING_KINDS = ['recordBody', 'labOrderDetails', 'billItems', 'demographics'] as const;
export type PendingKind = (typeof PENDING_KINDS)[number];

/** A waiting private value: its public part exists, it waited past the grace, or neither. */
export const PENDING_STATUSES = ['finished', 'stale', 'waiting'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];

/** What links a doctor to a patient they care for. */
export const CARE_VIAS = ['appointment', 'lab-order', 'consent', 'assignment', 'break-glass'] as const;
export type CareVia = (typeof CARE_VIAS)[number];
