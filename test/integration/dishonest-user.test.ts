/**
 * The trust model against a dishonest or careless user, or an attacker at the gateway (issue
 * 12, attacks 7-12), on the real network: this run's own gateway programs in front of the
 * members' real peers and CAs. Each test performs the attack over HTTP (or with the identities
 * the gateway holds) and shows it fails, beside the honest use that still works.
 * Cutting a departing user's certificate off at the channel is in revocation.test.ts.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { totp } from '../../gateway-api/src/auth/totp';
import { proposeUpdate, submitUpdate, withCrl } from '../../network/src/channel-config';
import { currentCrl, registeredAtCa, revokeIdentity } from '../../network/src/identities';
import { paths } from '../../network/src/topology';
import { openStream, type StreamClient } from '../unit/gateway-api/live-events';
import {
  call,
  type Gateway,
  invite,
  PASSWORD,
  type Person,
  signIn,
  startGateway,
  stopGateways,
} from './helpers/gateways';
import { eventually, network, orgSpec, settled, stateDb } from './helpers/network';

const runId = Date.now().toString(36);
const DAY = 86_400_000;

const statuses = (answers: { status: number }[]) =>
  answers.reduce<Record<number, number>>((count, { status }) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {});

/** Six-digit codes none of which is the user's code around now, so every guess is wrong. */
function wrongCodes(secret: string, count: number): string[] {
  const valid = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((drift) => totp(secret, Date.now() + drift)));
  const codes: string[] = [];
  for (let n = 1; codes.length < count; n++) {
    const code = String(n * 7919).padStart(6, '0');
    if (!valid.has(code)) codes.push(code);
  }
  return codes;
}

const signInWith = (g: Gateway, username: string, code: string, password = PASSWORD) =>
  call(`${g.url}/v1/sessions`, 'POST', { username, password, code });

/** Waits until the stream received an event of `name` whose data holds `marker`. */
async function received(stream: StreamClient, name: string, marker: string): Promise<void> {
  await eventually(async () => {
    const found = [...stream.text().matchAll(/^event: (.+)\ndata: (.+)$/gm)].some(
      (m) => m[1] === name && (m[2] ?? '').includes(marker),
    );
    if (!found) throw new Error(`no ${name} event with ${marker} yet`);
    return Promise.resolve();
  }, 30_000);
}

