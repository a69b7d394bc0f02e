/**
 * One client intent, one effect: what the ledger layer knows of the HTTP request it works for.
 * Every request runs in a scope (AsyncLocalStorage) holding
 * - its request key, sent in the transient map (`requestKey`) with each transaction that creates
 *   an object: the chaincode derives the object's id from it and the user, so a retry names the
 *   same object and is refused (ALREADY_EXISTS) instead of making a second one
 *   (chaincode/src/requests.ts). With `Idempotency-Key` the key is derived from the user and
 *   that key, so the client's retries share it; without, it is random for the request, which
 *   still covers the gateway's own retries within it;
 * - the transactions an earlier attempt of the same request sent to the orderers, whose outcome
 *   it never learnt (idempotency.ts): the ledger layer asks the ledger for their status and
 *   answer instead of sending them again;
 * - `sending`, told of each transaction before it goes to the orderers, so that its id is on
 *   disk before its outcome can be lost.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { CREATES } from '@ehr/protocol';
import type { LedgerCall } from './fabric';

/** A transaction an earlier attempt sent: its id and when (ms since the epoch). */
export interface SentTransaction {
  txId: string;
  at: number;
}

export interface RequestScope {
  requestKey: string;
  /** By call signature (`callSignature`): what earlier attempts of this request sent. */
  earlier: ReadonlyMap<string, SentTransaction>;
  sending(signature: string, txId: string): void;
}

/**
 * The transactions that create an object with an id derived from the request key, and the
 * prefix of that id (the protocol's CREATES). The first steps of two-step writes
 * are among them: their object is created by the second step.
 */
export const CREATING: ReadonlySet<string> = new Set(Object.keys(CREATES));

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs the work of one request in its scope. */
export function inRequest<T>(scope: RequestScope, work: () => Promise<T>): Promise<T> {
  return storage.run(scope, work);
}

/** Runs the work of a request sent without `Idempotency-Key`: a random request key, no journal. */
export function inFreshRequest<T>(work: () => Promise<T>): Promise<T> {
  return inRequest(
    { requestKey: randomBytes(24).toString('base64url'), earlier: new Map(), sending: () => undefined },
    work,
  );
}

/** The scope of the request being served, if any. */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** The request key of a user's `Idempotency-Key`: 43 base64url characters, naming neither. */
export function requestKeyOf(user: string, idempotencyKey: string): string {
  return createHash('sha256').update(`requestKey\n${user}\n${idempotencyKey}`).digest('base64url');
}

/** What tells two transactions of one request apart: the function and its arguments (never the transient data). */
export function callSignature(call: LedgerCall): string {
  return createHash('sha256')
    .update(JSON.stringify([call.contract, call.fn, call.args ?? []]))
    .digest('hex');
}
