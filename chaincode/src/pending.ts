/**
 * Private values whose public part may never come. A two-step write stores its private value
 * first (a record body, lab order details, bill items, demographics), endorsed by the holding
 * members alone, then publishes the public part in a majority-endorsed transaction. When the
 * second step never comes (a client that gave up), the value would stay held for nothing: so the
 * first step files a marker beside it, in the same collections, saying which public key it
 * awaits and which private keys hold it. Each member settles its own markers
 * (`requests.SettlePending`): once the public key exists the marker goes; a value that waited
 * longer than PENDING_GRACE_MS is purged with its marker and its erasure index entries (the
 * patient's latest-write marker stays: an erasure then finds nothing more to purge there). The grace is longer than the gateways'
 * replay window (24 hours), so that no retry of the request can still be finishing it; a later
 * retry of the same request stores the value again under the same id.
 */
import type { Context } from 'fabric-contract-api';
import { PENDING_KINDS, type PendingKind, type PendingView } from '@ehr/protocol';
import { ChaincodeError, invalid, notFound } from './errors';
import { marshal, unmarshal } from './json';
import {
  checkBookmark,
  compositeRange,
  filePrivate,
  getJson,
  implicitCollection,
  key,
  type Page,
  type PageRequest,
  phiIndexKey,
  txMillis,
  txTime,
} from './ledger';
import { ID_PATTERN } from './validate';

export { PENDING_KINDS, type PendingKind, type PendingView } from '@ehr/protocol';

/** How long a private value waits for its public part before its member may purge it. */
export const PENDING_GRACE_MS = 25 * 3_600_000;

/** Private (beside the value, in each collection holding it), no PHI: what a first step stored. */
export interface PendingWrite {
  kind: PendingKind;
  /** The record, lab order, bill or patient id. */
  id: string;
  /** Whose data the value is: its keys are filed under the patient for erasure (ledger.ts `filePrivate`). */
  patientId: string;
  /** The record version, for record bodies. */
  version?: number;
  storedAt: string;
  /** The public key whose existence finishes the write. */
  awaits: string;
  /** The private keys that hold the value. */
  holds: string[];
}

/** What a member sees of one of its pending writes. */

const PENDING = 'pendingWrite';

const versionPart = (version: number | undefined) => (version === undefined ? [] : [String(version).padStart(6, '0')]);

export const pendingKey = (ctx: Context, kind: PendingKind, id: string, version?: number) =>
  key(ctx, PENDING, kind, id, ...versionPart(version));

/**
 * Files the marker of a value a first step stored, in each of the holding members'
 * collections (as the value itself), filed under the patient like the value (an erasure purges
 * it with the rest: it names the patient's objects); a retried first step files it again, with
 * a new time.
 */
export async function filePending(
  ctx: Context,
  mspIds: string[],
  write: Omit<PendingWrite, 'storedAt'>,
): Promise<void> {
  const marker: PendingWrite = { ...write, storedAt: txTime(ctx) };
  await filePrivate(
    ctx,
    mspIds,
    write.patientId,
    pendingKey(ctx, write.kind, write.id, write.version),
    marshal(marker),
  );
}

/** The erasure index entry of a private key of the patient (ledger.ts `filePrivate`). */
function indexKeyOf(ctx: Context, patientId: string, stateKey: string): string {
  const { objectType, attributes } = ctx.stub.splitCompositeKey(stateKey);
  return phiIndexKey(ctx, patientId, [objectType, ...attributes]);
}

async function viewOf(ctx: Context, write: PendingWrite): Promise<PendingView> {
  const purgeableAt = Date.parse(write.storedAt) + PENDING_GRACE_MS;
  const finished = (await getJson(ctx, write.awaits)) !== undefined;
  const status = finished ? 'finished' : txMillis(ctx) >= purgeableAt ? 'stale' : 'waiting';
  const { kind, id, version, storedAt } = write;
  return { kind, id, version, storedAt, status, purgeableAt: new Date(purgeableAt).toISOString() };
}

/**
 * A page of the member's pending writes, in key order (read-only: on the member's own peer).
 * Fabric has no paginated range query over private data, so the page is a plain range read
 * that starts at the bookmark and stops after `pageSize` markers; the one after them, when there
 * is one, is the next page's bookmark (its first key, as the public lists' bookmarks are), else
 * ''. A marker settled between two pages leaves no gap: the range starts at the bookmark's key
 * whether or not it is still there.
 */
export async function listPending(ctx: Context, mspId: string, request: PageRequest): Promise<Page<PendingView>> {
  const range = compositeRange(ctx, PENDING, []);
  checkBookmark(range, request.bookmark);
  const writes: PendingWrite[] = [];
  let bookmark = '';
  // `for await`, not `await`: fabric-shim resolves a private range query to `{ iterator }`.
  const entries = ctx.stub.getPrivateDataByRange(implicitCollection(mspId), request.bookmark || range.start, range.end);
  for await (const entry of entries) {
    if (writes.length === request.pageSize) {
      bookmark = entry.key;
      break;
    }
    writes.push(unmarshal(entry.value) as PendingWrite);
  }
  const items: PendingView[] = [];
  for (const write of writes) items.push(await viewOf(ctx, write));
  return { items, bookmark };
}

/**
 * Settles one of the member's pending writes: a finished one loses its marker, a stale one is
 * purged (PurgePrivateData: value and hash) with its marker; a waiting one is left (CONFLICT).
 * Reads the awaited public key, so a second step committed meanwhile makes the purge fail on
 * commit rather than purge a published value.
 */
export async function settlePending(
  ctx: Context,
  mspId: string,
  target: { kind: string; id: string; versionText: string },
): Promise<PendingView & { outcome: 'finished' | 'purged' }> {
  if (!(PENDING_KINDS as readonly string[]).includes(target.kind)) {
    throw invalid(`kind must be one of ${PENDING_KINDS.join(', ')}`);
  }
  if (!ID_PATTERN.test(target.id)) throw invalid('id must be 1-128 letters, digits, _ . : or -');
  if (target.versionText !== '' && !/^[1-9]\d{0,5}$/.test(target.versionText)) {
    throw invalid("version must be '' or a positive integer");
  }
  const version = target.versionText === '' ? undefined : Number(target.versionText);
  const collection = implicitCollection(mspId);
  const stateKey = pendingKey(ctx, target.kind as PendingKind, target.id, version);
  const bytes = await ctx.stub.getPrivateData(collection, stateKey);
  if (bytes.length === 0) throw notFound(`${mspId} has no pending ${target.kind} ${target.id}`);
  const view = await viewOf(ctx, unmarshal(bytes) as PendingWrite);
  if (view.status === 'waiting') {
    throw new ChaincodeError(
      'CONFLICT',
      `${target.kind} ${target.id} waits for its public part until ${view.purgeableAt}`,
    );
  }
  const write = unmarshal(bytes) as PendingWrite;
  if (view.status === 'stale') {
    for (const held of write.holds) {
      await ctx.stub.purgePrivateData(collection, held);
      // Its index entry too, so that an erasure lists nothing that is gone.
      await ctx.stub.purgePrivateData(collection, indexKeyOf(ctx, write.patientId, held));
    }
  }
  await ctx.stub.deletePrivateData(collection, stateKey);
  await ctx.stub.deletePrivateData(collection, indexKeyOf(ctx, write.patientId, stateKey));
  return { ...view, outcome: view.status === 'stale' ? 'purged' : 'finished' };
}
