/** Reading and writing ledger objects: keys, canonical JSON, time, hashes, collections. */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { ChaincodeError, invalid, notFound } from './errors';
import { marshal, unmarshal } from './json';

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

export function emit(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, marshal(payload));
}

/** Requires the peers of every listed org to endorse later changes of the key. */
export async function endorsedBy(ctx: Context, stateKey: string, ...mspIds: string[]): Promise<void> {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ...mspIds);
  await ctx.stub.setStateValidationParameter(stateKey, policy.getPolicy());
}

/** Transient data by name, as text; INVALID_ARGUMENT when missing. PHI arrives only this way. */
export function transientJson(ctx: Context, name: string): string {
  const value = ctx.stub.getTransient().get(name);
  if (!value || value.length === 0) throw invalid(`the transient map must carry '${name}'`);
  return Buffer.from(value).toString('utf8');
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
