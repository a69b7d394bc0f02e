/**
 * How the gateway signs as a user. Each request used to parse the user's key from PEM and hand
 * it to the SDK's signer: the parse (OpenSSL's decoder) and the SDK's pure-JavaScript ECDSA were
 * the largest CPU costs of a read (profiled under load: 0.6 ms and 0.45 ms of a 2.8 ms request).
 * Here a user's signer is made once and kept in a bounded cache, and P-256 keys (what Fabric CA
 * issues) sign with Node's native ECDSA, normalized to the low-S form Fabric requires.
 */
import { createHash, type KeyObject, createPrivateKey, sign } from 'node:crypto';
import { hash, type Hash, type Signer, signers } from '@hyperledger/fabric-gateway';

/** The order of the P-256 group, and half of it: Fabric refuses a signature whose s is above half. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N >> 1n;

/** A DER INTEGER of `value` (non-negative): minimal big-endian bytes, a leading zero when the top bit is set. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** Reads the DER INTEGER at `at`: its value and where the next element starts. */
function readInteger(der: Buffer, at: number): { value: bigint; next: number } {
  if (der[at] !== 0x02) throw new Error('not a DER ECDSA signature');
  const length = der[at + 1] ?? 0;
  const bytes = der.subarray(at + 2, at + 2 + length);
  return { value: BigInt(`0x${bytes.toString('hex') || '0'}`), next: at + 2 + length };
}

/**
 * The low-S form of a DER ECDSA signature over P-256: (r, n - s) when s is above n/2. Both forms
 * verify; Fabric accepts only the low one (it makes signatures non-malleable).
 */
export function lowS(der: Buffer): Buffer {
  // SEQUENCE { INTEGER r, INTEGER s }; a P-256 signature is at most 72 bytes, so one length byte.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('not a DER ECDSA signature');
  const r = readInteger(der, 2);
  const s = readInteger(der, r.next);
  if (s.value <= P256_HALF_N) return der;
  const body = Buffer.concat([derInteger(r.value), derInteger(P256_N - s.value)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** What the Fabric Gateway client needs to sign as someone: the signer and the digest it expects. */
export interface Signing {
  signer: Signer;
  hash: Hash;
}

/**
 * Signs with Node's native ECDSA when the key is P-256: the SDK is given the whole message
 * (`hash.none`), and the signature is SHA-256 ECDSA in low-S form, as the SDK's own signer makes
 * it. Any other key goes to the SDK's signer.
 */
export function signingWith(key: KeyObject): Signing {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return {
      hash: hash.none,
      signer: (message) => Promise.resolve(lowS(sign('sha256', message, { key, dsaEncoding: 'der' }))),
    };
  }
  return { hash: hash.sha256, signer: signers.newPrivateKeySigner(key) };
}

/**
 * Users' signers, made once per key: at most `capacity`, the least recently used dropped first.
 * Keyed by a digest of the key (not the key itself), so the map's keys hold no secret.
 */
export class SignerCache {
  readonly #entries = new Map<string, Signing>();

  constructor(private readonly capacity = 1_000) {}

  of(keyPem: string): Signing {
    const id = createHash('sha256').update(keyPem).digest('base64');
    let entry = this.#entries.get(id);
    if (entry) this.#entries.delete(id);
    else entry = signingWith(createPrivateKey(keyPem));
    this.#entries.set(id, entry);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return entry;
  }

  get size(): number {
    return this.#entries.size;
  }
}
