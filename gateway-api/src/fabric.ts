/**
 * The gateway's connection to its member's peer: one shared gRPC client; each call signs with
 * the calling user's own identity, with deadlines on every step. Submits wait for the commit
 * and return the transaction id; an MVCC conflict is retried as a new transaction (its reads
 * are stale). A transaction whose submission failed is looked up on the ledger before the
 * failure is believed (see `submitEndorsed`).
 */
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  type Contract,
  type Gateway,
  GatewayError,
  type Network,
  type Status,
  StatusCode,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, msp, peer } from '@hyperledger/fabric-protos';
import type { ContractName, TransactionName } from '@ehr/protocol';
import { TransactionInvalidError } from './errors';
import { type BlockSource, requiredBlock } from './read-your-writes';
import { SignerCache } from './signing';

export interface UserIdentity {
  mspId: string;
  certPem: string;
  keyPem: string;
}

/** One transaction of the chaincode, named as the protocol names it (a misspelt one does not compile). */
export type LedgerCall = {
  [C in ContractName]: { contract: C; fn: TransactionName<C> };
}[ContractName] & {
  args?: string[];
  /** Private inputs: sent in the transient map, never in arguments. */
  transient?: Record<string, string>;
  /** Orgs whose peers must endorse (or evaluate); by default the gateway plans it. */
  orgs?: string[];
  /** Told the transaction id once endorsed, before the transaction goes to the orderers. */
  sending?: (txId: string) => void;
};

/**
 * A transaction found on the ledger: its validation code (0: valid), the chaincode's answer and
 * the block it committed in.
 */
export interface TransactionOutcome {
  code: number;
  payload: Uint8Array;
  blockNumber: bigint;
}

/** A committed transaction: what the chaincode answered, its id and the block it committed in. */
export interface Submitted {
  payload: Uint8Array;
  txId: string;
  blockNumber: bigint;
}

export interface LedgerPort {
  submit(identity: UserIdentity, call: LedgerCall): Promise<Submitted>;
  evaluate(identity: UserIdentity, call: LedgerCall): Promise<Uint8Array>;
  /**
   * Waits, a bounded time, until the other members' peers have committed the transaction too.
   * A submit returns once the gateway's own peer committed it; the next step of a two-step
   * write (or the read after an access request) is endorsed or served by other members' peers,
   * which commit each block on their own schedule and would not find it yet.
   */
  settle(identity: UserIdentity, txId: string): Promise<void>;
  /**
   * A transaction sent earlier whose outcome was not learnt: once the gateway's peer committed
   * it (waiting a bounded time), its validation code and answer; undefined when the peer has
   * not seen it committed within that time.
   */
  transaction(identity: UserIdentity, txId: string): Promise<TransactionOutcome | undefined>;
}

/** A chaincode event as the peer delivered it. */
export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  name: string;
  payload: Record<string, unknown>;
}

/** Fabric's chaincode event stream, from a block on; tests use a stand-in. */
export interface EventSource {
  open(
    identity: UserIdentity,
    startBlock: bigint | undefined,
  ): Promise<{ events: AsyncIterable<LedgerEvent>; close(): void }>;
  /** The peer's ledger height (the number of the next block). */
  height(identity: UserIdentity): Promise<bigint>;
}

export interface PeerEndpoint {
  /** The member whose peer it is (other members' peers: where `settle` and reads elsewhere go). */
  mspId?: string;
  endpoint: string;
  tlsRootPem: string;
  /** The host name the peer's TLS certificate carries, when the endpoint is an IP address. */
  hostAlias?: string;
}

export interface PeerOptions extends PeerEndpoint {
  channel: string;
  chaincode: string;
  /** The other members' peers (their published endpoints), where `settle` looks for commits. */
  otherPeers?: PeerEndpoint[];
  /** How long a read at another member's peer waits for the block the request requires. */
  minBlockWaitMs?: number;
  /** How long a submit waits for the commit of its transaction (ms; default 60 000). */
  commitTimeoutMs?: number;
}

/** How long `settle` waits for another member's peer: past it, the next step finds out itself. */
const SETTLE_MS = 10_000;

/** A gRPC client for a peer's TLS endpoint; `hostAlias` names the host its certificate is for. */
export function peerClient(endpoint: string, tlsRootPem: string | Buffer, hostAlias?: string): grpc.Client {
  const alias = hostAlias ? { 'grpc.ssl_target_name_override': hostAlias, 'grpc.default_authority': hostAlias } : {};
  return new grpc.Client(endpoint, grpc.credentials.createSsl(Buffer.from(tlsRootPem)), alias);
}

/**
 * A commit-status request for any transaction, signed by the gateway's identity: lets a
 * client ask a peer whether (and how) a transaction committed when it holds only its id.
 */
