/**
 * The orchestrator: brings the whole consortium up (idempotently), down, or reports on it.
 * `up` on a stopped network restarts the same nodes on their existing ledgers; it creates
 * identities, the channel and the chaincode definition only when they do not exist yet.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { discoveredEndorsers, joinOrderer, joinPeer } from './admin';
import {
  approvals,
  approveDefinition,
  type ChaincodePackage,
  commitDefinition,
  installChaincode,
  nextDefinition,
  packageChaincode,
} from './chaincode';
import { configtx } from './configtx';
import {
  asConsortium,
  asMember,
  CHAINCODE,
  CHANNEL,
  demoUsers,
  knownMembers,
  ORGS,
  type OrgSpec,
  paths,
  servingMembers,
  type StateDbType,
} from './topology';
import { ensureGatewayIdentities, ensureIdentity, enrollRegistrars } from './identities';
import { publishMember, readPublished } from './member-definition';
import { orgEntry, writeNetworkJson } from './network-json';
import { caSpec, writeCaConfig } from './nodes/ca';
import { chaincodeSpec, gatewaySpec, ordererSpec, peerSpec, stateDbSpec, writeNodeConfigs } from './nodes/fabric';
import { nodeHealthy, type NodeSpec, recordedNodes, run, runningPid, startNode, stopNode, waitUntil } from './process';
import { orgSecrets } from './secrets';
import { seedDemoData } from './seed';

export type Log = (message: string) => void;

/** The layout of organizations/ and the addresses; a network made with an older one is recreated. */
const LAYOUT = 'member-hosts-1';

interface NetworkState {
  stateDb: StateDbType;
  /** {@link LAYOUT} the network was made with; absent for networks from before it. */
  layout?: string;
  chaincodePackageId?: string;
}

export function readState(): NetworkState | undefined {
  return existsSync(paths.stateFile) ? (JSON.parse(readFileSync(paths.stateFile, 'utf8')) as NetworkState) : undefined;
}

function writeState(state: NetworkState): void {
  mkdirSync(path.dirname(paths.stateFile), { recursive: true });
  writeFileSync(paths.stateFile, JSON.stringify(state, null, 2) + '\n');
}

function checkPrerequisites(): void {
  const missing = ['peer', 'orderer', 'configtxgen', 'osnadmin', 'fabric-ca-server', 'fabric-ca-client'].filter(
    (binary) => !existsSync(path.join(paths.bin, binary)),
  );
  if (missing.length > 0) {
    throw new Error(`missing Fabric binaries in ${paths.bin} (${missing.join(', ')}): run \`npm run bootstrap\``);
  }
  const configs = ['core.yaml', 'orderer.yaml'].filter((file) => !existsSync(path.join(paths.fabricConfig, file)));
  if (configs.length > 0) throw new Error(`missing Fabric's ${configs.join(' and ')} in ${paths.fabricConfig}`);
}

export async function start(spec: NodeSpec, log: Log): Promise<void> {
  const started = await startNode(spec);
  log(`${spec.name}: ${started ? 'started' : 'already running'}`);
}

async function startCa(org: OrgSpec, log: Log): Promise<void> {
  const secrets = orgSecrets(org);
  if (!existsSync(path.join(paths.org(org).caServer, 'fabric-ca-server-config.yaml'))) writeCaConfig(org, secrets);
  await start(caSpec(org), log);
}

async function createIdentities(org: OrgSpec): Promise<void> {
  const dirs = paths.org(org);
  await enrollRegistrars(org, orgSecrets(org));
  await ensureIdentity(org, { name: `peer0-${org.name}`, type: 'peer', dir: dirs.peer, tls: true });
  await ensureIdentity(org, { name: `orderer0-${org.name}`, type: 'orderer', dir: dirs.orderer, tls: true });
  for (const user of demoUsers(org)) {
    await ensureIdentity(org, {
      name: user.name,
      type: user.role === 'admin' ? 'admin' : 'client',
      attrs: user.attrs,
      dir: dirs.user(user.name),
      // The admin also gets a TLS client certificate: the orderer's admin endpoint requires one.
      tls: user.role === 'admin',
    });
  }
  await ensureGatewayIdentities(org);
  publishMember(org);
}

/**
 * One member's services besides Fabric's own nodes, from its own folder: its CAs, the
 * identities they issue (MSP, node TLS certificates, demo users), its published files and,
 * with CouchDB, its state database. Needs only the Fabric CA binaries.
 */
export async function upMemberServicesOf(org: OrgSpec, stateDb: StateDbType, log: Log): Promise<void> {
  await startCa(org, log);
  await createIdentities(org);
  if (stateDb === 'couchdb') await start(stateDbSpec(org, orgSecrets(org)), log);
}

