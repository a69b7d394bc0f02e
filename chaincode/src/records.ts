/** Record headers, versions and bodies as ledger keys, shared by the contracts that write records. */
import type { Context } from 'fabric-contract-api';
import { invalid, notFound } from './errors';
import { getJson, key, putJson } from './ledger';
import type { RecordHeader, RecordVersion } from './types/record';
import { RECORD_CATEGORIES, type RecordCategory } from './types/vocabulary';
import { id } from './validate';

export const versionLabel = (version: number) => String(version).padStart(6, '0');
export const bodyKey = (ctx: Context, recordId: string, version: number) =>
  key(ctx, 'recordBody', recordId, versionLabel(version));
export const headerKey = (ctx: Context, recordId: string) => key(ctx, 'record', recordId);

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
  await putJson(ctx, key(ctx, 'recordVersion', recordId, versionLabel(version)), entry);
  if (version === 1) await putJson(ctx, key(ctx, 'patientRecord', header.patientId, recordId), { recordId });
}
