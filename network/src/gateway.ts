/**
 * Connecting a member's user to a peer with @hyperledger/fabric-gateway, from the identities the
 * network wrote: used by the demo-data seeding and by the integration tests.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway, hash, type Network, signers } from '@hyperledger/fabric-gateway';
import { certFile, keyFile } from './identities';
import { address, CHAINCODE, CHANNEL, type OrgSpec, paths } from './topology';

export interface Session {
  gateway: Gateway;
  network: Network;
  contract(name: string): Contract;
  close(): void;
}

/** Connects `userName` of `org` to the peer of `peerOrg` (the user's own member by default). */
export function session(org: OrgSpec, userName: string, peerOrg: OrgSpec = org): Session {
  const tlsRoot = readFileSync(path.join(paths.org(peerOrg).peer, 'tls', 'ca.crt'));
  const client = new grpc.Client(address(peerOrg, 'peer'), grpc.credentials.createSsl(tlsRoot));
  const msp = path.join(paths.org(org).user(userName), 'msp');
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: readFileSync(certFile(msp)) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(keyFile(msp)))),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const network = gateway.getNetwork(CHANNEL);
  return {
    gateway,
    network,
    contract: (name: string) => network.getContract(CHAINCODE, name),
    close: () => {
      gateway.close();
      client.close();
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
