/**
 * Connecting a member's user to a peer with @hyperledger/fabric-gateway, from the identities the
 * network wrote: used by the demo-data seeding and by the integration tests.
 *
 * A submit here returns once the transaction has committed on EVERY member's peer, not only on
 * the peer it went through. Each peer commits a block on its own schedule, and the next step of
 * a cross-member flow (a lab accepting the order a hospital just created, an insurer
 * adjudicating a claim just submitted) is endorsed by other members' peers: without waiting,
 * one of them may not have the block yet and answer NOT_FOUND.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  CommitError,
  connect,
  type Contract,
  type Gateway,
  GatewayError,
  hash,
  type Network,
  type ProposalOptions,
  signers,
  type Status,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { gateway as gatewayProtos, msp } from '@hyperledger/fabric-protos';
import { type ContractName, type ErrorCode, parseRefusal } from '@ehr/protocol';
import { certFile, keyFile } from './identities';
import { address, CHAINCODE, CHANNEL, type OrgSpec, paths, servingMembers } from './topology';

/** The parts of fabric-gateway's Contract the seeding and the tests use, with the submit above. */
export type SessionContract = Pick<Contract, 'evaluate' | 'evaluateTransaction' | 'submit' | 'submitTransaction'>;

export interface Session {
  gateway: Gateway;
  network: Network;
  contract(name: ContractName): SessionContract;
  close(): void;
}

/** How long a committed transaction may take to reach every other member's peer. */
const EVERYWHERE_MS = 30_000;
/** How long a submit that reported a failure is looked for on the ledger. */
const CONFIRM_MS = 15_000;

/** A connection to a member's peer, trusting what that member published (its TLS root, its host name). */
function grpcClient(peerOrg: OrgSpec): grpc.Client {
  const tlsRoot = readFileSync(paths.published(peerOrg).tlsCaCert);
  // A TLS server name cannot be an IP address: the peer's certificate also names its member's host.
  const alias = { 'grpc.ssl_target_name_override': peerOrg.hostname, 'grpc.default_authority': peerOrg.hostname };
  return new grpc.Client(address(peerOrg, 'peer'), grpc.credentials.createSsl(tlsRoot), alias);
}

/** A commit-status request for a transaction known only by its id, signed by the session's identity. */
function commitOf(gateway: Gateway, network: Network, transactionId: string) {
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

/**
 * Submits an endorsed transaction and waits for its status. The peer's Gateway counts a BFT
 * orderer that already had the transaction ("request already processed") as a failed submit,
 * so a failed submit is looked up on the ledger, for a bounded time, before it is believed.
 */
async function submitEndorsed(gateway: Gateway, network: Network, transaction: Transaction): Promise<Status> {
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

/** Connects `userName` of `org` to the peer of `peerOrg` (the user's own member by default). */
export function session(org: OrgSpec, userName: string, peerOrg: OrgSpec = org): Session {
  const msp = path.join(paths.org(org).user(userName), 'msp');
  const identity = { mspId: org.mspId, credentials: readFileSync(certFile(msp)) };
  const signer = signers.newPrivateKeySigner(createPrivateKey(readFileSync(keyFile(msp))));
  const clients: grpc.Client[] = [];
  const gatewayTo = (target: OrgSpec) => {
    const client = grpcClient(target);
    clients.push(client);
    return connect({
      client,
      identity,
      signer,
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
      submitOptions: () => ({ deadline: Date.now() + 10_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
  };
  const gateway = gatewayTo(peerOrg);
  const network = gateway.getNetwork(CHANNEL);
  let others: { org: OrgSpec; gateway: Gateway; network: Network }[] | undefined;

  /** Waits until the transaction has committed on every other member's peer, with the same outcome. */
  async function committedEverywhere(transactionId: string): Promise<void> {
    others ??= servingMembers()
      .filter((o) => o.name !== peerOrg.name)
      .map((o) => {
        const g = gatewayTo(o);
        return { org: o, gateway: g, network: g.getNetwork(CHANNEL) };
      });
    await Promise.all(
      others.map(async (other) => {
        const status = await commitOf(other.gateway, other.network, transactionId).getStatus({
          deadline: Date.now() + EVERYWHERE_MS,
        });
        if (!status.successful) {
          throw new Error(`${other.org.name}.peer validated transaction ${transactionId} differently: ${status.code}`);
        }
      }),
    );
  }

  async function submit(contractName: ContractName, fn: string, options: ProposalOptions = {}): Promise<Uint8Array> {
    const transaction = await network.getContract(CHAINCODE, contractName).newProposal(fn, options).endorse();
    const status = await submitEndorsed(gateway, network, transaction);
    if (!status.successful) {
      throw new CommitError({
        code: status.code,
        transactionId: status.transactionId,
        message: `transaction ${status.transactionId} failed to commit with status code ${String(status.code)}`,
      });
    }
    await committedEverywhere(status.transactionId);
    return transaction.getResult();
  }

  const contract = (name: ContractName): SessionContract => {
    const fabricContract = network.getContract(CHAINCODE, name);
    return {
      evaluate: (fn, options) => fabricContract.evaluate(fn, options),
      evaluateTransaction: (fn, ...args) => fabricContract.evaluateTransaction(fn, ...args),
      submit: (fn, options) => submit(name, fn, options),
      submitTransaction: (fn, ...args) => submit(name, fn, { arguments: args }),
    };
  };

  return {
    gateway,
    network,
    contract,
    close: () => {
      gateway.close();
      for (const o of others ?? []) o.gateway.close();
      for (const client of clients) client.close();
    },
  };
}

export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** Runs `work` with a session and closes it afterwards. */
export async function withSession<T>(
  org: OrgSpec,
  userName: string,
  work: (s: Session) => Promise<T>,
  peerOrg?: OrgSpec,
): Promise<T> {
  const s = session(org, userName, peerOrg);
  try {
    return await work(s);
  } finally {
    s.close();
  }
}

/**
 * The chaincode's refusal code (`CODE: message`) in a fabric-gateway error's details, or
 * undefined for errors that did not come from the chaincode.
 */
export function chaincodeErrorCode(error: unknown): ErrorCode | undefined {
  const details = (error as { details?: { message?: string }[] } | undefined)?.details ?? [];
  for (const detail of details) {
    const refusal = parseRefusal(detail.message ?? '');
    if (refusal) return refusal.code;
  }
  return undefined;
}