describe('a dishonest or careless user, or an attacker at the gateway, gets nowhere', () => {
  let a: Gateway;
  let b: Gateway;
  let limited: Gateway;
  const streams: StreamClient[] = [];
  const stream = async (g: Gateway, token: string, lastEventId?: string) => {
    const s = await openStream(g.url, token, lastEventId);
    streams.push(s);
    return s;
  };

  beforeAll(async () => {
    // Every call of this suite comes from 127.0.0.1: the per-address sign-in limit is tested on
    // a gateway of its own and set out of the way on the others.
    const unlimited = { EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS: '1000', EHR_GATEWAY_SIGNIN_RATE_TOTAL: '1000' };
    [a, b, limited] = await Promise.all([
      startGateway('hospital-a', 95, {
        ...unlimited,
        EHR_GATEWAY_EVENT_STREAMS_PER_USER: '2',
        EHR_GATEWAY_EVENT_RESUME_BLOCKS: '5',
      }),
      startGateway('hospital-b', 96, unlimited),
      startGateway('hospital-a', 97, { EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS: '8' }),
    ]);
  }, 300_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await stopGateways();
  });

  describe('attack 7: racing the lock-out, replaying a code, probing for users, flooding', () => {
    it('locks a user after the allowed failures when wrong codes arrive in a parallel burst', async () => {
      const victim = await invite(a, `burst-${runId}`, 'billing');
      // The attacker has the password and tries twelve TOTP codes at once.
      const burst = await Promise.all(
        wrongCodes(victim.secret, 12).map((code) => signInWith(a, victim.username, code)),
      );
      expect(statuses(burst)).toEqual({ 401: 5, 429: 7 });
      const right = await signInWith(a, victim.username, totp(victim.secret, Date.now() + 30_000));
      expect(right.status).toBe(429);
      expect(right.body.error.code).toBe('TOO_MANY_ATTEMPTS');
      // The admin ends the lock-out; the user signs in.
      expect((await call(`${a.url}/v1/users/${victim.username}/enable`, 'POST', undefined, a.admin)).status).toBe(200);
      await signIn(a.url, victim.username, victim.secret, 30_000);
    });

    it('accepts one of two parallel sign-ins with the same code, never both', async () => {
      const user = await invite(a, `replay-${runId}`, 'billing');
      const code = totp(user.secret, Date.now() + 30_000);
      const both = await Promise.all([signInWith(a, user.username, code), signInWith(a, user.username, code)]);
      expect(statuses(both)).toEqual({ 201: 1, 401: 1 });
    });

    it('answers an unknown username as a known one and writes nothing for it', async () => {
      const store = path.join(a.dataDir, 'users.json');
      const before = { text: readFileSync(store, 'utf8'), mtime: statSync(store).mtimeMs };
      const unknown = await signInWith(a, `nobody-${runId}`, '123456');
      // Nothing was written for the unknown name: the store is the same file, unchanged.
      expect({ text: readFileSync(store, 'utf8'), mtime: statSync(store).mtimeMs }).toEqual(before);
      const known = await signInWith(a, `replay-${runId}`, '123456', 'a wrong passphrase');
      expect([unknown.status, unknown.body]).toEqual([known.status, known.body]);
      expect(unknown.body.error.code).toBe('SIGN_IN_FAILED');
    });

    it('refuses sign-ins from one address past its limit per minute', async () => {
      // The limit is 8 a minute; this gateway's admin sign-up used some of them.
      const flood = [];
      for (let n = 0; n < 12; n++) flood.push(await signInWith(limited, `guess-${runId}-${String(n)}`, '000000'));
      const refusedFrom = flood.findIndex((answer) => answer.status === 429);
      expect(refusedFrom).toBeGreaterThan(0);
      expect(refusedFrom).toBeLessThanOrEqual(8);
      expect(flood.slice(0, refusedFrom).every((answer) => answer.status === 401)).toBe(true);
      expect(flood.slice(refusedFrom).every((answer) => answer.body.error.code === 'RATE_LIMITED')).toBe(true);
    });
  });

  describe('attack 8: a departing user keeps their token and event stream', () => {
    it('ends the token and the stream at sign-out, and at once when the admin disables the user', async () => {
      const leaver = await invite(a, `leaver-${runId}`, 'billing');
      const first = await stream(a, leaver.token);
      expect(first.status).toBe(200);
      expect((await call(`${a.url}/v1/sessions/current`, 'DELETE', undefined, leaver.token)).status).toBe(204);
      expect(await first.endsWithin(5000)).toBe(true);
      expect(first.text()).toContain('event: session-ended');
      expect((await call(`${a.url}/v1/me`, 'GET', undefined, leaver.token)).status).toBe(401);

      const token = await signIn(a.url, leaver.username, leaver.secret, 30_000);
      const second = await stream(a, token);
      expect((await call(`${a.url}/v1/users/${leaver.username}/disable`, 'POST', undefined, a.admin)).status).toBe(200);
      expect(await second.endsWithin(5000)).toBe(true);
      expect((await call(`${a.url}/v1/me`, 'GET', undefined, token)).status).toBe(401);
    });
  });

  describe('attack 9: staff streaming every event', () => {
    it("shows staff only their own member's events of their role's kinds", async () => {
      const [patient, doctorA, doctorB, billingB] = await Promise.all([
        invite(a, `pat9-${runId}`, 'patient'),
        invite(a, `doc9-${runId}`, 'doctor'),
        invite(b, `docb9-${runId}`, 'doctor'),
        invite(b, `billb9-${runId}`, 'billing'),
      ]);
      await settled();
      const seenBy = {
        doctorA: await stream(a, doctorA.token),
        doctorB: await stream(b, doctorB.token),
        billingB: await stream(b, billingB.token),
      };
      const slot = new Date(Date.now() + 3 * DAY + Math.floor(Math.random() * 1e6) * 60_000).toISOString();
      const booked = await call(
        `${a.url}/v1/appointments`,
        'POST',
        { mspId: 'HospitalAMSP', practitionerId: doctorA.attrs['ehr.practitionerId'], slot, reason: 'check-up' },
        patient.token,
      );
      expect(booked.status).toBe(201);
      const appointmentId = booked.body.appointmentId as string;
      const granted = await call(
        `${a.url}/v1/consents`,
        'POST',
        {
          grantee: { mspId: 'HospitalBMSP' },
          categories: ['diagnosis'],
          purpose: 'treatment',
          validUntil: new Date(Date.now() + DAY).toISOString(),
        },
        patient.token,
      );
      expect(granted.status).toBe(201);
      const consentId = granted.body.consentId as string;
      // Hospital B's doctor gets the consent to B (it came after the appointment)...
      await received(seenBy.doctorB, 'ConsentGranted', consentId);
      await received(seenBy.doctorA, 'AppointmentStatus', appointmentId);
      // ...and never hospital A's appointment; B's billing clerk gets neither.
      expect(seenBy.doctorB.text()).not.toContain(appointmentId);
      expect(seenBy.billingB.text()).not.toContain(appointmentId);
      expect(seenBy.billingB.text()).not.toContain(consentId);
      expect(seenBy.doctorA.text()).not.toContain(consentId);
    });
  });

  describe('attack 10: exhausting the gateway with event streams', () => {
    it("caps a user's streams and refuses to replay the chain from genesis", async () => {
      const user = await invite(a, `streams-${runId}`, 'doctor');
      const one = await stream(a, user.token);
      const two = await stream(a, user.token);
      const three = await stream(a, user.token);
      expect([one.status, two.status, three.status]).toEqual([200, 200, 429]);
      expect(three.body()).toMatchObject({ error: { code: 'TOO_MANY_STREAMS' } });
      one.close();
      await eventually(async () => {
        const again = await stream(a, user.token);
        if (again.status !== 200) throw new Error(`still ${String(again.status)}`);
      }, 10_000);
      for (const s of streams) s.close();
      // With slots free again, a resume from genesis is refused for what it is.
      await eventually(async () => {
        const genesis = await stream(a, user.token, '0-0');
        genesis.close();
        expect([genesis.status, genesis.body()]).toEqual([
          400,
          expect.objectContaining({ error: expect.objectContaining({ code: 'RESUME_TOO_OLD' }) }),
        ]);
      }, 10_000);
    });
  });

  describe('attack 11: usernames linked to patient ids in certificates and public state', () => {
    it('enrols users under opaque ids: the username is in no certificate, no state DB and not at the CA', async () => {
      const username = `grace.hopper-${runId}`;
      // Her real name goes to her hospital's private demographics; her login name goes nowhere.
      const patient: Person = await invite(a, username, 'patient', 'Grace Brewster Hopper');
      // The patient acts on the ledger: an access event and a consent carry their identity.
      const granted = await call(
        `${a.url}/v1/consents`,
        'POST',
        {
          grantee: { mspId: 'HospitalBMSP' },
          categories: ['diagnosis'],
          purpose: 'treatment',
          validUntil: new Date(Date.now() + DAY).toISOString(),
        },
        patient.token,
      );
      expect(granted.status).toBe(201);
      const listed = await call(`${a.url}/v1/users?role=patient&pageSize=100`, 'GET', undefined, a.admin);
      const entry = (listed.body.items as { username: string; enrollmentId: string }[]).find(
        (u) => u.username === username,
      );
      expect(entry?.enrollmentId).toMatch(/^u[0-9a-f]{32}$/);
      expect(await registeredAtCa(orgSpec('hospital-a'), username)).toBe(false);
      expect(await registeredAtCa(orgSpec('hospital-a'), entry?.enrollmentId ?? '')).toBe(true);
      await settled();
      for (const member of network().orgs) {
        const server = stateDb(member.name);
        for (const db of await server.db.list()) {
          const docs = await server.use(db).list({ include_docs: true });
          expect({ db, member: member.name, hit: JSON.stringify(docs.rows).includes(username) }).toEqual({
            db,
            member: member.name,
            hit: false,
          });
        }
      }
    });
  });

  describe('attack 12: the MSP admin key in the gateway', () => {
    const org = orgSpec('hospital-a');
    const gatewayIdentity = (entry: 'registrar' | 'memberAdmin') => {
      const files = network().orgs.find((o) => o.name === 'hospital-a') as unknown as Record<
        string,
        { mspDir: string }
      >;
      return path.resolve(paths.home, files[entry]?.mspDir ?? '');
    };

    it('holds no identity that can change the channel: its member-admin user cannot sign a config update', async () => {
      const envelope = path.join(a.dataDir, 'crl-update.pb');
      expect(await proposeUpdate(org, withCrl(org.mspId, await currentCrl(org)), envelope)).toBe(true);
      await expect(submitUpdate(org, envelope, gatewayIdentity('memberAdmin'))).rejects.toThrow(
        /(BAD_REQUEST|FORBIDDEN).*(polic|signature|Admins)/is,
      );
    });

    it('holds a registrar that can neither revoke certificates nor make admins', async () => {
      const victim = await invite(a, `victim12-${runId}`, 'billing');
      const listed = await call(`${a.url}/v1/users?role=billing&pageSize=100`, 'GET', undefined, a.admin);
      const enrollmentId = (listed.body.items as { username: string; enrollmentId: string }[]).find(
        (u) => u.username === victim.username,
      )?.enrollmentId;
      expect(enrollmentId).toMatch(/^u[0-9a-f]{32}$/);
      await expect(
        revokeIdentity(org, enrollmentId ?? '', 'keycompromise', gatewayIdentity('registrar')),
      ).rejects.toThrow(/authori|not allowed|permission/i);
      // The victim is unharmed.
      expect((await call(`${a.url}/v1/me`, 'GET', undefined, victim.token)).status).toBe(200);
    });
  });
});
