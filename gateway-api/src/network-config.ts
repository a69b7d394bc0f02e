/**
 * What the gateway takes from network.json for its member: the member, its peer and CA, the
 * other members' peers, and the two identities it holds. It holds no MSP admin identity: the
 * member's admin key (OU=admin, which can sign channel updates and install chaincode) stays
 * with the operator. Instead:
 *
 * - `registrar`: a client identity of the member's CA that may register client users with the
 *   `ehr.*` attributes and nothing else; its certificate carries no `ehr.role`, so it cannot act
 *   on the ledger;
 * - `memberAdmin`: a client certificate (OU=client) with `ehr.role=admin`: the gateway's `admin`
 *   account, an ordinary user of the ledger with the member admin's role.
 *
 * The org's `admin` entry (the MSP admin) is not read. Both identities are checked when the
 * gateway starts, so a misconfigured network fails loudly rather than running with an admin key.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IdentityEntry, NetworkJson, OrgEntry } from '@ehr/protocol';
import type { Member } from './accounts';
import type { PeerEndpoint, UserIdentity } from './fabric';
import type { HealthTargets } from './health';

/** A certificate and its private key, as paths relative to the network's home. */
export type IdentityFiles = Pick<IdentityEntry, 'cert' | 'key'>;

/**
 * A member's entry in network.json (the protocol's OrgEntry), as far as the gateway reads it;
 * its two identities may be missing from a network written by an older version, which is refused.
 */
export type NetworkOrg = Pick<OrgEntry, 'name' | 'mspId' | 'kind' | 'displayName'> & {
  peer: Pick<OrgEntry['peer'], 'endpoint' | 'tlsCACert'> & { hostAlias?: string; operations?: string };
  ca: Pick<OrgEntry['ca'], 'url' | 'caName' | 'tlsCACert'> & { operations?: string };
  // Where the member's other nodes are, for its admin's health page only.
  orderer?: Pick<OrgEntry['orderer'], 'endpoint' | 'operations'>;
  stateDb?: OrgEntry['stateDb'];
  chaincode?: OrgEntry['chaincode'];
  registrar?: IdentityFiles;
  memberAdmin?: IdentityFiles;
};

export interface MemberSetup {
  member: Member;
  channel: string;
  chaincode: string;
  peer: PeerEndpoint;
  /** The other members' published peer endpoints. */
  otherPeers: PeerEndpoint[];
  ca: { url: string; caName: string; tlsCaCertPem: string };
  registrar: UserIdentity;
  memberAdmin: UserIdentity;
  /** The member's nodes, as its admin's health check probes them. */
  nodes: HealthTargets;
}

export class NetworkConfigError extends Error {
  override readonly name = 'NetworkConfigError';
}

/** The `ehr.*` (and `hf.*`) attributes Fabric CA put into a certificate (extension 1.2.3.4.5.6.7.8.1, JSON). */
export function certificateAttributes(cert: X509Certificate): Record<string, string> {
  const der = cert.raw;
  const start = der.indexOf('{"attrs":');
  if (start < 0) return {};
  let depth = 0;
  for (let i = start; i < der.length; i += 1) {
    if (der[i] === 0x7b) depth += 1;
    if (der[i] === 0x7d) depth -= 1;
    if (depth === 0) {
      const parsed = JSON.parse(der.subarray(start, i + 1).toString('utf8')) as { attrs?: Record<string, string> };
      return parsed.attrs ?? {};
    }
  }
  return {};
}

/** The certificate's organizational units (NodeOUs: client, admin, peer, orderer). */
function unitsOf(cert: X509Certificate): string[] {
  return cert.subject
    .split('\n')
    .filter((line) => line.startsWith('OU='))
    .map((line) => line.slice(3));
}

