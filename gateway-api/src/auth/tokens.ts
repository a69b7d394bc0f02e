/**
 * Short-lived session tokens: JWT (RFC 7519) signed with HMAC-SHA256 by the gateway's own
 * secret. A token names the user and member, has its own id (`jti`, so one token can be
 * signed out) and the user's token generation (`gen`, so all of a user's tokens can be
 * withdrawn at once); everything else is looked up per request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  /** The user's name at the member. */
  sub: string;
  /** The member's MSP ID. */
  org: string;
  /** This token's id. */
  jti: string;
  /** The user's token generation when it was issued. */
  gen: number;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(secret: Buffer, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

export function issueToken(
  secret: Buffer,
  claims: { sub: string; org: string; jti: string; gen: number },
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'malformed';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'malformed';
  const claims = parsed as TokenClaims;
  const types = [typeof claims.sub, typeof claims.org, typeof claims.jti, typeof claims.gen, typeof claims.exp];
  if (types.join() !== 'string,string,string,number,number') return 'malformed';
  return claims.exp <= nowSeconds ? 'expired' : claims;
}
