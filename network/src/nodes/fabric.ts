/**
 * Launch specs for each member's Fabric nodes and state DB. They differ only in data from the
 * topology. Each peer and orderer gets its own config file, written from the defaults that ship
 * with the Fabric binaries (what viper cannot take from a variable goes in the file), and the
 * member-specific settings through environment variables.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { HealthCheck, NodeSpec } from '../process';
import type { OrgSecrets } from '../secrets';
import { address, type OrgSpec, paths, port, type PortName, type StateDbType } from '../topology';

export const STATEDB_ADMIN_USER = 'peeradmin';

/** How many times a peer retries a state DB request (125 ms, doubling each time): 15.9 s of waiting. */
export const STATEDB_RETRIES = 7;

export function stateDbSpec(org: OrgSpec, secrets: OrgSecrets): NodeSpec {
  return {
    name: `${org.name}.statedb`,
    command: process.execPath,
    // tsx's loader runs the TypeScript source directly, as the rest of the orchestrator does.
    args: ['--import', 'tsx', path.join(paths.root, 'network', 'src', 'statedb', 'server.ts')],
    env: {
      STATEDB_HOST: org.host,
      STATEDB_PORT: String(port(org, 'stateDb')),
      STATEDB_DATA_DIR: paths.org(org).stateDbData,
      STATEDB_ADMIN_USER,
      STATEDB_ADMIN_PASSWORD: secrets.stateDbAdmin,
    },
    host: org.host,
    ports: [port(org, 'stateDb')],
    health: [{ kind: 'http', url: `http://${address(org, 'stateDb')}/_up` }],
  };
}

function stateDbEnv(org: OrgSpec, type: StateDbType, secrets: OrgSecrets): Record<string, string> {
  if (type === 'leveldb') return { CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb' };
  return {
    CORE_LEDGER_STATE_STATEDATABASE: 'CouchDB',
    CORE_LEDGER_STATE_COUCHDBCONFIG_COUCHDBADDRESS: address(org, 'stateDb'),
    CORE_LEDGER_STATE_COUCHDBCONFIG_USERNAME: STATEDB_ADMIN_USER,
    CORE_LEDGER_STATE_COUCHDBCONFIG_PASSWORD: secrets.stateDbAdmin,
    CORE_LEDGER_STATE_COUCHDBCONFIG_MAXRETRIESONSTARTUP: '10',
    // A peer that cannot read its state DB while validating a block stops committing for good
    // ("Failed executing VSCC ... Aborting chain processing") until it is restarted. Fabric's 3
    // retries (125 ms doubling: under 1 s) do not outlast a state DB restart; 7 wait up to 16 s.
    CORE_LEDGER_STATE_COUCHDBCONFIG_MAXRETRIES: String(STATEDB_RETRIES),
  };
}

/**
 * The peer's core.yaml: Fabric's sample config with Docker switched off and the ccaas builder
 * named. Both go in the file, not in CORE_* variables: Fabric's viper ignores an empty
 * variable, so `CORE_VM_ENDPOINT=` would leave the Docker endpoint set, and the peer would
 * register a Docker health check that fails on every machine without Docker (its /healthz
 * then never answers 200).
 */
export function peerCoreYaml(sampleCoreYaml: string): string {
  const doc = YAML.parseDocument(sampleCoreYaml);
  doc.setIn(['vm', 'endpoint'], '');
  doc.setIn(
    ['chaincode', 'externalBuilders'],
    // Chaincode runs as a service; the builder fills {{.ccaddress}} in the package's connection.json.
    [{ name: 'ccaas', path: paths.ccaasBuilder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] }],
  );
  return doc.toString();
}

/**
 * The orderer's orderer.yaml: Fabric's sample config with SmartBFT as its consenter. At the
 * Fabric commit we build, the orderer picks its consenter from its own `Consensus.Type`
 * (default etcdraft), not from the channel, and joining a BFT channel fails without it.
 */
export function ordererYaml(sampleOrdererYaml: string, dataDir: string): string {
  const doc = YAML.parseDocument(sampleOrdererYaml);
  // With SyncOnStart (configtx.ts) a starting orderer asks every consenter for its height,
  // itself included, before it serves: that probe of its own port waits out the dial timeout.
  doc.setIn(['General', 'Cluster', 'DialTimeout'], '2s');
  doc.setIn(['Consensus'], {
    Type: 'BFT',
    WALDir: path.join(dataDir, 'wal'),
    SnapDir: path.join(dataDir, 'snapshots'),
  });
  return doc.toString();
}

function writeConfig(dir: string, file: string, content: (sample: string) => string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), content(readFileSync(path.join(paths.fabricConfig, file), 'utf8')));
}

