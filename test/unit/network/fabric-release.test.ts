/**
 * FABRIC_BIN_DIR: a member runs its own Fabric release. The binary build then builds nothing
 * and only checks the release folder, and the orchestrator takes binaries and default configs
 * from there. The "release" here is a folder of stand-in programs that print a version.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BINARIES = [
  'peer',
  'orderer',
  'configtxgen',
  'configtxlator',
  'osnadmin',
  'discover',
  'fabric-ca-server',
  'fabric-ca-client',
];

let release: string;
const outside = { FABRIC_BIN_DIR: process.env.FABRIC_BIN_DIR, FABRIC_CFG_DIR: process.env.FABRIC_CFG_DIR };

function writeRelease(binaries: string[], configs: string[]): void {
  mkdirSync(path.join(release, 'bin'), { recursive: true });
  mkdirSync(path.join(release, 'config'), { recursive: true });
  for (const name of binaries) {
    const file = path.join(release, 'bin', name);
    writeFileSync(file, `#!/bin/sh\nprintf '${name}:\\n Version: 3.1.5\\n'\n`);
    chmodSync(file, 0o755);
  }
  for (const name of configs) writeFileSync(path.join(release, 'config', name), '# release default\n');
}

function buildBinaries(env: Record<string, string>) {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'build-binaries.sh')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

beforeEach(() => {
  release = mkdtempSync(path.join(tmpdir(), 'fabric-release-'));
  delete process.env.FABRIC_BIN_DIR;
  delete process.env.FABRIC_CFG_DIR;
});

afterEach(() => {
  rmSync(release, { recursive: true, force: true });
  delete process.env.FABRIC_BIN_DIR;
  delete process.env.FABRIC_CFG_DIR;
  if (outside.FABRIC_BIN_DIR !== undefined) process.env.FABRIC_BIN_DIR = outside.FABRIC_BIN_DIR;
  if (outside.FABRIC_CFG_DIR !== undefined) process.env.FABRIC_CFG_DIR = outside.FABRIC_CFG_DIR;
});

describe('a Fabric release in FABRIC_BIN_DIR', () => {
  it('is checked and used as it is: nothing is built', () => {
    writeRelease(BINARIES, ['core.yaml', 'orderer.yaml']);
    const result = buildBinaries({ FABRIC_BIN_DIR: path.join(release, 'bin') });
    expect(result).toEqual({
      status: 0,
      output: `[build-binaries] using the Fabric binaries in ${path.join(release, 'bin')} (nothing built): peer 3.1.5\n`,
    });
  });

  it('is refused, naming what it lacks, when a binary is missing', () => {
    writeRelease(
      BINARIES.filter((b) => b !== 'osnadmin' && b !== 'discover'),
      ['core.yaml', 'orderer.yaml'],
    );
    const result = buildBinaries({ FABRIC_BIN_DIR: path.join(release, 'bin') });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('lacks osnadmin discover');
  });

  it("is refused when the release's default configs are not beside bin/ nor in FABRIC_CFG_DIR", () => {
    writeRelease(BINARIES, ['core.yaml']);
    const result = buildBinaries({ FABRIC_BIN_DIR: path.join(release, 'bin') });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('set FABRIC_CFG_DIR');
    writeFileSync(path.join(release, 'orderer.yaml'), '# elsewhere\n');
    writeFileSync(path.join(release, 'core.yaml'), '# elsewhere\n');
    expect(buildBinaries({ FABRIC_BIN_DIR: path.join(release, 'bin'), FABRIC_CFG_DIR: release }).status).toBe(0);
  });

  it('is where the orchestrator takes binaries and default configs from', () => {
    process.env.FABRIC_BIN_DIR = path.join(release, 'bin');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh topology for this environment
      const { paths } = require('../../../network/src/topology') as typeof import('../../../network/src/topology');
      expect(paths.bin).toBe(path.join(release, 'bin'));
      expect(paths.fabricConfig).toBe(path.join(release, 'config'));
    });
    process.env.FABRIC_CFG_DIR = path.join(release, 'etc');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh topology for this environment
      const { paths } = require('../../../network/src/topology') as typeof import('../../../network/src/topology');
      expect(paths.fabricConfig).toBe(path.join(release, 'etc'));
    });
  });

  it('is not used when unset: the binaries and configs built into .fabric are', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh topology for this environment
      const { paths } = require('../../../network/src/topology') as typeof import('../../../network/src/topology');
      expect(paths.bin).toBe(path.join(ROOT, '.fabric', 'bin'));
      expect(paths.fabricConfig).toBe(path.join(ROOT, '.fabric', 'config'));
    });
  });
});
