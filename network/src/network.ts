/**
 * The orchestrator: brings the whole consortium up (idempotently), down, or reports on it.
 * `up` on a stopped network restarts the same nodes on their existing ledgers; it creates
 * identities, the channel and the chaincode definition only when they do not exist yet.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { discoveredEndorsers, joinOrderer, joinPeer } from './admin';
import { defineChaincode, installChaincode, packageChaincode } from './chaincode';
import { configtx } from './configtx';
import { CHAINCODE, CHANNEL, demoUsers, ORGS, type OrgSpec, paths, type StateDbType } from './topology';
import { ensureGatewayIdentities, ensureIdentity, enrollRegistrars, writeOrgMsp } from './identities';
import { writeNetworkJson } from './network-json';
import { caSpec, writeCaConfig } from './nodes/ca';
import { chaincodeSpec, gatewaySpec, ordererSpec, peerSpec, stateDbSpec, writeNodeConfigs } from './nodes/fabric';
import { nodeHealthy, type NodeSpec, recordedNodes, run, runningPid, startNode, stopNode, waitUntil } from './process';
import { orgSecrets } from './secrets';
import { seedDemoData } from './seed';

export type Log = (message: string) => void;

interface NetworkState {
  stateDb: StateDbType;
  chaincodePackageId?: string;
}

function readState(): NetworkState | undefined {
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

async function start(spec: NodeSpec, log: Log): Promise<void> {
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
  writeOrgMsp(org);
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
}

async function startNodes(org: OrgSpec, stateDb: StateDbType, log: Log): Promise<void> {
  writeNodeConfigs(org);
  await start(ordererSpec(org), log);
  await start(peerSpec(org, stateDb, orgSecrets(org)), log);
}

/**
 * What each member runs besides Fabric's own nodes: its CAs, the identities they issue (MSPs,
 * node TLS certificates, demo users) and, with CouchDB, its state database. Needs only the
 * Fabric CA binaries. Safe to run again: running services and existing identities are kept.
 */
export async function upMemberServices(stateDb: StateDbType, log: Log): Promise<void> {
  const missing = ['fabric-ca-server', 'fabric-ca-client'].filter((b) => !existsSync(path.join(paths.bin, b)));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`npm run bootstrap\``);
  await Promise.all(ORGS.map((org) => startCa(org, log)));
  await Promise.all(ORGS.map(createIdentities));
  if (stateDb === 'couchdb') await Promise.all(ORGS.map((org) => start(stateDbSpec(org, orgSecrets(org)), log)));
}

async function channelBlock(): Promise<string> {
  const block = path.join(paths.channelDir, `${CHANNEL}.block`);
  if (existsSync(block)) return block;
  mkdirSync(paths.channelDir, { recursive: true });
  writeFileSync(path.join(paths.channelDir, 'configtx.yaml'), YAML.stringify(configtx(ORGS)));
  await run(
    path.join(paths.bin, 'configtxgen'),
    ['-profile', 'EhrChannel', '-channelID', CHANNEL, '-outputBlock', block, '-configPath', paths.channelDir],
    { env: { FABRIC_CFG_PATH: paths.channelDir } },
  );
  return block;
}

async function deployChaincode(log: Log, state: NetworkState): Promise<string> {
  const pkg = await packageChaincode();
  for (const org of ORGS) {
    if (await installChaincode(org, pkg)) log(`${org.name}: installed chaincode package ${pkg.label}`);
  }
  if (state.chaincodePackageId !== pkg.packageId) {
    // A new build replaces the servers running the old one.
    for (const org of ORGS) await stopNode(`${org.name}.chaincode`);
  }
  for (const org of ORGS) await start(chaincodeSpec(org, pkg.packageId), log);
  writeState({ ...state, chaincodePackageId: pkg.packageId });
  if (await defineChaincode(ORGS, pkg)) log(`chaincode ${pkg.label} approved by all members and committed`);
  else log(`chaincode ${pkg.label}: already committed`);
  await awaitDiscovery(log);
  return pkg.packageId;
}

/**
 * Waits until every member's peer offers every member's peer as an endorser of the chaincode.
 * Peers learn of each other, and of each other's chaincodes, through gossip, seconds after they
 * start or a definition commits; until then the peer's Gateway cannot plan a MAJORITY (or a
 * two-member key-level) endorsement and refuses with FAILED_PRECONDITION.
 */
async function awaitDiscovery(log: Log): Promise<void> {
  const everyone = ORGS.map((org) => org.mspId).sort();
  const startedAt = Date.now();
  const offersEveryone = async (org: OrgSpec) => {
    try {
      const endorsers = await discoveredEndorsers(org, CHAINCODE);
      return endorsers.join() === everyone.join() || `it offers ${endorsers.join(', ')}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  await Promise.all(
    ORGS.map((org) =>
      waitUntil(() => offersEveryone(org), 120_000, `${org.name}.peer: discovery of every member's endorsing peer`),
    ),
  );
  log(`discovery offers every member's peer as endorser (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
}

/** Brings the whole consortium up; safe to run again on a running or stopped network. */
export async function up(options: { stateDb?: StateDbType }, log: Log): Promise<void> {
  checkPrerequisites();
  const existing = readState();
  if (existing && options.stateDb && options.stateDb !== existing.stateDb) {
    throw new Error(
      `this network was created with the ${existing.stateDb} state DB; run \`npm run network:clean\` to switch to ${options.stateDb}`,
    );
  }
  const state: NetworkState = existing ?? { stateDb: options.stateDb ?? 'couchdb' };
  writeState(state);
  await upMemberServices(state.stateDb, log);
  await Promise.all(ORGS.map((org) => startNodes(org, state.stateDb, log)));
  const block = await channelBlock();
  // Members join independently of each other (an orderer joining syncs with the others first).
  await Promise.all(
    ORGS.map(async (org) => {
      if (await joinOrderer(org, block)) log(`${org.name}.orderer: joined channel ${CHANNEL}`);
    }),
  );
  await Promise.all(
    ORGS.map(async (org) => {
      if (await joinPeer(org, block)) log(`${org.name}.peer: joined channel ${CHANNEL}`);
    }),
  );
  const packageId = await deployChaincode(log, state);
  writeNetworkJson(ORGS, state.stateDb, packageId);
  await seedDemoData(ORGS);
  log('demo data in place: member profiles, practitioners, one registered patient per hospital');
  for (const org of ORGS) await start(gatewaySpec(org, orgSecrets(org)), log);
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
  const specs: NodeSpec[] = ORGS.flatMap((org) => {
    const secrets = orgSecrets(org);
    const nodes = [caSpec(org), ordererSpec(org), peerSpec(org, state.stateDb, secrets)];
    if (state.stateDb === 'couchdb') nodes.push(stateDbSpec(org, secrets));
    if (state.chaincodePackageId) nodes.push(chaincodeSpec(org, state.chaincodePackageId), gatewaySpec(org, secrets));
    return nodes;
  });
  return Promise.all(
    specs.map(async (spec) => ({ name: spec.name, pid: runningPid(spec.name), healthy: await nodeHealthy(spec) })),
  );
}
