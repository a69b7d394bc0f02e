/**
 * The consortium as data: members, their ports, demo users and where every file lives. Every
 * launch function reads this; nothing else in the orchestrator knows a port or a path.
 */
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
}

export interface DemoUser {
  name: string;
  role: Role;
  /** Certificate attributes (`ehr.*`), written into the enrolment certificate. */
  attrs: Record<string, string>;
}

export const CHANNEL = CHANNEL_NAME;
export const CHAINCODE = CHAINCODE_NAME;

export const ORGS: readonly OrgSpec[] = [
  { name: 'hospital-a', mspId: 'HospitalAMSP', kind: 'hospital', displayName: 'Hospital A', code: 'HA', index: 0 },
  { name: 'hospital-b', mspId: 'HospitalBMSP', kind: 'hospital', displayName: 'Hospital B', code: 'HB', index: 1 },
  { name: 'lab', mspId: 'LabMSP', kind: 'lab', displayName: 'Diagnostic Lab', code: 'LB', index: 2 },
  { name: 'insurer', mspId: 'InsurerMSP', kind: 'insurer', displayName: 'Insurer', code: 'IN', index: 3 },
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

/** First port of the plan; each member takes the next 100. */
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

export const HOST = '127.0.0.1';

export function address(org: OrgSpec, name: PortName): string {
  return `${HOST}:${port(org, name)}`;
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
    channelDir: path.join(runtime, 'channel'),
    chaincodeDir: path.join(runtime, 'chaincode'),
    stateFile: path.join(runtime, 'state.json'),
    chaincodeSource: path.join(root, 'chaincode'),
    org(org: OrgSpec) {
      const base = path.join(organizations, org.name);
      const data = path.join(runtime, org.name);
      return {
        base,
        secrets: path.join(base, 'secrets.json'),
        caServer: path.join(base, 'ca-server'),
        caTlsCert: path.join(base, 'ca-server', 'ca-cert.pem'),
        registrar: path.join(base, 'registrars', 'ca'),
        tlsRegistrar: path.join(base, 'registrars', 'tlsca'),
        msp: path.join(base, 'msp'),
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
        coreConfig: path.join(data, 'peer-config'),
        ordererConfig: path.join(data, 'orderer-config'),
      };
    },
  };
})();

/** Form of an absolute path that network.json records: relative to the network's home. */
export function relative(absolute: string): string {
  return path.relative(paths.home, absolute);
}
