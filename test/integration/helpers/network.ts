/**
 * Reaching the running network from tests the way users and tools do: network.json for the
 * connection details, @hyperledger/fabric-gateway with a demo user's own identity.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import nano from 'nano';
import type { NetworkJson, OrgEntry, UserEntry } from '@ehr/protocol';
import { STATEDB_ADMIN_USER } from '../../../network/src/nodes/fabric';
import { orgSecrets } from '../../../network/src/secrets';
import { session as gatewaySession, type Session, text, withSession } from '../../../network/src/gateway';
import { certFile, ensureIdentity, keyFile } from '../../../network/src/identities';
import { registerPatient } from '../../../network/src/seed';
import { findMember, type OrgSpec, paths, servingMembers } from '../../../network/src/topology';

export type { NetworkJson, OrgEntry, UserEntry } from '@ehr/protocol';

/** An identity a test had the member's CA issue: any attributes, a role the ledger may not know. */
export type IssuedIdentity = Pick<UserEntry, 'name' | 'attrs' | 'cert' | 'key'> & { role: string };

export function network(): NetworkJson {
  return JSON.parse(readFileSync(paths.networkJson, 'utf8')) as NetworkJson;
}

export function org(name: string): OrgEntry {
  const found = network().orgs.find((o) => o.name === name);
  if (!found) throw new Error(`no org ${name} in network.json`);
  return found;
}

export function user(orgName: string, userName: string): UserEntry {
  const found = org(orgName).users.find((u) => u.name === userName);
  if (!found) throw new Error(`no user ${userName} at ${orgName}`);
  return found;
}

/** A demo user who is not the admin (the first of the member's users). */
export function someUser(orgName: string): UserEntry {
  const found = org(orgName).users.find((u) => u.role !== 'admin');
  if (!found) throw new Error(`no non-admin user at ${orgName}`);
  return found;
}

export function orgSpec(name: string): OrgSpec {
  return findMember(name);
}

/** Connects a member's user to a peer (their own member's by default). */
export function session(orgName: string, userEntry: IssuedIdentity, peerOrg: string = orgName): Session {
  return gatewaySession(orgSpec(orgName), userEntry.name, orgSpec(peerOrg));
}

export { text };

/** A transient map with the fresh random salt every private write carries (≥128 bits, hex). */
export function salted(transient: Record<string, string>): Record<string, string> {
  return { ...transient, salt: randomBytes(16).toString('hex') };
}

/** Retries an assertion until it passes or the timeout ends (eventual consistency across peers). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** A nano client for the state DB at `url`, as the member's peer admin. */
export function stateDbAt(url: string, member: OrgSpec): nano.ServerScope {
  const withAuth = new URL(url);
  withAuth.username = STATEDB_ADMIN_USER;
  withAuth.password = orgSecrets(member).stateDbAdmin;
  return nano(withAuth.toString());
}

/** A nano client for a CouchDB-mode member's state DB, as the peer's admin. */
export function stateDb(orgName: string): nano.ServerScope {
  const db = org(orgName).stateDb;
  if (db.type !== 'couchdb') throw new Error(`${orgName} has no CouchDB state DB`);
  return stateDbAt(db.url, orgSpec(orgName));
}

/** A name unique to this run and call, for identities and ids a test makes. */
export function uniqueTag(tag: string): string {
  return `${tag}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();
}

/**
 * An identity the member's CA issues with the attributes given, as the member's admin can do
 * at its own CA whatever the consortium's rules say (the dishonest-member tests rely on it).
 */
export async function issueIdentity(
  orgName: string,
  name: string,
  attrs: Record<string, string>,
): Promise<IssuedIdentity> {
  const member = orgSpec(orgName);
  const dir = paths.org(member).user(name);
  await ensureIdentity(member, { name, type: 'client', attrs, dir });
  const msp = path.join(dir, 'msp');
  return { name, role: attrs['ehr.role'] ?? '', attrs, cert: certFile(msp), key: keyFile(msp) };
}

/**
 * A patient of their own for one suite run: a new identity from the member's CA with a new
 * `ehr.patientId`, registered on the ledger with its certificate linked. Suites that change a
 * patient's consents, break-glass windows or claims use one, so that no run and no other suite
 * depends on what was done to the shared demo patients before.
 */
export async function freshPatient(
  orgName: string,
  tag: string,
  demographics?: { name: string; dateOfBirth: string },
): Promise<IssuedIdentity & { patientId: string }> {
  const member = orgSpec(orgName);
  const suffix = uniqueTag(tag);
  const patientId = `PAT-${member.code}-${suffix}`;
  const name = `patient-${suffix.toLowerCase()}`;
  const entry = await issueIdentity(orgName, name, { 'ehr.role': 'patient', 'ehr.patientId': patientId });
  await registerPatient(member, name, patientId, demographics);
  return { ...entry, patientId };
}

/**
 * A doctor of their own for one suite run, registered as the member's practitioner: break-glass
 * windows are limited per doctor and day, and care links are per doctor.
 */
export async function freshDoctor(orgName: string, tag: string): Promise<IssuedIdentity & { practitionerId: string }> {
  const member = orgSpec(orgName);
  const suffix = uniqueTag(tag);
  const practitionerId = `DOC-${member.code}-${suffix}`;
  const entry = await issueIdentity(orgName, `doctor-${suffix.toLowerCase()}`, {
    'ehr.role': 'doctor',
    'ehr.practitionerId': practitionerId,
  });
  const practitioner = { practitionerId, role: 'doctor', licenceNo: `LIC-${suffix}`, specialty: 'emergency' };
  await withSession(member, 'admin', (s) =>
    s.contract('directory').submitTransaction('RegisterPractitioner', JSON.stringify(practitioner)),
  );
  return { ...entry, practitionerId };
}

/** The channel's height on the session's peer (query system chaincode). */
export async function height(s: Session): Promise<number> {
  const info = await s.network.getContract('qscc').evaluateTransaction('GetChainInfo', network().channel);
  return common.BlockchainInfo.deserializeBinary(info).getHeight();
}

/**
 * Waits until every member's peer has committed the same blocks. A step at one member right
 * after a write at another is endorsed by the other members' peers too, each committing on its
 * own schedule; tests that act through the REST gateways (which do not wait for every member)
 * settle between such steps.
 */
export async function settled(timeoutMs = 20_000): Promise<void> {
  const sessions = servingMembers().map((member) => gatewaySession(member, 'admin'));
  try {
    await eventually(async () => {
      const heights = await Promise.all(sessions.map(height));
      if (new Set(heights).size !== 1) throw new Error(`the peers are at heights ${heights.join(', ')}`);
    }, timeoutMs);
  } finally {
    for (const s of sessions) s.close();
  }
}
