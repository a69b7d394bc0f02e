/**
 * One client intent, one effect, over HTTP on the real chaincode (chaincode-port.ts): a request
 * whose answer was lost is retried with its `Idempotency-Key` and answered as the first attempt
 * would have been, with one object on the ledger, whether the gateway remembers the attempt
 * (it asks the ledger what became of its transaction) or not (the chaincode refuses the second
 * create and the gateway fetches what the first one answered).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness } from './harness';

// Each case signs three people up and writes on the real chaincode: more than 5 s on a loaded machine.
jest.setTimeout(30_000);

const timedOut = () => Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 });
const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });

const GRANT = {
  grantee: { mspId: 'HospitalBMSP' },
  categories: ['diagnosis'],
  purpose: 'treatment',
  validUntil: '2027-12-01T00:00:00Z',
};

describe('retried requests', () => {
  let h: Harness;
  let chain: ChaincodePort;
  let admin: string;
  let patient: string;
  let doctor: string;
  let patientId: string;

  beforeEach(async () => {
    ({ hospitalA: h, chain } = consortium());
    admin = await h.adminToken();
    patient = await h.user(admin, 'alice', 'patient');
    doctor = await h.user(admin, 'drwho', 'doctor');
    patientId = (await h.as(patient).get('/v1/me').expect(200)).body.attrs['ehr.patientId'] as string;
  });

  const grant = (key: string) => h.as(patient).post('/v1/consents').set('idempotency-key', key).send(GRANT);
  const submitted = (fn: string) => h.port.calls.filter((c) => c.kind === 'submit' && c.call.fn === fn);
  const bodies = () =>
    [...chain.ledger.collection('_implicit_org_HospitalAMSP').keys()].filter((k) => k.startsWith('\u0000recordBody'));

  describe('whose answer was lost after the commit', () => {
    beforeEach(async () => {
      h.port.lostAnswers.set('Grant', timedOut());
      const lost = await grant('grant-0001').expect(504);
      expect(lost.body.error.code).toBe('TIMEOUT');
      h.port.lostAnswers.delete('Grant');
      expect(chain.entries('consent')).toHaveLength(1);
    });

    it('asks the ledger what became of the transaction instead of sending it again', async () => {
      const [consent] = chain.entries('consent');
      const [first] = submitted('Grant');
      const retried = await grant('grant-0001').expect(201);
      expect(retried.body).toEqual({ txId: expect.any(String), committedBlock: expect.any(Number), ...consent });
      expect(retried.headers['ehr-committed-block']).toBe(String(retried.body.committedBlock));
      expect(h.port.lookedUp).toEqual([retried.body.txId]);
      expect(submitted('Grant')).toEqual([first]);
      expect(chain.entries('consent')).toHaveLength(1);
      // Answered now, the key replays the answer.
      const replayed = await grant('grant-0001').expect(201);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body).toEqual(retried.body);
    });

    it('does so after a restart of the gateway too (the transaction id was journalled before it was sent)', async () => {
      h.restart();
      const retried = await grant('grant-0001').expect(201);
      expect(h.port.lookedUp).toEqual([retried.body.txId]);
      expect(submitted('Grant')).toHaveLength(1);
      expect(chain.entries('consent')).toHaveLength(1);
    });

    it('answers the original when the gateway lost its journal: the chaincode refuses a second consent', async () => {
      rmSync(path.join(h.dir, 'idempotency.jsonl'));
      h.restart();
      const retried = await grant('grant-0001').expect(201);
      const [consent] = chain.entries('consent');
      expect(retried.body).toEqual({ txId: expect.any(String), committedBlock: expect.any(Number), ...consent });
      expect(retried.headers['ehr-committed-block']).toBe(String(retried.body.committedBlock));
      // Sent again, refused at endorsement (ALREADY_EXISTS): the answer is the first transaction's.
      expect(submitted('Grant')).toHaveLength(2);
      expect(h.port.lookedUp).toEqual([retried.body.txId]);
      expect(chain.entries('consent')).toHaveLength(1);
      // Another key is another intent.
      await grant('grant-0002').expect(201);
      expect(chain.entries('consent')).toHaveLength(2);
    });
  });

  it('answers 503 OUTCOME_UNKNOWN, sending nothing, while the ledger has not shown the first transaction', async () => {
    h.port.lostAnswers.set('Grant', timedOut());
    await grant('grant-0001').expect(504);
    h.port.lostAnswers.delete('Grant');
    const lookup = jest.spyOn(h.port, 'transaction').mockResolvedValue(undefined);
    const unknown = await grant('grant-0001').expect(503);
    expect(unknown.body.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', txId: expect.any(String) });
    expect(submitted('Grant')).toHaveLength(1);
    lookup.mockRestore();
    await grant('grant-0001').expect(201);
    expect(chain.entries('consent')).toHaveLength(1);
  });

  it('runs anew a request that failed before anything reached the orderers', async () => {
    h.port.failures.set('Grant', unavailable());
    await grant('grant-0001').expect(503);
    h.port.failures.delete('Grant');
    await grant('grant-0001').expect(201);
    expect(h.port.lookedUp).toEqual([]);
    expect(chain.entries('consent')).toHaveLength(1);
  });

  describe('of a record whose second step failed', () => {
    const write = () =>
      h
        .as(doctor)
        .post('/v1/records')
        .set('idempotency-key', 'record-0001')
        .send({ patientId, category: 'diagnosis', body: { diagnosis: 'J45.20' } });

    beforeEach(async () => {
      h.port.failures.set('Publish', unavailable());
      await write().expect(503);
      h.port.failures.delete('Publish');
      expect(bodies()).toHaveLength(1);
      expect(chain.entries('record')).toEqual([]);
    });

    it('lists the body as waiting for its header, and refuses to settle it while it waits', async () => {
      const pending = await h.as(admin).get('/v1/org/pending-writes').expect(200);
      const waiting = (pending.body.items as { kind: string; id: string; status: string }[]).filter(
        (item) => item.status === 'waiting',
      );
      expect(waiting).toEqual([expect.objectContaining({ kind: 'recordBody', version: 1 })]);
      const { kind, id } = waiting[0] ?? { kind: '', id: '' };
      const refused = await h.as(admin).post('/v1/org/pending-writes/settlement').send({ kind, id, version: 1 });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('CONFLICT');
      expect(bodies()).toHaveLength(1);
      await h.as(doctor).post('/v1/org/pending-writes/settlement').send({ kind, id, version: 1 }).expect(403);
    });

    it("pages the list on the member's own peer: the bookmarks walk every pending write once", async () => {
      h.port.failures.set('Publish', unavailable());
      for (const key of ['record-0002', 'record-0003', 'record-0004']) {
        await h
          .as(doctor)
          .post('/v1/records')
          .set('idempotency-key', key)
          .send({ patientId, category: 'diagnosis', body: { diagnosis: 'J45.20' } })
          .expect(503);
      }
      h.port.failures.delete('Publish');
      interface Item {
        kind: string;
        id: string;
        status: string;
      }
      const page = async (query: string) =>
        (await h.as(admin).get(`/v1/org/pending-writes${query}`).expect(200)).body as {
          items: Item[];
          bookmark: string;
        };
      const all = await page('?pageSize=100');
      expect(all.bookmark).toBe('');
      expect(all.items.filter((item) => item.status === 'waiting')).toHaveLength(4);
      const walked: Item[] = [];
      const sizes: number[] = [];
      let bookmark = '';
      do {
        const next = await page(`?pageSize=2${bookmark === '' ? '' : `&bookmark=${bookmark}`}`);
        walked.push(...next.items);
        sizes.push(next.items.length);
        ({ bookmark } = next);
        if (bookmark !== '') expect(bookmark).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (bookmark !== '' && sizes.length < 10);
      expect(walked).toEqual(all.items);
      expect(sizes).toEqual([
        ...Array<number>(Math.floor(all.items.length / 2)).fill(2),
        ...(all.items.length % 2 ? [1] : []),
      ]);
      const lists = h.port.calls.filter((c) => c.call.fn === 'ListPending');
      expect(new Set(lists.map((c) => JSON.stringify(c.call.orgs)))).toEqual(
        new Set([JSON.stringify(['HospitalAMSP'])]),
      );
      // The gateway's schema refuses a bad page; the chaincode, a bookmark outside the list (a
      // record body's key here: Fabric would start its range scan there).
      const foreign = Buffer.from('\u0000recordBody\u0000REC-1\u0000000001\u0000').toString('base64url');
      for (const [query, code] of [
        ['?pageSize=0', 'INVALID_REQUEST'],
        ['?pageSize=101', 'INVALID_REQUEST'],
        ['?bookmark=not*base64', 'INVALID_REQUEST'],
        [`?bookmark=${foreign}`, 'INVALID_ARGUMENT'],
      ] as const) {
        const res = await h.as(admin).get(`/v1/org/pending-writes${query}`);
        expect({ query, status: res.status, code: res.body.error?.code }).toEqual({ query, status: 400, code });
      }
    });

    it('finishes it on retry: the stored body is taken from the ledger, the header published once', async () => {
      const retried = await write().expect(201);
      expect(submitted('CreateBody')).toHaveLength(1);
      expect(chain.entries('record')).toEqual([expect.objectContaining({ recordId: retried.body.recordId })]);
      expect(bodies()).toHaveLength(1);
      expect((await write().expect(201)).body).toEqual(retried.body);
    });

    it('finishes it on retry without the journal: the body is stored again under the same record', async () => {
      rmSync(path.join(h.dir, 'idempotency.jsonl'));
      h.restart();
      const retried = await write().expect(201);
      expect(submitted('CreateBody')).toHaveLength(2);
      expect(chain.entries('record')).toEqual([expect.objectContaining({ recordId: retried.body.recordId })]);
      expect(bodies()).toHaveLength(1);
      // Answered, then the journal lost again: the retry is answered with the publication's answer.
      rmSync(path.join(h.dir, 'idempotency.jsonl'));
      h.restart();
      const again = await write().expect(201);
      expect(again.body).toEqual(retried.body);
      expect(chain.entries('record')).toHaveLength(1);
    });
  });
});
