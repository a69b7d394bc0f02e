import YAML from 'yaml';
import { peerCoreYaml } from '../../../network/src/nodes/fabric';
import { paths } from '../../../network/src/topology';

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

  it("names only our ccaas builder, built into .fabric, with the variable that fills the service's address", () => {
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