export function commitOf(gateway: Gateway, network: Network, transactionId: string) {
  const identity = gateway.getIdentity();
  const creator = new msp.SerializedIdentity();
  creator.setMspid(identity.mspId);
  creator.setIdBytes(identity.credentials);
  const request = new gatewayProtos.CommitStatusRequest();
  request.setChannelId(network.getName());
  request.setTransactionId(transactionId);
  request.setIdentity(creator.serializeBinary());
  const signed = new gatewayProtos.SignedCommitStatusRequest();
  signed.setRequest(request.serializeBinary());
  return gateway.newCommit(signed.serializeBinary());
}

/** How long a client looks for a transaction whose submission reported a failure. */
const CONFIRM_MS = 15_000;

/**
 * Submits an endorsed transaction to the orderers and waits for its commit status. A failed
 * submission does not prove the transaction was not ordered: the peer's Gateway sends it to
 * every BFT orderer and counts an orderer that already had it (forwarded by another orderer,
 * "request already processed") as a failure, and a submit deadline can pass after the orderers
 * took it. So on a submit failure the ledger is asked for the transaction's status, for a
 * bounded time, before the failure is reported.
 */
export async function submitEndorsed(gateway: Gateway, network: Network, transaction: Transaction): Promise<Status> {
  let commit;
  try {
    commit = await transaction.submit();
  } catch (error) {
    if (!(error instanceof GatewayError && error.name === 'SubmitError')) throw error;
    const status = await commitOf(gateway, network, transaction.getTransactionId())
      .getStatus({ deadline: Date.now() + CONFIRM_MS })
      .catch(() => undefined);
    if (status) return status;
    throw error;
  }
  return commit.getStatus();
}

const MVCC_RETRIES = 3;

/** How long a write endorses again while other members' peers lag behind this member's. */
const LAGGING_ENDORSERS_MS = 5_000;

/**
 * Whether an endorsement failed at other members' peers only, this member's peer (which the
 * peer's Gateway asks first when its member is among the endorsers) having endorsed: they
 * refused or answered differently because they have not committed a block this peer has (a
 * step right after a write: each peer commits blocks on its own schedule).
 */
export function refusedOnlyElsewhere(error: unknown, mspId: string, call: LedgerCall): boolean {
  if (!(error instanceof GatewayError) || error.name !== 'EndorseError') return false;
  if (call.orgs && !call.orgs.includes(mspId)) return false;
  return error.details.length > 0 && error.details.every((detail) => detail.mspId !== mspId);
}

/** The validation code and the chaincode's answer of a transaction as qscc GetTransactionByID gives it. */
function outcomeOf(processedBytes: Uint8Array): Omit<TransactionOutcome, 'blockNumber'> {
  const processed = peer.ProcessedTransaction.deserializeBinary(processedBytes);
  const envelope = processed.getTransactionenvelope();
  const payload = common.Payload.deserializeBinary(envelope?.getPayload_asU8() ?? new Uint8Array());
  const [action] = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList();
  const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action?.getPayload_asU8() ?? new Uint8Array());
  const response = peer.ProposalResponsePayload.deserializeBinary(
    endorsed.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array(),
  );
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
  return {
    code: processed.getValidationcode(),
    payload: chaincodeAction.getResponse()?.getPayload_asU8() ?? new Uint8Array(),
  };
}

/** The name of a transaction validation code, e.g. ENDORSEMENT_POLICY_FAILURE. */
function statusName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

/** The peer as the gateway's height cache follows it, acting as the identity (any channel reader). */
export type BlocksOf = (identity: UserIdentity) => BlockSource;

