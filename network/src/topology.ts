/**
 * The consortium as data: members, their ports, demo users and where every file lives. Every
 * launch function reads this; nothing else in the orchestrator knows a port or a path.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHAINCODE_NAME, CHANNEL_NAME, isOrgKind, type OrgKind, type Role } from '@ehr/protocol';

export type { OrgKind, Role, StateDbType } from '@ehr/protocol';

export interface OrgSpec {
  /** Folder and process name, e.g. `hospital-a`. */
  name: string;
  mspId: string;
  kind: OrgKind;
  displayName: string;
  /** Short code used in demo ids. */
  code: string;
  /** Position in the port plan: ports start at base + 100 × index. */
  index: number;
  /**
   * The member's own address: every node of the member listens there and nowhere else. On this
   * machine each member has a loopback address of its own (Linux routes all of 127.0.0.0/8 to
   * the loopback device); on a member's own host it is that host's address.
   */
  host: string;
  /** The DNS name the member's TLS certificates carry besides `host`; TLS clients verify it. */
  hostname: string;
}

export interface DemoUser {
  name: string;
  role: Role;
  /** Certificate attributes (`ehr.*`), written into the enrolment certificate. */
  attrs: Record<string, string>;
}

export const CHANNEL = CHANNEL_NAME;
export const CHAINCODE = CHAINCODE_NAME;

const member = (spec: Omit<OrgSpec, 'host' | 'hostname'>): OrgSpec => ({
  ...spec,
  host: `127.0.1.${String(spec.index + 1)}`,
  hostname: `${spec.name}.ehr.internal`,
});

export const ORGS: readonly OrgSpec[] = [
  member({
    name: 'hospital-a',
    mspId: 'HospitalAMSP',
    kind: 'hospital',
    displayName: 'Hospital A',
    code: 'HA',
    index: 0,
  }),
  member({
    name: 'hospital-b',
    mspId: 'HospitalBMSP',
    kind: 'hospital',
    displayName: 'Hospital B',
    code: 'HB',
    index: 1,
  }),
  member({ name: 'lab', mspId: 'LabMSP', kind: 'lab', displayName: 'Diagnostic Lab', code: 'LB', index: 2 }),
  member({ name: 'insurer', mspId: 'InsurerMSP', kind: 'insurer', displayName: 'Insurer', code: 'IN', index: 3 }),
];

/** Raised for a member definition (member.json) that cannot be used; names the file and the field. */
export class MemberDefinitionError extends Error {
  override readonly name = 'MemberDefinitionError';
}

/** How many members the port plan has room for: EHR_PORT_BASE + 100 × index stays under 65536. */
export const MAX_MEMBERS = 50;

const DEFINITION_RULES: Record<string, { pattern: RegExp; says: string }> = {
  name: { pattern: /^[a-z][a-z0-9-]{1,30}$/, says: 'lower-case letters, digits and dashes, e.g. hospital-c' },
  mspId: { pattern: /^[A-Za-z][A-Za-z0-9]{1,40}MSP$/, says: 'letters and digits ending in MSP, e.g. HospitalCMSP' },
  displayName: { pattern: /^\S.{0,79}$/, says: 'a name of 1 to 80 characters' },
  code: { pattern: /^[A-Z]{2,4}$/, says: '2 to 4 capital letters, e.g. HC' },
  host: { pattern: /^\d{1,3}(\.\d{1,3}){3}$/, says: 'an IPv4 address, e.g. 127.0.1.5' },
  hostname: { pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, says: 'a DNS name' },
};

/**
 * A member as its own small file describes it (member.json): `name`, `mspId`, `kind`,
 * `displayName`, `code`, `index` (its place in the port plan) and optionally `host` and
 * `hostname` (by default 127.0.1.<index + 1> and <name>.ehr.internal). Throws
 * MemberDefinitionError naming the first field that is wrong.
 */
export function parseMemberDefinition(value: unknown, source = 'member.json'): OrgSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MemberDefinitionError(`${source}: a member definition is a JSON object`);
  }
  const given = value as Record<string, unknown>;
  const known = new Set(['name', 'mspId', 'kind', 'displayName', 'code', 'index', 'host', 'hostname']);
  const unknown = Object.keys(given).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new MemberDefinitionError(`${source}: unknown field ${unknown.join(', ')}`);
  const text = (field: string) => definitionText(given, field, source);
  if (!isOrgKind(given.kind)) throw new MemberDefinitionError(`${source}: kind must be hospital, lab or insurer`);
  const spec = member({
    name: text('name'),
    mspId: text('mspId'),
    kind: given.kind,
    displayName: text('displayName'),
    code: text('code'),
    index: definitionIndex(given.index, source),
  });
  const host = given.host === undefined ? spec.host : text('host');
  if (host.split('.').some((octet) => Number(octet) > 255)) {
    throw new MemberDefinitionError(`${source}: host must be ${DEFINITION_RULES.host?.says ?? ''}`);
  }
  return { ...spec, host, hostname: given.hostname === undefined ? spec.hostname : text('hostname') };
}

