/**
 * One fabric-ca-server per member, hosting two CAs: `ca` issues enrolment certificates (with
 * the `ehr.*` attributes the chaincode checks) and `tlsca` issues TLS certificates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { NodeSpec } from '../process';
import type { OrgSecrets } from '../secrets';
import { HOST, type OrgSpec, paths, port } from '../topology';

const REGISTRAR_ATTRS = {
  'hf.Registrar.Roles': '*',
  'hf.Registrar.DelegateRoles': '*',
  'hf.Registrar.Attributes': '*',
  'hf.Revoker': true,
  'hf.GenCRL': true,
  'hf.AffiliationMgr': true,
  'hf.IntermediateCA': true,
};

// Enrolment and TLS certificates are used for both sides of TLS and for signing.
const LEAF_USAGE = ['digital signature', 'key encipherment', 'server auth', 'client auth', 'key agreement'];

function caSection(org: OrgSpec, name: 'ca' | 'tlsca', registrarSecret: string) {
  return {
    ca: { name },
    csr: {
      cn: `${name}.${org.name}`,
      names: [{ O: org.displayName, OU: org.mspId }],
      hosts: ['localhost', HOST],
      ca: { expiry: '131400h', pathlength: 1 },
    },
    registry: {
      maxenrollments: -1,
      identities: [
        { name: 'registrar', pass: registrarSecret, type: 'client', affiliation: '', attrs: REGISTRAR_ATTRS },
      ],
    },
    db: { type: 'sqlite3', datasource: 'fabric-ca-server.db' },
    affiliations: { [org.name]: [] },
    signing: { default: { usage: LEAF_USAGE, expiry: '8760h' }, profiles: null },
  };
}

/** Writes the server config and the TLS CA's config (both mode 600: they hold registrar secrets). */
export function writeCaConfig(org: OrgSpec, secrets: OrgSecrets): void {
  const home = paths.org(org).caServer;
  mkdirSync(path.join(home, 'tlsca'), { recursive: true });
  const server = {
    port: port(org, 'ca'),
    address: HOST,
    tls: { enabled: true },
    ...caSection(org, 'ca', secrets.caRegistrar),
    cafiles: ['tlsca/fabric-ca-server-config.yaml'],
    operations: { listenAddress: `${HOST}:${port(org, 'caOperations')}`, tls: { enabled: false } },
    metrics: { provider: 'disabled' },
  };
  writeFileSync(path.join(home, 'fabric-ca-server-config.yaml'), YAML.stringify(server), { mode: 0o600 });
  writeFileSync(
    path.join(home, 'tlsca', 'fabric-ca-server-config.yaml'),
    YAML.stringify(caSection(org, 'tlsca', secrets.tlsCaRegistrar)),
    { mode: 0o600 },
  );
}

export function caSpec(org: OrgSpec): NodeSpec {
  const home = paths.org(org).caServer;
  return {
    name: `${org.name}.ca`,
    command: path.join(paths.bin, 'fabric-ca-server'),
    args: ['start', '--home', home],
    env: {},
    cwd: home,
    ports: [port(org, 'ca'), port(org, 'caOperations')],
    health: { kind: 'http', url: `http://${HOST}:${port(org, 'caOperations')}/healthz` },
  };
}
