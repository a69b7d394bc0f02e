/**
 * A ledger port backed by the real ehr chaincode on the in-memory Fabric stub of the chaincode
 * tests: gateway tests get the chaincode's own answers and refusals (as the peer's Gateway
 * reports them), and can look at what was committed.
 */
import type { Context } from 'fabric-contract-api';
import { contracts } from '../../../chaincode/src';
import { TransactionInvalidError } from '../../../gateway-api/src/errors';
import type { LedgerCall, LedgerPort, TransactionOutcome, UserIdentity } from '../../../gateway-api/src/fabric';
import { foundConsortium } from '../chaincode/fixture';
import { type Caller, CommitError, Ledger, VALIDATION_CODES } from '../helpers/fabric-stub';

type Transaction = (ctx: Context, ...args: string[]) => Promise<string | undefined>;

/**
 * A failure as the Fabric adapter reports it: a chaincode refusal as fabric-gateway does (the
 * `CODE: message` in the error details), an invalid commit as the adapter's domain error.
 */
function asGatewayError(error: unknown): unknown {
  if (error instanceof CommitError) return new TransactionInvalidError(error.code, error.txId);
  if (error instanceof Error && error.name === 'ChaincodeError')
    return Object.assign(new Error('10 ABORTED: failed to endorse transaction'), {
      details: [{ address: 'peer', mspId: 'stub', message: `chaincode response 500, ${error.message}` }],
    });
  return error;
}

export class ChaincodePort implements LedgerPort {
  readonly ledger = new Ledger();
  readonly #contracts = new Map(
    contracts.map((Contract) => {
      const contract = new Contract();
      return [contract.getName(), contract];
    }),
  );

  /** The number of the last block: each submit commits in a block of its own. */
  #block = 0n;

  /** The chain's height (the number of its next block). */
  height(): bigint {
    return this.#block + 1n;
  }

  /** The members' kinds, approved by a majority as a consortium is founded, before any call. */
  readonly #founded: Promise<void>;

  /** `callerOf` names the certificate's subject and attributes, as a member CA would have issued them. */
  constructor(private readonly callerOf: (identity: UserIdentity) => Caller) {
    // The chaincode compares a read's time with the peer's clock: one clock for both.
    this.ledger.now = Date.now();
    this.#founded = foundConsortium(this.ledger);
  }

  #run(call: LedgerCall) {
    const contract = this.#contracts.get(call.contract);
    const fn = (contract as unknown as Record<string, Transaction | undefined> | undefined)?.[call.fn];
    if (!contract || typeof fn !== 'function') throw new Error(`no ${call.contract}.${call.fn} in the chaincode`);
    return (ctx: Context) => fn.call(contract, ctx, ...(call.args ?? []));
  }

  #options(identity: UserIdentity, call: LedgerCall) {
    return {
      peerMspId: identity.mspId,
      ...(call.transient ? { transient: call.transient } : {}),
      ...(call.orgs ? { endorsingOrganizations: call.orgs } : {}),
    };
  }

  /** What each transaction committed (valid or not) answered, as qscc finds it by id. */
  readonly #outcomes = new Map<string, TransactionOutcome>();

  async submit(identity: UserIdentity, call: LedgerCall) {
    await this.#founded;
    try {
      const endorsed = await this.ledger.endorse(
        this.callerOf(identity),
        this.#run(call),
        this.#options(identity, call),
      );
      const payload = Buffer.from(endorsed.result ?? '');
      call.sending?.(endorsed.txId);
      this.#block += 1n;
      const blockNumber = this.#block;
      try {
        this.ledger.commit(endorsed);
      } catch (error) {
        if (error instanceof CommitError)
          this.#outcomes.set(endorsed.txId, { code: VALIDATION_CODES[error.code], payload, blockNumber });
        throw error;
      }
      this.#outcomes.set(endorsed.txId, { code: 0, payload, blockNumber });
      return { payload, txId: endorsed.txId, blockNumber };
    } catch (error) {
      throw asGatewayError(error);
    }
  }

  /** One ledger for every member: a transaction is committed as soon as it was sent. */
  transaction(_identity: UserIdentity, txId: string): Promise<TransactionOutcome | undefined> {
    return Promise.resolve(this.#outcomes.get(txId));
  }

  /** One ledger for every member: a committed transaction is everywhere at once. */
  settle(): Promise<void> {
    return Promise.resolve();
  }

  async evaluate(identity: UserIdentity, call: LedgerCall) {
    await this.#founded;
    try {
      const result = await this.ledger.evaluate(
        this.callerOf(identity),
        this.#run(call),
        this.#options(identity, call),
      );
      return Buffer.from(result ?? '');
    } catch (error) {
      throw asGatewayError(error);
    }
  }

  /** The committed public values of one type (e.g. every `patient`), parsed. */
  entries(type: string): Record<string, unknown>[] {
    return [...this.ledger.state.entries()]
      .filter(([key]) => key.startsWith(`\u0000${type}\u0000`))
      .map(([, value]) => JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>);
  }
}
