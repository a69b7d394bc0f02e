import YAML from 'yaml';
import { ordererYaml, peerCoreYaml, peerSpec } from '../../../network/src/nodes/fabric';
import { ORGS, paths } from '../../../network/src/topology';

// The parts of Fabric's sample core.yaml that the peer's own config changes, in its layout.
const SAMPLE = `# Sample peer configuration
peer:
  id: jdoe
  fileSystemPath: /var/hyperledger/production
vm:
  # Endpoint of the vm management system.
  endpoint: unix:///var/run/docker.sock
  docker:
    tls:
      enabled: false
chaincode:
  id:
    path:
    name:
  externalBuilders:
    - name: ccaas_builder
      path: /opt/hyperledger/ccaas_builder
      propagateEnvironment:
        - CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG
  installTimeout: 300s
ledger:
  state:
    stateDatabase: goleveldb
`;

describe("the peer's core.yaml", () => {
  const config = YAML.parse(peerCoreYaml(SAMPLE)) as {
    vm: { endpoint: string; docker: unknown };
    chaincode: {
      externalBuilders: { name: string; path: string; propagateEnvironment: string[] }[];
      installTimeout: string;
    };
    peer: { id: string };
    ledger: unknown;
  };

  it('switches Docker off in the file, where an empty value is not ignored', () => {
    expect(config.vm.endpoint).toBe('');
  });

  it("names only our ccaas builder, kept in the repository, with the variable that fills the service's address", () => {
    expect(config.chaincode.externalBuilders).toEqual([
      { name: 'ccaas', path: paths.ccaasBuilder, propagateEnvironment: ['CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG'] },
    ]);
  });

  it("keeps the rest of Fabric's defaults", () => {
    expect(config.chaincode.installTimeout).toBe('300s');
    expect(config.peer.id).toBe('jdoe');
    expect(config.ledger).toEqual({ state: { stateDatabase: 'goleveldb' } });
    expect(config.vm.docker).toEqual({ tls: { enabled: false } });
  });
});

// The parts of Fabric's sample orderer.yaml that the orderer's own config changes, in its layout.
const SAMPLE_ORDERER = `General:
  ListenAddress: 127.0.0.1
  Cluster:
    SendBufferSize: 100
    ClientCertificate:
  BootstrapMethod: file
Consensus:
  # For etcd/raft
  WALDir: /var/hyperledger/production/orderer/etcdraft/wal
  SnapDir: /var/hyperledger/production/orderer/etcdraft/snapshot
`;

describe("the orderer's orderer.yaml", () => {
  const config = YAML.parse(ordererYaml(SAMPLE_ORDERER, '/data/orderer')) as {
    General: { ListenAddress: string; Cluster: Record<string, unknown>; BootstrapMethod: string };
    Consensus: Record<string, string>;
  };

  it('takes SmartBFT as its consenter, with its WAL and snapshots in its own data folder', () => {
    expect(config.Consensus).toEqual({
      Type: 'BFT',
      WALDir: '/data/orderer/wal',
      SnapDir: '/data/orderer/snapshots',
    });
  });

  it('dials other orderers with a short timeout and keeps the rest of the defaults', () => {
    expect(config.General.Cluster).toEqual({ SendBufferSize: 100, ClientCertificate: null, DialTimeout: '2s' });
    expect(config.General.ListenAddress).toBe('127.0.0.1');
    expect(config.General.BootstrapMethod).toBe('file');
  });
});

describe("the peer's state DB client", () => {
  const secrets = {
    caRegistrar: 'r',
    tlsCaRegistrar: 't',
    stateDbAdmin: 's',
    gatewayKeyEncryptionKey: 'k',
    gatewayTokenSecret: 'g',
  };
  const [member] = ORGS;
  if (!member) throw new Error('no members');

  it('retries a state DB request for longer than a state DB takes to restart (a validation it cannot finish stops the peer committing)', () => {
    const env = peerSpec(member, 'couchdb', secrets).env;
    const retries = Number(env.CORE_LEDGER_STATE_COUCHDBCONFIG_MAXRETRIES);
    // Fabric waits 125 ms before the first retry and doubles the wait each time.
    const waitedMs = 125 * (2 ** retries - 1);
    expect(waitedMs).toBeGreaterThanOrEqual(15_000);
    expect(waitedMs).toBeLessThanOrEqual(20_000);
  });

  it('sets no CouchDB retries for a LevelDB peer', () => {
    expect(peerSpec(member, 'leveldb', secrets).env).not.toHaveProperty('CORE_LEDGER_STATE_COUCHDBCONFIG_MAXRETRIES');
  });
});
