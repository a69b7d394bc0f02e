/**
 * Read-your-writes across members: a write answers the block of its commit, and a request at
 * any gateway that names it (Ehr-Min-Block) waits, a bounded time, until that gateway's own
 * peer has committed the block, before it reads, endorses or streams. Each member's peer here
 * may lag the one chain (`lag`), as real peers commit each block on their own schedule.
 */
import request from 'supertest';
import { type BlockSource, PeerHeight } from '../../../gateway-api/src/read-your-writes';
import { consortium, Harness } from './harness';
import { LiveSource, until } from './live-events';

const grant = (practitionerId: string) => ({
  grantee: { mspId: 'HospitalBMSP', practitionerId },
  purpose: 'treatment',
  categories: ['diagnosis'],
  // Within the two years a consent may last.
  validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
});

describe('read-your-writes over HTTP', () => {
  let h: Harness;
  let admin: string;
  let patient: string;

  beforeEach(async () => {
    h = consortium({ heights: { waitMs: 300, pollMs: 20 } }).hospitalA;
    admin = await h.adminToken();
    patient = await h.user(admin, 'alice', 'patient');
  });

  it('answers every write with the block of its commit, in the body and the Ehr-Committed-Block header; reads name none', async () => {
    const res = await h.as(patient).post('/v1/consents').send(grant('doc-1')).expect(201);
    expect(res.body.committedBlock).toBe(Number(h.port.height() - 1n));
    expect(res.headers['ehr-committed-block']).toBe(String(res.body.committedBlock));
    const next = await h.as(patient).post('/v1/consents').send(grant('doc-2')).expect(201);
    expect(next.body.committedBlock).toBe((res.body.committedBlock as number) + 1);

    const read = await h.as(patient).get('/v1/consents').expect(200);
    expect(read.headers['ehr-committed-block']).toBeUndefined();
  });

  it('replays the same committed block with an idempotent retry', async () => {
    const body = grant('doc-1');
    const first = await h
      .as(patient)
      .post('/v1/consents')
      .set('idempotency-key', 'retry-key-0001')
      .send(body)
      .expect(201);
    await h.as(patient).post('/v1/consents').send(grant('doc-2')).expect(201);
    const again = await h.as(patient).post('/v1/consents').set('idempotency-key', 'retry-key-0001').send(body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers['ehr-committed-block']).toBe(String(first.body.committedBlock));
  });

  it('does not wait when the peer has the block already', async () => {
    const { body } = await h.as(patient).post('/v1/consents').send(grant('doc-1')).expect(201);
    const started = Date.now();
    await h.as(patient).get('/v1/consents').set('ehr-min-block', String(body.committedBlock)).expect(200);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('waits until its peer commits the block, then reads', async () => {
    const { body } = await h.as(patient).post('/v1/consents').send(grant('doc-1')).expect(201);
    h.lag = 1n;
    let answered = false;
    const read = h
      .as(patient)
      .get('/v1/consents')
      .set('ehr-min-block', String(body.committedBlock))
      .then((res) => {
        answered = true;
        return res;
      });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);
    h.lag = 0n;
    const res = await read;
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it('answers 503 LEDGER_BEHIND with Retry-After past the wait, and endorses nothing', async () => {
    const { body } = await h.as(patient).post('/v1/consents').send(grant('doc-1')).expect(201);
    h.lag = 1n;
    const mark = h.port.calls.length;
    const started = Date.now();
    const res = await h
      .as(patient)
      .post('/v1/consents')
      .set('ehr-min-block', String(body.committedBlock))
      .send(grant('doc-2'))
      .expect(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(res.body.error.code).toBe('LEDGER_BEHIND');
    expect(res.headers['retry-after']).toBe('1');
    expect(h.port.since(mark)).toEqual([]);
  });

  it.each(['abc', '-1', '1.5', '0x10', '', '99999999999999999999'])(
    'refuses Ehr-Min-Block %j with 400 and touches nothing',
    async (value) => {
      const mark = h.port.calls.length;
      const res = await h.as(patient).post('/v1/consents').set('ehr-min-block', value).send(grant('doc-1')).expect(400);
      expect(res.body.error.code).toBe('INVALID_MIN_BLOCK');
      expect(h.port.since(mark)).toEqual([]);
    },
  );

  it('documents the header on every route and the committed block on writes', async () => {
    const doc = (await request(h.app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; responses: object }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(50);
    const without = operations.filter(
      ({ op }) => !op.parameters.some((p) => p.name === 'Ehr-Min-Block' && p.in === 'header'),
    );
    expect(without).toEqual([]);
    const grantAnswer = doc.paths['/v1/consents']?.post?.responses as Record<string, { headers?: object }>;
    expect(grantAnswer['201']?.headers).toHaveProperty('Ehr-Committed-Block');
  });
});

describe('read-your-writes across members', () => {
  it("lets a write at hospital A be read at hospital B at once: B's gateway waits for its lagging peer", async () => {
    const { chain, hospitalA, hospitalB } = consortium();
    const adminA = await hospitalA.adminToken();
    const adminB = await hospitalB.adminToken();
    const invited = await hospitalA.invite(adminA, 'alice', 'patient').expect(201);
    const patientId = invited.body.patientId as string;
    expect(invited.body.committedBlock).toBe(Number(chain.height() - 1n));
    // B's peer has not committed A's registration yet.
    hospitalB.lag = chain.height() - BigInt(invited.body.committedBlock as number);
    setTimeout(() => {
      hospitalB.lag = 0n;
    }, 200);
    const started = Date.now();
    const found = await hospitalB
      .as(adminB)
      .get(`/v1/patients/${patientId}`)
      .set('ehr-min-block', String(invited.body.committedBlock))
      .expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(found.body).toMatchObject({ patientId, homeOrg: 'HospitalAMSP' });
  });
});

describe('the event stream with Ehr-Min-Block', () => {
  it('opens no stream at the peer until the peer has the block, and refuses it past the wait', async () => {
    const source = new LiveSource();
    const h = new Harness({ events: source, heights: { waitMs: 200, pollMs: 20 } });
    const admin = await h.adminToken();
    const token = await h.user(admin, 'bob', 'billing');
    h.lag = 1n;
    const behind = String(h.port.height() - 1n);
    const refused = await request(h.app)
      .get('/v1/events')
      .set('authorization', `Bearer ${token}`)
      .set('ehr-min-block', behind)
      .expect(503);
    expect(refused.body.error.code).toBe('LEDGER_BEHIND');
    expect(source.opens).toEqual([]);

    h.lag = 0n;
    const server = h.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const address = server.address() as { port: number };
      const stream = new AbortController();
      const res = await fetch(`http://127.0.0.1:${String(address.port)}/v1/events`, {
        headers: { authorization: `Bearer ${token}`, 'ehr-min-block': behind },
        signal: stream.signal,
      });
      expect(res.status).toBe(200);
      await until(() => source.openStreams === 1);
      stream.abort();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

/** A peer whose height and block stream the test drives. */
class DrivenPeer implements BlockSource {
  current = 5n;
  readonly streams: { push(block: bigint): void; fail(): void }[] = [];
  asked = 0;

  height() {
    this.asked += 1;
    return Promise.resolve(this.current);
  }

  blocks(startBlock: bigint) {
    const queue: bigint[] = [];
    let wake: (() => void) | undefined;
    let failed = false;
    let closed = false;
    this.streams.push({
      push: (block) => {
        queue.push(block);
        wake?.();
      },
      fail: () => {
        failed = true;
        wake?.();
      },
    });
    expect(startBlock).toBe(this.current);
    async function* numbers(): AsyncGenerator<bigint> {
      while (!closed) {
        if (failed) throw new Error('the peer went away');
        const next = queue.shift();
        if (next !== undefined) yield next;
        else
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    }
    return Promise.resolve({
      blocks: numbers(),
      close: () => {
        closed = true;
        wake?.();
      },
    });
  }
}

describe('the peer height cache', () => {
  it("wakes a waiting request with the block's commit, without asking the peer again", async () => {
    const peer = new DrivenPeer();
    const heights = new PeerHeight(peer, { waitMs: 2000, pollMs: 60_000, retryMs: 10 });
    const stop = new AbortController();
    const following = heights.follow(stop.signal);
    await until(() => peer.streams.length === 1);
    const asked = peer.asked;
    const waiting = heights.reach(6n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer.current = 7n;
    peer.streams[0]?.push(5n);
    peer.streams[0]?.push(6n);
    await waiting;
    expect(heights.height).toBe(7n);
    // Once on arrival (the cache could be behind); the commit itself came by the stream.
    expect(peer.asked - asked).toBe(1);
    stop.abort();
    await following;
  });

  it('follows again from the height it knows when the block stream breaks', async () => {
    const peer = new DrivenPeer();
    const heights = new PeerHeight(peer, { waitMs: 2000, pollMs: 60_000, retryMs: 10 });
    const stop = new AbortController();
    const following = heights.follow(stop.signal);
    await until(() => peer.streams.length === 1);
    peer.current = 6n;
    peer.streams[0]?.push(5n);
    await until(() => heights.height === 6n);
    peer.streams[0]?.fail();
    await until(() => peer.streams.length === 2);
    peer.current = 7n;
    peer.streams[1]?.push(6n);
    await heights.reach(6n);
    stop.abort();
    await following;
  });

  it('finds the block by asking the peer when no block stream runs', async () => {
    const peer = new DrivenPeer();
    const heights = new PeerHeight(peer, { waitMs: 2000, pollMs: 20, retryMs: 10 });
    const waiting = heights.reach(5n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer.current = 6n;
    await waiting;
    expect(heights.height).toBe(6n);
  });
});
