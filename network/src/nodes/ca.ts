/**
 * One fabric-ca-server per member, hosting two CAs: `ca` issues enrolment certificates (with
 * the `ehr.*` attributes the chaincode checks) and `tlsca` issues TLS certificates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { NodeSpec } from '../process';
import type { OrgSecrets } from '../secrets';
import { tlsHosts } from '../identities';
import { type OrgSpec, paths, port } from '../topology';

const REGISTRAR_ATTRS = {
  'hf.Registrar.Roles': '*',
  'hf.Registrar.DelegateRoles': '*',
  'hf.Registrar.Attributes': '*',
  'hf.Revoker': true,
  'hf.GenCRL': true,
  'hf.AffiliationMgr': true,
  'hf.IntermediateCA': true,
};

// TLS certificates serve both sides of TLS. Fabric CA signs its own server certificate with
// the `tls` profile, so the profile must exist (Node's TLS refuses a certificate without it).
const TLS_USAGE = ['signing', 'key encipherment', 'server auth', 'client auth', 'key agreement'];
const SIGNING = {
  ca: { usage: ['digital signature'], expiry: '8760h' },
  tlsca: { usage: TLS_USAGE, expiry: '8760h' },
  profiles: {
    ca: { usage: ['cert sign', 'crl sign'], expiry: '43800h', caconstraint: { isca: true, maxpathlen: 0 } },
    tls: { usage: TLS_USAGE, expiry: '8760h' },
  },
};

function caSection(org: OrgSpec, name: 'ca' | 'tlsca', registrarSecret: string) {
  return {
    ca: { name },
    csr: {
      cn: `${name}.${org.name}`,
      names: [{ O: org.displayName, OU: org.mspId }],
      hosts: tlsHosts(org),
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
    signing: { default: SIGNING[name], profiles: SIGNING.profiles },
  };
}

/** Writes the server config and the TLS CA's config (both mode 600: they hold registrar secrets). */
export function writeCaConfig(org: OrgSpec, secrets: OrgSecrets): void {
  const home = paths.org(org).caServer;
  mkdirSync(path.join(home, 'tlsca'), { recursive: true });
  const server = {
    port: port(org, 'ca'),
    address: org.host,
    tls: { enabled: true },
    ...caSection(org, 'ca', secrets.caRegistrar),
    cafiles: ['tlsca/fabric-ca-server-config.yaml'],
    operations: { listenAddress: `${org.host}:${port(org, 'caOperations')}`, tls: { enabled: false } },
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
    host: org.host,
    ports: [port(org, 'ca'), port(org, 'caOperations')],
    health: [{ kind: 'http', url: `http://${org.host}:${port(org, 'caOperations')}/healthz` }],
  };
}
