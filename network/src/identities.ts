/**
 * Identities from each member's own CAs: registrars, the org MSP, node identities (peer,
 * orderer, with TLS certificates) and users with their `ehr.*` certificate attributes. Uses the
 * fabric-ca-client CLI; passwords travel in its environment, never on its command line.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import YAML from 'yaml';
import { run } from './process';
import { newSecret, type OrgSecrets } from './secrets';
import { type OrgSpec, paths, port } from './topology';

export type IdentityType = 'client' | 'admin' | 'peer' | 'orderer';

const NODE_OUS = {
  NodeOUs: {
    Enable: true,
    ClientOUIdentifier: { Certificate: 'cacerts/ca.pem', OrganizationalUnitIdentifier: 'client' },
    PeerOUIdentifier: { Certificate: 'cacerts/ca.pem', OrganizationalUnitIdentifier: 'peer' },
    AdminOUIdentifier: { Certificate: 'cacerts/ca.pem', OrganizationalUnitIdentifier: 'admin' },
    OrdererOUIdentifier: { Certificate: 'cacerts/ca.pem', OrganizationalUnitIdentifier: 'orderer' },
  },
};

// What an org admin may do at its CA: register the member's users with `ehr.*` attributes.
const ADMIN_REGISTRAR_ATTRS = 'hf.Registrar.Roles=client,hf.Registrar.Attributes=ehr.*,hf.Revoker=true';

function caUrl(org: OrgSpec, credentials?: { name: string; secret: string }): string {
  const auth = credentials ? `${encodeURIComponent(credentials.name)}:${encodeURIComponent(credentials.secret)}@` : '';
  return `https://${auth}${org.host}:${port(org, 'ca')}`;
}

async function caClient(org: OrgSpec, args: string[], env: Record<string, string>): Promise<string> {
  return run(path.join(paths.bin, 'fabric-ca-client'), [...args, '--tls.certfiles', paths.org(org).caTlsCert], {
    env,
  });
}

function onlyFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
  const [file] = files;
  if (files.length !== 1 || file === undefined) throw new Error(`expected exactly one file in ${dir}`);
  return path.join(dir, file);
}

/** Names the CA certificate `ca.pem`, as NodeOU config refers to it, and writes that config. */
function finishMsp(mspDir: string): void {
  const caCert = onlyFile(path.join(mspDir, 'cacerts'));
  renameSync(caCert, path.join(mspDir, 'cacerts', 'ca.pem'));
  writeFileSync(path.join(mspDir, 'config.yaml'), YAML.stringify(NODE_OUS));
}

/** Path of the private key fabric-ca-client wrote into an MSP folder. */
export function keyFile(mspDir: string): string {
  return onlyFile(path.join(mspDir, 'keystore'));
}

export function certFile(mspDir: string): string {
  return path.join(mspDir, 'signcerts', 'cert.pem');
}

async function enroll(
  org: OrgSpec,
  caName: 'ca' | 'tlsca',
  credentials: { name: string; secret: string },
  mspDir: string,
  extraArgs: string[] = [],
): Promise<void> {
  rmSync(mspDir, { recursive: true, force: true });
  mkdirSync(mspDir, { recursive: true });
  await caClient(org, ['enroll', '--caname', caName, '--mspdir', mspDir, '--home', mspDir, ...extraArgs], {
    FABRIC_CA_CLIENT_URL: caUrl(org, credentials),
  });
  rmSync(path.join(mspDir, 'fabric-ca-client-config.yaml'), { force: true });
}

/** Enrols the bootstrap registrar of both CAs (once). */
export async function enrollRegistrars(org: OrgSpec, secrets: OrgSecrets): Promise<void> {
  const dirs = paths.org(org);
  if (!existsSync(certFile(dirs.registrar))) {
    await enroll(org, 'ca', { name: 'registrar', secret: secrets.caRegistrar }, dirs.registrar);
  }
  if (!existsSync(certFile(dirs.tlsRegistrar))) {
    await enroll(org, 'tlsca', { name: 'registrar', secret: secrets.tlsCaRegistrar }, dirs.tlsRegistrar);
  }
}