/**
 * What each member runs besides Fabric's own nodes (see {@link upMemberServicesOf}), every
 * member in its own step. Safe to run again: running services and existing identities are kept.
 */
export async function upMemberServices(stateDb: StateDbType, log: Log): Promise<void> {
  const missing = ['fabric-ca-server', 'fabric-ca-client'].filter((b) => !existsSync(path.join(paths.bin, b)));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`npm run bootstrap\``);
  await Promise.all(ORGS.map((org) => asMember(org, () => upMemberServicesOf(org, stateDb, log))));
}

/** The member's step: its services, then its orderer and peer, from its own folder. */
async function upMember(org: OrgSpec, stateDb: StateDbType, log: Log): Promise<void> {
  await upMemberServicesOf(org, stateDb, log);
  writeNodeConfigs(org);
  await start(ordererSpec(org), log);
  await start(peerSpec(org, stateDb, orgSecrets(org)), log);
}

/**
 * The channel's genesis block, made from the founding members' published files only (MSP
 * roots, orderer certificates, endpoints). Every founder could make it and get the same block;
 * here the consortium step makes it once.
 */
async function channelBlock(): Promise<string> {
  const block = path.join(paths.channelDir, `${CHANNEL}.block`);
  if (existsSync(block)) return block;
  mkdirSync(paths.channelDir, { recursive: true });
  writeFileSync(path.join(paths.channelDir, 'configtx.yaml'), YAML.stringify(configtx(ORGS.map(readPublished))));
  await run(
    path.join(paths.bin, 'configtxgen'),
    ['-profile', 'EhrChannel', '-channelID', CHANNEL, '-outputBlock', block, '-configPath', paths.channelDir],
    { env: { FABRIC_CFG_PATH: paths.channelDir } },
  );
  return block;
}

/** The member's step: packages the chaincode into its own folder, installs it, runs its server. */
export async function runChaincode(
  org: OrgSpec,
  previousPackageId: string | undefined,
  log: Log,
): Promise<ChaincodePackage> {
  const pkg = await packageChaincode({ source: paths.chaincodeSource, out: paths.org(org).chaincodePackages });
  if (await installChaincode(org, pkg)) log(`${org.name}: installed chaincode package ${pkg.label}`);
  // A new build replaces the server running the old one.
  if (previousPackageId !== pkg.packageId) await stopNode(`${org.name}.chaincode`);
  await start(chaincodeSpec(org, pkg.packageId), log);
  return pkg;
}

/**
 * Deploys the chaincode: each member packages, installs and approves on its own; once they
 * have, the first member commits the definition, endorsed by every member's peer (reached
 * through what they published).
 */
async function deployChaincode(log: Log, state: NetworkState): Promise<string> {
  const packages = await Promise.all(
    ORGS.map((org) => asMember(org, () => runChaincode(org, state.chaincodePackageId, log))),
  );
  const [pkg] = packages;
  if (!pkg) throw new Error('no members');
  const differing = packages.filter((p) => p.packageId !== pkg.packageId);
  if (differing.length > 0) throw new Error(`members built different chaincode packages: ${differing[0]?.packageId}`);
  writeState({ ...state, chaincodePackageId: pkg.packageId });
  const [first] = ORGS;
  if (!first) throw new Error('no members');
  const definition = await asMember(first, () => nextDefinition(first, pkg));
  if (!definition) {
    log(`chaincode ${pkg.label}: already committed`);
  } else {
    // A run that stopped between approvals and the commit is resumed: members that approved
    // already are skipped. Each approval is its member's own step, so all at once.
    const approved = await asMember(first, () => approvals(first, definition));
    await Promise.all(
      ORGS.filter((o) => approved[o.mspId] !== true).map((org) =>
        asMember(org, () => approveDefinition(org, definition, pkg)),
      ),
    );
    const endorsers = ORGS.map(readPublished);
    await asMember(first, () => commitDefinition(first, definition, endorsers));
    log(`chaincode ${pkg.label} approved by every member and committed by ${first.name}`);
  }
  // The founders this command runs; a member that joined later restarts with its own `member up`.
  const founders = servingMembers().filter((org) => ORGS.includes(org));
  await awaitDiscovery(log, founders, founders);
  return pkg.packageId;
}

/**
 * Waits until each of `askers`' peers (every serving member's by default, each asked by its own
 * admin) offers every one of `members`' peers as an endorser of the chaincode.
 * Peers learn of each other, and of each other's chaincodes, through gossip, seconds after they
 * start or a definition commits; until then the peer's Gateway cannot plan a MAJORITY (or a
 * two-member key-level) endorsement and refuses with FAILED_PRECONDITION.
 */
