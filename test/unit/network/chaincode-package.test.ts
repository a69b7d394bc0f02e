import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chaincodeDigest, packageChaincode } from '../../../network/src/chaincode';

/** Lists and reads a tar.gz with the system tar, as the peer's builder unpacks it. */
function untar(file: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccpkg-'));
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  return dir;
}

describe('chaincode-as-a-service package', () => {
  it('names the digest of the built chaincode in its label and derives the package id from its bytes', async () => {
    const pkg = await packageChaincode();
    expect(pkg.version).toBe(chaincodeDigest());
    expect(pkg.label).toBe(`ehr_${pkg.version}`);
    const hash = createHash('sha256').update(readFileSync(pkg.file)).digest('hex');
    expect(pkg.packageId).toBe(`${pkg.label}:${hash}`);
  });

  it('holds metadata.json of type ccaas and code.tar.gz with a templated connection.json', async () => {
    const pkg = await packageChaincode();
    const outer = untar(pkg.file);
    expect(JSON.parse(readFileSync(path.join(outer, 'metadata.json'), 'utf8'))).toEqual({
      type: 'ccaas',
      label: pkg.label,
    });
    const code = untar(path.join(outer, 'code.tar.gz'));
    expect(JSON.parse(readFileSync(path.join(code, 'connection.json'), 'utf8'))).toEqual({
      address: '{{.ccaddress}}',
      dial_timeout: '10s',
      tls_required: false,
    });
  });

  it('is reproducible: rebuilding the package from the same build gives the same id', async () => {
    const first = await packageChaincode();
    rmSync(path.dirname(first.file), { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later second: mtimes would differ
    const second = await packageChaincode();
    expect(second.packageId).toBe(first.packageId);
  });
});
