/**
 * The gateway's connection to its member's peer: one shared gRPC client; each call signs with
 * the calling user's own identity, with deadlines on every step. Submits wait for the commit
 * and return the transaction id; an MVCC conflict is retried as a new transaction (its reads
 * are stale), a commit-status timeout by waiting again on the same transaction.
 */
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway, hash, signers, StatusCode } from '@hyperledger/fabric-gateway';
import { ApiError } from './errors';
import type { EventSource, LedgerEvent } from './events';

export interface UserIdentity {
  mspId: string;
  certPem: string;
  keyPem: string;
}

export interface LedgerCall {
  contract: string;
  fn: string;
  args?: string[];
  /** Private inputs: sent in the transient map, never in arguments. */
  transient?: Record<string, string>;
  /** Orgs whose peers must endorse (or evaluate); by default the gateway plans it. */
  orgs?: string[];
}

/** What the business wrapper needs from Fabric; unit tests of the HTTP layer use a stand-in. */
export interface LedgerPort {
  submit(identity: UserIdentity, call: LedgerCall): Promise<{ payload: Uint8Array; txId: string }>;
  evaluate(identity: UserIdentity, call: LedgerCall): Promise<Uint8Array>;
}

export interface PeerOptions {
  endpoint: string;
  tlsRootPem: string;
  channel: string;
  chaincode: string;
}

const MVCC_RETRIES = 3;

/** The name of a transaction validation code, e.g. ENDORSEMENT_POLICY_FAILURE. */
function statusName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

export function fabricLedger(options: PeerOptions): LedgerPort & EventSource & { close(): void } {
  const client = new grpc.Client(options.endpoint, grpc.credentials.createSsl(Buffer.from(options.tlsRootPem)));

  function gatewayFor(identity: UserIdentity): Gateway {
    return connect({
      client,
      identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
      signer: signers.newPrivateKeySigner(createPrivateKey(identity.keyPem)),
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
      submitOptions: () => ({ deadline: Date.now() + 5_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
  }

  /** A contract acting as the user; close the returned gateway after the call. */
  function contractFor(identity: UserIdentity, name: string): { contract: Contract; gateway: Gateway } {
    const gateway = gatewayFor(identity);
    return { contract: gateway.getNetwork(options.channel).getContract(options.chaincode, name), gateway };
  }

  const proposalOptions = (call: LedgerCall) => ({
    arguments: call.args ?? [],
    ...(call.transient ? { transientData: call.transient } : {}),
    ...(call.orgs ? { endorsingOrganizations: call.orgs } : {}),
  });

  async function submitOnce(contract: Contract, call: LedgerCall) {
    const transaction = await contract.newProposal(call.fn, proposalOptions(call)).endorse();
    const commit = await transaction.submit();
    const status = await commit.getStatus();
    return { payload: transaction.getResult(), txId: transaction.getTransactionId(), code: status.code };
  }

  return {
    async submit(identity, call) {
      const { contract, gateway } = contractFor(identity, call.contract);
      try {
        for (let attempt = 0; ; attempt++) {
          const outcome = await submitOnce(contract, call);
          if (outcome.code === StatusCode.VALID) return { payload: outcome.payload, txId: outcome.txId };
          if (outcome.code !== StatusCode.MVCC_READ_CONFLICT || attempt >= MVCC_RETRIES) {
            const status = outcome.code === StatusCode.MVCC_READ_CONFLICT ? 409 : 422;
            throw new ApiError(
              status,
              'TRANSACTION_INVALID',
              `the transaction was not committed (${statusName(outcome.code)})`,
              outcome.txId,
            );
          }
        }
      } finally {
        gateway.close();
      }
    },
    async evaluate(identity, call) {
      const { contract, gateway } = contractFor(identity, call.contract);
      try {
        return await contract.evaluate(call.fn, proposalOptions(call));
      } finally {
        gateway.close();
      }
    },
    async open(identity, startBlock) {
      const gateway = gatewayFor(identity);
      try {
        const network = gateway.getNetwork(options.channel);
        const stream = await network.getChaincodeEvents(
          options.chaincode,
          startBlock === undefined ? {} : { startBlock },
        );
        async function* events(): AsyncGenerator<LedgerEvent> {
          for await (const event of stream) {
            const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, unknown>;
            yield { blockNumber: event.blockNumber, txId: event.transactionId, name: event.eventName, payload };
          }
        }
        return {
          events: events(),
          close: () => {
            stream.close();
            gateway.close();
          },
        };
      } catch (error) {
        gateway.close();
        throw error;
      }
    },
    close: () => {
      client.close();
    },
  };
}
