/**
 * An in-memory stand-in for the chaincode stub and client identity with Fabric's semantics:
 * writes are visible to later transactions only after commit, composite keys use Fabric's
 * encoding, time and transaction id come from the transaction, the creator from its MSP ID
 * and certificate attributes. Shared by every chaincode unit test.
 */
import type { Context } from 'fabric-contract-api';

const MIN_UNICODE = '\u0000';

export interface Caller {
  mspId: string;
  attrs?: Record<string, string>;
  id?: string;
}

export class Ledger {
  readonly state = new Map<string, Uint8Array>();
  private txCounter = 0;
  /** Transaction time in milliseconds; tests move it forward explicitly. */
  now = Date.parse('2026-01-15T09:00:00.000Z');

  /** A context for one transaction by `caller`; call `commit()` to apply its writes. */
  context(caller: Caller): Context & { commit(): void } {
    this.txCounter += 1;
    const txId = `tx${String(this.txCounter).padStart(6, '0')}`;
    const writes = new Map<string, Uint8Array | undefined>();
    const seconds = Math.floor(this.now / 1000);
    const nanos = (this.now % 1000) * 1e6;
    const stub = {
      getTxID: () => txId,
      getTxTimestamp: () => ({ seconds, nanos }),
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
        MIN_UNICODE + objectType + MIN_UNICODE + attributes.map((a) => a + MIN_UNICODE).join(''),
    };
    const clientIdentity = {
      getMSPID: () => caller.mspId,
      getID: () => caller.id ?? `x509::CN=user,OU=client::CN=ca.${caller.mspId}`,
      getAttributeValue: (name: string) => caller.attrs?.[name] ?? null,
    };
    return {
      stub,
      clientIdentity,
      commit: () => {
        for (const [key, value] of writes) {
          if (value === undefined) this.state.delete(key);
          else this.state.set(key, value);
        }
        writes.clear();
      },
    } as unknown as Context & { commit(): void };
  }
}
