/**
 * Deploys what chaincode/ builds as chaincode-as-a-service. The package holds no code, only
 * where each member's chaincode server listens; its label carries a digest of the built
 * chaincode, so a changed build becomes a new package, a new definition version and sequence.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ordererArgs, peerCli } from './admin';
import { run } from './process';
import { hostPort, type PublishedMember } from './member-definition';
import { CHAINCODE, CHANNEL, type OrgSpec, paths } from './topology';

export interface ChaincodePackage {
  label: string;
  version: string;
  file: string;
  packageId: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

/** Where the chaincode is built from and where its packages are written. */
export interface PackageDirs {
  /** The chaincode workspace: package.json, dist/ (built), META-INF/ (state DB indexes). */
  source: string;
  out: string;
}

/** Digest of the built chaincode, its declared dependencies and its state DB index definitions. */
export function chaincodeDigest(source = paths.chaincodeSource): string {
  const dist = path.join(source, 'dist');
  if (!existsSync(path.join(dist, 'index.js'))) {
    throw new Error(`${dist} is missing: run \`npm run build\` (npm start does it through bootstrap)`);
  }
  const hash = createHash('sha256');
  const metaInf = path.join(source, 'META-INF');
  const indexes = existsSync(metaInf) ? filesUnder(metaInf) : [];
  for (const file of [...filesUnder(dist), ...indexes, path.join(source, 'package.json')]) {
    hash.update(path.relative(source, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A tar.gz whose bytes depend only on the files' contents (sorted names, no times, no owners,
 * no gzip timestamp), so the same build always gives the same package id.
 */
async function reproducibleTarGz(target: string, cwd: string, entries: string[]): Promise<void> {
  const tar = `${target}.tar`;
  await run('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-cf',
    tar,
    '-C',
    cwd,
    ...entries,
  ]);
  writeFileSync(target, gzipSync(readFileSync(tar)));
  rmSync(tar);
}

/**
 * Writes the ccaas package (metadata.json + code.tar.gz with connection.json). Each member
 * packages into its own folder; the same build gives every member the same package id.
 */
export async function packageChaincode(dirs: PackageDirs): Promise<ChaincodePackage> {
  const version = chaincodeDigest(dirs.source);
  const label = `${CHAINCODE}_${version}`;
  const dir = path.join(dirs.out, label);
  const file = path.join(dirs.out, `${label}.tar.gz`);
  if (!existsSync(file)) {
    mkdirSync(path.join(dir, 'code'), { recursive: true });
    // The peer's ccaas builder fills {{.ccaddress}} from CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG.
    writeFileSync(
      path.join(dir, 'code', 'connection.json'),
      JSON.stringify({ address: '{{.ccaddress}}', dial_timeout: '10s', tls_required: false }),
    );
    writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    const codeFiles = ['connection.json'];
    const metaInf = path.join(dirs.source, 'META-INF');
    if (existsSync(metaInf)) {
      // CouchDB index definitions: the ccaas builder hands them to the peer to deploy.
      await run('cp', ['-r', metaInf, path.join(dir, 'code', 'META-INF')]);
      codeFiles.push('META-INF');
    }
    await reproducibleTarGz(path.join(dir, 'code.tar.gz'), path.join(dir, 'code'), codeFiles);
    await reproducibleTarGz(file, dir, ['metadata.json', 'code.tar.gz']);
  }
  const packageId = `${label}:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  return { label, version, file, packageId };
}

export async function installChaincode(org: OrgSpec, pkg: ChaincodePackage): Promise<boolean> {
  const installed = await peerCli(org, ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json']);
  const list = JSON.parse(installed) as { installed_chaincodes?: { package_id: string }[] };
  if ((list.installed_chaincodes ?? []).some((c) => c.package_id === pkg.packageId)) return false;
  await peerCli(org, ['lifecycle', 'chaincode', 'install', pkg.file]);
  return true;
}

interface Committed {
  sequence: number;
  version: string;
}

/** The committed definition of the chaincode on the channel, or undefined before the first commit. */
export async function committedDefinition(org: OrgSpec): Promise<Committed | undefined> {
  // Listing every definition answers "none yet" as an empty list rather than as an error.
  const out = await peerCli(org, ['lifecycle', 'chaincode', 'querycommitted', '-C', CHANNEL, '--output', 'json']);
  const list = JSON.parse(out) as { chaincode_definitions?: (Committed & { name: string })[] };
  return (list.chaincode_definitions ?? []).find((d) => d.name === CHAINCODE);
}

/** A chaincode definition: the version (the package's digest) and the sequence it commits at. */
export interface Definition {
  version: string;
  sequence: number;
}

const definitionArgs = (d: Definition) => [
  '-C',
  CHANNEL,
  '-n',
  CHAINCODE,
  '--version',
  d.version,
  '--sequence',
  String(d.sequence),
];

/**
 * The definition to commit for the package, as the member's peer sees the channel: undefined
 * when that version is committed already, else the next sequence.
 */
export async function nextDefinition(org: OrgSpec, pkg: ChaincodePackage): Promise<Definition | undefined> {
  const committed = await committedDefinition(org);
  if (committed?.version === pkg.version) return undefined;
  return { version: pkg.version, sequence: (committed?.sequence ?? 0) + 1 };
}

/** Which members' approvals of the definition the channel holds, as the member's peer answers. */
export async function approvals(org: OrgSpec, definition: Definition): Promise<Record<string, boolean>> {
  const readiness = await peerCli(org, [
    'lifecycle',
    'chaincode',
    'checkcommitreadiness',
    ...definitionArgs(definition),
    '--output',
    'json',
  ]);
  return (JSON.parse(readiness) as { approvals?: Record<string, boolean> }).approvals ?? {};
}

/**
 * The member's own step: its admin approves the definition for the package it installed. Its
 * approval is its own private state; Fabric refuses to approve the same uncommitted definition
 * twice, so the caller skips members whose approval the channel holds already.
 */
export async function approveDefinition(org: OrgSpec, definition: Definition, pkg: ChaincodePackage): Promise<void> {
  await peerCli(org, [
    'lifecycle',
    'chaincode',
    'approveformyorg',
    ...definitionArgs(definition),
    '--package-id',
    pkg.packageId,
    ...ordererArgs(org),
    '--waitForEvent',
  ]);
}

/**
 * One member's step once a majority approved: its admin commits the definition, endorsed by the
 * peers of `endorsers` (reached through their published endpoints and TLS roots). Endorsement
 * stays the channel's MAJORITY policy; implicit private data collections keep their own
 * per-member endorsement.
 */
export async function commitDefinition(
  org: OrgSpec,
  definition: Definition,
  endorsers: readonly PublishedMember[],
): Promise<void> {
  const peers = endorsers.flatMap((member) => [
    '--peerAddresses',
    hostPort(member.endpoints.peer),
    '--tlsRootCertFiles',
    member.tlsCaCert,
  ]);
  await peerCli(org, [
    'lifecycle',
    'chaincode',
    'commit',
    ...definitionArgs(definition),
    ...peers,
    ...ordererArgs(org),
  ]);
}