/**
 * Writes the member's MSP as the channel configuration sees it (CA and TLS CA roots, NodeOUs)
 * into the member's published folder: the organisation definition it hands to the others.
 */
export function writeOrgMsp(org: OrgSpec): void {
  const dirs = paths.org(org);
  const published = paths.published(org);
  mkdirSync(path.dirname(published.caCert), { recursive: true });
  mkdirSync(path.dirname(published.tlsCaCert), { recursive: true });
  copyFileSync(dirs.caTlsCert, published.caCert);
  copyFileSync(path.join(dirs.caServer, 'tlsca', 'ca-cert.pem'), published.tlsCaCert);
  writeFileSync(path.join(published.msp, 'config.yaml'), YAML.stringify(NODE_OUS));
}

/**
 * Registers an identity (or resets its secret when a failed earlier run registered it
 * already) and returns the one-time secret to enrol with.
 */
async function register(
  org: OrgSpec,
  caName: 'ca' | 'tlsca',
  name: string,
  type: IdentityType,
  attrs: string,
  maxEnrollments?: number,
): Promise<string> {
  const registrar = caName === 'ca' ? paths.org(org).registrar : paths.org(org).tlsRegistrar;
  const secret = newSecret();
  const common = ['--caname', caName, '--mspdir', registrar, '--home', registrar];
  const env = { FABRIC_CA_CLIENT_URL: caUrl(org) };
  try {
    const attrArgs = attrs ? ['--id.attrs', attrs] : [];
    const limitArgs = maxEnrollments === undefined ? [] : ['--id.maxenrollments', String(maxEnrollments)];
    await caClient(org, ['register', '--id.name', name, '--id.type', type, ...attrArgs, ...limitArgs, ...common], {
      ...env,
      FABRIC_CA_CLIENT_ID_SECRET: secret,
    });
  } catch (error) {
    if (!(error instanceof Error) || !/already registered/i.test(error.message)) throw error;
    await caClient(org, ['identity', 'modify', name, ...common], { ...env, FABRIC_CA_CLIENT_SECRET: secret });
  }
  return secret;
}

function formatAttrs(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([key, value]) => `${key}=${value}:ecert`)
    .join(',');
}

export interface IdentityRequest {
  name: string;
  type: IdentityType;
  /** `ehr.*` attributes to put into the enrolment certificate. */
  attrs?: Record<string, string>;
  /** Registration attributes not put into the certificate (`hf.*`), as fabric-ca-client takes them. */
  registrationAttrs?: string;
  /** How often the identity may enrol; the CA's default (unlimited) when absent. */
  maxEnrollments?: number;
  /** Folder receiving `msp/` (and `tls/` when a TLS certificate is wanted). */
  dir: string;
  tls?: boolean;
}

/** Registers and enrols an identity unless its MSP exists already. */
export async function ensureIdentity(org: OrgSpec, request: IdentityRequest): Promise<void> {
  const mspDir = path.join(request.dir, 'msp');
  if (existsSync(certFile(mspDir)) && (!request.tls || existsSync(path.join(request.dir, 'tls', 'server.crt')))) return;
  const registration = request.type === 'admin' ? ADMIN_REGISTRAR_ATTRS : request.registrationAttrs;
  const attrs = [registration, formatAttrs(request.attrs ?? {})].filter(Boolean).join(',');
  const secret = await register(org, 'ca', request.name, request.type, attrs, request.maxEnrollments);
  await enroll(org, 'ca', { name: request.name, secret }, mspDir);
  finishMsp(mspDir);
  if (request.tls) await enrollTls(org, request.name, request.type, path.join(request.dir, 'tls'));
}

// The gateway's registrar registers client users with the `ehr.*` attributes the chaincode reads,
// and can do nothing else at the CA (no revocation, no CRLs, no affiliations, no sub-CAs).
const GATEWAY_REGISTRAR_ATTRS =
  'hf.Registrar.Roles=client,hf.Registrar.DelegateRoles=client,"hf.Registrar.Attributes=ehr.role,ehr.patientId,ehr.practitionerId"';

