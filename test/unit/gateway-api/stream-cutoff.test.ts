/**
 * A departing user is cut off everywhere at once: signing out, being disabled or having the
 * authenticator reset ends their open event streams too, and a stream ends when its token
 * expires. Streams over a real connection, with a live stand-in of the peer's event service.
 */
import { Harness } from './harness';
import { LiveSource, openStream, serve, type StreamClient, until } from './live-events';

const CLAIM = { claimId: 'CLM-1', patientId: 'PAT-1', provider: 'HospitalAMSP', insurer: 'InsurerMSP' };

describe('event streams end with their token', () => {
  let source: LiveSource;
  let h: Harness;
  let admin: string;
  let server: { url: string; stop(): void };
  const streams: StreamClient[] = [];

  const start = async (options: ConstructorParameters<typeof Harness>[0] = {}) => {
    source = new LiveSource();
    h = new Harness({ ...options, events: source });
    admin = await h.adminToken();
    server = await serve(h.app);
  };
  const stream = async (token: string) => {
    const opened = await openStream(server.url, token);
    streams.push(opened);
    expect(opened.status).toBe(200);
    return opened;
  };
  /** The session-ended event a stream closed with, if any. */
  const endedWith = (s: StreamClient): unknown => {
    const data = /^event: session-ended\ndata: (.+)$/m.exec(s.text())?.[1];
    return data === undefined ? undefined : JSON.parse(data);
  };

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
    server.stop();
  });

  it.each([
    [
      'signs out',
      'the token was signed out',
      (token: string) => h.as(token).delete('/v1/sessions/current').expect(204),
    ],
    ['is disabled', 'the token names no active user', () => h.as(admin).post('/v1/users/bob/disable').expect(200)],
    [
      'has their authenticator reset',
      'the token names no active user',
      () => h.as(admin).post('/v1/users/bob/totp-reset').expect(200),
    ],
  ])('ends the stream at once when the user %s', async (_case, message, act) => {
    await start();
    const token = await h.user(admin, 'bob', 'billing');
    const bob = await stream(token);
    source.commit('ClaimStatus', { ...CLAIM, status: 'submitted' });
    await until(() => bob.ids().length === 1);
    await act(token);
    expect(await bob.endsWithin(2000)).toBe(true);
    expect(endedWith(bob)).toEqual({ code: 'UNAUTHENTICATED', message });
    // The peer's stream was closed with it.
    await until(() => source.openStreams === 0);
  });

  it("keeps the user's other streams when one token signs out", async () => {
    await start();
    const laptop = await h.user(admin, 'bob', 'billing');
    const phone = await h.signIn('bob');
    const [onLaptop, onPhone] = [await stream(laptop), await stream(phone)];
    await h.as(laptop).delete('/v1/sessions/current').expect(204);
    expect(await onLaptop.endsWithin(2000)).toBe(true);
    source.commit('ClaimStatus', { ...CLAIM, status: 'submitted' });
    await until(() => onPhone.ids().length === 1);
    expect(onPhone.ended()).toBe(false);
  });

  it('ends the stream when its token expires', async () => {
    await start({ settings: { tokenTtlSeconds: 1 } });
    const bob = await stream(await h.user(admin, 'bob', 'billing'));
    expect(await bob.endsWithin(3000)).toBe(true);
    expect(endedWith(bob)).toEqual({ code: 'UNAUTHENTICATED', message: 'the token is expired' });
  });
});
