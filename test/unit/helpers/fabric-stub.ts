/**
 * An in-memory Fabric channel as the chaincode and its clients see it (Fabric v2.5 semantics),
 * shared by every chaincode unit test. It models:
 * - endorsement: each endorsing org's peer simulates the proposal itself against committed state
 *   (no read-your-own-writes), recording a read/write set; a chaincode error on any endorser
 *   fails the proposal (nothing is ordered), and the endorsements must agree (result, read/write
 *   set, event);
 * - default endorsers planned like the Fabric Gateway from the first simulation on the gateway's
 *   peer: the writers' key-level policies, the implicit collections' orgs, every org when the
 *   chaincode policy applies; with transient data every endorser must be a member of each
 *   collection touched, else the gateway refuses (clients then name `endorsingOrganizations`);
 * - validation at commit (statebased validator): for each written key its committed key-level
 *   policy (`setStateValidationParameter` / `setPrivateDataValidationParameter`, effective from
 *   the next transaction), else the chaincode policy (MAJORITY of the channel orgs) for public
 *   keys and the collection policy (the org itself for `_implicit_org_<MSPID>`) for private ones;
 *   the chaincode policy when nothing was checked; then MVCC (stale reads, phantom ranges).
 *   Invalid transactions write nothing and emit no event;
 * - private data: values on the member org's peers only, hashes and versions on every peer;
 *   `getPrivateData` of an existing key fails on a non-member peer; purge removes value and hash;
 * - Fabric's composite keys and partial-key ranges in key order, an empty value as a delete, one
 *   chaincode event per transaction, tx id and timestamp, creator MSP ID and attributes, transient
 *   data.
 * One transaction per block: a key's version is the number of the block that last wrote it.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';

const NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';
/** What fabric-shim sends for an empty start key of a range. */
const EMPTY_KEY_SUBSTITUTE = '\x01';
const IMPLICIT_PREFIX = '_implicit_org_';
const CHAINCODE = 'ehr';

/** The member orgs of channel `ehr` (SPEC §1). */
export const CHANNEL_ORGS: readonly string[] = ['HospitalAMSP', 'HospitalBMSP', 'LabMSP', 'InsurerMSP'];

export interface Caller {
  mspId: string;
  attrs?: Record<string, string>;
  /** Subject of the certificate; distinguishes users of one org. */
  cn?: string;
}

export interface TxOptions {
  /**
   * The org of the gateway (and peer) the client uses (default: the caller's). Evaluations run
   * there; a submit without named endorsers is simulated there first to plan its endorsers.
   */
  peerMspId?: string;
  transient?: Record<string, string | Buffer>;
  /** The orgs whose peers endorse, as `endorsingOrganizations` in fabric-gateway. */
  endorsingOrganizations?: string[];
}

/** The transaction validation codes a commit can fail with (values from Fabric's TxValidationCode). */
export const VALIDATION_CODES = {
  DUPLICATE_TXID: 9,
  ENDORSEMENT_POLICY_FAILURE: 10,
  MVCC_READ_CONFLICT: 11,
  PHANTOM_READ_CONFLICT: 12,
} as const;
export type ValidationCode = keyof typeof VALIDATION_CODES;

/** An ordered transaction the committing peers marked invalid, as fabric-gateway's CommitError. */
export class CommitError extends Error {
  override readonly name = 'CommitError';

  constructor(
    readonly txId: string,
    readonly code: ValidationCode,
    /** Why, as the validating peer logs it. */
    readonly reason: string,
  ) {
    super(`Transaction ${txId} failed to commit with status code ${VALIDATION_CODES[code]} (${code}): ${reason}`);
  }
}

/** A proposal the gateway could not get endorsed for a reason other than a chaincode error. */
export class EndorseError extends Error {
  override readonly name = 'EndorseError';
}

export interface ChaincodeEvent {
  name: string;
  payload: Buffer;
}

/** A transaction that is valid and committed. */
export interface Committed {
  txId: string;
  block: number;
  endorsers: string[];
  event: ChaincodeEvent | undefined;
}

type PublicOp = Uint8Array | 'delete';
type PrivateOp = Uint8Array | 'delete' | 'purge';

interface RangeRead {
  start: string;
  end: string;
  /** Keys and versions the chaincode iterated over, in order. */
  keys: [string, number][];
  exhausted: boolean;
}

