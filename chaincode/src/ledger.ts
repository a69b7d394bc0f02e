/** Reading and writing ledger objects: keys, canonical JSON, time, hashes, collections. */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import type { EventName, EventPayloads } from '@ehr/protocol';
import { ChaincodeError, invalid, notFound } from './errors';
import { canonicalJson, marshal, unmarshal } from './json';

/** Each member's implicit private data collection. */
export function implicitCollection(mspId: string): string {
  return `_implicit_org_${mspId}`;
}

export function key(ctx: Context, type: string, ...parts: string[]): string {
  return ctx.stub.createCompositeKey(type, parts);
}

export async function getJson<T>(ctx: Context, stateKey: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(stateKey);
  return bytes.length === 0 ? undefined : (unmarshal(bytes) as T);
}

export async function putJson(ctx: Context, stateKey: string, value: unknown): Promise<void> {
  await ctx.stub.putState(stateKey, marshal(value));
}

/** All values under a partial composite key, in key order. */
export async function listJson<T>(ctx: Context, type: string, ...parts: string[]): Promise<T[]> {
  const results: T[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(type, parts);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      results.push(unmarshal(next.value.value) as T);
    }
  } finally {
    await iterator.close();
  }
  return results;
}

/** One page of a list: its items and the bookmark of the next page ('' when there is none). */
export interface Page<T> {
  items: T[];
  bookmark: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** A page stops after scanning this many index entries for it, even when short (filters). */
const MAX_SCANNED_PER_PAGE = 1000;

/** The page size and bookmark a list transaction was given ('' → the default size, the start). */
export interface PageRequest {
  pageSize: number;
  bookmark: string;
}

export function pageRequest(pageSizeText: string, bookmark: string): PageRequest {
  if (pageSizeText === '') return { pageSize: DEFAULT_PAGE_SIZE, bookmark };
  const pageSize = Number(pageSizeText);
  if (!/^\d{1,3}$/.test(pageSizeText) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return { pageSize, bookmark };
}

/** The greatest code point: the end of a composite-key range, as Fabric ranges it. */
const MAX_RUNE = '\u{10ffff}';

/** The keys under a partial composite key, as Fabric ranges them: from `start` to `end` (exclusive). */
export interface KeyRange {
  start: string;
  end: string;
  holds: (key: string) => boolean;
}

export function compositeRange(ctx: Context, type: string, parts: string[]): KeyRange {
  const start = ctx.stub.createCompositeKey(type, parts);
  const end = start + MAX_RUNE;
  return { start, end, holds: (key) => key.startsWith(start) && key < end };
}

/**
 * Refuses a bookmark given in that is not a key of the list's range: Fabric would otherwise
 * start a range scan wherever a crafted bookmark points.
 */
export function checkBookmark(range: KeyRange, bookmark: string): void {
  if (bookmark !== '' && !range.holds(bookmark)) throw invalid('the bookmark does not belong to this list');
}

/**
 * A page of the entries under a partial composite key, in key order, each turned into an item
 * by `view` (which may drop it: filters, access checks). Read-only transactions only (Fabric
 * refuses paginated queries in a transaction that writes). A page holds up to `pageSize` items;
 * when `view` drops entries the index is read on, up to a bound, so a page can come back short
 * with a bookmark to go on from.
 *
 * The bookmark handed out is always the next key of this range, or '' when the range is done:
 * the state databases answer differently at the end of a range (LevelDB: ''; CouchDB: the end
 * key, JSON-encoded, which would not work as a start key), so a short fetch or any bookmark
 * outside the range means done. A bookmark given in must be a key of this range (`checkBookmark`).
 */
export async function pageOf<T>(
  ctx: Context,
  type: string,
  parts: string[],
  request: PageRequest,
  view: (entry: unknown, key: string) => Promise<T | undefined>,
): Promise<Page<T>> {
  const range = compositeRange(ctx, type, parts);
  checkBookmark(range, request.bookmark);
  const items: T[] = [];
  let bookmark = request.bookmark;
  let scanned = 0;
  do {
    const wanted = request.pageSize - items.length;
    const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
      type,
      parts,
      wanted,
      bookmark,
    );
    let fetched = 0;
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        fetched++;
        const item = await view(unmarshal(next.value.value), next.value.key);
        if (item !== undefined) items.push(item);
      }
    } finally {
      await iterator.close();
    }
    scanned += fetched;
    bookmark = fetched === wanted && range.holds(metadata.bookmark) ? metadata.bookmark : '';
  } while (bookmark !== '' && items.length < request.pageSize && scanned < MAX_SCANNED_PER_PAGE);
  return { items, bookmark };
}

