import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { Accounts, type Member } from '../../../gateway-api/src/accounts';
import { totp } from '../../../gateway-api/src/auth/totp';
import { createServer } from '../../../gateway-api/src/server';
import { fileUserStore } from '../../../gateway-api/src/store';

import { StandInCa } from './harness';

const hospital: Member = { name: 'hospital-a', mspId: 'HospitalAMSP', kind: 'hospital', displayName: 'Hospital A' };
const PASSWORD = 'a long enough passphrase';

describe('people and sign-in over HTTP', () => {
  let now: number;
  let app: Express;
  let accounts: Accounts;
  let ca: StandInCa;
  let dir: string;
  const totps = new Map<string, string>();

  function build(member: Member = hospital) {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-'));
    ca = new StandInCa();
    accounts = new Accounts(
      member,
      fileUserStore(dir),
      ca,
      {
        keyEncryptionKey: Buffer.alloc(32, 7),
        tokenSecret: Buffer.alloc(32, 9),
        tokenTtlSeconds: 900,
        enrolmentTtlHours: 72,
        signInAttempts: 5,
      },
      () => now,
    );
    app = createServer({
      accounts,
      ready: () => Promise.resolve(true),
      maxBodyBytes: 256 * 1024,
      log: () => undefined,
    });
  }

  /** Completes sign-up for a user with an enrolment code and returns a signed-in token. */
  async function activate(username: string, enrolmentCode: string): Promise<string> {
    const signup = await request(app)
      .post('/v1/signup')
      .send({ username, enrolmentCode, password: PASSWORD })
      .expect(200);
    totps.set(username, signup.body.totpSecret as string);
    await request(app)
      .post('/v1/signup/totp')
      .send({ username, enrolmentCode, code: totp(totps.get(username)!, now) })
      .expect(204);
    now += 30_000;
    const session = await request(app)
      .post('/v1/sessions')
      .send({ username, password: PASSWORD, code: totp(totps.get(username)!, now) })
      .expect(201);
    return session.body.token as string;
  }

  async function adminToken(): Promise<string> {
    const code = await accounts.importAdmin({ certPem: 'ADMIN CERT', keyPem: 'ADMIN KEY' });
    return activate('admin', code!);
  }

  function invite(token: string, username: string, role: string): request.Test {
    return request(app).post('/v1/users').set('authorization', `Bearer ${token}`).send({ username, role });
  }

  beforeEach(() => {
    now = Date.parse('2026-05-01T10:00:00Z');
    build();
  });

  it('takes an invited user through code, password and TOTP to a working session', async () => {
    const admin = await adminToken();
    const invited = await invite(admin, 'alice', 'patient').expect(201);
    expect(invited.body.attrs).toEqual({
      'ehr.role': 'patient',
      'ehr.patientId': expect.stringMatching(/^PAT-[0-9A-F]{10}$/),
    });
    expect(ca.registered.get('alice')?.registration.attrs).toEqual(invited.body.attrs);
    const token = await activate('alice', invited.body.enrolmentCode as string);
    const me = await request(app).get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toEqual({ username: 'alice', role: 'patient', attrs: invited.body.attrs });
  });

  it('keeps private keys, TOTP secrets and CA secrets sealed at rest', async () => {
    const admin = await adminToken();
    const invited = await invite(admin, 'bob', 'doctor').expect(201);
    await activate('bob', invited.body.enrolmentCode as string);
    const stored = readFileSync(path.join(dir, 'users.json'), 'utf8');
    expect(stored).not.toContain('PRIVATE KEY OF bob');
    expect(stored).not.toContain('ADMIN KEY');
    expect(stored).not.toContain(totps.get('bob'));
    expect(stored).not.toContain('secret-bob');
    expect(stored).not.toContain(PASSWORD);
    expect(
      accounts.identityOf(
        accounts.authenticate(
          (
            await request(app)
              .post('/v1/sessions')
              .send({ username: 'bob', password: PASSWORD, code: totp(totps.get('bob')!, (now += 30_000)) })
          ).body.token as string,
        ),
      ).keyPem,
    ).toBe('PRIVATE KEY OF bob');
  });

  it('refuses a wrong or reused enrolment code', async () => {
    const admin = await adminToken();
    const invited = await invite(admin, 'carol', 'billing').expect(201);
    await request(app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: 'wrong-code-123', password: PASSWORD })
      .expect(401);
    await activate('carol', invited.body.enrolmentCode as string);
    const again = await request(app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: invited.body.enrolmentCode as string, password: PASSWORD })
      .expect(401);
    expect(again.body.error.code).toBe('ENROLMENT_REFUSED');
  });

  it('refuses an expired enrolment code', async () => {
    const admin = await adminToken();
    const invited = await invite(admin, 'dave', 'doctor').expect(201);
    now += 73 * 3_600_000;
    await request(app)
      .post('/v1/signup')
      .send({ username: 'dave', enrolmentCode: invited.body.enrolmentCode as string, password: PASSWORD })
      .expect(401);
  });

  it('refuses a wrong TOTP code and a replayed one, and rate-limits failures', async () => {
    const admin = await adminToken();
    const invited = await invite(admin, 'erin', 'patient').expect(201);
    await activate('erin', invited.body.enrolmentCode as string);
    now += 30_000;
    const code = totp(totps.get('erin')!, now);
    await request(app).post('/v1/sessions').send({ username: 'erin', password: PASSWORD, code }).expect(201);
    const replay = await request(app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code })
      .expect(401);
    expect(replay.body.error).toEqual({ code: 'SIGN_IN_FAILED', message: 'wrong username, password or code' });
    // With the replay above, five failures within 15 minutes.
    for (let i = 0; i < 4; i++)
      await request(app)
        .post('/v1/sessions')
        .send({ username: 'erin', password: 'wrong password!', code: '000000' })
        .expect(401);
    now += 30_000;
    const limited = await request(app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code: totp(totps.get('erin')!, now) })
      .expect(429);
    expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    now += 15 * 60_000 + 30_000;
    await request(app)
      .post('/v1/sessions')
      .send({ username: 'erin', password: PASSWORD, code: totp(totps.get('erin')!, now) })
      .expect(201);
  });

  it('refuses missing, tampered and expired tokens', async () => {
    const admin = await adminToken();
    await request(app).get('/v1/me').expect(401);
    const [h, p] = admin.split('.');
    await request(app).get('/v1/me').set('authorization', `Bearer ${h}.${p}.forged`).expect(401);
    now += 901_000;
    const expired = await request(app).get('/v1/me').set('authorization', `Bearer ${admin}`).expect(401);
    expect(expired.body.error.message).toBe('the token is expired');
  });

  it('validates request bodies against the OpenAPI schemas', async () => {
    const admin = await adminToken();
    const res = await request(app)
      .post('/v1/users')
      .set('authorization', `Bearer ${admin}`)
      .send({ username: 'x', role: 'wizard', extra: 1 })
      .expect(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    await request(app).post('/v1/sessions').set('content-type', 'application/json').send('{"username":').expect(400);
    await request(app)
      .post('/v1/sessions')
      .send({ username: 'a'.repeat(300 * 1024) })
      .expect(413);
    expect(ca.registered.size).toBe(0);
  });

  it("invites only the roles the member's kind has", async () => {
    now = Date.parse('2026-05-01T10:00:00Z');
    build({ name: 'lab', mspId: 'LabMSP', kind: 'lab', displayName: 'Lab' });
    const admin = await adminToken();
    await invite(admin, 'pat', 'patient').expect(400);
    await invite(admin, 'tech', 'labtech').expect(201);
  });

  it('serves health and the OpenAPI document', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200, { status: 'ready' });
    const doc = await request(app).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.0.3');
    const docs = await request(app).get('/docs').expect(200);
    expect(docs.text).toContain("url: '/openapi.json'");
    await request(app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/signup', '/v1/sessions', '/v1/me']),
    );
  });
});