/** What one peer's simulation read and wrote: the content of its proposal response. */
export class RwSet {
  readonly reads = new Map<string, number | undefined>();
  readonly ranges: RangeRead[] = [];
  readonly writes = new Map<string, PublicOp>();
  readonly policyWrites = new Map<string, Uint8Array>();
  /** Collection → key → version, of `getPrivateData` and `getPrivateDataHash` reads. */
  readonly hashedReads = new Map<string, Map<string, number | undefined>>();
  readonly privateWrites = new Map<string, Map<string, PrivateOp>>();
  readonly privatePolicyWrites = new Map<string, Map<string, Uint8Array>>();
  /** Collections whose values (not only hashes) were read. */
  readonly privateReads = new Set<string>();
  event: ChaincodeEvent | undefined;
}

/** A proposal endorsed by its endorsers, ready to be ordered with `Ledger.commit`. */
export interface Endorsed<T> {
  txId: string;
  result: T;
  endorsers: string[];
  readonly rwset: RwSet;
}

interface Proposal {
  txId: string;
  caller: Caller;
  millis: number;
  transient: Map<string, Buffer>;
}

interface PublicEntry {
  value: Uint8Array;
  version: number;
  policy?: Uint8Array;
}
interface HashEntry {
  hash: Uint8Array;
  version: number;
  policy?: Uint8Array;
}
interface PrivateEntry {
  value: Uint8Array;
  version: number;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A composite key as text: `type/attr/…` (the NUL separators dropped). */
export function printable(key: string): string {
  return key.startsWith(NS) ? key.split(NS).filter(Boolean).join('/') : key;
}

function validateCompositeKeyAttribute(attr: string): void {
  if (typeof attr !== 'string' || attr.length === 0) {
    throw new Error('object type or attribute not a non-zero length string');
  }
}

/** Fabric's composite key encoding (fabric-shim `createCompositeKey`). */
export function compositeKey(objectType: string, attributes: string[]): string {
  validateCompositeKeyAttribute(objectType);
  for (const a of attributes) validateCompositeKeyAttribute(a);
  return NS + objectType + NS + attributes.map((a) => a + NS).join('');
}

function splitCompositeKey(key: string): { objectType?: string; attributes: string[] } {
  if (key.length <= 1 || !key.startsWith(NS)) return { attributes: [] };
  const parts = key.slice(1).split(NS);
  parts.pop();
  return { objectType: parts[0], attributes: parts.slice(1) };
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** The entries from `start` (inclusive) to `end` (exclusive; '' = no end), in key order. */
function inRange<V>(source: Map<string, V>, start: string, end: string): [string, V][] {
  return [...source.entries()].filter(([key]) => key >= start && (end === '' || key < end)).sort(byKey);
}

/** The orgs a key-level policy names; `addOrgs('PEER', …)` means all of them must endorse. */
export function policyOrgs(policy: Uint8Array): string[] {
  return new KeyEndorsementPolicy(Buffer.from(policy)).listOrgs().sort();
}

function iterator(entries: [string, Uint8Array][], onNext: (key: string) => void, onDone: () => void) {
  let i = 0;
  return {
    next: () => {
      const entry = entries[i++];
      if (!entry) {
        onDone();
        return Promise.resolve({ value: undefined, done: true });
      }
      onNext(entry[0]);
      return Promise.resolve({ value: { namespace: CHAINCODE, key: entry[0], value: entry[1] }, done: false });
    },
    close: () => Promise.resolve(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function innerMap<K, V>(outer: Map<string, Map<K, V>>, name: string): Map<K, V> {
  let inner = outer.get(name);
  if (!inner) {
    inner = new Map();
    outer.set(name, inner);
  }
  return inner;
}

/** The proposal response content endorsers must agree on: the result, read/write set and event. */
function responsePayload(result: unknown, rw: RwSet): string {
  const entries = <V>(m: Map<string, V>, f: (v: V) => unknown) =>
    [...m.entries()].sort(byKey).map(([k, v]) => [k, f(v)]);
  const privateOp = (op: PrivateOp) => (typeof op === 'string' ? op : hex(sha256(op)));
  return JSON.stringify({
    result: result === undefined ? null : result,
    reads: entries(rw.reads, (v) => v ?? null),
    ranges: rw.ranges,
    writes: entries(rw.writes, (op) => (typeof op === 'string' ? op : hex(op))),
    policyWrites: entries(rw.policyWrites, hex),
    hashedReads: entries(rw.hashedReads, (m) => entries(m, (v) => v ?? null)),
    privateWrites: entries(rw.privateWrites, (m) => entries(m, privateOp)),
    privatePolicyWrites: entries(rw.privatePolicyWrites, (m) => entries(m, hex)),
    event: rw.event ? [rw.event.name, hex(rw.event.payload)] : null,
  });
}

/** Keys written, value or policy, with their collection ('' for public state). */
function writtenKeys(rw: RwSet): [string, string][] {
  const keys: [string, string][] = [];
  for (const key of new Set([...rw.writes.keys(), ...rw.policyWrites.keys()])) keys.push(['', key]);
  for (const coll of new Set([...rw.privateWrites.keys(), ...rw.privatePolicyWrites.keys()])) {
    const inColl = [...(rw.privateWrites.get(coll)?.keys() ?? []), ...(rw.privatePolicyWrites.get(coll)?.keys() ?? [])];
    for (const key of new Set(inColl)) keys.push([coll, key]);
  }
  return keys;
}

export class Ledger {
  readonly orgs: readonly string[];
  /** Events of valid transactions, in commit order. */
  readonly committedEvents: { txId: string; name: string; payload: Buffer }[] = [];
  /** Transaction time in milliseconds; tests move it forward explicitly. */
  now = Date.parse('2026-01-15T09:00:00.000Z');
  /**
   * Which state database answers paginated range queries: they differ at the end of a range,
   * where LevelDB answers the bookmark '' and CouchDB the range's end key, JSON-encoded.
   */
  stateDb: 'leveldb' | 'couchdb' = 'leveldb';
  #public = new Map<string, PublicEntry>();
  /** Collection → key → hash: on every peer. */
  #hashes = new Map<string, Map<string, HashEntry>>();
  /** Collection → key → value: on the member org's peers only. */
  #private = new Map<string, Map<string, PrivateEntry>>();
  #height = 0;
  #txCounter = 0;
  #txIds = new Set<string>();

  constructor(orgs: readonly string[] = CHANNEL_ORGS) {
    this.orgs = orgs;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** Blocks committed so far (one transaction each, valid or not). */
  get height(): number {
    return this.#height;
  }

  /** Committed public values. */
  get state(): ReadonlyMap<string, Uint8Array> {
    return new Map([...this.#public].map(([k, e]) => [k, e.value]));
  }

  /** Committed private values of a collection, as its member org's peers hold them. */
  collection(name: string): ReadonlyMap<string, Uint8Array> {
    return new Map([...(this.#private.get(name) ?? [])].map(([k, e]) => [k, e.value]));
  }

  /** The committed hash of a private value, as every peer holds it. */
  privateDataHash(collection: string, key: string): Buffer | undefined {
    const entry = this.#hashes.get(collection)?.get(key);
    return entry && Buffer.from(entry.hash);
  }

  /** The orgs the committed key-level policy of a public key requires, if it has one. */
  keyPolicy(key: string): string[] | undefined {
    const policy = this.#public.get(key)?.policy;
    return policy && policyOrgs(policy);
  }

  /** Alters a member's stored private value behind Fabric's back (its hash and version stay). */
  tamperPrivateData(collection: string, key: string, value: Uint8Array): void {
    const entry = this.#private.get(collection)?.get(key);
    if (!entry) throw new Error(`${collection} holds no ${printable(key)}`);
    entry.value = value;
  }

  /** A context for one simulation on a peer (default: the caller's org); nothing it writes is kept. */
  context(caller: Caller, options: TxOptions = {}): Context {
    return this.#simulator(this.#proposal(caller, options), options.peerMspId ?? caller.mspId).ctx;
  }

  /** A read-only call on one peer (the gateway's, by default): the result, nothing committed. */
  async evaluate<T>(caller: Caller, run: (ctx: Context) => Promise<T>, options: TxOptions = {}): Promise<T> {
    const proposal = this.#proposal(caller, options);
    const peer = options.endorsingOrganizations?.[0] ?? options.peerMspId ?? caller.mspId;
    return (await this.#simulate(proposal, peer, run)).result;
  }

  /**
   * Collects endorsements: each endorsing org's peer simulates the proposal. Throws the
   * chaincode's error if any endorser fails, an EndorseError if they disagree or no endorsers
   * can be planned.
   */
  async endorse<T>(caller: Caller, run: (ctx: Context) => Promise<T>, options: TxOptions = {}): Promise<Endorsed<T>> {
    const proposal = this.#proposal(caller, options);
    const simulations = new Map<string, { result: T; rwset: RwSet }>();
    let endorsers = options.endorsingOrganizations;
    if (endorsers) {
      const unknown = endorsers.filter((org) => !this.orgs.includes(org));
      if (unknown.length > 0)
        throw new EndorseError(`failed to find any endorsing peers for org(s): ${unknown.join(', ')}`);
    } else {
      const gateway = options.peerMspId ?? caller.mspId;
      const first = await this.#simulate(proposal, gateway, run);
      simulations.set(gateway, first);
      endorsers = this.#plan(first.rwset, proposal.transient.size > 0);
    }
    for (const org of endorsers) {
      if (!simulations.has(org)) simulations.set(org, await this.#simulate(proposal, org, run));
    }
    const [first, ...others] = endorsers.map((org) => ({ org, ...simulations.get(org)! }));
    if (!first) throw new EndorseError('no endorsing organizations');
    const expected = responsePayload(first.result, first.rwset);
    const differing = others.filter((o) => responsePayload(o.result, o.rwset) !== expected).map((o) => o.org);
    if (differing.length > 0) {
      throw new EndorseError(`ProposalResponsePayloads do not match: ${first.org} and ${differing.join(', ')}`);
    }
    return { txId: proposal.txId, result: first.result, endorsers: [...new Set(endorsers)], rwset: first.rwset };
  }

  /**
   * Orders and commits an endorsed transaction in a block of its own: validates endorsement
   * policies, then reads (MVCC), then applies the writes. Throws a CommitError when invalid.
   */
  commit(tx: Endorsed<unknown>): Committed {
    this.#height += 1;
    const block = this.#height;
    if (this.#txIds.has(tx.txId)) throw new CommitError(tx.txId, 'DUPLICATE_TXID', 'the transaction was committed');
    this.#txIds.add(tx.txId);
    const policyFailure = this.#policyFailure(tx.rwset, new Set(tx.endorsers), block);
    if (policyFailure) throw new CommitError(tx.txId, 'ENDORSEMENT_POLICY_FAILURE', policyFailure);
    const conflict = this.#readConflict(tx.rwset);
    if (conflict) throw new CommitError(tx.txId, conflict[0], conflict[1]);
    this.#apply(tx.rwset, block);
    const event = tx.rwset.event;
    if (event) this.committedEvents.push({ txId: tx.txId, ...event });
    return { txId: tx.txId, block, endorsers: tx.endorsers, event };
  }

  /** Endorses and commits, as a gateway client's submit does. */
  async submit<T>(
    caller: Caller,
    run: (ctx: Context) => Promise<T>,
    options: TxOptions = {},
  ): Promise<{ result: T; tx: Committed }> {
    const endorsed = await this.endorse(caller, run, options);
    return { result: endorsed.result, tx: this.commit(endorsed) };
  }

  /** Everything committed, by place: public values, hashes, private values (with versions and policies). */
  snapshot(): ReadonlyMap<string, string> {
    const places = new Map<string, string>();
    for (const [key, e] of this.#public) {
      const policy = e.policy ? ` policy ${policyOrgs(e.policy).join('+')}` : '';
      places.set(`state ${printable(key)}`, `${Buffer.from(e.value).toString()} @${e.version}${policy}`);
    }
    for (const [coll, entries] of this.#hashes) {
      for (const [key, e] of entries) places.set(`hash ${coll} ${printable(key)}`, `${hex(e.hash)} @${e.version}`);
    }
    for (const [coll, entries] of this.#private) {
      for (const [key, e] of entries) places.set(`private ${coll} ${printable(key)}`, Buffer.from(e.value).toString());
    }
    places.set('events', String(this.committedEvents.length));
    return places;
  }

  /** What differs from an earlier snapshot, one line per place. */
  changesSince(before: ReadonlyMap<string, string>): string[] {
    const after = this.snapshot();
    const changes: string[] = [];
    for (const place of new Set([...before.keys(), ...after.keys()])) {
      const [was, is] = [before.get(place), after.get(place)];
      if (was === is) continue;
      changes.push(`${place}: ${was === undefined ? 'added' : is === undefined ? 'removed' : 'changed'}`);
    }
    return changes.sort();
  }

  #proposal(caller: Caller, options: TxOptions): Proposal {
    this.#txCounter += 1;
    return {
      txId: `tx${String(this.#txCounter).padStart(6, '0')}`,
      caller,
      millis: this.now,
      transient: new Map(
        Object.entries(options.transient ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]),
      ),
    };
  }

  async #simulate<T>(proposal: Proposal, peer: string, run: (ctx: Context) => Promise<T>) {
    if (!this.orgs.includes(peer)) throw new EndorseError(`no peer of ${peer} on channel ehr`);
    const { ctx, rwset } = this.#simulator(proposal, peer);
    const result = await run(ctx);
    return { result, rwset };
  }

  /** The collection's member org; only implicit collections are defined. */
  #collectionOrg(collection: string): string {
    const org = collection.startsWith(IMPLICIT_PREFIX) ? collection.slice(IMPLICIT_PREFIX.length) : '';
    if (!this.orgs.includes(org)) {
      throw new Error(`collection [${collection}] not defined in the collection config for chaincode [${CHAINCODE}]`);
    }
    return org;
  }

  #majority(endorsers: ReadonlySet<string>): boolean {
    return this.orgs.filter((org) => endorsers.has(org)).length > this.orgs.length / 2;
  }

  /** The committed key-level policy of a public ('') or private key, if any. */
  #committedPolicy(coll: string, key: string): Uint8Array | undefined {
    return coll === '' ? this.#public.get(key)?.policy : this.#hashes.get(coll)?.get(key)?.policy;
  }

  /**
   * The endorsers the Fabric Gateway plans from the first simulation's chaincode interest: the
   * key-level policies of written keys, the collection policies of written or read collections,
   * and the chaincode policy (every org) when a written public key has no key-level policy or
   * nothing is written. Transient data restricts endorsers to members of every collection touched.
   */
  #plan(rw: RwSet, hasTransient: boolean): string[] {
    const required = new Set<string>();
    let chaincodePolicy = writtenKeys(rw).length === 0;
    const touched = new Set(rw.privateReads);
    for (const [coll, key] of writtenKeys(rw)) {
      const policy = this.#committedPolicy(coll, key);
      if (policy) policyOrgs(policy).forEach((org) => required.add(org));
      else if (coll === '') chaincodePolicy = true;
      else touched.add(coll);
    }
    for (const coll of touched) required.add(this.#collectionOrg(coll));
    const plan = (membersOf: ReadonlySet<string>) => {
      const candidates = this.orgs.filter((org) => [...membersOf].every((coll) => this.#collectionOrg(coll) === org));
      const endorsers = chaincodePolicy ? candidates : candidates.filter((org) => required.has(org));
      const enough = !chaincodePolicy || this.#majority(new Set(endorsers));
      return enough && [...required].every((org) => endorsers.includes(org)) ? endorsers : undefined;
    };
    const planned = plan(hasTransient ? touched : rw.privateReads);
    if (planned) return planned;
    if (hasTransient && plan(rw.privateReads)) {
      throw new EndorseError(
        `requires endorsement from organisation(s) that are not in the distribution policy of the private data collection(s): [${[...touched].join(' ')}]; retry specifying trusted endorsing organizations to protect transient data`,
      );
    }
    throw new EndorseError('no peer combination can satisfy the endorsement policy');
  }

  /** Fabric's statebased (v20) validation; the failure reason, if the endorsers do not satisfy it. */
  #policyFailure(rw: RwSet, endorsers: ReadonlySet<string>, block: number): string | undefined {
    const failed = (what: string) =>
      `validation of ${what} in tx ${block}:0 failed: signature set did not satisfy policy`;
    const checked = new Set<string>();
    let someChecked = false;
    // The chaincode policy ('') or a collection's, each checked once.
    const namespaceOrCollection = (coll: string): string | undefined => {
      if (checked.has(coll)) return undefined;
      if (coll === '' && !this.#majority(endorsers)) return failed(`endorsement policy for chaincode ${CHAINCODE}`);
      if (coll !== '' && !endorsers.has(this.#collectionOrg(coll))) {
        return failed(`endorsement policy for collection ${coll} chaincode ${CHAINCODE}`);
      }
      checked.add(coll);
      someChecked = true;
      return undefined;
    };
    for (const [coll, key] of writtenKeys(rw)) {
      const policy = this.#committedPolicy(coll, key);
      if (!policy) {
        const failure = namespaceOrCollection(coll);
        if (failure) return failure;
      } else if (policyOrgs(policy).every((org) => endorsers.has(org))) {
        someChecked = true;
      } else {
        return failed(`key ${printable(key)} (coll'${coll}':ns'${CHAINCODE}')`);
      }
    }
    return someChecked ? undefined : namespaceOrCollection('');
  }

  /** MVCC, in Fabric's order (reads, ranges, hashed reads): the first conflict, if any. */
  #readConflict(rw: RwSet): [ValidationCode, string] | undefined {
    const stale = (where: string, read: number | undefined, now: number | undefined) =>
      read === now
        ? undefined
        : (['MVCC_READ_CONFLICT', `${where} was read at version ${read ?? 'none'}, is at ${now ?? 'none'}`] as [
            ValidationCode,
            string,
          ]);
    for (const [key, version] of rw.reads) {
      const conflict = stale(printable(key), version, this.#public.get(key)?.version);
      if (conflict) return conflict;
    }
    const phantom = rw.ranges.find((range) => this.#rangeChanged(range));
    if (phantom) return ['PHANTOM_READ_CONFLICT', `the range ${printable(phantom.start)}… changed since it was read`];
    for (const [coll, reads] of rw.hashedReads) {
      for (const [key, version] of reads) {
        const conflict = stale(`${coll} ${printable(key)}`, version, this.#hashes.get(coll)?.get(key)?.version);
        if (conflict) return conflict;
      }
    }
    return undefined;
  }

  /** Whether a range read now returns other keys or versions, up to where the chaincode stopped. */
  #rangeChanged(range: RangeRead): boolean {
    const end = range.exhausted ? range.end : (range.keys.at(-1)?.[0] ?? range.start) + NS;
    const now = inRange(this.#public, range.start, end).map(([key, e]) => [key, e.version]);
    return JSON.stringify(now) !== JSON.stringify(range.keys);
  }

  #apply(rw: RwSet, block: number): void {
    this.#applyPublic(rw, block);
    for (const [coll, ops] of rw.privateWrites) this.#applyPrivate(coll, ops, rw.privatePolicyWrites.get(coll), block);
    for (const [coll, policies] of rw.privatePolicyWrites) {
      const written = rw.privateWrites.get(coll);
      for (const [key, policy] of policies) if (!written?.has(key)) this.#applyPrivatePolicy(coll, key, policy, block);
    }
  }

  /** Public writes; a value alone keeps the key's policy, a delete drops both. */
  #applyPublic(rw: RwSet, block: number): void {
    for (const [key, op] of rw.writes) {
      const policy = rw.policyWrites.get(key) ?? this.#public.get(key)?.policy;
      if (op === 'delete') this.#public.delete(key);
      else this.#public.set(key, { value: op, version: block, policy });
    }
    for (const [key, policy] of rw.policyWrites) {
      const entry = this.#public.get(key);
      // A policy alone on a key that does not exist is dropped, as Fabric does.
      if (!rw.writes.has(key) && entry) this.#public.set(key, { ...entry, version: block, policy });
    }
  }

  /** A key-level policy alone on a private key: a new version of its hash (and value). */
  #applyPrivatePolicy(coll: string, key: string, policy: Uint8Array, block: number): void {
    const entry = this.#hashes.get(coll)?.get(key);
    if (!entry) return;
    entry.version = block;
    entry.policy = policy;
    const value = this.#private.get(coll)?.get(key);
    if (value) value.version = block;
  }

  /** Private writes reach the hashes on every peer and the values on the member's peers. */
  #applyPrivate(
    coll: string,
    ops: Map<string, PrivateOp>,
    policies: Map<string, Uint8Array> | undefined,
    block: number,
  ) {
    const hashes = innerMap(this.#hashes, coll);
    const values = innerMap(this.#private, coll);
    for (const [key, op] of ops) {
      if (typeof op === 'string') {
        hashes.delete(key);
        values.delete(key);
      } else {
        hashes.set(key, { hash: sha256(op), version: block, policy: policies?.get(key) ?? hashes.get(key)?.policy });
        values.set(key, { value: op, version: block });
      }
    }
  }

  /** The chaincode stub one peer (of org `peer`) gives a simulation, and the read/write set it records. */
  #simulator(proposal: Proposal, peer: string): { ctx: Context; rwset: RwSet } {
    const rw = new RwSet();
    let writePerformed = false;
    let privateQueryPerformed = false;
    let paginatedQueryPerformed = false;
    const beforeWrite = () => {
      if (privateQueryPerformed) {
        throw new Error(
          `txid [${proposal.txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`,
        );
      }
      if (paginatedQueryPerformed) {
        throw new Error(
          `txid [${proposal.txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`,
        );
      }
      writePerformed = true;
    };
    const requireName = (what: string, value: string) => {
      if (!value) throw new Error(`${what} must be a valid string`);
    };
    const privateWrite = (collection: string, key: string, op: PrivateOp) => {
      requireName('collection', collection);
      requireName('key', key);
      this.#collectionOrg(collection);
      beforeWrite();
      innerMap(rw.privateWrites, collection).set(key, op);
      return Promise.resolve();
    };
    const hashed = (collection: string, key: string) => {
      requireName('collection', collection);
      requireName('key', key);
      this.#collectionOrg(collection);
      return this.#hashes.get(collection)?.get(key);
    };
    const hashedRead = (collection: string, key: string) => {
      const entry = hashed(collection, key);
      innerMap(rw.hashedReads, collection).set(key, entry?.version);
      return entry;
    };
    const publicRead = (key: string) => {
      const entry = this.#public.get(key);
      rw.reads.set(key, entry?.version);
      return entry;
    };
    // Fabric: the keys from `startKey` (inclusive; '' = the first) to `endKey` (exclusive; '' =
    // no end), on a member's peer; the shim checks no key of a private range, so composite keys
    // work. Read-only only.
    const privateRange = (collection: string, startKey: string, endKey: string) => {
      const member = this.#collectionOrg(collection) === peer;
      if (writePerformed) {
        throw new Error(
          `txid [${proposal.txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`,
        );
      }
      privateQueryPerformed = true;
      const values = this.#private.get(collection) ?? new Map<string, PrivateEntry>();
      const entries = member ? inRange(values, startKey || EMPTY_KEY_SUBSTITUTE, endKey) : [];
      // As fabric-shim 2.5 does: awaiting the answer gives `{ iterator }`, not the iterator
      // (unlike getStateByPartialCompositeKey); only `for await` iterates it directly.
      const found = iterator(
        entries.map(([key, e]) => [key, e.value]),
        () => undefined,
        () => undefined,
      );
      return Object.assign(Promise.resolve({ iterator: found }), {
        [Symbol.asyncIterator]: () => found,
      });
    };
    const seconds = Math.floor(proposal.millis / 1000);
    const stub = {
      getTxID: () => proposal.txId,
      getChannelID: () => 'ehr',
      getTxTimestamp: () => ({ seconds, nanos: (proposal.millis % 1000) * 1e6 }),
      getDateTimestamp: () => new Date(proposal.millis),
      getTransient: () => new Map(proposal.transient),
      getState: (key: string) => Promise.resolve(publicRead(key)?.value ?? new Uint8Array()),
      putState: (key: string, value: Uint8Array | string) => {
        beforeWrite();
        const bytes = Buffer.from(value);
        rw.writes.set(key, bytes.length === 0 ? 'delete' : bytes);
        return Promise.resolve();
      },
      deleteState: (key: string) => {
        beforeWrite();
        rw.writes.set(key, 'delete');
        return Promise.resolve();
      },
      createCompositeKey: compositeKey,
      splitCompositeKey,
      getStateByPartialCompositeKey: (objectType: string, attributes: string[]) => {
        const start = compositeKey(objectType, attributes);
        const range: RangeRead = { start, end: start + MAX_RUNE, keys: [], exhausted: false };
        rw.ranges.push(range);
        const entries = inRange(this.#public, range.start, range.end);
        const versions = new Map(entries.map(([key, e]) => [key, e.version]));
        return Promise.resolve(
          iterator(
            entries.map(([key, e]) => [key, e.value]),
            (key) => range.keys.push([key, versions.get(key) ?? 0]),
            () => (range.exhausted = true),
          ),
        );
      },
      // Fabric: a page of the range from the bookmark (the next key to read; '' = the range's
      // start), and the bookmark after it (at the end: see `stateDb`). Read-only only.
      getStateByPartialCompositeKeyWithPagination: (
        objectType: string,
        attributes: string[],
        pageSize: number,
        bookmark = '',
      ) => {
        if (writePerformed) {
          throw new Error(
            `txid [${proposal.txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`,
          );
        }
        paginatedQueryPerformed = true;
        const rangeStart = compositeKey(objectType, attributes);
        const entries = inRange(this.#public, bookmark || rangeStart, rangeStart + MAX_RUNE);
        const page = entries.slice(0, pageSize);
        const rangeEnd = rangeStart + MAX_RUNE;
        const exhausted = this.stateDb === 'couchdb' ? JSON.stringify(rangeEnd).slice(1, -1) : '';
        const next = entries[pageSize]?.[0] ?? exhausted;
        return Promise.resolve({
          iterator: iterator(
            page.map(([key, e]) => [key, e.value]),
            () => undefined,
            () => undefined,
          ),
          metadata: { fetchedRecordsCount: page.length, bookmark: next },
        });
      },
      getStateValidationParameter: (key: string) => Promise.resolve(publicRead(key)?.policy),
      setStateValidationParameter: (key: string, ep: Uint8Array) => {
        beforeWrite();
        rw.policyWrites.set(key, Buffer.from(ep));
        return Promise.resolve();
      },
      getPrivateData: (collection: string, key: string) => {
        const hash = hashed(collection, key);
        const stored = this.#collectionOrg(collection) === peer ? this.#private.get(collection)?.get(key) : undefined;
        if (hash?.version !== stored?.version) {
          const version = (v: number | undefined) => (v === undefined ? '<nil>' : `{BlockNum: ${v}, TxNum: 0}`);
          return Promise.reject(
            new Error(
              `private data matching public hash version is not available. Public hash version = ${version(hash?.version)}, Private data version = ${version(stored?.version)}`,
            ),
          );
        }
        hashedRead(collection, key);
        rw.privateReads.add(collection);
        return Promise.resolve(stored?.value ?? new Uint8Array());
      },
      getPrivateDataHash: (collection: string, key: string) =>
        Promise.resolve(hashedRead(collection, key)?.hash ?? new Uint8Array()),
      getPrivateDataValidationParameter: (collection: string, key: string) =>
        Promise.resolve(hashedRead(collection, key)?.policy),
      getPrivateDataByRange: privateRange,
      // fabric-shim builds it on getPrivateDataByRange, as here.
      getPrivateDataByPartialCompositeKey: (collection: string, objectType: string, attributes: string[]) => {
        const start = compositeKey(objectType, attributes);
        return privateRange(collection, start, start + MAX_RUNE);
      },
      putPrivateData: (collection: string, key: string, value: Uint8Array | string) => {
        if (!value) throw new Error('value must be valid');
        const bytes = Buffer.from(value);
        return privateWrite(collection, key, bytes.length === 0 ? 'delete' : bytes);
      },
      deletePrivateData: (collection: string, key: string) => privateWrite(collection, key, 'delete'),
      purgePrivateData: (collection: string, key: string) => privateWrite(collection, key, 'purge'),
      setPrivateDataValidationParameter: (collection: string, key: string, ep: Uint8Array) => {
        this.#collectionOrg(collection);
        beforeWrite();
        innerMap(rw.privatePolicyWrites, collection).set(key, Buffer.from(ep));
        return Promise.resolve();
      },
      setEvent: (name: string, payload: Uint8Array) => {
        if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
        rw.event = { name, payload: Buffer.from(payload) };
      },
    };
    const { caller } = proposal;
    const clientIdentity = {
      getMSPID: () => caller.mspId,
      getID: () => `x509::CN=${caller.cn ?? 'user'},OU=client::CN=ca.${caller.mspId}`,
      getAttributeValue: (name: string) => caller.attrs?.[name] ?? null,
      getIDBytes: () => Buffer.from(`cert-of-${caller.mspId}-${caller.cn ?? 'user'}`),
    };
    return { ctx: { stub, clientIdentity } as unknown as Context, rwset: rw };
  }
}
