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
import type * as grpc from '@grpc/grpc-js';
import {
  CommitError,
  connect,
  type Contract,
  type Gateway,
  hash,
  type Network,
  type ProposalOptions,
  signers,
} from '@hyperledger/fabric-gateway';
import { commitOf, peerClient, submitEndorsed } from '../../gateway-api/src/fabric';
import { certFile, keyFile } from './identities';
import { address, CHAINCODE, CHANNEL, ORGS, type OrgSpec, paths } from './topology';

/** The parts of fabric-gateway's Contract the seeding and the tests use, with the submit above. */
export type SessionContract = Pick<Contract, 'evaluate' | 'evaluateTransaction' | 'submit' | 'submitTransaction'>;

export interface Session {
  gateway: Gateway;
  network: Network;
  contract(name: string): SessionContract;
  close(): void;
}

/** How long a committed transaction may take to reach every other member's peer. */
const EVERYWHERE_MS = 30_000;

function grpcClient(peerOrg: OrgSpec): grpc.Client {
  const tlsRoot = readFileSync(path.join(paths.org(peerOrg).peer, 'tls', 'ca.crt'));
  // Node TLS certificates name localhost as well as the address; a TLS server name cannot be an IP.
  return peerClient(address(peerOrg, 'peer'), tlsRoot, 'localhost');
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
    others ??= ORGS.filter((o) => o.name !== peerOrg.name).map((o) => {
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

  async function submit(contractName: string, fn: string, options: ProposalOptions = {}): Promise<Uint8Array> {
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

  const contract = (name: string): SessionContract => {
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

export { chaincodeErrorCode } from '../../gateway-api/src/errors';