/** An enrolment id that says nothing about who holds it. */
const opaqueId = () => `u${randomBytes(16).toString('hex')}`;

/**
 * The two identities the member's REST gateway holds instead of the MSP admin: a registrar
 * limited to registering client users, with no ledger role, and the member-admin user, a client
 * certificate (not OU=admin) with `ehr.role=admin`. Each may enrol once.
 */
export async function ensureGatewayIdentities(org: OrgSpec): Promise<void> {
  const dirs = paths.org(org);
  await ensureIdentity(org, {
    name: opaqueId(),
    type: 'client',
    registrationAttrs: GATEWAY_REGISTRAR_ATTRS,
    maxEnrollments: 1,
    dir: dirs.gatewayRegistrar,
  });
  await ensureIdentity(org, {
    name: opaqueId(),
    type: 'client',
    attrs: { 'ehr.role': 'admin' },
    maxEnrollments: 1,
    dir: dirs.gatewayAdmin,
  });
}

/** The names a TLS certificate of the member's nodes carries: the member's host name and address. */
export function tlsHosts(org: OrgSpec): string[] {
  return [org.hostname, org.host];
}

/** A TLS certificate from the member's TLS CA, valid for the member's host name and address only. */
async function enrollTls(org: OrgSpec, name: string, type: IdentityType, tlsDir: string): Promise<void> {
  const secret = await register(org, 'tlsca', name, type, '');
  const staging = `${tlsDir}.enroll`;
  await enroll(org, 'tlsca', { name, secret }, staging, ['--csr.hosts', tlsHosts(org).join(',')]);
  rmSync(tlsDir, { recursive: true, force: true });
  mkdirSync(tlsDir, { recursive: true });
  copyFileSync(certFile(staging), path.join(tlsDir, 'server.crt'));
  copyFileSync(keyFile(staging), path.join(tlsDir, 'server.key'));
  copyFileSync(onlyFile(path.join(staging, 'cacerts')), path.join(tlsDir, 'ca.crt'));
  rmSync(staging, { recursive: true, force: true });
}

/** The reasons RFC 5280 names for revoking a certificate, as fabric-ca-client spells them. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keycompromise',
  'affiliationchange',
  'superseded',
  'cessationofoperation',
  'certificatehold',
  'privilegewithdrawn',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

function registrarArgs(org: OrgSpec, registrar = paths.org(org).registrar): string[] {
  return ['--caname', 'ca', '--mspdir', registrar, '--home', registrar];
}

/**
 * Revokes every certificate the member's CA issued to `name` and disables the identity, so it
 * cannot enrol again. Acts as the member's registrar, which holds `hf.Revoker`. The channel
 * learns of it only from the CRL that {@link currentCrl} produces and a config update carries.
 */
export async function revokeIdentity(
  org: OrgSpec,
  name: string,
  reason: RevocationReason,
  /** The MSP folder of the identity that revokes; the member's bootstrap registrar by default. */
  revoker?: string,
): Promise<void> {
  await caClient(org, ['revoke', '--revoke.name', name, '--revoke.reason', reason, ...registrarArgs(org, revoker)], {
    FABRIC_CA_CLIENT_URL: caUrl(org),
  });
}

/** Whether the member's CA has an identity registered under `name` (asked as the member's registrar). */
export async function registeredAtCa(org: OrgSpec, name: string): Promise<boolean> {
  try {
    await caClient(org, ['identity', 'list', '--id', name, ...registrarArgs(org)], {
      FABRIC_CA_CLIENT_URL: caUrl(org),
    });
    return true;
  } catch (error) {
    if (error instanceof Error && /not found|no rows/i.test(error.message)) return false;
    throw error;
  }
}

/** The member CA's current certificate revocation list (PEM), signed by the CA, listing every revoked certificate. */
export async function currentCrl(org: OrgSpec): Promise<string> {
  const crlFile = path.join(paths.org(org).registrar, 'crls', 'crl.pem');
  rmSync(crlFile, { force: true });
  await caClient(org, ['gencrl', ...registrarArgs(org)], { FABRIC_CA_CLIENT_URL: caUrl(org) });
  return readFileSync(crlFile, 'utf8');
}
