/** Record headers, versions and bodies as ledger keys, shared by the contracts that write records. */
import type { Context } from 'fabric-contract-api';
import { invalid, notFound } from './errors';
import { marshal } from './json';
import { filePrivate, getJson, key, putJson, requirePrivateHash, sha256Hex } from './ledger';
import type { RecordBinding, RecordHeader, RecordVersion } from './types/record';
import { RECORD_CATEGORIES, type RecordCategory } from './types/vocabulary';
import { id } from './validate';

export const versionLabel = (version: number) => String(version).padStart(6, '0');
export const bodyKey = (ctx: Context, recordId: string, version: number) =>
  key(ctx, 'recordBody', recordId, versionLabel(version));
export const headerKey = (ctx: Context, recordId: string) => key(ctx, 'record', recordId);
/** Public: one entry per published version (the version history). */
export const versionKey = (ctx: Context, recordId: string, version: number) =>
  key(ctx, 'recordVersion', recordId, versionLabel(version));
/** Private, in the custodian's collection beside each body version: what the body is of (no PHI). */
export const bindingKey = (ctx: Context, recordId: string, version: number) =>
  key(ctx, 'recordBinding', recordId, versionLabel(version));

/**
 * Stores, in the body's transaction (endorsed by the custodian alone), the binding of a body
 * version to its patient and category: public fields only, unsalted, so that every endorser of
 * the header can recompute its hash. The custodian's peer writes it from the same validated
 * arguments as the body, filed under the patient like the body, so that erasure purges both.
 */
export async function storeBinding(ctx: Context, custodian: string, binding: RecordBinding): Promise<void> {
  const stateKey = bindingKey(ctx, binding.recordId, binding.version);
  await filePrivate(ctx, [custodian], binding.patientId, stateKey, marshal(binding));
}

/**
 * Checks, when a header is published, that the custodian stored the body of this version for
 * this patient and category with this hash: a header cannot put a body under another patient
 * (whose consents would then open it) or another category (another consent scope).
 */
export async function requireBinding(ctx: Context, custodian: string, binding: RecordBinding): Promise<void> {
  const { recordId, version } = binding;
  await requirePrivateHash(
    ctx,
    custodian,
    bindingKey(ctx, recordId, version),
    sha256Hex(marshal(binding)),
    `binding of record ${recordId} version ${version} to its patient and category`,
  );
}

export function category(value: string): RecordCategory {
  if (!(RECORD_CATEGORIES as readonly string[]).includes(value)) {
    throw invalid(`category must be one of ${RECORD_CATEGORIES.join(', ')}`);
  }
  return value as RecordCategory;
}

export async function getHeader(ctx: Context, recordId: string): Promise<RecordHeader> {
  id(recordId, 'recordId');
  const header = await getJson<RecordHeader>(ctx, headerKey(ctx, recordId));
  if (!header) throw notFound(`record ${recordId} does not exist`);
  return header;
}

/** Writes a header version: the header, its version-history entry and, for a new record, the patient index. */
export async function saveRecordVersion(ctx: Context, header: RecordHeader): Promise<void> {
  const { recordId, version } = header;
  await putJson(ctx, headerKey(ctx, recordId), header);
  const entry: RecordVersion = {
    recordId,
    version,
    author: header.author,
    contentHash: header.contentHash,
    txId: ctx.stub.getTxID(),
    publishedAt: header.updatedAt,
  };
  await putJson(ctx, versionKey(ctx, recordId, version), entry);
  if (version === 1) await putJson(ctx, key(ctx, 'patientRecord', header.patientId, recordId), { recordId });
}