/**
 * The answer of a list transaction: one page of an index range as canonical JSON
 * `{ items, bookmark }`. `view` turns an entry into an item or drops it (see `pageOf`).
 */
export async function listPage<T>(
  ctx: Context,
  type: string,
  parts: string[],
  page: { pageSize: string; bookmark: string },
  view: (entry: unknown, key: string) => Promise<T | undefined>,
): Promise<string> {
  return canonicalJson(await pageOf(ctx, type, parts, pageRequest(page.pageSize, page.bookmark), view));
}

/** Transaction time in milliseconds since the epoch (never the local clock). */
export function txMillis(ctx: Context): number {
  const { seconds, nanos } = ctx.stub.getTxTimestamp();
  return Number(seconds) * 1000 + Math.floor(nanos / 1e6);
}

export function txTime(ctx: Context): string {
  return new Date(txMillis(ctx)).toISOString();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Emits one of the protocol's events, with the payload its name carries. */
export function emit<N extends EventName>(ctx: Context, name: N, payload: EventPayloads[N]): void {
  ctx.stub.setEvent(name, marshal(payload));
}

/** Requires the peers of every listed org to endorse later changes of the key. */
export async function endorsedBy(ctx: Context, stateKey: string, ...mspIds: string[]): Promise<void> {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ...mspIds);
  await ctx.stub.setStateValidationParameter(stateKey, policy.getPolicy());
}

/**
 * Moves an object's index entries, in the transaction that changes the object, from the keys it
 * was filed under (`before`) to those it is filed under now (`after`): stale entries are deleted,
 * new ones written. With `endorsers`, a new entry carries the same key-level policy as its object,
 * so that a queue changes only with the members who must endorse the object's changes. Writing a
 * new key still needs the channel majority too: a key-level policy counts from the next block.
 */
export async function refile(
  ctx: Context,
  before: string[],
  after: string[],
  entry: unknown,
  endorsers: string[] = [],
): Promise<void> {
  for (const stale of before) if (!after.includes(stale)) await ctx.stub.deleteState(stale);
  for (const fresh of after) {
    if (before.includes(fresh)) continue;
    await putJson(ctx, fresh, entry);
    if (endorsers.length > 0) await endorsedBy(ctx, fresh, ...endorsers);
  }
}

/** Transient data by name, as text; INVALID_ARGUMENT when missing. PHI arrives only this way. */
export function transientJson(ctx: Context, name: string): string {
  const value = ctx.stub.getTransient().get(name);
  if (!value || value.length === 0) throw invalid(`the transient map must carry '${name}'`);
  return Buffer.from(value).toString('utf8');
}

/** 16 to 64 random bytes as lowercase hex. */
const SALT_PATTERN = /^(?:[0-9a-f]{2}){16,64}$/;

/**
 * The transaction's salt (transient `salt`): 32 to 128 lowercase hex digits, fresh random bytes
 * for every write. Hashes of private values are public and stay after erasure, and much PHI is
 * guessable (a name and birth date, a diagnosis code): unsalted, any member could confirm a
 * guess for a known patient id. The chaincode cannot draw randomness (every endorser must
 * write the same bytes), so the client sends it.
 */
export function transientSalt(ctx: Context): string {
  const value = ctx.stub.getTransient().get('salt');
  const salt = value ? Buffer.from(value).toString('utf8') : '';
  if (!SALT_PATTERN.test(salt)) {
    throw invalid("the transient map must carry 'salt': 32 to 128 lowercase hex digits, random for each write");
  }
  return salt;
}

