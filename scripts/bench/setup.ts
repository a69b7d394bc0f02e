/**
 * The people and data every workload needs, made the way users make them: through the members'
 * REST gateways (this bench's own instances, sign-in limits raised) for the REST side, and
 * identities from the members' CAs with the same roles and ids for the SDK side (the gateway
 * keeps its users' keys sealed, so the SDK cannot borrow them; a patient's certificate is bound
 * to one patient entry, so the SDK side has its own patient).
 */
import path from 'node:path';
import type { Contract } from '@hyperledger/fabric-gateway';
import { call, type Gateway, invite, type Person, startGateway } from '../../test/integration/helpers/gateways';
import {
  freshPatient,
  issueIdentity,
  type IssuedIdentity,
  salted,
  session,
  settled,
} from '../../test/integration/helpers/network';
import type { Session } from '../../network/src/gateway';
import { CHAINCODE } from '../../network/src/topology';

const DAY = 86_400_000;

/** The spare port offsets of the bench's gateways (integration tests use others). */
const SPARE = { 'hospital-a': 50, 'hospital-b': 51, insurer: 52 } as const;

/** Raised so that setting up and re-signing many people is not refused as a guessing attack. */
const GATEWAY_ENV = {
  EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS: '10000',
  EHR_GATEWAY_SIGNIN_RATE_TOTAL: '100000',
  EHR_GATEWAY_TOKEN_TTL_SECONDS: '7200',
};