/** A parsed client certificate whose key matches, or a NetworkConfigError naming the problem. */
function clientCertificate(what: string, identity: UserIdentity): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(identity.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(identity.keyPem))) throw new Error('mismatch');
  } catch {
    throw new NetworkConfigError(`${what}: the certificate and key are not a matching pair`);
  }
  const units = unitsOf(cert);
  if (units.includes('admin'))
    throw new NetworkConfigError(
      `${what} is an MSP admin certificate (OU=admin): the gateway must not hold the member's admin key`,
    );
  if (!units.includes('client')) throw new NetworkConfigError(`${what} must be a client certificate (OU=client)`);
  return cert;
}

/**
 * Refuses identities that would give the gateway more than it needs: an MSP admin certificate
 * as either, a member admin without `ehr.role=admin`, a registrar with a ledger role.
 */
export function checkGatewayIdentities(orgName: string, setup: Pick<MemberSetup, 'registrar' | 'memberAdmin'>): void {
  const admin = certificateAttributes(clientCertificate(`memberAdmin of ${orgName}`, setup.memberAdmin));
  if (admin['ehr.role'] !== 'admin')
    throw new NetworkConfigError(`memberAdmin of ${orgName} must carry ehr.role=admin in its certificate`);
  const registrar = certificateAttributes(clientCertificate(`registrar of ${orgName}`, setup.registrar));
  if (registrar['ehr.role'] !== undefined)
    throw new NetworkConfigError(
      `registrar of ${orgName} carries ehr.role=${registrar['ehr.role']}: it registers users and must have no ledger role`,
    );
}

/** The member's nodes as network.json publishes them (an older one names fewer). */
function healthTargets(channel: string, org: NetworkOrg): HealthTargets {
  const { peer, ca, orderer, stateDb, chaincode } = org;
  return {
    channel,
    peer: { endpoint: peer.endpoint, ...(peer.operations ? { operations: peer.operations } : {}) },
    ca: { url: ca.url, ...(ca.operations ? { operations: ca.operations } : {}) },
    ...(orderer ? { orderer: { endpoint: orderer.endpoint, operations: orderer.operations } } : {}),
    ...(stateDb ? { stateDb } : {}),
    ...(chaincode ? { chaincode: { address: chaincode.address } } : {}),
  };
}

/** Reads the member's setup from network.json (paths in it are relative to the folder above organizations/). */
export function loadMemberSetup(networkJson: string, orgName: string): MemberSetup {
  const network = JSON.parse(readFileSync(networkJson, 'utf8')) as Pick<NetworkJson, 'channel' | 'chaincode'> & {
    orgs: NetworkOrg[];
  };
  const org = network.orgs.find((o) => o.name === orgName);
  if (!org) throw new NetworkConfigError(`EHR_GATEWAY_ORG ${orgName} is not a member in ${networkJson}`);
  const root = path.resolve(path.dirname(networkJson), '..');
  const read = (relative: string) => readFileSync(path.resolve(root, relative), 'utf8');
  const identity = (entry: 'registrar' | 'memberAdmin'): UserIdentity => {
    const files = org[entry];
    if (!files?.cert || !files.key)
      throw new NetworkConfigError(
        `network.json has no ${entry} { cert, key } for ${orgName}: the network issues it for the gateway (see README)`,
      );
    return { mspId: org.mspId, certPem: read(files.cert), keyPem: read(files.key) };
  };
  const endpoint = (o: NetworkOrg): PeerEndpoint => ({
    mspId: o.mspId,
    endpoint: o.peer.endpoint,
    tlsRootPem: read(o.peer.tlsCACert),
    ...(o.peer.hostAlias ? { hostAlias: o.peer.hostAlias } : {}),
  });
  const setup: MemberSetup = {
    member: { name: org.name, mspId: org.mspId, kind: org.kind, displayName: org.displayName },
    channel: network.channel,
    chaincode: network.chaincode,
    peer: endpoint(org),
    otherPeers: network.orgs.filter((other) => other.name !== org.name).map(endpoint),
    ca: { url: org.ca.url, caName: org.ca.caName, tlsCaCertPem: read(org.ca.tlsCACert) },
    registrar: identity('registrar'),
    memberAdmin: identity('memberAdmin'),
    nodes: healthTargets(network.channel, org),
  };
  checkGatewayIdentities(orgName, setup);
  return setup;
}
