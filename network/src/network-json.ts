/**
 * organizations/network.json: what tests, tools and the gateways need to reach the network.
 * Paths are relative to the repository root.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IdentityEntry, NetworkJson, OrgEntry, UserEntry } from '@ehr/protocol';
import { certFile, keyFile } from './identities';
import { address, CHAINCODE, CHANNEL, demoUsers, type OrgSpec, paths, relative } from './topology';
import type { StateDbType } from './topology';

function identityEntry(dir: string): IdentityEntry {
  const msp = path.join(dir, 'msp');
  return { mspDir: relative(msp), cert: relative(certFile(msp)), key: relative(keyFile(msp)) };
}

const userEntry = (org: OrgSpec, name: string): IdentityEntry => identityEntry(paths.org(org).user(name));

/**
 * The member's entry, made in its own step: its endpoints, the TLS roots others trust it with
 * (its published ones) and the paths of its own identities.
 */
export function orgEntry(org: OrgSpec, stateDb: StateDbType): OrgEntry {
  const dirs = paths.org(org);
  const published = paths.published(org);
  const adminTls = path.join(dirs.user('admin'), 'tls');
  return {
    name: org.name,
    mspId: org.mspId,
    kind: org.kind,
    displayName: org.displayName,
    peer: {
      endpoint: address(org, 'peer'),
      hostAlias: org.hostname,
      tlsCACert: relative(published.tlsCaCert),
      operations: `http://${address(org, 'peerOperations')}`,
    },
    orderer: {
      endpoint: address(org, 'orderer'),
      adminEndpoint: address(org, 'ordererAdmin'),
      tlsCACert: relative(published.tlsCaCert),
      operations: `http://${address(org, 'ordererOperations')}`,
    },
    ca: {
      url: `https://${address(org, 'ca')}`,
      caName: 'ca',
      tlsCaName: 'tlsca',
      tlsCACert: relative(dirs.caTlsCert),
      operations: `http://${address(org, 'caOperations')}`,
    },
    stateDb:
      stateDb === 'couchdb' ? { type: 'couchdb', url: `http://${address(org, 'stateDb')}` } : { type: 'leveldb' },
    chaincode: { address: address(org, 'chaincode') },
    admin: {
      ...userEntry(org, 'admin'),
      tlsClientCert: relative(path.join(adminTls, 'server.crt')),
      tlsClientKey: relative(path.join(adminTls, 'server.key')),
    },
    // The gateway's own identities; it never reads `admin`, the member's MSP admin.
    registrar: identityEntry(dirs.gatewayRegistrar),
    memberAdmin: identityEntry(dirs.gatewayAdmin),
    gateway: { url: `http://${address(org, 'gateway')}` },
    users: demoUsers(org).map((user): UserEntry => ({
      name: user.name,
      role: user.role,
      attrs: user.attrs,
      ...userEntry(org, user.name),
    })),
  };
}

/**
 * Writes the index of the whole demo consortium on this machine, from the members' entries:
 * what tests and tools use to act as any member's user. A member on its own host has its own
 * entry only.
 */
export function writeNetworkJson(entries: OrgEntry[], stateDb: StateDbType, chaincodePackageId: string): void {
  const doc: NetworkJson = {
    channel: CHANNEL,
    chaincode: CHAINCODE,
    chaincodePackageId,
    binDir: relative(paths.bin),
    stateDb,
    orgs: entries,
  };
  writeFileSync(paths.networkJson, JSON.stringify(doc, null, 2) + '\n');
}

/**
 * Adds (or replaces) one member's entry in this machine's index: a member that joined after the
 * consortium was founded. The index must exist (the consortium is up).
 */
export function addNetworkJsonEntry(entry: OrgEntry): void {
  const doc = JSON.parse(readFileSync(paths.networkJson, 'utf8')) as NetworkJson;
  doc.orgs = [...doc.orgs.filter((o) => o.name !== entry.name), entry];
  writeFileSync(paths.networkJson, JSON.stringify(doc, null, 2) + '\n');
}
