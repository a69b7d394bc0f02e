/**
 * organizations/network.json: what the network writes for tests, tools and the gateways to reach
 * it. Paths are relative to the folder above organizations/.
 */
import type { OrgKind, Role } from './roles';

export type StateDbType = 'couchdb' | 'leveldb';

/** A certificate and its private key (and the MSP folder they are in), as relative paths. */
export interface IdentityEntry {
  mspDir: string;
  cert: string;
  key: string;
}

/** A demo user the network enrolled. */
export interface UserEntry extends IdentityEntry {
  name: string;
  role: Role;
  /** Certificate attributes (`ehr.*`), as written into the enrolment certificate. */
  attrs: Record<string, string>;
}

export interface OrgEntry {
  /** Folder and process name, e.g. `hospital-a`. */
  name: string;
  mspId: string;
  kind: OrgKind;
  displayName: string;
  peer: { endpoint: string; hostAlias: string; tlsCACert: string; operations: string };
  orderer: { endpoint: string; adminEndpoint: string; tlsCACert: string; operations: string };
  ca: { url: string; caName: string; tlsCaName: string; tlsCACert: string; operations: string };
  stateDb: { type: 'couchdb'; url: string } | { type: 'leveldb' };
  chaincode: { address: string };
  /** The member's MSP admin: the operator's, never read by the gateway. */
  admin: IdentityEntry & { tlsClientCert: string; tlsClientKey: string };
  /** The gateway's CA registrar: registers client users with `ehr.*` attributes, has no ledger role. */
  registrar: IdentityEntry;
  /** The gateway's `admin` account: a client certificate with `ehr.role=admin`. */
  memberAdmin: IdentityEntry;
  gateway: { url: string };
  users: UserEntry[];
}

export interface NetworkJson {
  channel: string;
  chaincode: string;
  chaincodePackageId: string;
  binDir: string;
  stateDb: StateDbType;
  orgs: OrgEntry[];
}
