/**
 * The chaincode-as-a-service package and our external builder (network/ccaas-builder), as the
 * peer uses them: the package is built from a sample chaincode workspace in a temporary folder
 * (neither the real build nor the network's own packages are touched), then unpacked the way
 * the peer unpacks it and run through bin/detect, bin/build and bin/release.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chaincodeDigest, type PackageDirs, packageChaincode } from '../../../network/src/chaincode';
import { paths } from '../../../network/src/topology';

const INDEX = { index: { fields: ['docType', 'patientId'] }, ddoc: 'byPatient', name: 'byPatient', type: 'json' };

let scratch: string;
let dirs: PackageDirs;

function tempDir(name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Lists and reads a tar.gz with the system tar, as the peer's builder input is unpacked. */
function untar(file: string, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xzf', file, '-C', into]);
  return into;
}

/** Runs one of the builder's programs as the peer does; returns its exit status and stderr. */
function builder(program: 'detect' | 'build' | 'release', args: string[], config?: string) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (config !== undefined) env.CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG = config;
  const result = spawnSync(path.join(paths.ccaasBuilder, 'bin', program), args, { env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'ccpkg-'));
  const source = tempDir('chaincode');
  mkdirSync(path.join(source, 'dist'));
  writeFileSync(path.join(source, 'dist', 'index.js'), 'module.exports.contracts = [];\n');
  writeFileSync(path.join(source, 'package.json'), JSON.stringify({ name: 'sample', version: '1.0.0' }));
  const indexes = path.join(source, 'META-INF', 'statedb', 'couchdb', 'indexes');
  mkdirSync(indexes, { recursive: true });
  writeFileSync(path.join(indexes, 'byPatient.json'), JSON.stringify(INDEX));
  dirs = { source, out: tempDir('packages') };
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('chaincode-as-a-service package', () => {
  it('names the digest of the built chaincode in its label and derives the package id from its bytes', async () => {
    const pkg = await packageChaincode(dirs);
    expect(pkg.version).toBe(chaincodeDigest(dirs.source));
    expect(pkg.label).toBe(`ehr_${pkg.version}`);
    const hash = createHash('sha256').update(readFileSync(pkg.file)).digest('hex');
    expect(pkg.packageId).toBe(`${pkg.label}:${hash}`);
    expect(path.dirname(pkg.file)).toBe(dirs.out);
  });

  it('changes its version when the build changes', async () => {
    const before = await packageChaincode(dirs);
    writeFileSync(path.join(dirs.source, 'dist', 'index.js'), 'module.exports.contracts = [1];\n');
    const after = await packageChaincode(dirs);
    expect(after.version).not.toBe(before.version);
    expect(after.packageId).not.toBe(before.packageId);
  });

  it('refuses to package a chaincode that has not been built', async () => {
    rmSync(path.join(dirs.source, 'dist'), { recursive: true });
    await expect(packageChaincode(dirs)).rejects.toThrow(/dist is missing: run `npm run build`/);
  });

  it('holds metadata.json of type ccaas and code.tar.gz with a templated connection.json and the indexes', async () => {
    const pkg = await packageChaincode(dirs);
    const outer = untar(pkg.file, tempDir('outer'));
    expect(JSON.parse(readFileSync(path.join(outer, 'metadata.json'), 'utf8'))).toEqual({
      type: 'ccaas',
      label: pkg.label,
    });
    const code = untar(path.join(outer, 'code.tar.gz'), tempDir('code'));
    expect(JSON.parse(readFileSync(path.join(code, 'connection.json'), 'utf8'))).toEqual({
      address: '{{.ccaddress}}',
      dial_timeout: '10s',
      tls_required: false,
    });
    const index = path.join(code, 'META-INF', 'statedb', 'couchdb', 'indexes', 'byPatient.json');
    expect(JSON.parse(readFileSync(index, 'utf8'))).toEqual(INDEX);
  });

  it('is reproducible: rebuilding the package from the same build gives the same id', async () => {
    const first = await packageChaincode(dirs);
    rmSync(dirs.out, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later second: mtimes would differ
    const second = await packageChaincode(dirs);
    expect(second.packageId).toBe(first.packageId);
  });
});

describe('the ccaas external builder', () => {
  /** The package unpacked as the peer hands it to the builder: source dir and metadata dir. */
  async function unpacked(): Promise<{ source: string; metadata: string }> {
    const pkg = await packageChaincode(dirs);
    const metadata = untar(pkg.file, tempDir('metadata'));
    const source = untar(path.join(metadata, 'code.tar.gz'), tempDir('source'));
    return { source, metadata };
  }

  it('detects ccaas packages only', async () => {
    const { source, metadata } = await unpacked();
    expect(builder('detect', [source, metadata]).status).toBe(0);
    writeFileSync(path.join(metadata, 'metadata.json'), JSON.stringify({ type: 'node', label: 'x' }));
    expect(builder('detect', [source, metadata]).status).not.toBe(0);
    rmSync(path.join(metadata, 'metadata.json'));
    expect(builder('detect', [source, metadata]).status).not.toBe(0);
  });

  it("builds the member's own chaincode address into connection.json and releases it with the indexes", async () => {
    const { source, metadata } = await unpacked();
    const output = tempDir('build');
    const release = tempDir('release');
    expect(builder('build', [source, metadata, output], JSON.stringify({ ccaddress: '127.0.0.1:7309' }))).toEqual({
      status: 0,
      stderr: '',
    });
    expect(builder('release', [output, release])).toEqual({ status: 0, stderr: '' });
    const connection = JSON.parse(readFileSync(path.join(release, 'chaincode', 'server', 'connection.json'), 'utf8'));
    expect(connection).toEqual({ address: '127.0.0.1:7309', dial_timeout: '10s', tls_required: false });
    const indexes = path.join(release, 'statedb', 'couchdb', 'indexes');
    expect(readdirSync(indexes)).toEqual(['byPatient.json']);
    expect(JSON.parse(readFileSync(path.join(indexes, 'byPatient.json'), 'utf8'))).toEqual(INDEX);
  });

  it.each([
    [
      'no builder config',
      undefined,
      /names \{\{\.ccaddress\}\}, which CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG does not define/,
    ],
    ['a config without the address', JSON.stringify({ other: 'x' }), /does not define/],
    ['a config that is not a JSON object', '["127.0.0.1:7309"]', /must be a JSON object/],
    ['a config that is not JSON', 'ccaddress=127.0.0.1', /must be a JSON object/],
  ])('refuses to build with %s, and writes nothing', async (_case, config, message) => {
    const { source, metadata } = await unpacked();
    const output = tempDir('build');
    const result = builder('build', [source, metadata, output], config);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(output)).toEqual([]);
  });

  it('refuses a package whose connection.json names no address', async () => {
    const { source, metadata } = await unpacked();
    writeFileSync(path.join(source, 'connection.json'), JSON.stringify({ dial_timeout: '10s' }));
    const result = builder('build', [source, metadata, tempDir('build')], JSON.stringify({ ccaddress: 'x:1' }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/connection.json has no address/);
  });

  it('refuses to release a build without connection.json', () => {
    const result = builder('release', [tempDir('empty-build'), tempDir('release')]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/holds no connection.json/);
  });
});