function definitionText(given: Record<string, unknown>, field: string, source: string): string {
  const v = given[field];
  const rule = DEFINITION_RULES[field];
  if (typeof v !== 'string' || !rule?.pattern.test(v)) {
    throw new MemberDefinitionError(`${source}: ${field} must be ${rule?.says ?? 'a string'}`);
  }
  return v;
}

function definitionIndex(index: unknown, source: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= MAX_MEMBERS) {
    throw new MemberDefinitionError(`${source}: index must be an integer from 0 to ${String(MAX_MEMBERS - 1)}`);
  }
  return index;
}

/** The fields of member.json for a member (what {@link parseMemberDefinition} reads back). */
export function memberDefinition(org: OrgSpec): Record<string, unknown> {
  const { name, mspId, kind, displayName, code, index, host, hostname } = org;
  return { name, mspId, kind, displayName, code, index, host, hostname };
}

/**
 * Throws when `candidate` would share a name, MSP ID, code, port-plan index or address with a
 * member in `members` (a newcomer must be told apart from every member by each of them).
 */
export function checkDistinct(candidate: OrgSpec, members: readonly OrgSpec[]): void {
  for (const other of members) {
    if (other.name === candidate.name) continue;
    for (const field of ['mspId', 'code', 'index', 'host', 'hostname'] as const) {
      if (other[field] === candidate[field]) {
        throw new MemberDefinitionError(
          `${candidate.name}'s ${field} ${String(candidate[field])} is ${other.name}'s already`,
        );
      }
    }
  }
}

/** Demo users of SPEC §2 for an org: every member has an admin; the rest depends on its kind. */
export function demoUsers(org: OrgSpec): DemoUser[] {
  const admin: DemoUser = { name: 'admin', role: 'admin', attrs: { 'ehr.role': 'admin' } };
  switch (org.kind) {
    case 'hospital':
      return [
        admin,
        {
          name: 'patient1',
          role: 'patient',
          attrs: { 'ehr.role': 'patient', 'ehr.patientId': `PAT-${org.code}-0001` },
        },
        {
          name: 'doctor1',
          role: 'doctor',
          attrs: { 'ehr.role': 'doctor', 'ehr.practitionerId': `DOC-${org.code}-0001` },
        },
        { name: 'billing1', role: 'billing', attrs: { 'ehr.role': 'billing' } },
      ];
    case 'lab':
      return [
        admin,
        {
          name: 'labtech1',
          role: 'labtech',
          attrs: { 'ehr.role': 'labtech', 'ehr.practitionerId': `LAB-${org.code}-0001` },
        },
      ];
    case 'insurer':
      return [admin, { name: 'adjuster1', role: 'adjuster', attrs: { 'ehr.role': 'adjuster' } }];
  }
}

const PORT_OFFSETS = {
  orderer: 0,
  peer: 1,
  peerChaincode: 2,
  ordererAdmin: 3,
  ca: 4,
  caOperations: 5,
  peerOperations: 6,
  ordererOperations: 7,
  stateDb: 8,
  chaincode: 9,
  gateway: 10,
  ordererCluster: 11,
} as const;

export type PortName = keyof typeof PORT_OFFSETS;

/**
 * First port of the plan; each member takes the next 100. Members listen on addresses of their
 * own, so they could all use the same port numbers; they do not, so that a network's ports stay
 * one block [base, base + 100 × members) that EHR_PORT_BASE moves as a whole (several networks,
 * each with its own base, run side by side on one machine), and a port alone names the member
 * and node in a log or a `ss` listing.
 */
export function portBase(): number {
  const raw = process.env.EHR_PORT_BASE ?? '7100';
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 1024 || base > 60000) {
    throw new Error(`EHR_PORT_BASE must be an integer between 1024 and 60000, not ${raw}`);
  }
  return base;
}

export function port(org: OrgSpec, name: PortName): number {
  return portBase() + 100 * org.index + PORT_OFFSETS[name];
}

/** `host:port` of one of the member's listeners. */
export function address(org: OrgSpec, name: PortName): string {
  return `${org.host}:${port(org, name)}`;
}

/**
 * Where things live. The network's own state (organizations/, .network/) lives under `home`:
 * the repository by default, or EHR_NETWORK_HOME, so that a second network (a test run on
 * LevelDB, say, with its own EHR_PORT_BASE) can run beside the developer's. Relative paths in
 * network.json are relative to `home`.
 */