/** Writes the member's peer and orderer configs (from the defaults shipped with Fabric). */
export function writeNodeConfigs(org: OrgSpec): void {
  const dirs = paths.org(org);
  writeConfig(dirs.coreConfig, 'core.yaml', peerCoreYaml);
  writeConfig(dirs.ordererConfig, 'orderer.yaml', (sample) => ordererYaml(sample, dirs.ordererData));
}

/** The readiness of a gRPC node: its operations /healthz, and its listener serving TLS. */
function grpcNodeHealth(org: OrgSpec, listen: PortName, operations: PortName, caFile: string): HealthCheck[] {
  return [
    { kind: 'http', url: `http://${address(org, operations)}/healthz` },
    { kind: 'tls', host: org.host, port: port(org, listen), caFile, servername: org.hostname },
  ];
}

export function peerSpec(org: OrgSpec, stateDb: StateDbType, secrets: OrgSecrets): NodeSpec {
  const dirs = paths.org(org);
  const tls = path.join(dirs.peer, 'tls');
  return {
    name: `${org.name}.peer`,
    command: path.join(paths.bin, 'peer'),
    args: ['node', 'start'],
    env: {
      FABRIC_CFG_PATH: dirs.coreConfig,
      FABRIC_LOGGING_SPEC: 'info:gossip,msp,grpc=warning',
      CORE_PEER_ID: `peer0.${org.name}`,
      CORE_PEER_ADDRESS: address(org, 'peer'),
      CORE_PEER_LISTENADDRESS: address(org, 'peer'),
      CORE_PEER_CHAINCODEADDRESS: address(org, 'peerChaincode'),
      CORE_PEER_CHAINCODELISTENADDRESS: address(org, 'peerChaincode'),
      CORE_PEER_GOSSIP_BOOTSTRAP: address(org, 'peer'),
      CORE_PEER_GOSSIP_EXTERNALENDPOINT: address(org, 'peer'),
      // Members' peers start together and first find each other's anchors down: retry them in
      // seconds, not after Fabric's default 25 s, so discovery learns every member soon.
      CORE_PEER_GOSSIP_RECONNECTINTERVAL: '3s',
      CORE_PEER_GOSSIP_USELEADERELECTION: 'false',
      CORE_PEER_GOSSIP_ORGLEADER: 'true',
      CORE_PEER_LOCALMSPID: org.mspId,
      CORE_PEER_MSPCONFIGPATH: path.join(dirs.peer, 'msp'),
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_TLS_CERT_FILE: path.join(tls, 'server.crt'),
      CORE_PEER_TLS_KEY_FILE: path.join(tls, 'server.key'),
      CORE_PEER_TLS_ROOTCERT_FILE: path.join(tls, 'ca.crt'),
      CORE_PEER_FILESYSTEMPATH: dirs.peerData,
      CORE_LEDGER_SNAPSHOTS_ROOTDIR: path.join(dirs.peerData, 'snapshots'),
      // PurgePrivateData removes a value from the state at once, but from the private data
      // store (every earlier version, kept per block) only when the purger runs: at Fabric's
      // default every 100th block, so an erased patient's PHI stayed on disk for up to 100
      // blocks. Run it after every block (it walks only the purge and expiry markers).
      CORE_LEDGER_PVTDATASTORE_PURGEINTERVAL: '1',
      // Under load the BFT orderers sometimes order a transaction twice (the peer's Gateway
      // sends it on after an orderer answers "request already processed"). The second copy is
      // invalid (DUPLICATE_TXID), and its private data left the transient store with the first:
      // by default the peer then asks other peers for it for 60 s (pullRetryThreshold) before it
      // commits the block, and every member's commits stall (seen in the bench). The private
      // data of an invalid transaction is never applied; the reconciler may still fetch it.
      CORE_PEER_GOSSIP_PVTDATA_SKIPPULLINGINVALIDTRANSACTIONSDURINGCOMMIT: 'true',
      CORE_OPERATIONS_LISTENADDRESS: address(org, 'peerOperations'),
      CORE_METRICS_PROVIDER: 'prometheus',
      // Fills {{.ccaddress}} in the package's connection.json: each member runs its own server.
      CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: JSON.stringify({ ccaddress: address(org, 'chaincode') }),
      ...stateDbEnv(org, stateDb, secrets),
    },
    host: org.host,
    ports: [port(org, 'peer'), port(org, 'peerChaincode'), port(org, 'peerOperations')],
    health: grpcNodeHealth(org, 'peer', 'peerOperations', path.join(tls, 'ca.crt')),
    readyTimeoutMs: 120_000,
  };
}

