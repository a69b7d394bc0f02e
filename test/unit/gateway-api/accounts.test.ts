import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { totp } from '../../../gateway-api/src/auth/totp';
import { Harness, MEMBERS, PASSWORD } from './harness';

describe('people and sign-in over HTTP', () => {
  let h: Harness;

  beforeEach(() => {
    h = new Harness();
  });

  it('takes an invited user through code, password and TOTP to a working session', async () => {
    const admin = await h.adminToken();
    const invited = await h.invite(admin, 'alice', 'patient').expect(201);
    expect(invited.body.attrs).toEqual({
      'ehr.role': 'patient',
      'ehr.patientId': expect.stringMatching(/^PAT-[0-9A-F]{10}$/),
    });
    expect(h.ca.registered.get(h.enrolmentIdOf('alice'))?.registration.attrs).toEqual(invited.body.attrs);
    const token = await h.activate('alice', h.enrolmentCode('alice'));
    const me = await request(h.app).get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toEqual({ username: 'alice', role: 'patient', attrs: invited.body.attrs });
  });

  it('keeps private keys, TOTP secrets and CA secrets sealed at rest', async () => {
    const admin = await h.adminToken();
    await h.invite(admin, 'bob', 'doctor').expect(201);
    await h.activate('bob', h.enrolmentCode('bob'));
    const stored = readFileSync(path.join(h.dir, 'users.json'), 'utf8');
    const bob = h.enrolmentIdOf('bob');
    expect(stored).not.toContain(`PRIVATE KEY OF ${bob}`);
    expect(stored).not.toContain('ADMIN KEY');
    expect(stored).not.toContain(h.totps.get('bob'));
    expect(stored).not.toContain(`secret-${bob}`);
    expect(stored).not.toContain(PASSWORD);
    expect(
      h.accounts.identityOf(
        h.accounts.authenticate(
          (
            await request(h.app)
              .post('/v1/sessions')
              .send({ username: 'bob', password: PASSWORD, code: totp(h.totps.get('bob')!, (h.now += 30_000)) })
          ).body.token as string,
        ),
      ).keyPem,
    ).toBe(`PRIVATE KEY OF ${bob}`);
  });

  it('refuses a wrong or reused enrolment code', async () => {
    const admin = await h.adminToken();
    await h.invite(admin, 'carol', 'billing').expect(201);
    const code = h.enrolmentCode('carol');
    await request(h.app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: 'wrong-code-123', password: PASSWORD })
      .expect(401);
    await h.activate('carol', code);
    const again = await request(h.app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: code, password: PASSWORD })
      .expect(401);
    expect(again.body.error.code).toBe('ENROLMENT_REFUSED');
  });

  it('refuses an expired enrolment code', async () => {
    const admin = await h.adminToken();
    await h.invite(admin, 'dave', 'doctor').expect(201);
    h.now += 73 * 3_600_000;
    await request(h.app)
      .post('/v1/signup')
      .send({ username: 'dave', enrolmentCode: h.enrolmentCode('dave'), password: PASSWORD })
      .expect(401);
  });

  it('refuses a wrong TOTP code and a replayed one, and rate-limits failures', async () => {
    const admin = await h.adminToken();
    await h.invite(admin, 'erin', 'patient').expect(201);
    await h.activate('erin', h.enrolmentCode('erin'));
    h.now += 30_000;
    const code = totp(h.totps.get('erin')!, h.now);
    await request(h.app).post('/v1/sessions').send({ username: 'erin', password: PASSWORD, code }).expect(201);
    const replay = await request(h.app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code })
      .expect(401);
    expect(replay.body.error).toEqual({ code: 'SIGN_IN_FAILED', message: 'wrong username, password or code' });
    // With the replay above, five failures within 15 minutes.
    for (let i = 0; i < 4; i++)
      await request(h.app)
        .post('/v1/sessions')
        .send({ username: 'erin', password: 'wrong password!', code: '000000' })
        .expect(401);
    h.now += 30_000;
    const limited = await request(h.app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code: totp(h.totps.get('erin')!, h.now) })
      .expect(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    h.now += 15 * 60_000 + 30_000;
    await request(h.app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code: totp(h.totps.get('erin')!, h.now) })
      .expect(201);
  });

  it('refuses missing, tampered and expired tokens', async () => {
    const admin = await h.adminToken();
    await request(h.app).get('/v1/me').expect(401);
    const [header, payload] = admin.split('.');
    await request(h.app).get('/v1/me').set('authorization', `Bearer ${header}.${payload}.forged`).expect(401);
    h.now += 901_000;
    const expired = await request(h.app).get('/v1/me').set('authorization', `Bearer ${admin}`).expect(401);
    expect(expired.body.error.message).toBe('the token is expired');
  });

  it('validates request bodies against the OpenAPI schemas', async () => {
    const admin = await h.adminToken();
    const res = await request(h.app)
      .post('/v1/users')
      .set('authorization', `Bearer ${admin}`)
      .send({ username: 'x', role: 'wizard', extra: 1 })
      .expect(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    await request(h.app).post('/v1/sessions').set('content-type', 'application/json').send('{"username":').expect(400);
    await request(h.app)
      .post('/v1/sessions')
      .send({ username: 'a'.repeat(300 * 1024) })
      .expect(413);
    expect(h.ca.registered.size).toBe(0);
  });

  it("invites only the roles the member's kind has", async () => {
    h = new Harness({ member: MEMBERS.lab });
    const admin = await h.adminToken();
    await h.invite(admin, 'pat', 'patient').expect(400);
    await h.invite(admin, 'tech', 'labtech').expect(201);
  });

  it('serves health and the OpenAPI document', async () => {
    await request(h.app).get('/healthz').expect(200, { status: 'ok' });
    await request(h.app).get('/readyz').expect(200, { status: 'ready' });
    const doc = await request(h.app).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.0.3');
    const docs = await request(h.app).get('/docs').expect(200);
    expect(docs.text).toContain("url: '/openapi.json'");
    await request(h.app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/signup', '/v1/sessions', '/v1/me']),
    );
  });
});
