import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { verifyToken } from '../../../gateway-api/src/auth/tokens';
import { Harness, SETTINGS } from './harness';

describe('signing out over HTTP', () => {
  let h: Harness;
  let admin: string;
  const stored = () => readFileSync(path.join(h.dir, 'users.json'), 'utf8');
  const idOf = (token: string) => {
    const claims = verifyToken(SETTINGS.tokenSecret, token, Math.floor(h.now / 1000));
    if (typeof claims === 'string') throw new Error(claims);
    return claims.jti;
  };

  beforeEach(async () => {
    h = new Harness();
    admin = await h.adminToken();
  });

  it("stops the token used at once, while the user's other tokens keep working", async () => {
    const laptop = await h.user(admin, 'alice', 'billing');
    const phone = await h.signIn('alice');
    expect(idOf(phone)).not.toBe(idOf(laptop));
    await h.as(laptop).delete('/v1/sessions/current').expect(204);
    const refused = await h.as(laptop).get('/v1/me').expect(401);
    expect(refused.body.error).toEqual({ code: 'UNAUTHENTICATED', message: 'the token was signed out' });
    await h.as(phone).get('/v1/me').expect(200);
    await h.as(admin).get('/v1/me').expect(200);
    // Signing out twice is refused like any other use of the token.
    await h.as(laptop).delete('/v1/sessions/current').expect(401);
    await request(h.app).delete('/v1/sessions/current').expect(401);
  });

  it('keeps a signed-out token refused after a restart, and forgets its id once it would have expired', async () => {
    const token = await h.user(admin, 'alice', 'billing');
    await h.as(token).delete('/v1/sessions/current').expect(204);
    expect(stored()).toContain(idOf(token));
    h.restart();
    await h.as(token).get('/v1/me').expect(401);
    h.now += 901_000;
    await h.as(token).get('/v1/me').expect(401);
    await h.signIn('alice');
    expect(stored()).not.toContain('revokedTokens');
  });
});