export async function awaitDiscovery(
  log: Log,
  askers: readonly OrgSpec[] = servingMembers(),
  members: readonly OrgSpec[] = servingMembers(),
): Promise<void> {
  const everyone = members.map((org) => org.mspId).sort();
  const startedAt = Date.now();
  const offersEveryone = async (org: OrgSpec) => {
    try {
      const endorsers = await discoveredEndorsers(org, CHAINCODE);
      return everyone.every((m) => endorsers.includes(m)) || `it offers ${endorsers.join(', ')}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  await Promise.all(
    askers.map((org) =>
      asMember(org, () =>
        waitUntil(() => offersEveryone(org), 120_000, `${org.name}.peer: discovery of every member's endorsing peer`),
      ),
    ),
  );
  log(`discovery offers every member's peer as endorser (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
}

/**
 * Brings the whole consortium up; safe to run again on a running or stopped network. Every
 * step runs as one member, using that member's own folder and what the others published; the
 * steps between members (the genesis block) run as the consortium, with no member's secrets.
 */
export async function up(options: { stateDb?: StateDbType }, log: Log): Promise<void> {
  checkPrerequisites();
  const existing = readState();
  if (existing && options.stateDb && options.stateDb !== existing.stateDb) {
    throw new Error(
      `this network was created with the ${existing.stateDb} state DB; run \`npm run network:clean\` to switch to ${options.stateDb}`,
    );
  }
  if (existing && existing.layout !== LAYOUT) {
    throw new Error(
      'this network was created with every member on 127.0.0.1 and one shared MSP folder; run `npm run network:clean` to recreate it with each member on its own address',
    );
  }
  const state: NetworkState = existing ?? { stateDb: options.stateDb ?? 'couchdb', layout: LAYOUT };
  writeState(state);
  await asConsortium(async () => {
    await Promise.all(ORGS.map((org) => asMember(org, () => upMember(org, state.stateDb, log))));
    const block = await channelBlock();
    // Members join independently of each other (an orderer joining syncs with the others first).
    await Promise.all(
      ORGS.map((org) =>
        asMember(org, async () => {
          if (await joinOrderer(org, block)) log(`${org.name}.orderer: joined channel ${CHANNEL}`);
        }),
      ),
    );
    await Promise.all(
      ORGS.map((org) =>
        asMember(org, async () => {
          if (await joinPeer(org, block)) log(`${org.name}.peer: joined channel ${CHANNEL}`);
        }),
      ),
    );
    const packageId = await deployChaincode(log, state);
    const entries = ORGS.map((org) => asMember(org, () => orgEntry(org, state.stateDb)));
    writeNetworkJson(entries, state.stateDb, packageId);
    await seedDemoData(ORGS);
    log('demo data in place: member profiles, practitioners, one registered patient per hospital');
    for (const org of ORGS) await asMember(org, () => start(gatewaySpec(org, orgSecrets(org)), log));
  });
}

// Stop order: clients of a service before the service.
const STOP_ORDER = ['gateway', 'chaincode', 'peer', 'orderer', 'statedb', 'ca'];

/** Stops every process the network started, by recorded PID. */
export async function down(log: Log): Promise<void> {
  const names = recordedNodes();
  for (const kind of STOP_ORDER) {
    const group = names.filter((name) => name.endsWith(`.${kind}`));
    await Promise.all(
      group.map(async (name) => {
        if (await stopNode(name)) log(`${name}: stopped`);
      }),
    );
  }
}

/** Stops the network and removes all its state: identities, ledgers, logs. */
export async function clean(log: Log): Promise<void> {
  await down(log);
  rmSync(paths.organizations, { recursive: true, force: true });
  rmSync(paths.runtime, { recursive: true, force: true });
  log('removed organizations/ and .network/');
}

export interface NodeStatus {
  name: string;
  pid?: number;
  healthy: boolean;
}

/** Every node of the network with its PID (when running) and health. */
export async function status(): Promise<NodeStatus[]> {
  const state = readState();
  if (!state) return [];
  const recorded = new Set(recordedNodes());
  const founders = new Set(ORGS.map((o) => o.name));
  const specs: NodeSpec[] = knownMembers().flatMap((org) => {
    const secrets = orgSecrets(org);
    const nodes = [caSpec(org), ordererSpec(org), peerSpec(org, state.stateDb, secrets)];
    if (state.stateDb === 'couchdb') nodes.push(stateDbSpec(org, secrets));
    if (state.chaincodePackageId) nodes.push(chaincodeSpec(org, state.chaincodePackageId), gatewaySpec(org, secrets));
    // A member that joined later runs what its own steps started (no orderer, when it has none on the channel).
    return founders.has(org.name) ? nodes : nodes.filter((node) => recorded.has(node.name));
  });
  return Promise.all(
    specs.map(async (spec) => ({ name: spec.name, pid: runningPid(spec.name), healthy: await nodeHealthy(spec) })),
  );
}
