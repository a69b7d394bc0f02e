/**
 * Who may see which chaincode event: need to know. Event payloads carry no PHI, but who is
 * treated where, by whom, insured by whom and when is itself sensitive, so a patient sees only
 * the events about themselves, and staff only the events that involve their own member, of the
 * kinds their role works with (SPEC §2). Anything else, an event kind this gateway does not
 * know included, is not shown.
 *
 * The payload fields read here are those of the protocol's event types, which the chaincode's
 * `emit` is held to.
 */
import type { UserIdentity } from './fabric';
import { type EventName, type EventPayloads, isEventName, type Role } from '@ehr/protocol';

export interface Viewer {
  /** The viewer's member. */
  mspId: string;
  role: Role;
  /** A patient's own id. */
  patientId?: string;
}

type Payload = Record<string, unknown>;
/** A patient's home member, or undefined when it cannot be told. */
export type HomeOf = (patientId: string) => Promise<string | undefined>;
type Involves<N extends EventName> = (
  payload: EventPayloads[N],
  mspId: string,
  homeOf: HomeOf,
) => boolean | Promise<boolean>;

async function patientOf(patientId: string, mspId: string, homeOf: HomeOf): Promise<boolean> {
  return (await homeOf(patientId)) === mspId;
}

const labOrder: Involves<'LabOrderStatus' | 'ResultReady'> = (p, m) => p.orderingOrg === m || p.lab === m;

/** For each event kind: whether it involves a member. */
const INVOLVES: { [N in EventName]: Involves<N> } = {
  // A consent granted to the member (or one of its practitioners).
  ConsentGranted: (p, m) => p.grantee.mspId === m,
  ConsentRevoked: (p, m) => p.grantee.mspId === m,
  // An appointment with one of the member's practitioners.
  AppointmentStatus: (p, m) => p.practitioner.mspId === m,
  // A lab order the member placed or tests.
  LabOrderStatus: labOrder,
  ResultReady: labOrder,
  // A record the member holds, or about one of its patients.
  RecordAdded: async (p, m, homeOf) => p.custodian === m || patientOf(p.patientId, m, homeOf),
  // A break-glass window by one of the member's doctors, or on one of its patients (its admin reviews it).
  BreakGlassOpened: async (p, m, homeOf) => p.doctor.mspId === m || patientOf(p.patientId, m, homeOf),
  // An erasure the member must approve.
  ErasureRequested: (p, m) => p.required.includes(m),
  // A claim the member provided care for or insures.
  ClaimStatus: (p, m) => p.provider === m || p.insurer === m,
  // A bill the member issued.
  BillStatus: (p, m) => p.provider === m,
  // A care assignment the member made for one of its doctors.
  CareAssignment: (p, m) => p.mspId === m,
  // Decisions every member's admin takes part in: a member's kind, a patient's certificate recovery.
  MemberKind: () => true,
  PatientRecovery: () => true,
};

/**
 * Whether an event of the protocol involves the member. The payload is read as its name's type
 * (the chaincode emits no other); one that is not, from a chaincode that disagrees, is not shown.
 */
async function involves(name: EventName, payload: Payload, mspId: string, homeOf: HomeOf): Promise<boolean> {
  const check = INVOLVES[name] as Involves<EventName>;
  try {
    return await check(payload as unknown as EventPayloads[EventName], mspId, homeOf);
  } catch {
    return false;
  }
}

/** The event kinds each staff role works with (SPEC §2: what the role may do). */
export const KINDS_BY_ROLE: Readonly<Record<Exclude<Role, 'patient'>, readonly EventName[]>> = {
  doctor: [
    'ConsentGranted',
    'ConsentRevoked',
    'AppointmentStatus',
    'LabOrderStatus',
    'ResultReady',
    'RecordAdded',
    'BreakGlassOpened',
    'CareAssignment',
  ],
  labtech: ['LabOrderStatus', 'ResultReady'],
  // Completed visits are what a hospital bills and claims for.
  billing: ['AppointmentStatus', 'ClaimStatus', 'BillStatus'],
  adjuster: ['ClaimStatus'],
  // Admins confirm appointments, review break-glass windows, assign care, and approve erasure,
  // member kinds and certificate recoveries.
  admin: [
    'AppointmentStatus',
    'BreakGlassOpened',
    'ErasureRequested',
    'CareAssignment',
    'MemberKind',
    'PatientRecovery',
  ],
};

/** True when the viewer needs to know of the event. */
export async function sees(
  viewer: Viewer,
  event: { name: string; payload: Payload },
  homeOf: HomeOf,
): Promise<boolean> {
  if (viewer.role === 'patient') return viewer.patientId !== undefined && event.payload.patientId === viewer.patientId;
  if (!isEventName(event.name) || !KINDS_BY_ROLE[viewer.role].includes(event.name)) return false;
  return involves(event.name, event.payload, viewer.mspId, homeOf);
}

/** Patients kept in the cache of home members at most. */
const MAX_PATIENTS = 10_000;

/**
 * Patients' home members as the ledger has them, cached (a patient's home member never
 * changes): one lookup per patient, not one per event and stream. A lookup that fails is not
 * cached and counts as "not this member's patient", so a ledger fault hides an event rather
 * than showing it.
 */
export class HomeMembers {
  readonly #known = new Map<string, string>();

  constructor(private readonly lookup: (who: UserIdentity, patientId: string) => Promise<unknown>) {}

  /** The home member of the patient, looked up as `who` when not cached. */
  async of(who: UserIdentity, patientId: string): Promise<string | undefined> {
    const known = this.#known.get(patientId);
    if (known !== undefined) return known;
    let home: unknown;
    try {
      home = ((await this.lookup(who, patientId)) as { homeOrg?: unknown } | undefined)?.homeOrg;
    } catch {
      return undefined;
    }
    if (typeof home !== 'string') return undefined;
    if (this.#known.size >= MAX_PATIENTS) this.#known.delete(this.#known.keys().next().value ?? '');
    this.#known.set(patientId, home);
    return home;
  }
}