/**
 * Index of the private keys that hold a patient's data, one entry per key, kept in the same
 * collection beside the key it names: `phiKey/<patientId>/<objectType>/<attributes…>`. Its
 * value names the key and the patient only (no PHI, unsalted, so that every endorser of an
 * erasure can recompute its hash). Erasure purges every key it lists.
 */
export const PHI_INDEX = 'phiKey';
/**
 * Beside the index, one per patient and collection: `phiLast/<patientId>`, the transaction that
 * last wrote a value of the patient there. Its hash, which every peer holds, says which members
 * hold something of the patient; an erasure checks it to know that its list of keys is complete.
 */
export const PHI_LAST = 'phiLast';

/** A private key as the parts of its composite key: object type first, then the attributes. */
export type KeyParts = string[];

export const phiIndexKey = (ctx: Context, patientId: string, parts: KeyParts) =>
  key(ctx, PHI_INDEX, patientId, ...parts);
export const phiIndexEntry = (patientId: string, parts: KeyParts) => marshal({ patientId, key: parts });
export const phiLastKey = (ctx: Context, patientId: string) => key(ctx, PHI_LAST, patientId);
export const phiLastEntry = (patientId: string, txId: string) => marshal({ patientId, txId });

function keyParts(ctx: Context, stateKey: string): KeyParts {
  const { objectType, attributes } = ctx.stub.splitCompositeKey(stateKey);
  if (!objectType) throw new Error(`private values are stored at composite keys only, not at ${stateKey}`);
  return [objectType, ...attributes];
}

/**
 * Writes bytes at the same key of each member's implicit collection, filed under the patient
 * they are of: in the same collections and transaction, the index entry of the key and the
 * patient's latest-write marker (PHI_INDEX, PHI_LAST). Blind writes, so that a value held by two
 * members (each endorsing on its own peer, reading only its own collection) is filed at both.
 * Nothing is stored of a patient who was erased.
 */
export async function filePrivate(
  ctx: Context,
  mspIds: string[],
  patientId: string,
  stateKey: string,
  bytes: Uint8Array,
): Promise<void> {
  const patient = await getJson<{ status: string }>(ctx, key(ctx, 'patient', patientId));
  if (patient?.status === 'erased') throw new ChaincodeError('PURGED', `patient ${patientId} was erased`);
  const parts = keyParts(ctx, stateKey);
  for (const mspId of new Set(mspIds)) {
    const collection = implicitCollection(mspId);
    await ctx.stub.putPrivateData(collection, stateKey, bytes);
    await ctx.stub.putPrivateData(collection, phiIndexKey(ctx, patientId, parts), phiIndexEntry(patientId, parts));
    await ctx.stub.putPrivateData(collection, phiLastKey(ctx, patientId), phiLastEntry(patientId, ctx.stub.getTxID()));
  }
}

/**
 * Writes a private value of a patient, with the transaction's salt inside it (`transientSalt`),
 * at the same key of each member's implicit collection, filed for erasure (`filePrivate`);
 * answers the SHA-256 (hex) of the bytes written, which every peer can check with
 * GetPrivateDataHash. Every write of PHI goes through here.
 */
export async function putPrivate(
  ctx: Context,
  mspIds: string[],
  patientId: string,
  stateKey: string,
  value: object,
): Promise<string> {
  const bytes = marshal({ ...value, salt: transientSalt(ctx) });
  await filePrivate(ctx, mspIds, patientId, stateKey, bytes);
  return sha256Hex(bytes);
}

/**
 * Checks that a member's implicit collection holds a value with this SHA-256 (hex). Uses
 * GetPrivateDataHash, so every endorser can check it, member of the collection or not.
 */
export async function requirePrivateHash(
  ctx: Context,
  mspId: string,
  stateKey: string,
  expected: string,
  what: string,
): Promise<void> {
  const stored = Buffer.from(await ctx.stub.getPrivateDataHash(implicitCollection(mspId), stateKey)).toString('hex');
  if (stored === '') throw notFound(`no ${what} is stored at ${mspId}`);
  if (stored !== expected)
    throw new ChaincodeError('HASH_MISMATCH', `the ${what} held by ${mspId} does not match the hash`);
}