export const paths = (() => {
  const root = path.resolve(__dirname, '..', '..');
  const fabric = path.join(root, '.fabric');
  // A member may run its own Fabric release instead of the binaries scripts/build-binaries.sh
  // builds: FABRIC_BIN_DIR names the release's bin/, FABRIC_CFG_DIR its config/ (default: beside bin/).
  const releaseBin = process.env.FABRIC_BIN_DIR;
  const bin = releaseBin ? path.resolve(releaseBin) : path.join(fabric, 'bin');
  const fabricConfig = process.env.FABRIC_CFG_DIR ?? (releaseBin ? path.join(bin, '..', 'config') : undefined);
  const home = process.env.EHR_NETWORK_HOME ? path.resolve(process.env.EHR_NETWORK_HOME) : root;
  const organizations = path.join(home, 'organizations');
  const runtime = path.join(home, '.network');
  return {
    root,
    home,
    bin,
    /** Fabric's default core.yaml and orderer.yaml, from which each node's own config is written. */
    fabricConfig: fabricConfig ? path.resolve(fabricConfig) : path.join(fabric, 'config'),
    /** Our chaincode-as-a-service external builder (bin/detect, bin/build, bin/release). */
    ccaasBuilder: path.join(root, 'network', 'ccaas-builder'),
    organizations,
    networkJson: path.join(organizations, 'network.json'),
    runtime,
    logs: path.join(runtime, 'logs'),
    pids: path.join(runtime, 'pids'),
    /** The consortium's founding files: configtx.yaml and the genesis block, both built from public files. */
    channelDir: path.join(runtime, 'channel'),
    stateFile: path.join(runtime, 'state.json'),
    chaincodeSource: path.join(root, 'chaincode'),
    /**
     * A member's own folders: its configuration, crypto and data. Only that member's steps may
     * use them (see {@link asMember}); the other members see its {@link published} files only.
     */
    org(org: OrgSpec) {
      checkPrivateAccess(org);
      const base = path.join(organizations, org.name);
      const data = path.join(runtime, org.name);
      return {
        base,
        secrets: path.join(base, 'secrets.json'),
        /**
         * Which orderer the member's admin sends to when it runs none on the channel (a member
         * that joined without `--orderer`): another member's, as that member published it.
         */
        ordererVia: path.join(base, 'orderer-via.json'),
        caServer: path.join(base, 'ca-server'),
        caTlsCert: path.join(base, 'ca-server', 'ca-cert.pem'),
        registrar: path.join(base, 'registrars', 'ca'),
        tlsRegistrar: path.join(base, 'registrars', 'tlsca'),
        peer: path.join(base, 'peer'),
        orderer: path.join(base, 'orderer'),
        user: (name: string) => path.join(base, 'users', name),
        /** The two identities the member's REST gateway holds (never the MSP admin). */
        gatewayRegistrar: path.join(base, 'gateway', 'registrar'),
        gatewayAdmin: path.join(base, 'gateway', 'member-admin'),
        peerData: path.join(data, 'peer'),
        ordererData: path.join(data, 'orderer'),
        stateDbData: path.join(data, 'statedb'),
        gatewayData: path.join(data, 'gateway'),
        chaincodePackages: path.join(data, 'chaincode'),
        coreConfig: path.join(data, 'peer-config'),
        ordererConfig: path.join(data, 'orderer-config'),
      };
    },
    /**
     * What a member hands to the others (organizations/<member>/public/), all of it public:
     * its organisation definition as the channel configuration takes it (an MSP folder with its
     * CA and TLS CA root certificates and NodeOU config), its orderer's enrolment and TLS
     * certificates (a consenter's identity), and its endpoints. The member writes it; any step
     * of any member may read it.
     */
    published(org: OrgSpec) {
      const base = path.join(organizations, org.name, 'public');
      return {
        base,
        msp: path.join(base, 'msp'),
        caCert: path.join(base, 'msp', 'cacerts', 'ca.pem'),
        /** Root of every TLS certificate of the member's nodes: what a client of them trusts. */
        tlsCaCert: path.join(base, 'msp', 'tlscacerts', 'tlsca.pem'),
        ordererIdentity: path.join(base, 'orderer', 'identity.pem'),
        ordererTls: path.join(base, 'orderer', 'tls.pem'),
        endpoints: path.join(base, 'endpoints.json'),
        /** Its organization as a channel config group (`configtxgen -printOrg`): what a join adds. */
        orgGroup: path.join(base, 'org.json'),
        /** Its definition (member.json), for members that are not founders. */
        definition: path.join(base, 'member.json'),
      };
    },
  };
})();