export function ordererSpec(org: OrgSpec): NodeSpec {
  const dirs = paths.org(org);
  const tls = path.join(dirs.orderer, 'tls');
  const tlsCert = path.join(tls, 'server.crt');
  const tlsKey = path.join(tls, 'server.key');
  const tlsRoot = `[${path.join(tls, 'ca.crt')}]`;
  return {
    name: `${org.name}.orderer`,
    command: path.join(paths.bin, 'orderer'),
    args: [],
    env: {
      FABRIC_CFG_PATH: dirs.ordererConfig,
      // The BFT cluster client at this Fabric commit logs a bogus certificate-expiry warning on
      // every message it sends (it never records the remote certificate): keep that logger quiet.
      FABRIC_LOGGING_SPEC: 'info:orderer.consensus.smartbft=warning:orderer.common.cluster.step=error',
      ORDERER_GENERAL_LISTENADDRESS: org.host,
      ORDERER_GENERAL_LISTENPORT: String(port(org, 'orderer')),
      ORDERER_GENERAL_LOCALMSPID: org.mspId,
      ORDERER_GENERAL_LOCALMSPDIR: path.join(dirs.orderer, 'msp'),
      ORDERER_GENERAL_TLS_ENABLED: 'true',
      ORDERER_GENERAL_TLS_CERTIFICATE: tlsCert,
      ORDERER_GENERAL_TLS_PRIVATEKEY: tlsKey,
      ORDERER_GENERAL_TLS_ROOTCAS: tlsRoot,
      // Consensus traffic gets a listener of its own, which requires the other orderers' TLS
      // client certificates; the client port serves peers and applications, for which a client
      // certificate is optional.
      ORDERER_GENERAL_CLUSTER_LISTENADDRESS: org.host,
      ORDERER_GENERAL_CLUSTER_LISTENPORT: String(port(org, 'ordererCluster')),
      ORDERER_GENERAL_CLUSTER_SERVERCERTIFICATE: tlsCert,
      ORDERER_GENERAL_CLUSTER_SERVERPRIVATEKEY: tlsKey,
      ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tlsCert,
      ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tlsKey,
      ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
      ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
      ORDERER_FILELEDGER_LOCATION: path.join(dirs.ordererData, 'ledger'),
      ORDERER_OPERATIONS_LISTENADDRESS: address(org, 'ordererOperations'),
      ORDERER_METRICS_PROVIDER: 'prometheus',
      ORDERER_ADMIN_LISTENADDRESS: address(org, 'ordererAdmin'),
      ORDERER_ADMIN_TLS_ENABLED: 'true',
      ORDERER_ADMIN_TLS_CERTIFICATE: tlsCert,
      ORDERER_ADMIN_TLS_PRIVATEKEY: tlsKey,
      ORDERER_ADMIN_TLS_ROOTCAS: tlsRoot,
      // Only holders of a certificate from this member's TLS CA may manage its channels.
      ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
      ORDERER_ADMIN_TLS_CLIENTROOTCAS: tlsRoot,
    },
    host: org.host,
    ports: [
      port(org, 'orderer'),
      port(org, 'ordererCluster'),
      port(org, 'ordererAdmin'),
      port(org, 'ordererOperations'),
    ],
    health: [
      ...grpcNodeHealth(org, 'orderer', 'ordererOperations', path.join(tls, 'ca.crt')),
      {
        kind: 'tls',
        host: org.host,
        port: port(org, 'ordererAdmin'),
        caFile: path.join(tls, 'ca.crt'),
        servername: org.hostname,
      },
    ],
  };
}

/** The member's chaincode server: whatever chaincode/ builds, run by fabric-chaincode-node. */
export function chaincodeSpec(org: OrgSpec, packageId: string): NodeSpec {
  return {
    name: `${org.name}.chaincode`,
    command: process.execPath,
    args: [
      path.join(paths.root, 'node_modules', 'fabric-shim', 'cli.js'),
      'server',
      '--chaincode-address',
      address(org, 'chaincode'),
      '--chaincode-id',
      packageId,
    ],
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'info' },
    cwd: paths.chaincodeSource,
    host: org.host,
    ports: [port(org, 'chaincode')],
    health: [{ kind: 'tcp', host: org.host, port: port(org, 'chaincode') }],
  };
}

/** The member's REST gateway, in front of its own peer. */
export function gatewaySpec(org: OrgSpec, secrets: OrgSecrets): NodeSpec {
  return {
    name: `${org.name}.gateway`,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(paths.root, 'gateway-api', 'src', 'index.ts')],
    env: {
      EHR_GATEWAY_HOST: org.host,
      EHR_GATEWAY_PORT: String(port(org, 'gateway')),
      EHR_GATEWAY_ORG: org.name,
      EHR_NETWORK_JSON: paths.networkJson,
      EHR_GATEWAY_DATA_DIR: paths.org(org).gatewayData,
      EHR_GATEWAY_KEY_ENCRYPTION_KEY: secrets.gatewayKeyEncryptionKey,
      EHR_GATEWAY_TOKEN_SECRET: secrets.gatewayTokenSecret,
    },
    host: org.host,
    ports: [port(org, 'gateway')],
    health: [{ kind: 'http', url: `http://${address(org, 'gateway')}/healthz` }],
  };
}
