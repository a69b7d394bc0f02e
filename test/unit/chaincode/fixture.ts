/** Demo identities, two-phase write helpers and ledger checks shared by the chaincode unit tests. */
import { randomBytes } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { AccessContract } from '../../../chaincode/src/access-contract';
import { AppointmentContract } from '../../../chaincode/src/appointment-contract';
import { BillContract } from '../../../chaincode/src/bill-contract';
import { BreakGlassContract } from '../../../chaincode/src/break-glass-contract';
import { ClaimContract } from '../../../chaincode/src/claim-contract';
import { ConsentContract } from '../../../chaincode/src/consent-contract';
import { DirectoryContract } from '../../../chaincode/src/directory-contract';
import { ErasureContract } from '../../../chaincode/src/erasure-contract';
import { LabOrderContract } from '../../../chaincode/src/lab-order-contract';
import { PolicyContract } from '../../../chaincode/src/policy-contract';
import { RecordContract } from '../../../chaincode/src/record-contract';
import { RequestContract } from '../../../chaincode/src/request-contract';
import {
  type Caller,
  CHANNEL_ORGS,
  type Committed,
  compositeKey,
  Ledger,
  printable,
  type TxOptions,
} from '../helpers/fabric-stub';

export const HA = 'HospitalAMSP';
export const HB = 'HospitalBMSP';
export const LAB = 'LabMSP';
export const INS = 'InsurerMSP';
/** A second lab and a second insurer, on channels of five members where a test needs them. */
export const LAB2 = 'Lab2MSP';
export const INS2 = 'Insurer2MSP';

const user = (mspId: string, cn: string, attrs: Record<string, string>): Caller => ({ mspId, cn, attrs });

