import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { Harness, PASSWORD } from './harness';

const MINUTE = 60_000;

describe("a member admin's account administration over HTTP", () => {
  let h: Harness;
  let admin: string;

  beforeEach(async () => {
    h = new Harness();
    admin = await h.adminToken();
  });

  const users = (query = '') => h.as(admin).get(`/v1/users${query}`);
  const names = (res: request.Response) => (res.body.items as { username: string }[]).map((u) => u.username);
  const signIn = (username: string, password = PASSWORD) =>
    request(h.app)
      .post('/v1/sessions')
      .send({ username, password, code: h.code(username) });
  /** Fails `times` sign-ins of the user, a minute apart. */
  const fail = async (username: string, times: number) => {
    for (let i = 0; i < times; i++) {
      await signIn(username, 'not the password!').expect(401);
      h.now += MINUTE;
    }
  };

  it('finds no user named after a property every object has (found by the bad-input campaign)', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      for (const action of ['disable', 'enable', 'totp-reset']) {
        const res = await h.as(admin).post(`/v1/users/${name}/${action}`).expect(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
      await request(h.app)
        .post('/v1/sessions')
        .send({ username: name, password: PASSWORD, code: '123456' })
        .expect(401);
    }
    expect(names(await users().expect(200))).toEqual(['admin']);
  });

  it('lists users with role, attributes, status, who invited them and when, in pages with a bookmark', async () => {
    await h.user(admin, 'bob', 'billing');
    await h.invite(admin, 'carol', 'billing').expect(201);
    await h.invite(admin, 'dave', 'doctor').expect(201);
    const first = await users('?pageSize=2').expect(200);
    expect(first.body.items).toEqual([
      {
        username: 'admin',
        role: 'admin',
        attrs: { 'ehr.role': 'admin' },
        status: 'active',
        createdAt: expect.any(String),
        createdBy: 'network',
        lockedOut: false,
      },
      {
        username: 'bob',
        role: 'billing',
        attrs: { 'ehr.role': 'billing' },
        enrollmentId: h.enrolmentIdOf('bob'),
        status: 'active',
        createdAt: '2026-05-01T10:00:30.000Z',
        createdBy: 'admin',
        lockedOut: false,
      },
    ]);
    expect(first.body.bookmark).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await users(`?pageSize=2&bookmark=${String(first.body.bookmark)}`).expect(200);
    expect(names(second)).toEqual(['carol', 'dave']);
    expect(second.body.bookmark).toBe('');
    const all = await users().expect(200);
    expect(all.body.items).toHaveLength(4);
    expect(all.body.bookmark).toBe('');

    const invited = await users('?status=invited').expect(200);
    expect(names(invited)).toEqual(['carol', 'dave']);
    const doctors = await users('?role=doctor&status=invited').expect(200);
    expect(doctors.body.items).toEqual([
      expect.objectContaining({
        username: 'dave',
        attrs: { 'ehr.role': 'doctor', 'ehr.practitionerId': expect.any(String) },
      }),
    ]);
  });

  it('refuses a bad page size, bookmark, filter or parameter', async () => {
    for (const query of [
      '?pageSize=0',
      '?pageSize=101',
      '?pageSize=ten',
      '?status=asleep',
      '?role=wizard',
      '?sort=name',
    ])
      expect({ query, status: (await users(query)).status }).toEqual({ query, status: 400 });
    const bookmark = await users('?bookmark=bm90LW91cnM').expect(400);
    expect(bookmark.body.error.message).toBe('the bookmark is not one this gateway gave');
  });

  it('shows who is locked out now, and until when', async () => {
    await h.user(admin, 'bob', 'billing');
    const firstFailure = h.now;
    await fail('bob', 5);
    await signIn('bob').expect(429);
    const [bob] = (await users('?role=billing').expect(200)).body.items;
    expect(bob).toMatchObject({ lockedOut: true, lockedUntil: new Date(firstFailure + 15 * MINUTE).toISOString() });
    // The admin's token has expired by then: signing in again moves the clock to the next TOTP step.
    h.now = firstFailure + 15 * MINUTE - 30_000;
    const again = await h.signIn('admin');
    const [later] = (await h.as(again).get('/v1/users?role=billing').expect(200)).body.items;
    expect(later.lockedOut).toBe(false);
    expect(later).not.toHaveProperty('lockedUntil');
  });

  it('disables a user: every token they hold stops at once and they cannot sign in; enabling restores sign-in', async () => {
    const laptop = await h.user(admin, 'bob', 'billing');
    const phone = await h.signIn('bob');
    const disabled = await h.as(admin).post('/v1/users/bob/disable').expect(200);
    expect(disabled.body).toMatchObject({ username: 'bob', status: 'disabled', disabledBy: 'admin' });
    for (const token of [laptop, phone]) await h.as(token).get('/v1/me').expect(401);
    h.now += 30_000;
    await signIn('bob').expect(401);
    // Disabling again changes nothing.
    await h.as(admin).post('/v1/users/bob/disable').expect(200);

    const enabled = await h.as(admin).post('/v1/users/bob/enable').expect(200);
    expect(enabled.body).toMatchObject({ username: 'bob', status: 'active', lockedOut: false });
    expect(enabled.body).not.toHaveProperty('disabledAt');
    const fresh = await h.signIn('bob');
    await h.as(fresh).get('/v1/me').expect(200);
    // The tokens withdrawn by the disable stay withdrawn.
    const old = await h.as(laptop).get('/v1/me').expect(401);
    expect(old.body.error.message).toBe("the token was withdrawn by the member's admin");
  });

  it('keeps a disabled invitee from signing up until enabled', async () => {
    await h.invite(admin, 'carol', 'billing').expect(201);
    const code = h.enrolmentCode('carol');
    await h.as(admin).post('/v1/users/carol/disable').expect(200);
    await request(h.app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: code, password: PASSWORD })
      .expect(401);
    const enabled = await h.as(admin).post('/v1/users/carol/enable').expect(200);
    expect(enabled.body.status).toBe('invited');
    await h.activate('carol', code);
  });

  it('refuses to let an admin disable themselves, and answers 404 for an unknown user', async () => {
    const before = readFileSync(path.join(h.dir, 'users.json'), 'utf8');
    const self = await h.as(admin).post('/v1/users/admin/disable').expect(422);
    expect(self.body.error.code).toBe('SELF_DISABLE');
    await h.as(admin).get('/v1/me').expect(200);
    for (const action of ['disable', 'enable', 'totp-reset'])
      await h.as(admin).post(`/v1/users/nobody/${action}`).expect(404);
    expect(readFileSync(path.join(h.dir, 'users.json'), 'utf8')).toBe(before);
  });

  it('ends a lock-out when the admin enables the user', async () => {
    await h.user(admin, 'bob', 'billing');
    await fail('bob', 5);
    await signIn('bob').expect(429);
    await h.as(admin).post('/v1/users/bob/enable').expect(200);
    await signIn('bob').expect(201);
  });

  it('resets an authenticator: a new code, tokens withdrawn, sign-up again with the same Fabric identity', async () => {
    const token = await h.user(admin, 'bob', 'billing');
    const oldSecret = h.totps.get('bob');
    await fail('bob', 5);
    const reset = await h.as(admin).post('/v1/users/bob/totp-reset').expect(200);
    expect(reset.body).toEqual({
      username: 'bob',
      codeSentVia: 'outbox',
      expiresAt: '2026-05-04T10:06:00.000Z',
    });
    await h.as(token).get('/v1/me').expect(401);
    await signIn('bob').expect(401);
    const [listed] = (await users('?role=billing').expect(200)).body.items;
    expect(listed).toMatchObject({ status: 'invited', lockedOut: false });

    const again = await h.activate('bob', h.enrolmentCode('bob'));
    expect(h.totps.get('bob')).not.toBe(oldSecret);
    await h.as(again).get('/v1/me').expect(200);
    // The CA enrolled bob once (it refuses a second enrolment): the identity is the one he had.
    expect(h.ca.registered.get(h.enrolmentIdOf('bob'))?.enrolled).toBe(true);
    expect(h.accounts.identityOf(h.accounts.authenticate(again)).certPem).toBe(`CERT OF ${h.enrolmentIdOf('bob')}`);
  });

  it('gives an invitee who lost the code a new one, and refuses the old one', async () => {
    await h.invite(admin, 'carol', 'billing').expect(201);
    const lost = h.enrolmentCode('carol');
    await h.as(admin).post('/v1/users/carol/totp-reset').expect(200);
    expect(h.enrolmentCode('carol')).not.toBe(lost);
    await request(h.app)
      .post('/v1/signup')
      .send({ username: 'carol', enrolmentCode: lost, password: PASSWORD })
      .expect(401);
    await h.activate('carol', h.enrolmentCode('carol'));
  });

  it('refuses to reset a disabled user', async () => {
    await h.user(admin, 'bob', 'billing');
    await h.as(admin).post('/v1/users/bob/disable').expect(200);
    const refused = await h.as(admin).post('/v1/users/bob/totp-reset').expect(409);
    expect(refused.body.error.message).toBe('user bob is disabled; enable them first');
  });
});