/** BENCH_PROFILE_DIR: each bench gateway writes a V8 CPU profile there when it stops. */
const GATEWAY_NODE_ARGS = process.env.BENCH_PROFILE_DIR
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE_DIR)}`]
  : [];

/** A record a claim line can name. */
export interface ClaimableRecord {
  recordId: string;
  contentHash: string;
}

export interface RestSide {
  a: Gateway;
  b: Gateway;
  insurer: Gateway;
  patient: Person;
  /**
   * Workload (a)'s patient, not the one (c) reads: a reader's basis is checked against every
   * consent of the patient, so (a)'s thousand grants made each read of (c) scan them all.
   */
  grantor: Person;
  doctor: Person;
  doctorB: Person;
  billing: Person;
  adjuster: Person;
  patientId: string;
  policyId: string;
  /** A record of the patient at hospital A that doctor B may read under the patient's consent. */
  record: ClaimableRecord;
  /** Records written by workload (b), for the claims of workload (d). */
  claimable: ClaimableRecord[];
}

export interface SdkSide {
  sessions: Session[];
  /** A contract as `who` on their own member's peer. */
  patient: (name: string) => Contract;
  /** Workload (a)'s patient (see RestSide). */
  grantor: (name: string) => Contract;
  doctor: (name: string) => Contract;
  doctorB: (name: string) => Contract;
  billing: (name: string) => Contract;
  adjuster: (name: string) => Contract;
  patientId: string;
  /** Hospital B's doctor (the REST side's), whom the consents name. */
  doctorBPractitionerId: string;
  policyId: string;
  record: ClaimableRecord;
  claimable: ClaimableRecord[];
}

/**
 * A consent to hospital B for treatment: to its doctor (`practitionerId`), or to the member as a
 * whole. Workload (a) grants the latter: a grant to a doctor also writes the patient's care link
 * with that doctor, one key that every concurrent grant of the patient to the doctor rewrites,
 * so all but one of them fail MVCC validation (the first run measured exactly that).
 */
export function consentGrant(practitionerId?: string): Record<string, unknown> {
  return {
    grantee: { mspId: 'HospitalBMSP', ...(practitionerId === undefined ? {} : { practitionerId }) },
    categories: ['procedure'],
    purpose: 'treatment',
    validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
  };
}

export function policyTerms(): Record<string, unknown> {
  return {
    plan: 'Bench',
    coverage: { procedure: 80 },
    copayPercent: 0,
    annualLimit: 1_000_000_000_000,
    validFrom: new Date(Date.now() - DAY).toISOString(),
    validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
  };
}

/** The claim of workload (d) on one record. */
export function claimOf(policyId: string, patientId: string, record: ClaimableRecord): Record<string, unknown> {
  return {
    policyId,
    patientId,
    serviceDate: new Date().toISOString(),
    lines: [{ recordId: record.recordId, contentHash: record.contentHash, category: 'procedure', amount: 1_000 }],
  };
}

async function post(gateway: Gateway, who: Person, route: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await call(`${gateway.url}${route}`, 'POST', body, who.token);
  if (answer.status >= 300) throw new Error(`POST ${route}: ${String(answer.status)} ${JSON.stringify(answer.body)}`);
  return answer.body as Record<string, unknown>;
}

export async function setUpRest(runId: string): Promise<RestSide> {
  const [a, b, insurer] = await Promise.all([
    startGateway('hospital-a', SPARE['hospital-a'], GATEWAY_ENV, GATEWAY_NODE_ARGS),
    startGateway('hospital-b', SPARE['hospital-b'], GATEWAY_ENV, GATEWAY_NODE_ARGS),
    startGateway('insurer', SPARE.insurer, GATEWAY_ENV, GATEWAY_NODE_ARGS),
  ]);
  const [patient, grantor, doctor, billing, doctorB, adjuster] = await Promise.all([
    invite(a, `bench-pat-${runId}`, 'patient'),
    invite(a, `bench-grant-${runId}`, 'patient'),
    invite(a, `bench-doc-${runId}`, 'doctor'),
    invite(a, `bench-bill-${runId}`, 'billing'),
    invite(b, `bench-docb-${runId}`, 'doctor'),
    invite(insurer, `bench-adj-${runId}`, 'adjuster'),
  ]);
  const patientId = patient.attrs['ehr.patientId'] ?? '';
  await settled(60_000);
  await post(a, patient, '/v1/consents', consentGrant(doctorB.attrs['ehr.practitionerId'] ?? ''));
  const policy = await post(insurer, adjuster, '/v1/policies', { patientId, terms: policyTerms() });
  const record = await post(a, doctor, '/v1/records', {
    patientId,
    category: 'procedure',
    body: { notes: `bench ${runId}` },
  });
  await settled(60_000);
  return {
    a,
    b,
    insurer,
    patient,
    grantor,
    doctor,
    doctorB,
    billing,
    adjuster,
    patientId,
    policyId: String(policy.policyId),
    record: { recordId: String(record.recordId), contentHash: String(record.contentHash) },
    claimable: [],
  };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** An identity of the same member, role and ids as the REST person. */
function twin(org: string, name: string, person: Person): Promise<IssuedIdentity> {
  return issueIdentity(org, name, { ...person.attrs });
}

/** Writes a record body (step 1, on the custodian's peer only) and publishes its header (step 2). */
export async function sdkRecord(doctor: (name: string) => Contract, patientId: string, notes: string) {
  const records = doctor('records');
  const stored = JSON.parse(
    text(
      await records.submit('CreateBody', {
        arguments: [patientId, 'procedure'],
        transientData: salted({ body: JSON.stringify({ notes }) }),
        endorsingOrganizations: ['HospitalAMSP'],
      }),
    ),
  ) as { recordId: string; version: number; contentHash: string };
  await records.submitTransaction(
    'Publish',
    stored.recordId,
    patientId,
    'procedure',
    String(stored.version),
    stored.contentHash,
  );
  return { recordId: stored.recordId, contentHash: stored.contentHash };
}

export async function setUpSdk(runId: string, rest: RestSide): Promise<SdkSide> {
  const [patient, grantor] = await Promise.all([
    freshPatient('hospital-a', 'bench'),
    freshPatient('hospital-a', 'bench-grant'),
  ]);
  const [doctor, doctorB, billing, adjuster] = await Promise.all([
    twin('hospital-a', `bench-sdk-doc-${runId}`, rest.doctor),
    twin('hospital-b', `bench-sdk-docb-${runId}`, rest.doctorB),
    twin('hospital-a', `bench-sdk-bill-${runId}`, rest.billing),
    twin('insurer', `bench-sdk-adj-${runId}`, rest.adjuster),
  ]);
  const sessions: Session[] = [];
  const as = (org: string, who: IssuedIdentity) => {
    const s = session(org, who);
    sessions.push(s);
    return (name: string) => s.network.getContract(CHAINCODE, name);
  };
  const side = {
    sessions,
    patient: as('hospital-a', patient),
    grantor: as('hospital-a', grantor),
    doctor: as('hospital-a', doctor),
    doctorB: as('hospital-b', doctorB),
    billing: as('hospital-a', billing),
    adjuster: as('insurer', adjuster),
    patientId: patient.patientId,
    doctorBPractitionerId: rest.doctorB.attrs['ehr.practitionerId'] ?? '',
  };
  await side.patient('consent').submitTransaction('Grant', JSON.stringify(consentGrant(side.doctorBPractitionerId)));
  const policy = JSON.parse(
    text(await side.adjuster('policies').submitTransaction('Issue', patient.patientId, JSON.stringify(policyTerms()))),
  ) as { policyId: string };
  const record = await sdkRecord(side.doctor, patient.patientId, `bench sdk ${runId}`);
  await settled(60_000);
  return { ...side, policyId: policy.policyId, record, claimable: [] };
}
