import { createHmac, randomBytes } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from '../../../gateway-api/src/auth/passwords';
import { seal, unseal } from '../../../gateway-api/src/auth/sealed';
import { issueToken, verifyToken } from '../../../gateway-api/src/auth/tokens';
import { base32Decode, base32Encode, hotp, otpauthUri, totp, verifyTotp } from '../../../gateway-api/src/auth/totp';

describe('TOTP', () => {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits.
  const rfcSecret = base32Encode(Buffer.from('12345678901234567890'));

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ])('matches the RFC 6238 vector at %i s', (seconds, code) => {
    expect(totp(rfcSecret, seconds * 1000, 8)).toBe(code);
  });

  it('matches the RFC 4226 HOTP vectors', () => {
    const secret = Buffer.from('12345678901234567890');
    expect([0, 1, 2, 9].map((c) => hotp(secret, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  it('accepts the current code and one step of drift, not two, nor malformed input', () => {
    const now = 1_700_000_000_000;
    const secret = base32Encode(randomBytes(20));
    expect(verifyTotp(secret, totp(secret, now), now)).toBe(Math.floor(now / 30_000));
    expect(verifyTotp(secret, totp(secret, now - 30_000), now)).toBeDefined();
    expect(verifyTotp(secret, totp(secret, now - 60_000), now)).toBeUndefined();
    expect(verifyTotp(secret, '12345', now)).toBeUndefined();
    expect(verifyTotp(secret, 'abcdef', now)).toBeUndefined();
  });

  it('round-trips base32 and builds an otpauth URI', () => {
    const bytes = randomBytes(20);
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    expect(() => base32Decode('not base32!')).toThrow('invalid base32');
    expect(otpauthUri('EHR Hospital A', 'alice', 'ABC')).toBe(
      'otpauth://totp/EHR%20Hospital%20A%3Aalice?secret=ABC&issuer=EHR%20Hospital%20A&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterz', stored)).toBe(false);
    expect(await verifyPassword('anything', 'md5$abc')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('refuses short passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('a long enough password')).toBeUndefined();
  });
});

describe('tokens', () => {
  const secret = randomBytes(32);
  const now = 1_700_000_000;
  const CLAIMS = { sub: 'alice', org: 'HospitalAMSP', jti: 'token-1', gen: 0 };

  it('issues a token that verifies until it expires', () => {
    const token = issueToken(secret, CLAIMS, now, 900);
    expect(verifyToken(secret, token, now + 899)).toEqual({ ...CLAIMS, iat: now, exp: now + 900 });
    expect(verifyToken(secret, token, now + 900)).toBe('expired');
  });

  it('refuses a tampered payload, a foreign signature and garbage', () => {
    const token = issueToken(secret, CLAIMS, now, 900);
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...CLAIMS, sub: 'admin', iat: now, exp: now + 900 })).toString(
      'base64url',
    );
    expect(verifyToken(secret, `${header}.${forged}.${signature}`, now)).toBe('bad-signature');
    expect(verifyToken(randomBytes(32), token, now)).toBe('bad-signature');
    expect(verifyToken(secret, 'a.b', now)).toBe('malformed');
    expect(verifyToken(secret, 'x.y.z', now)).toBe('malformed');
  });

  it('refuses a well-signed token without an id or generation, or with a payload that is not an object', () => {
    const [header] = issueToken(secret, CLAIMS, now, 900).split('.');
    const signed = (payload: unknown) => {
      const body = `${header ?? ''}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    };
    expect(verifyToken(secret, signed({ ...CLAIMS, iat: now, exp: now + 900 }), now)).toMatchObject(CLAIMS);
    expect(verifyToken(secret, signed({ sub: 'alice', org: 'HospitalAMSP', iat: now, exp: now + 900 }), now)).toBe(
      'malformed',
    );
    expect(verifyToken(secret, signed({ ...CLAIMS, gen: '0', iat: now, exp: now + 900 }), now)).toBe('malformed');
    expect(verifyToken(secret, signed(null), now)).toBe('malformed');
  });
});

describe('sealed secrets', () => {
  const key = randomBytes(32);

  it('round-trips for the same owner only', () => {
    const sealed = seal(key, 'private key pem', 'alice');
    expect(sealed).not.toContain('private key pem');
    expect(unseal(key, sealed, 'alice').toString()).toBe('private key pem');
    expect(() => unseal(key, sealed, 'bob')).toThrow();
    expect(() => unseal(randomBytes(32), sealed, 'alice')).toThrow();
  });

  it('detects tampering', () => {
    const sealed = seal(key, 'secret', 'alice');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64');
    expect(() => unseal(key, parts.join('.'), 'alice')).toThrow();
  });
});