export const people = {
  adminA: user(HA, 'admin', { 'ehr.role': 'admin' }),
  adminB: user(HB, 'admin', { 'ehr.role': 'admin' }),
  adminLab: user(LAB, 'admin', { 'ehr.role': 'admin' }),
  adminIns: user(INS, 'admin', { 'ehr.role': 'admin' }),
  patientA: user(HA, 'patient1', { 'ehr.role': 'patient', 'ehr.patientId': 'PAT-HA-0001' }),
  patientA2: user(HA, 'patient2', { 'ehr.role': 'patient', 'ehr.patientId': 'PAT-HA-0002' }),
  doctorA: user(HA, 'doctor1', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HA-0001' }),
  doctorB: user(HB, 'doctor1', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HB-0001' }),
  doctorB2: user(HB, 'doctor2', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HB-0002' }),
  labtech: user(LAB, 'labtech1', { 'ehr.role': 'labtech', 'ehr.practitionerId': 'LAB-LB-0001' }),
  billingA: user(HA, 'billing1', { 'ehr.role': 'billing' }),
  billingB: user(HB, 'billing1', { 'ehr.role': 'billing' }),
  adjuster: user(INS, 'adjuster1', { 'ehr.role': 'adjuster' }),
};

export const PATIENT_A = 'PAT-HA-0001';
/** A marker that must never appear outside the custodian's private store. */
export const PHI_MARKER = 'Zyxwv-PHI-7f3a';

export const demographics = {
  name: `Alice ${PHI_MARKER}`,
  dateOfBirth: '1980-04-01',
  contact: { phone: '+1 555 0100' },
};
export const body = { diagnosis: `J45.20 ${PHI_MARKER}`, medication: ['salbutamol'], notes: 'review in 3 months' };

/** Transient data as a client sends it with every write of private data: with a fresh random salt. */
export const salted = (values: Record<string, string>): Record<string, string> => ({
  ...values,
  salt: randomBytes(16).toString('hex'),
});

/** The salt a stored private value carries, as a reader sees it. */
export const aSalt: unknown = expect.stringMatching(/^[0-9a-f]{32}$/);

/** Submits one transaction: endorsed by each endorsing org's peer, then committed. */
export async function submit<T>(
  ledger: Ledger,
  caller: Caller,
  run: (ctx: Context) => Promise<T>,
  options?: TxOptions,
): Promise<{ result: T; tx: Committed }> {
  return ledger.submit(caller, run, options);
}

/** Evaluates a read-only call on one peer (nothing is committed). */
export async function evaluate<T>(
  ledger: Ledger,
  caller: Caller,
  run: (ctx: Context) => Promise<T>,
  options?: TxOptions,
): Promise<T> {
  return ledger.evaluate(caller, run, options);
}

/**
 * Submits a transaction expected to fail: its error message and every place of the committed
 * ledger it changed (state, hashes, private values, policies, versions, events).
 */
export async function attempt(
  ledger: Ledger,
  caller: Caller,
  run: (ctx: Context) => Promise<unknown>,
  options?: TxOptions,
): Promise<{ error?: string; changes: string[] }> {
  const before = ledger.snapshot();
  try {
    await ledger.submit(caller, run, options);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), changes: ledger.changesSince(before) };
  }
  return { changes: ledger.changesSince(before) };
}

/** A ledger key as the chaincode builds it. */
export const key = (type: string, ...parts: string[]) => compositeKey(type, parts);

/** One instance of each contract, as the chaincode serves them. */
export const contracts = {
  access: new AccessContract(),
  appointments: new AppointmentContract(),
  bills: new BillContract(),
  breakGlass: new BreakGlassContract(),
  claims: new ClaimContract(),
  consent: new ConsentContract(),
  directory: new DirectoryContract(),
  erasure: new ErasureContract(),
  labOrders: new LabOrderContract(),
  policies: new PolicyContract(),
  records: new RecordContract(),
  requests: new RequestContract(),
};
const { directory, records, erasure } = contracts;

/** A chaincode answer (JSON text) as the shape the caller expects. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export const parse = <T>(text: string) => JSON.parse(text) as T;

type Kind = 'hospital' | 'lab' | 'insurer';

/** The kind of each member (SPEC §1). */
export const KINDS: Readonly<Record<string, Kind>> = {
  [HA]: 'hospital',
  [HB]: 'hospital',
  [LAB]: 'lab',
  [INS]: 'insurer',
};

/**
 * Founds the consortium: each member's kind, approved by the admins of three members (a majority
 * of four or five), each in a transaction of its own. Until then no member has roles but admin.
 */
export async function foundConsortium(ledger: Ledger, kinds: Readonly<Record<string, Kind>> = KINDS): Promise<void> {
  for (const [mspId, kind] of Object.entries(kinds)) {
    for (const admin of [people.adminA, people.adminB, people.adminLab]) {
      await submit(ledger, admin, (ctx) => directory.ApproveMemberKind(ctx, mspId, kind));
    }
  }
}

/** A channel whose members' kinds are in effect, as every workflow needs; `extra` members join the four. */
export async function consortiumLedger(extra: Readonly<Record<string, Kind>> = {}): Promise<Ledger> {
  const ledger = new Ledger([...CHANNEL_ORGS, ...Object.keys(extra)]);
  await foundConsortium(ledger, { ...KINDS, ...extra });
  return ledger;
}

/**
 * Registers a patient (both steps) and binds their certificate, as they do when they first sign
 * in: `patient`, by default the one of `people` with this patientId at the admin's member.
 */
export async function registerPatient(
  ledger: Ledger,
  patientId = PATIENT_A,
  admin = people.adminA,
  patient: Caller | undefined = Object.values(people).find(
    (p) => p.mspId === admin.mspId && p.attrs?.['ehr.patientId'] === patientId,
  ),
  details: typeof demographics = demographics,
): Promise<void> {
  const stored = await submit(ledger, admin, (ctx) => directory.StoreDemographics(ctx, patientId), {
    transient: salted({ demographics: JSON.stringify(details) }),
  });
  const { demographicsHash } = JSON.parse(stored.result) as { demographicsHash: string };
  await submit(ledger, admin, (ctx) => directory.RegisterPatient(ctx, patientId, demographicsHash));
  if (patient) await submit(ledger, patient, (ctx) => directory.LinkPatientCertificate(ctx));
}

/** Both steps of writing a record version: private body, then the public header. */
export async function createRecord(
  ledger: Ledger,
  doctor: Caller,
  options: { patientId?: string; category?: string; content?: object } = {},
): Promise<{ recordId: string; version: number; contentHash: string }> {
  const patientId = options.patientId ?? PATIENT_A;
  const category = options.category ?? 'diagnosis';
  const stored = await submit(ledger, doctor, (ctx) => records.CreateBody(ctx, patientId, category), {
    transient: salted({ body: JSON.stringify(options.content ?? body) }),
  });
  const created = JSON.parse(stored.result) as { recordId: string; version: number; contentHash: string };
  await submit(ledger, doctor, (ctx) =>
    records.Publish(ctx, created.recordId, patientId, category, '1', created.contentHash),
  );
  return created;
}

/** What an admin's member holds of a patient, as `Held` answers on that member's peer. */
export function heldBy(ledger: Ledger, admin: Caller, patientId = PATIENT_A): Promise<string> {
  return evaluate(ledger, admin, (ctx) => erasure.Held(ctx, patientId), { peerMspId: admin.mspId });
}

/** An admin approves an erasure request as the member's gateway does: `Held` on its peer, then `Approve`. */
export async function approveErasure(
  ledger: Ledger,
  admin: Caller,
  patientId: string,
  requestId: string,
  options?: TxOptions,
): Promise<{ result: string; tx: Committed }> {
  const held = await heldBy(ledger, admin, patientId);
  return submit(ledger, admin, (ctx) => erasure.Approve(ctx, patientId, requestId, held), options);
}

/** An approval expected to fail (see `attempt`), made as `approveErasure` makes it. */
export async function attemptApproval(
  ledger: Ledger,
  admin: Caller,
  patientId: string,
  requestId: string,
  options?: TxOptions,
): Promise<{ error?: string; changes: string[] }> {
  const held = await heldBy(ledger, admin, patientId);
  return attempt(ledger, admin, (ctx) => erasure.Approve(ctx, patientId, requestId, held), options);
}

/**
 * What a member holds of people's data: its implicit collection without the markers of two-step
 * writes (chaincode/src/pending.ts) and their erasure index entries, which hold ids and times
 * only and go when the member settles them.
 */
export function privateOf(ledger: Ledger, mspId: string): ReadonlyMap<string, Uint8Array> {
  const collection = ledger.collection(`_implicit_org_${mspId}`);
  return new Map([...collection].filter(([stateKey]) => !stateKey.includes('\u0000pendingWrite\u0000')));
}

/** Every public value and every committed event, as text: where PHI must never appear. */
export function publicText(ledger: Ledger): string {
  const values = [...ledger.state.entries()].map(([k, v]) => k + Buffer.from(v).toString());
  const events = ledger.committedEvents.map((e) => e.payload.toString());
  return values.concat(events).join('\n');
}

export { Ledger };

/**
 * Makes the "local clock" (Date.now) follow the ledger's transaction time, as it does on a
 * live peer, for code that compares the two. Undone after each test.
 */
export function followLedgerClock(ledger: () => Ledger): void {
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => ledger().now);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
}

