/**
 * One client intent, one effect. A transaction that creates an object takes the object's id
 * from the request key the client sends in the transient map (`requestKey`), hashed with the
 * creator's identity and the transaction: a client whose answer was lost retries with the same
 * key, names the same object and is refused (ALREADY_EXISTS), so no retry makes a second one.
 * The key stays out of blocks (the transient map is not ordered) and the id reveals nothing of
 * it; with the creator in the hash, no one else's request can take the id first.
 *
 * Without a request key the transaction id stands for the request, as before: Fabric refuses a
 * transaction id twice (DUPLICATE_TXID), so a client that retries by resending its endorsed
 * transaction is safe too; one that builds a new proposal for a retry must send a key. (Making
 * the key compulsory would not force clients to reuse it; the gateway always sends one.)
 */
import type { Context } from 'fabric-contract-api';
import { CREATES, type CreatingTransaction, type Receipt } from '@ehr/protocol';
import { ChaincodeError, invalid } from './errors';
import { canonicalJson } from './json';
import { getJson, key, putJson, sha256Hex } from './ledger';

export { CREATES, type CreatingTransaction };

const REQUEST_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** The transient `requestKey`, undefined when absent; INVALID_ARGUMENT when malformed. */
export function requestKeyOf(ctx: Context): string | undefined {
  const value = ctx.stub.getTransient().get('requestKey');
  if (!value || value.length === 0) return undefined;
  const text = Buffer.from(value).toString('utf8');
  if (!REQUEST_KEY.test(text)) {
    throw invalid("requestKey must be 16 to 128 letters, digits, '-' or '_', the same on every retry of a request");
  }
  return text;
}

/**
 * The id of the object `transaction` creates: its prefix, '-' and 32 hex digits of the SHA-256
 * of the transaction, the creator (MSP ID and certificate subject and issuer) and the request
 * key; of the transaction id when the client sent no key.
 */
export function requestedId(ctx: Context, transaction: CreatingTransaction): string {
  const requestKey = requestKeyOf(ctx);
  const { clientIdentity } = ctx;
  const digest =
    requestKey === undefined
      ? ctx.stub.getTxID()
      : sha256Hex(
          Buffer.from(canonicalJson([transaction, clientIdentity.getMSPID(), clientIdentity.getID(), requestKey])),
        );
  return `${CREATES[transaction]}-${digest.slice(0, 32)}`;
}

/** Public, one per created object: the transaction that created it (made it public, for two-step writes). */
export type { Receipt } from '@ehr/protocol';

export const receiptKey = (ctx: Context, id: string) => key(ctx, 'created', id);

export async function receiptOf(ctx: Context, id: string): Promise<Receipt | undefined> {
  return getJson<Receipt>(ctx, receiptKey(ctx, id));
}

/** ALREADY_EXISTS when `id` was created; the same refusal wherever an object exists already. */
export const alreadyExists = (kind: string, id: string) => new ChaincodeError('ALREADY_EXISTS', `${kind} ${id} exists`);

/** ALREADY_EXISTS when `id` was created: the request is a retry of one that got through. */
export async function refuseCreated(ctx: Context, kind: string, id: string): Promise<void> {
  if (await receiptOf(ctx, id)) throw alreadyExists(kind, id);
}

/**
 * Refuses a second creation of `id` (a retried request) and records this one. Every object with
 * a requested id is created through here, in the transaction that makes it public.
 */
export async function createOnce(ctx: Context, kind: string, id: string): Promise<void> {
  await refuseCreated(ctx, kind, id);
  const receipt: Receipt = { id, kind, txId: ctx.stub.getTxID() };
  await putJson(ctx, receiptKey(ctx, id), receipt);
}
