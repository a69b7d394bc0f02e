/**
 * Sign-in under attack: bursts of parallel guesses, a replayed TOTP code, probes for which
 * usernames exist, and floods of attempts. Each attack is run as an attacker would run it over
 * HTTP; the outcomes (answers, the store on disk) show it fails and honest use still works.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { totp } from '../../../gateway-api/src/auth/totp';
import { Harness, PASSWORD } from './harness';

const statuses = (answers: { status: number }[]) =>
  answers.reduce<Record<number, number>>((count, { status }) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {});

describe('sign-in under attack', () => {
  let h: Harness;
  let admin: string;

  beforeEach(async () => {
    h = new Harness();
    admin = await h.adminToken();
  });

  const signIn = (username: string, password: string, code: string) =>
    request(h.app).post('/v1/sessions').send({ username, password, code });
  /** Six-digit codes that are none of the user's codes around now (so every guess is wrong). */
  const wrongCodes = (username: string, count: number) => {
    const secret = h.totps.get(username) ?? '';
    const valid = new Set([-30_000, 0, 30_000].map((drift) => totp(secret, h.now + drift)));
    const codes: string[] = [];
    for (let n = 0; codes.length < count; n++) {
      const code = String(n * 7919).padStart(6, '0');
      if (!valid.has(code)) codes.push(code);
    }
    return codes;
  };

  it('locks the user after the configured attempts when wrong sign-ins arrive in a parallel burst', async () => {
    await h.user(admin, 'bob', 'billing');
    h.now += 30_000;
    // The attacker has bob's password and tries twelve TOTP codes at once.
    const burst = await Promise.all(wrongCodes('bob', 12).map((code) => signIn('bob', PASSWORD, code)));
    expect(statuses(burst)).toEqual({ 401: 5, 429: 7 });
    // Locked: even the right code is refused now.
    const right = await signIn('bob', PASSWORD, h.code('bob')).expect(429);
    expect(right.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    const listed = await h.as(admin).get('/v1/users?role=billing').expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ username: 'bob', lockedOut: true })]);
    // Honest use afterwards: the admin ends the lock-out and bob signs in.
    await h.as(admin).post('/v1/users/bob/enable').expect(200);
    await signIn('bob', PASSWORD, h.code('bob')).expect(201);
  });

  it('accepts one of two parallel sign-ins with the same valid code, never both', async () => {
    await h.user(admin, 'bob', 'billing');
    h.now += 30_000;
    const code = h.code('bob');
    const both = await Promise.all([signIn('bob', PASSWORD, code), signIn('bob', PASSWORD, code)]);
    expect(statuses(both)).toEqual({ 201: 1, 401: 1 });
    h.now += 30_000;
    await signIn('bob', PASSWORD, h.code('bob')).expect(201);
  });

  it('answers an unknown username as a known one, with the same password work, and writes nothing for it', async () => {
    await h.user(admin, 'bob', 'billing');
    const file = path.join(h.dir, 'users.json');
    const before = { text: readFileSync(file, 'utf8'), inode: statSync(file).ino };
    const timed = async (username: string) => {
      const started = process.hrtime.bigint();
      const answer = await signIn(username, 'a wrong password!', '123456');
      return { answer, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[1] ?? 0;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      const k = await timed('bob');
      const u = await timed('nobody');
      expect([k.answer.status, u.answer.status]).toEqual([401, 401]);
      expect(u.answer.body).toEqual(k.answer.body);
      known.push(k.ms);
      unknown.push(u.ms);
    }
    // Both hash the password (scrypt, tens of ms); an answer without hashing takes a few ms.
    expect(median(unknown)).toBeGreaterThan(median(known) / 3);
    const users = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(users)).toEqual(['admin', 'bob']);
    // bob's failures were written; for "nobody" nothing was (the file was replaced only for bob).
    expect(readFileSync(file, 'utf8')).not.toBe(before.text);
    h.now += 16 * 60_000;
    const inode = statSync(file).ino;
    await signIn('nobody', 'a wrong password!', '123456').expect(401);
    expect(statSync(file).ino).toBe(inode);
  });

  it('locks an unknown username like a known one, so lock-outs do not tell which usernames exist', async () => {
    await h.user(admin, 'bob', 'billing');
    h.now += 30_000;
    for (const username of ['bob', 'nobody']) {
      const answers = [];
      for (const code of wrongCodes('bob', 6)) answers.push(await signIn(username, 'a wrong password!', code));
      expect({ username, statuses: statuses(answers) }).toEqual({ username, statuses: { 401: 5, 429: 1 } });
    }
  });

  it('refuses sign-in, sign-up and TOTP confirmation from one address past its limit, with a clear 429', async () => {
    h = new Harness({ limits: { perAddress: 4, total: 100, windowMs: 60_000 } });
    const attempts = [
      () => signIn('bob', PASSWORD, '123456'),
      () =>
        request(h.app).post('/v1/signup').send({ username: 'bob', enrolmentCode: 'not-a-code', password: PASSWORD }),
      () =>
        request(h.app).post('/v1/signup/totp').send({ username: 'bob', enrolmentCode: 'not-a-code', code: '123456' }),
      () => signIn('bob', PASSWORD, '123456'),
    ];
    for (const attempt of attempts) expect((await attempt()).status).toBe(401);
    for (const attempt of attempts) {
      const limited = await attempt().expect(429);
      expect(limited.body.error).toEqual({
        code: 'RATE_LIMITED',
        message: 'too many sign-in attempts from your address; retry in 60 s',
      });
    }
    // Other routes are not limited; after the window the address may try again.
    await request(h.app).get('/healthz').expect(200);
    h.now += 60_000;
    await signIn('bob', PASSWORD, '123456').expect(401);
  });

  it('refuses sign-in attempts past the gateway-wide limit, whoever sends them', async () => {
    h = new Harness({ limits: { perAddress: 100, total: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) await signIn(`user${String(i)}`, PASSWORD, '123456').expect(401);
    const limited = await signIn('user9', PASSWORD, '123456').expect(429);
    expect(limited.body.error).toEqual({
      code: 'RATE_LIMITED',
      message: 'the gateway is receiving too many sign-in attempts; retry in 60 s',
    });
  });
});
