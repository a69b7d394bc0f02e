import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { hash } from '@hyperledger/fabric-gateway';
import { lowS, SignerCache, signingWith } from '../../../gateway-api/src/signing';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** r and s of a DER ECDSA signature. */
function parts(der: Buffer): { r: bigint; s: bigint } {
  const rLength = der[3] ?? 0;
  const r = der.subarray(4, 4 + rLength);
  const s = der.subarray(6 + rLength, 6 + rLength + (der[5 + rLength] ?? 0));
  return { r: BigInt(`0x${r.toString('hex')}`), s: BigInt(`0x${s.toString('hex')}`) };
}

function der(r: bigint, s: bigint): Buffer {
  const integer = (value: bigint) => {
    const hex = value.toString(16);
    let bytes = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
    if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([2, bytes.length]), bytes]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('signing as a user', () => {
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('signs P-256 with SHA-256 ECDSA that verifies, always in the low-S form Fabric requires', async () => {
    const { signer, hash: digestOf } = signingWith(p256.privateKey);
    expect(digestOf).toBe(hash.none); // the whole message reaches the signer, which hashes it
    for (let i = 0; i < 200; i++) {
      const message = randomBytes(1 + (i % 300));
      const signature = Buffer.from(await signer(digestOf(message)));
      expect(verify('sha256', message, p256.publicKey, signature)).toBe(true);
      expect(parts(signature).s <= N >> 1n).toBe(true);
      // Not a signature of another message.
      expect(verify('sha256', Buffer.concat([message, Buffer.from([0])]), p256.publicKey, signature)).toBe(false);
    }
  });

  it('turns a high-S signature into its low twin, which still verifies, and leaves a low one as it is', () => {
    let checked = 0;
    while (checked < 20) {
      const message = randomBytes(32);
      const native = sign('sha256', message, { key: p256.privateKey, dsaEncoding: 'der' });
      const { r, s } = parts(native);
      const low = s <= N >> 1n ? s : N - s;
      const high = N - low;
      expect(lowS(der(r, low))).toEqual(der(r, low));
      const fixed = lowS(der(r, high));
      expect(parts(fixed)).toEqual({ r, s: low });
      expect(verify('sha256', message, p256.publicKey, der(r, high))).toBe(true);
      expect(verify('sha256', message, p256.publicKey, fixed)).toBe(true);
      checked++;
    }
    expect(() => lowS(Buffer.from('not a signature'))).toThrow('not a DER ECDSA signature');
  });

  it("leaves a key of another curve to the SDK's signer, over a SHA-256 digest", async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const { signer, hash: digestOf } = signingWith(p384.privateKey);
    expect(digestOf).toBe(hash.sha256);
    const message = randomBytes(64);
    const signature = await signer(digestOf(message));
    expect(verify('sha256', message, p384.publicKey, signature)).toBe(true);
  });

  it('makes one signer per key, keeps at most its capacity and drops the least recently used', () => {
    const pem = (key: typeof p256.privateKey) => key.export({ format: 'pem', type: 'pkcs8' }).toString();
    const [a, b, c] = [0, 1, 2].map(() => pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)) as [
      string,
      string,
      string,
    ];
    const cache = new SignerCache(2);
    const first = cache.of(a);
    expect(cache.of(a)).toBe(first);
    const second = cache.of(b);
    cache.of(a); // a is now the most recently used
    cache.of(c); // drops b
    expect(cache.size).toBe(2);
    expect(cache.of(a)).toBe(first);
    expect(cache.of(b)).not.toBe(second); // made again
  });
});