export function fabricLedger(
  options: PeerOptions,
): LedgerPort & EventSource & { blockSource: BlocksOf; close(): void } {
  const client = peerClient(options.endpoint, options.tlsRootPem, options.hostAlias);
  const others = (options.otherPeers ?? []).map((peer) => peerClient(peer.endpoint, peer.tlsRootPem, peer.hostAlias));

  const signing = new SignerCache();

  function gatewayFor(identity: UserIdentity, peer = client): Gateway {
    return connect({
      client: peer,
      identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
      ...signing.of(identity.keyPem),
      evaluateOptions: () => ({ deadline: Date.now() + 5_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
      submitOptions: () => ({ deadline: Date.now() + 5_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + (options.commitTimeoutMs ?? 60_000) }),
    });
  }

  /** A contract acting as the user; close the returned gateway after the call. */
  function contractFor(identity: UserIdentity, name: string) {
    const gateway = gatewayFor(identity);
    const network = gateway.getNetwork(options.channel);
    return { contract: network.getContract(options.chaincode, name), network, gateway };
  }

  /** The peer's ledger height: its query system chaincode answers it to any channel reader. */
  async function chainHeight(identity: UserIdentity): Promise<bigint> {
    const gateway = gatewayFor(identity);
    try {
      const qscc = gateway.getNetwork(options.channel).getContract('qscc');
      const info = await qscc.evaluateTransaction('GetChainInfo', options.channel);
      return BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
    } finally {
      gateway.close();
    }
  }

  const proposalOptions = (call: LedgerCall) => ({
    arguments: call.args ?? [],
    ...(call.transient ? { transientData: call.transient } : {}),
    ...(call.orgs ? { endorsingOrganizations: call.orgs } : {}),
  });

  /**
   * Before a read served by other members' peers (`call.orgs` without this member, e.g. a record
   * body at its custodian's peer), waits until each holds the block the request requires
   * (Ehr-Min-Block): the gateway's own peer having it says nothing of theirs. Bounded like the
   * wait for the own peer; past it the read runs and finds out.
   */
  async function othersReach(identity: UserIdentity, call: LedgerCall): Promise<void> {
    const block = requiredBlock();
    if (block === undefined || !call.orgs || call.orgs.includes(identity.mspId)) return;
    const deadline = Date.now() + (options.minBlockWaitMs ?? 10_000);
    await Promise.all(
      (options.otherPeers ?? [])
        .map((peer, i) => ({ peer, client: others[i] }))
        .filter(({ peer }) => peer.mspId !== undefined && call.orgs?.includes(peer.mspId))
        .map(async ({ client: peerAt }) => {
          const gateway = gatewayFor(identity, peerAt);
          try {
            const qscc = gateway.getNetwork(options.channel).getContract('qscc');
            for (let pause = 50; Date.now() < deadline; pause = Math.min(pause * 2, 500)) {
              const info = await qscc.evaluateTransaction('GetChainInfo', options.channel);
              if (BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight()) > block) return;
              await new Promise((resolve) => setTimeout(resolve, pause));
            }
          } catch {
            // That peer unreachable: the read itself says what it means.
          } finally {
            gateway.close();
          }
        }),
    );
  }

  /**
   * Endorses the call; while only other members' peers refuse it (see refusedOnlyElsewhere),
   * endorses it again after a growing pause, for LAGGING_ENDORSERS_MS at most, before their
   * refusal counts. Nothing was sent to the orderers, so a new proposal changes nothing.
   */
  async function endorse(contract: Contract, call: LedgerCall, mspId: string): Promise<Transaction> {
    const deadline = Date.now() + LAGGING_ENDORSERS_MS;
    for (let pause = 100; ; pause *= 2) {
      try {
        return await contract.newProposal(call.fn, proposalOptions(call)).endorse();
      } catch (error) {
        if (!refusedOnlyElsewhere(error, mspId, call) || Date.now() + pause > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  async function submitOnce(gateway: Gateway, network: Network, contract: Contract, call: LedgerCall, mspId: string) {
    const transaction = await endorse(contract, call, mspId);
    call.sending?.(transaction.getTransactionId());
    const status = await submitEndorsed(gateway, network, transaction);
    return { payload: transaction.getResult(), txId: transaction.getTransactionId(), status };
  }

  return {
    async submit(identity, call) {
      const { contract, network, gateway } = contractFor(identity, call.contract);
      try {
        for (let attempt = 0; ; attempt++) {
          const { payload, txId, status } = await submitOnce(gateway, network, contract, call, identity.mspId);
          if (status.code === StatusCode.VALID) return { payload, txId, blockNumber: status.blockNumber };
          if (status.code !== StatusCode.MVCC_READ_CONFLICT || attempt >= MVCC_RETRIES)
            throw new TransactionInvalidError(statusName(status.code), txId);
        }
      } finally {
        gateway.close();
      }
    },
    async evaluate(identity, call) {
      await othersReach(identity, call);
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
    height: chainHeight,
    blockSource: (identity) => ({
      height: () => chainHeight(identity),
      async blocks(startBlock) {
        // Filtered blocks: only numbers and transaction ids are needed, not the payloads.
        const gateway = gatewayFor(identity);
        try {
          const stream = await gateway.getNetwork(options.channel).getFilteredBlockEvents({ startBlock });
          async function* numbers(): AsyncGenerator<bigint> {
            for await (const block of stream) yield BigInt(block.getNumber());
          }
          return {
            blocks: numbers(),
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
    }),
    async settle(identity, txId) {
      await Promise.all(
        others.map(async (peer) => {
          const gateway = gatewayFor(identity, peer);
          try {
            await commitOf(gateway, gateway.getNetwork(options.channel), txId).getStatus({
              deadline: Date.now() + SETTLE_MS,
            });
          } catch {
            // A member's peer down or slow: the next step's endorsement says what it means.
          } finally {
            gateway.close();
          }
        }),
      );
    },
    async transaction(identity, txId) {
      const gateway = gatewayFor(identity);
      try {
        const network = gateway.getNetwork(options.channel);
        const committed = await commitOf(gateway, network, txId)
          .getStatus({ deadline: Date.now() + CONFIRM_MS })
          .catch(() => undefined);
        if (!committed) return undefined;
        const qscc = network.getContract('qscc');
        const outcome = outcomeOf(await qscc.evaluateTransaction('GetTransactionByID', options.channel, txId));
        return { ...outcome, blockNumber: committed.blockNumber };
      } finally {
        gateway.close();
      }
    },
    close: () => {
      client.close();
      for (const peer of others) peer.close();
    },
  };
}
