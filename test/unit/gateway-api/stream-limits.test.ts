/**
 * Event streams cannot be used to wear the gateway or the peer down: each user may hold a few
 * streams open and the gateway serves a bounded number in all, and a stream resumes at most a
 * bounded number of blocks back (an older Last-Event-ID, such as `0-0` to replay the chain
 * from genesis, is refused with a clear error).
 */
import { Harness } from './harness';
import { LiveSource, openStream, serve, type StreamClient, until } from './live-events';

const LIMITS = { perUser: 2, total: 3, resumeBlocks: 5 };
const claim = (n: number) => ({ claimId: `CLM-${String(n)}`, patientId: 'PAT-1', provider: 'HospitalAMSP' });

describe('event stream limits', () => {
  let source: LiveSource;
  let h: Harness;
  let admin: string;
  let server: { url: string; stop(): void };
  const streams: StreamClient[] = [];

  beforeEach(async () => {
    source = new LiveSource();
    h = new Harness({ events: source, streams: LIMITS });
    admin = await h.adminToken();
    server = await serve(h.app);
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
    server.stop();
  });
  const open = async (token: string, lastEventId?: string) => {
    const opened = await openStream(server.url, token, lastEventId);
    streams.push(opened);
    return opened;
  };

  it("refuses a user's streams past their cap and everyone's past the gateway's, and frees a slot when a stream ends", async () => {
    const bob = await h.user(admin, 'bob', 'billing');
    const carol = await h.user(admin, 'carol', 'billing');
    const dave = await h.user(admin, 'dave', 'billing');
    const [first, second] = [await open(bob), await open(bob)];
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open(bob);
    expect({ status: third.status, body: third.body() }).toEqual({
      status: 429,
      body: { error: { code: 'TOO_MANY_STREAMS', message: 'you have 2 event streams open already; close one first' } },
    });
    expect((await open(carol)).status).toBe(200);
    const full = await open(dave);
    expect({ status: full.status, body: full.body() }).toEqual({
      status: 429,
      body: {
        error: { code: 'TOO_MANY_STREAMS', message: 'the gateway serves all the event streams it can; retry later' },
      },
    });
    expect(source.openStreams).toBe(3);
    // Closing a stream gives its slot back (and closes the peer's stream at once).
    first.close();
    await until(() => source.openStreams === 2);
    const again = await open(dave);
    expect(again.status).toBe(200);
    source.commit('ClaimStatus', { ...claim(1), status: 'submitted' });
    await until(() => again.ids().length === 1 && second.ids().length === 1);
  });

  it('refuses to replay the chain from genesis (Last-Event-ID 0-0), and resumes within the bound', async () => {
    for (let n = 1; n <= 20; n++) source.commit('ClaimStatus', { ...claim(n), status: 'submitted' });
    const bob = await h.user(admin, 'bob', 'billing');
    const genesis = await open(bob, '0-0');
    expect({ status: genesis.status, body: genesis.body() }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'RESUME_TOO_OLD',
          message:
            'Last-Event-ID names block 0; events resume from block 16 at the earliest: ' +
            'reconnect without Last-Event-ID and re-read what you follow',
        },
      },
    });
    expect(source.opens).toEqual([]);
    // A client that was away a few blocks resumes after the last event it had.
    const last = source.chain[16];
    const resumed = await open(bob, `${String(last?.blockNumber)}-${String(last?.txId)}`);
    expect(resumed.status).toBe(200);
    await until(() => resumed.ids().length === 3);
    expect(resumed.ids()).toEqual(source.chain.slice(17).map((e) => `${String(e.blockNumber)}-${e.txId}`));
  });
});