/** One page of a list transaction's answer. */
export interface Page<T> {
  items: T[];
  bookmark: string;
}

/** The items of a list transaction's answer (its first page, when the test expects no more). */
export const itemsOf = <T = Record<string, unknown>>(answer: string): T[] => (JSON.parse(answer) as Page<T>).items;

/**
 * Walks a list from the start to the end, a page of `pageSize` at a time: every item in order
 * and the size of every page.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export async function walk<T = Record<string, unknown>>(
  list: (pageSize: string, bookmark: string) => Promise<string>,
  pageSize = '2',
): Promise<{ items: T[]; pageSizes: number[] }> {
  const items: T[] = [];
  const pageSizes: number[] = [];
  let bookmark = '';
  do {
    const page = JSON.parse(await list(pageSize, bookmark)) as Page<T>;
    items.push(...page.items);
    pageSizes.push(page.items.length);
    bookmark = page.bookmark;
  } while (bookmark !== '' && pageSizes.length < 100);
  return { items, pageSizes };
}

/** The committed public keys of one type, printable (`type/attr/…`), in key order. */
export function printableKeys(ledger: Ledger, type: string): string[] {
  return [...ledger.state.keys()]
    .sort()
    .map(printable)
    .filter((k) => k.startsWith(`${type}/`));
}