/** Where a member that is not a founder publishes its definition (organizations/<name>/public/member.json). */
function definitionFile(name: string): string {
  return path.join(paths.organizations, name, 'public', 'member.json');
}

/** Publishes the member's definition beside its other public files (the member's own step). */
export function publishDefinition(org: OrgSpec): void {
  const file = definitionFile(org.name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(memberDefinition(org), null, 2) + '\n');
}

/**
 * Every member with a folder on this machine: the founders ({@link ORGS}) and every member that
 * published a definition of its own (a newcomer, or one that has left), in port-plan order.
 */
export function knownMembers(): OrgSpec[] {
  const founders = new Set(ORGS.map((o) => o.name));
  const names = existsSync(paths.organizations)
    ? readdirSync(paths.organizations).filter((name) => !founders.has(name) && existsSync(definitionFile(name)))
    : [];
  const others = names.map((name) => {
    const file = definitionFile(name);
    const spec = parseMemberDefinition(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
    if (spec.name !== name) throw new MemberDefinitionError(`${file} names ${spec.name}, not ${name}`);
    return spec;
  });
  return [...ORGS, ...others].sort((a, b) => a.index - b.index);
}

/** A member known on this machine by its name; throws listing the names when there is none. */
export function findMember(name: string | undefined): OrgSpec {
  const members = knownMembers();
  const found = members.find((o) => o.name === name);
  if (!found) throw new Error(`name a member: ${members.map((o) => o.name).join(', ')}`);
  return found;
}

const servingFile = () => path.join(paths.runtime, 'serving-members.json');

/**
 * The members whose peers serve the channel on this machine: the founders until a member joins
 * (its peer caught up) or leaves (the channel removed it). What a submit waits for: a
 * transaction counts as committed once every one of these peers has it.
 */
export function servingMembers(): OrgSpec[] {
  if (!existsSync(servingFile())) return [...ORGS];
  const names = JSON.parse(readFileSync(servingFile(), 'utf8')) as string[];
  const members = knownMembers();
  return names.map((name) => {
    const found = members.find((o) => o.name === name);
    if (!found) throw new Error(`${servingFile()} names ${name}, whom this machine does not know`);
    return found;
  });
}

/** Records that the member's peer serves the channel (true) or no longer does (false). */
export function setServing(org: OrgSpec, serving: boolean): void {
  const names = servingMembers()
    .map((o) => o.name)
    .filter((name) => name !== org.name);
  if (serving) names.push(org.name);
  mkdirSync(paths.runtime, { recursive: true });
  writeFileSync(servingFile(), JSON.stringify(names, null, 2) + '\n');
}

/** Who a step acts as: one member, or the consortium (steps that need no member's secrets). */
type Actor = { member: OrgSpec } | { consortium: true };

const acting = new AsyncLocalStorage<Actor>();

/** Raised when a step reaches into a folder that is not its own. */
export class MemberBoundaryError extends Error {
  override readonly name = 'MemberBoundaryError';
}

/** A step's use of a member's private folder: who acted (undefined: no step) and whose folder. */
export interface PrivateAccess {
  actor?: string;
  owner: string;
}

const watchers = new Set<(access: PrivateAccess) => void>();

function checkPrivateAccess(owner: OrgSpec): void {
  const actor = acting.getStore();
  if (actor && 'consortium' in actor) {
    throw new MemberBoundaryError(`a consortium step may not use ${owner.name}'s private folder`);
  }
  if (actor && actor.member.name !== owner.name) {
    throw new MemberBoundaryError(`${actor.member.name}'s step may not use ${owner.name}'s private folder`);
  }
  const access: PrivateAccess = actor ? { actor: actor.member.name, owner: owner.name } : { owner: owner.name };
  for (const watcher of watchers) watcher(access);
}

/**
 * Runs `work` as the member: within it (and everything it awaits), {@link paths}.org() answers
 * for that member only and throws MemberBoundaryError for any other. Outside every step (tests,
 * operator tools on this one machine) every folder stays reachable.
 */
export function asMember<T>(org: OrgSpec, work: () => T): T {
  return acting.run({ member: org }, work);
}

/** Runs `work` as the consortium: it may read what members published and no member's private folder. */
export function asConsortium<T>(work: () => T): T {
  return acting.run({ consortium: true }, work);
}

/** Records every use of a private folder until the returned function is called; it answers the record. */
export function watchPrivateAccess(): () => PrivateAccess[] {
  const seen: PrivateAccess[] = [];
  const watcher = (access: PrivateAccess) => {
    seen.push(access);
  };
  watchers.add(watcher);
  return () => {
    watchers.delete(watcher);
    return seen;
  };
}

/** Form of an absolute path that network.json records: relative to the network's home. */
export function relative(absolute: string): string {
  return path.relative(paths.home, absolute);
}
