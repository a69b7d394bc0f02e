/**
 * The chaincode events: each name and the payload it carries (JSON, no PHI). The chaincode
 * emits them only through these types, and the gateways decide from them who may see an event.
 */
import type { CareAssignment, Grantee, PractitionerRef } from './objects';
import type { OrgKind } from './roles';
import type {
  AppointmentStatus,
  BillStatus,
  ClaimStatus,
  LabOrderStatus,
  Purpose,
  RecordCategory,
  RecordSource,
  RecoveryStatus,
} from './vocabulary';

interface LabOrderEvent {
  orderId: string;
  patientId: string;
  orderingOrg: string;
  lab: string;
  status: LabOrderStatus;
  resultRecordId?: string;
}

export interface EventPayloads {
  ConsentGranted: {
    consentId: string;
    patientId: string;
    grantee: Grantee;
    categories: RecordCategory[];
    purpose: Purpose;
    validUntil: string;
  };
  ConsentRevoked: { consentId: string; patientId: string; grantee: Grantee };
  RecordAdded: {
    recordId: string;
    patientId: string;
    category: RecordCategory;
    custodian: string;
    version: number;
    /** Absent for a record whose header predates patient-reported records (a clinician's). */
    source?: RecordSource;
  };
  BreakGlassOpened: {
    breakGlassId: string;
    patientId: string;
    doctor: PractitionerRef;
    reasonCode: string;
    expiresAt: string;
  };
  ErasureRequested: { requestId: string; patientId: string; required: string[] };
  LabOrderStatus: LabOrderEvent;
  /** A lab order's result was published (status `completed`, with the record). */
  ResultReady: LabOrderEvent;
  AppointmentStatus: {
    appointmentId: string;
    patientId: string;
    practitioner: PractitionerRef;
    slot: string;
    status: AppointmentStatus;
  };
  ClaimStatus: {
    claimId: string;
    patientId: string;
    provider: string;
    insurer: string;
    status: ClaimStatus;
    approvedAmount?: number;
  };
  BillStatus: { billId: string; patientId: string; provider: string; status: BillStatus; total: number; paid: number };
  CareAssignment: CareAssignment & { status: 'assigned' | 'ended' };
  MemberKind: { mspId: string; kind: OrgKind; status: 'proposed' | 'approved'; approvals: number };
  PatientRecovery: { patientId: string; requestId: string; status: RecoveryStatus };
}

export type EventName = keyof EventPayloads;

/** Every event name, each once (the record type makes a missing or unknown one a compile error). */
const EVENTS: Record<EventName, true> = {
  ConsentGranted: true,
  ConsentRevoked: true,
  RecordAdded: true,
  BreakGlassOpened: true,
  ErasureRequested: true,
  LabOrderStatus: true,
  ResultReady: true,
  AppointmentStatus: true,
  ClaimStatus: true,
  BillStatus: true,
  CareAssignment: true,
  MemberKind: true,
  PatientRecovery: true,
};
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export const isEventName = (value: unknown): value is EventName =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, value);

/** An event as a client receives it, its payload typed by its name. */
export type LedgerEventOf<N extends EventName = EventName> = {
  [K in N]: { name: K; payload: EventPayloads[K] };
}[N];
