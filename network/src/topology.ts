/**
 * The consortium as data: members, their ports, demo users and where every file lives. Every
 * launch function reads this; nothing else in the orchestrator knows a port or a path.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { CHAINCODE_NAME, CHANNEL_NAME, type OrgKind, type Role } from '@ehr/protocol';

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
      };
    },
  };
})();

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
