/**
 * An in-memory stand-in for the chaincode stub and client identity with Fabric's semantics,
 * shared by every chaincode unit test:
 * - writes (public and private) become visible to later transactions only after `commit()`;
 * - composite keys use Fabric's encoding and partial-key ranges return them in key order;
 * - private data is readable only on a peer of an org that is a member of the collection
 *   (implicit collections: `_implicit_org_<MSPID>`), its hash everywhere, purge removes it;
 * - time and transaction id come from the transaction, the creator from its MSP ID and
 *   certificate attributes, transient data from the proposal;
 * - events and key-level endorsement parameters are recorded per transaction.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';

const SEP = '\u0000';
const IMPLICIT_PREFIX = '_implicit_org_';

export interface Caller {
  mspId: string;
  attrs?: Record<string, string>;
  /** Subject of the certificate; distinguishes users of one org. */
  cn?: string;
}

export interface TxOptions {
  /** The org whose peer simulates the transaction (default: the caller's). */
  peerMspId?: string;
  transient?: Record<string, string | Buffer>;
}

export interface TxContext extends Context {
  commit(): void;
  events: { name: string; payload: Buffer }[];
  validationParameters: Map<string, Uint8Array>;
  txId: string;
}

type WriteSet = Map<string, Uint8Array | undefined>;

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

function iterator(entries: [string, Uint8Array][]) {
  let i = 0;
  return {
    next: () => {
      const entry = entries[i++];
      return Promise.resolve(
        entry ? { value: { key: entry[0], value: entry[1] }, done: false } : { value: undefined, done: true },
      );
    },
    close: () => Promise.resolve(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export class Ledger {
  readonly state = new Map<string, Uint8Array>();
  readonly privateState = new Map<string, Map<string, Uint8Array>>();
  readonly committedEvents: { txId: string; name: string; payload: Buffer }[] = [];
  private txCounter = 0;
  /** Transaction time in milliseconds; tests move it forward explicitly. */
  now = Date.parse('2026-01-15T09:00:00.000Z');

  advance(ms: number): void {
    this.now += ms;
  }

  collection(name: string): Map<string, Uint8Array> {
    let c = this.privateState.get(name);
    if (!c) {
      c = new Map();
      this.privateState.set(name, c);
    }
    return c;
  }

  /** A context for one transaction by `caller`; call `commit()` to apply its writes. */
  context(caller: Caller, options: TxOptions = {}): TxContext {
    this.txCounter += 1;
    const txId = `tx${String(this.txCounter).padStart(6, '0')}`;
    const peerMspId = options.peerMspId ?? caller.mspId;
    const writes: WriteSet = new Map();
    const privateWrites = new Map<string, WriteSet>();
    const purges: [string, string][] = [];
    const events: { name: string; payload: Buffer }[] = [];
    const validationParameters = new Map<string, Uint8Array>();
    const seconds = Math.floor(this.now / 1000);
    const nanos = (this.now % 1000) * 1e6;
    const transient = new Map(
      Object.entries(options.transient ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]),
    );

    const readable = (collection: string) => {
      if (collection.startsWith(IMPLICIT_PREFIX) && collection !== IMPLICIT_PREFIX + peerMspId) {
        throw new Error(
          `tx creator does not have read access permission on privatedata in chaincodeName:ehr collectionName: ${collection}`,
        );
      }
    };
    const rangeOf = (source: Map<string, Uint8Array>, prefix: string) =>
      [...source.entries()].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    const stub = {
      getTxID: () => txId,
      getChannelID: () => 'ehr',
      getTxTimestamp: () => ({ seconds, nanos }),
      getDateTimestamp: () => new Date(this.now),
      getTransient: () => transient,
      getState: (key: string) => Promise.resolve(this.state.get(key) ?? new Uint8Array()),
      putState: (key: string, value: Uint8Array) => {
        writes.set(key, value);
        return Promise.resolve();
      },
      deleteState: (key: string) => {
        writes.set(key, undefined);
        return Promise.resolve();
      },
      createCompositeKey: (objectType: string, attributes: string[]) =>
        SEP + objectType + SEP + attributes.map((a) => a + SEP).join(''),
      splitCompositeKey: (key: string) => {
        const parts = key.split(SEP).slice(1, -1);
        return { objectType: parts[0], attributes: parts.slice(1) };
      },
      getStateByPartialCompositeKey: (objectType: string, attributes: string[]) =>
        Promise.resolve(iterator(rangeOf(this.state, stub.createCompositeKey(objectType, attributes)))),
      getPrivateData: (collection: string, key: string) => {
        readable(collection);
        return Promise.resolve(this.collection(collection).get(key) ?? new Uint8Array());
      },
      getPrivateDataHash: (collection: string, key: string) => {
        const value = this.collection(collection).get(key);
        return Promise.resolve(value ? sha256(value) : new Uint8Array());
      },
      getPrivateDataByPartialCompositeKey: (collection: string, objectType: string, attributes: string[]) => {
        readable(collection);
        return Promise.resolve(
          iterator(rangeOf(this.collection(collection), stub.createCompositeKey(objectType, attributes))),
        );
      },
      putPrivateData: (collection: string, key: string, value: Uint8Array) => {
        let w = privateWrites.get(collection);
        if (!w) privateWrites.set(collection, (w = new Map()));
        w.set(key, value);
        return Promise.resolve();
      },
      purgePrivateData: (collection: string, key: string) => {
        purges.push([collection, key]);
        return Promise.resolve();
      },
      setEvent: (name: string, payload: Uint8Array) => {
        events.splice(0, events.length, { name, payload: Buffer.from(payload) });
      },
      setStateValidationParameter: (key: string, ep: Uint8Array) => {
        validationParameters.set(key, ep);
        return Promise.resolve();
      },
      setPrivateDataValidationParameter: (collection: string, key: string, ep: Uint8Array) => {
        validationParameters.set(`${collection}/${key}`, ep);
        return Promise.resolve();
      },
    };
    const clientIdentity = {
      getMSPID: () => caller.mspId,
      getID: () => `x509::CN=${caller.cn ?? 'user'},OU=client::CN=ca.${caller.mspId}`,
      getAttributeValue: (name: string) => caller.attrs?.[name] ?? null,
      getIDBytes: () => Buffer.from(`cert-of-${caller.mspId}-${caller.cn ?? 'user'}`),
    };
    const ctx = {
      stub,
      clientIdentity,
      txId,
      events,
      validationParameters,
      commit: () => {
        for (const [key, value] of writes) {
          if (value === undefined) this.state.delete(key);
          else this.state.set(key, value);
        }
        for (const [collection, w] of privateWrites) {
          for (const [key, value] of w) if (value) this.collection(collection).set(key, value);
        }
        for (const [collection, key] of purges) this.collection(collection).delete(key);
        for (const event of events) this.committedEvents.push({ txId, ...event });
        writes.clear();
        privateWrites.clear();
      },
    };
    return ctx as unknown as TxContext;
  }
}
