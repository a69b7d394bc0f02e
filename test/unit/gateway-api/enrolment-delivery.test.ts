/**
 * Enrolment codes go to the user, not into the admin's answer: an admin (or anyone reading the
 * admin's screen or logs) who had a user's one-time code could finish that user's sign-up and
 * act as them. The default channel is the user's outbox file under the gateway's data folder.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { outboxDelivery } from '../../../gateway-api/src/delivery';
import { Harness } from './harness';

describe('enrolment codes are sent to the user', () => {
  let h: Harness;
  let admin: string;

  beforeEach(async () => {
    h = new Harness();
    admin = await h.adminToken();
  });

  const outbox = (username: string) => path.join(h.dir, 'outbox', `${username}.json`);
  const message = (username: string) => JSON.parse(readFileSync(outbox(username), 'utf8')) as Record<string, unknown>;
  const mode = (file: string) => statSync(file).mode & 0o777;

  it("keeps an invitation's code out of the admin's answer and puts it in the user's outbox, for the user only", async () => {
    const invited = await h.invite(admin, 'alice', 'patient').expect(201);
    const code = h.enrolmentCode('alice');
    expect(invited.body).not.toHaveProperty('enrolmentCode');
    expect(invited.text).not.toContain(code);
    expect(invited.body).toMatchObject({ username: 'alice', role: 'patient', codeSentVia: 'outbox' });
    expect(message('alice')).toEqual({
      to: 'alice',
      from: 'Hospital A',
      reason: 'invitation',
      enrolmentCode: code,
      expiresAt: invited.body.expiresAt as string,
      howTo: expect.stringContaining('POST /v1/signup') as unknown,
    });
    expect([mode(outbox('alice')), mode(path.dirname(outbox('alice')))]).toEqual([0o600, 0o700]);
    // Nor does any other answer to the admin hold it.
    expect((await h.as(admin).get('/v1/users').expect(200)).text).not.toContain(code);
    // The user signs up with the code they were sent.
    const token = await h.activate('alice', code);
    await h.as(token).get('/v1/me').expect(200);
  });

  it("keeps a reset's code out of the admin's answer; the new code replaces the old one in the outbox", async () => {
    await h.user(admin, 'bob', 'billing');
    const first = h.enrolmentCode('bob');
    const reset = await h.as(admin).post('/v1/users/bob/totp-reset').expect(200);
    const code = h.enrolmentCode('bob');
    expect(code).not.toBe(first);
    expect(reset.body).toEqual({ username: 'bob', codeSentVia: 'outbox', expiresAt: expect.any(String) as unknown });
    expect(reset.text).not.toContain(code);
    expect(message('bob')).toMatchObject({ reason: 'authenticator-reset', enrolmentCode: code });
    await h.activate('bob', code);
  });

  it('keeps an invitee whose code could not be sent invited, and a reset sends a new one', async () => {
    let down = true;
    h = new Harness({
      delivery: (dir) => {
        const box = outboxDelivery(dir);
        return {
          channel: 'outbox',
          deliver: (notice) => (down ? Promise.reject(new Error('mail relay refused')) : box.deliver(notice)),
        };
      },
    });
    // The admin's own first code never goes through the channel: it is in the operator's file.
    admin = await h.adminToken();
    const failed = await h.invite(admin, 'carol', 'billing').expect(503);
    expect(failed.body.error).toEqual({
      code: 'DELIVERY_FAILED',
      message:
        'carol has a new enrolment code, but it could not be sent (outbox); ' +
        'send another with POST /v1/users/carol/totp-reset',
    });
    const listed = await h.as(admin).get('/v1/users?status=invited').expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ username: 'carol' })]);
    down = false;
    await h.as(admin).post('/v1/users/carol/totp-reset').expect(200);
    await h.activate('carol', h.enrolmentCode('carol'));
  });
});
