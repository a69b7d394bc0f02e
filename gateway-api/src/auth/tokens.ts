/**
 * Short-lived session tokens: JWT (RFC 7519) signed with HMAC-SHA256 by the gateway's own
 * secret. A token names the user and member; everything else is looked up per request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  /** The user's name at the member. */
  sub: string;
  /** The member's MSP ID. */
  org: string;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(secret: Buffer, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

export function issueToken(
  secret: Buffer,
  claims: { sub: string; org: string },
  nowSeconds: number,
  ttlSeconds: number,
): string {
  const payload: TokenClaims = { ...claims, iat: nowSeconds, exp: nowSeconds + ttlSeconds };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${sign(secret, body)}`;
}

export type TokenProblem = 'malformed' | 'bad-signature' | 'expired';

/** The token's claims, or why it is refused. */
export function verifyToken(secret: Buffer, token: string, nowSeconds: number): TokenClaims | TokenProblem {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) return 'malformed';
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(secret, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return 'malformed';
  }
  if (typeof claims.sub !== 'string' || typeof claims.org !== 'string' || typeof claims.exp !== 'number')
    return 'malformed';
  return claims.exp <= nowSeconds ? 'expired' : claims;
}
