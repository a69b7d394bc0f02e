import { PENDING_GRACE_MS } from '../../../chaincode/src/pending';
import {
  attempt,
  body,
  consortiumLedger,
  evaluate,
  HA,
  heldBy,
  key,
  Ledger,
  PATIENT_A,
  people,
  printableKeys,
  registerPatient,
  salted,
  submit,
  contracts,
  parse,
  walk,
} from './fixture';

const { consent, records, requests, erasure } = contracts;

const GRANT = JSON.stringify({
  grantee: { mspId: 'HospitalBMSP' },
  categories: ['diagnosis'],
  purpose: 'treatment',
  validUntil: '2026-02-15T00:00:00Z',
});
const KEY = 'retry-key-0001-abcdef';

interface Pending {
  kind: string;
  id: string;
  version?: number;
  status: string;
}

const withKey = (requestKey: string, values: Record<string, string> = {}) => ({ transient: { ...values, requestKey } });

describe('requests', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  describe('created ids', () => {
    it('refuses a retried create with ALREADY_EXISTS, changing nothing, and Find names the first object', async () => {
      const first = await submit(ledger, people.patientA, (c) => consent.Grant(c, GRANT), withKey(KEY));
      const { consentId } = parse<{ consentId: string }>(first.result);
      expect(consentId).toMatch(/^CON-[0-9a-f]{32}$/);
      expect(await attempt(ledger, people.patientA, (c) => consent.Grant(c, GRANT), withKey(KEY))).toEqual({
        error: `ALREADY_EXISTS: consent ${consentId} exists`,
        changes: [],
      });
      expect(printableKeys(ledger, 'consent')).toHaveLength(1);
      const found = await evaluate(ledger, people.patientA, (c) => requests.Find(c, 'consent.Grant'), withKey(KEY));
      expect(parse<unknown>(found)).toEqual({ id: consentId, kind: 'consent', txId: first.tx.txId });
    });

    it('gives other keys, other users and calls without a key objects of their own', async () => {
      const ids = [];
      for (const [who, options] of [
        [people.patientA, withKey(KEY)],
        [people.patientA, withKey(`${KEY}-2`)],
        [people.patientA, {}],
        [people.patientA, {}],
      ] as const) {
        ids.push(
          parse<{ consentId: string }>((await submit(ledger, who, (c) => consent.Grant(c, GRANT), options)).result),
        );
      }
      expect(new Set(ids.map((c) => c.consentId)).size).toBe(4);
      // Another user's request with the same key names another object: nobody takes an id first.
      await expect(
        evaluate(ledger, people.patientA2, (c) => requests.Find(c, 'consent.Grant'), withKey(KEY)),
      ).rejects.toThrow(/^NOT_FOUND: no object of this request exists/);
    });

    it('refuses a malformed request key and a Find without key or of an unknown transaction', async () => {
      expect(await attempt(ledger, people.patientA, (c) => consent.Grant(c, GRANT), withKey('short'))).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: requestKey must be 16 to 128/),
        changes: [],
      });
      await expect(evaluate(ledger, people.patientA, (c) => requests.Find(c, 'consent.Grant'))).rejects.toThrow(
        /^INVALID_ARGUMENT: the transient map must carry the request's 'requestKey'/,
      );
      await expect(
        evaluate(ledger, people.patientA, (c) => requests.Find(c, 'consent.Revoke'), withKey(KEY)),
      ).rejects.toThrow(/^INVALID_ARGUMENT: transaction must be one of/);
    });
  });

  describe('two-step record writes', () => {
    const createBody = (requestKey = KEY) =>
      submit(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
        transient: { ...salted({ body: JSON.stringify(body) }), requestKey },
      });
    const publish = (recordId: string, contentHash: string) => (c: Parameters<typeof records.Publish>[0]) =>
      records.Publish(c, recordId, PATIENT_A, 'diagnosis', '1', contentHash);

    it('stores a retried first step under the same record, and publishes one header once', async () => {
      const one = parse<{ recordId: string; contentHash: string }>((await createBody()).result);
      const again = parse<{ recordId: string; contentHash: string }>((await createBody()).result);
      expect(again.recordId).toBe(one.recordId);
      // The retry replaced the body (a new salt): the hash it answered is the one held.
      expect(again.contentHash).not.toBe(one.contentHash);
      expect(await attempt(ledger, people.doctorA, publish(one.recordId, one.contentHash))).toMatchObject({
        error: expect.stringMatching(/^HASH_MISMATCH/),
        changes: [],
      });
      const published = await submit(ledger, people.doctorA, publish(again.recordId, again.contentHash));
      expect(await attempt(ledger, people.doctorA, publish(again.recordId, again.contentHash))).toEqual({
        error: `ALREADY_EXISTS: record ${again.recordId} version 1 is published`,
        changes: [],
      });
      expect(
        await attempt(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
          transient: { ...salted({ body: JSON.stringify(body) }), requestKey: KEY },
        }),
      ).toEqual({ error: `ALREADY_EXISTS: record ${again.recordId} exists`, changes: [] });
      expect(printableKeys(ledger, 'record')).toEqual([`record/${again.recordId}`]);
      const found = await evaluate(ledger, people.doctorA, (c) => requests.Find(c, 'records.CreateBody'), withKey(KEY));
      expect(parse<unknown>(found)).toEqual({ id: again.recordId, kind: 'record', txId: published.tx.txId });
    });

    describe('pending writes', () => {
      const listPage = (pageSize: string, bookmark: string) =>
        evaluate(ledger, people.adminA, (c) => requests.ListPending(c, pageSize, bookmark), { peerMspId: HA });
      const list = async () => (await walk<Pending>(listPage, '100')).items;
      const settle = (recordId: string) =>
        attempt(ledger, people.adminA, (c) => requests.SettlePending(c, 'recordBody', recordId, '1'), {
          endorsingOrganizations: [HA],
        });
      const heldKeys = async () =>
        parse<{ keys: string[][] }>(await heldBy(ledger, people.adminA)).keys.map((parts) => parts.join('/'));

      it('lists a body waiting for its header, refuses to settle it while it waits, drops the marker once published', async () => {
        const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>((await createBody()).result);
        const bodyPending = { kind: 'recordBody', id: recordId, version: 1 };
        expect(await list()).toContainEqual(expect.objectContaining({ ...bodyPending, status: 'waiting' }));
        expect(await settle(recordId)).toEqual({
          error: expect.stringMatching(/^CONFLICT: recordBody REC-\S+ waits for its public part until 2026-01-16T10:/),
          changes: [],
        });
        await submit(ledger, people.doctorA, publish(recordId, contentHash));
        expect(await list()).toContainEqual(expect.objectContaining({ ...bodyPending, status: 'finished' }));
        expect((await settle(recordId)).error).toBeUndefined();
        expect((await list()).map((p) => p.id)).not.toContain(recordId);
        // The body stays, marker and its erasure index entry are gone.
        expect(await heldKeys()).toEqual(
          expect.arrayContaining([`recordBody/${recordId}/000001`, `recordBinding/${recordId}/000001`]),
        );
        expect((await heldKeys()).filter((k) => k.startsWith('pendingWrite/recordBody'))).toEqual([]);
      });

      it('purges a body whose header never came after the grace, with its index entries; erasure then lists nothing of it', async () => {
        const { recordId } = parse<{ recordId: string }>((await createBody()).result);
        const bodyKey = key('recordBody', recordId, '000001');
        ledger.advance(PENDING_GRACE_MS);
        expect(await list()).toContainEqual(expect.objectContaining({ id: recordId, status: 'stale' }));
        const settled = await submit(
          ledger,
          people.adminA,
          (c) => requests.SettlePending(c, 'recordBody', recordId, '1'),
          { endorsingOrganizations: [HA] },
        );
        expect(parse<unknown>(settled.result)).toMatchObject({ id: recordId, status: 'stale', outcome: 'purged' });
        expect(ledger.privateDataHash(`_implicit_org_${HA}`, bodyKey)).toBeUndefined();
        expect((await heldKeys()).filter((k) => k.includes(recordId))).toEqual([]);
        // An erasure of the patient still goes through: nothing it lists is missing.
        const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
        const { requestId } = parse<{ requestId: string }>(result);
        const held = await heldBy(ledger, people.adminA);
        await submit(ledger, people.adminA, (c) => erasure.Approve(c, PATIENT_A, requestId, held));
      });

      it('walks every pending write once across pages of any size, in key order, past 100 of them', async () => {
        const created: string[] = [];
        for (let i = 0; i < 5; i++) {
          created.push(parse<{ recordId: string }>((await createBody(`${KEY}-${String(i)}`)).result).recordId);
        }
        const all = await list();
        expect(all.filter((p) => p.kind === 'recordBody').map((p) => p.id)).toEqual([...created].sort());
        for (const size of [1, 2, 3, all.length, all.length + 1]) {
          const walked = await walk<Pending>(listPage, String(size));
          expect(walked.items).toEqual(all);
          const full = Math.floor(all.length / size);
          const rest = all.length % size;
          expect(walked.pageSizes).toEqual([...Array<number>(full).fill(size), ...(rest > 0 ? [rest] : [])]);
        }
        // The default page (20) holds them all, and says there is no more.
        expect(parse<{ items: Pending[]; bookmark: string }>(await listPage('', ''))).toEqual({
          items: all,
          bookmark: '',
        });
        // The defect this paging fixes: more waiting writes than the old bound of 100.
        for (let i = 5; i < 101; i++) await createBody(`${KEY}-${String(i)}`);
        const many = await walk<Pending>(listPage, '100');
        expect(many.pageSizes).toEqual([100, all.length + 96 - 100]);
        expect(new Set(many.items.filter((p) => p.status === 'waiting').map((p) => p.id)).size).toBe(101);
      });

      it('goes on from where the last page stopped when the write it would start at is settled meanwhile', async () => {
        const bodies: { recordId: string; contentHash: string }[] = [];
        for (let i = 0; i < 4; i++) bodies.push(parse((await createBody(`${KEY}-${String(i)}`)).result));
        const all = await list();
        const first = parse<{ items: Pending[]; bookmark: string }>(await listPage('2', ''));
        expect(first.items).toEqual(all.slice(0, 2));
        // The bookmark is where the next page starts: settle that very write, and one already listed.
        const next = bodies.find((b) => b.recordId === all[2]?.id);
        const listed = bodies.find((b) => b.recordId === all[1]?.id);
        for (const done of [next, listed]) {
          if (!done) throw new Error('expected the write to be a record body of this test');
          await submit(ledger, people.doctorA, publish(done.recordId, done.contentHash));
          expect((await settle(done.recordId)).error).toBeUndefined();
        }
        const rest = await walk<Pending>((pageSize, bookmark) => listPage(pageSize, bookmark || first.bookmark));
        expect(rest.items).toEqual(all.slice(3));
      });

      it('refuses a page size out of 1 to 100 and a bookmark that is not one of this list', async () => {
        await createBody();
        for (const pageSize of ['0', '101', '-1', '1.5', 'x', ' 2']) {
          await expect(listPage(pageSize, '')).rejects.toThrow(
            'INVALID_ARGUMENT: pageSize must be an integer from 1 to 100',
          );
        }
        const { recordId } = parse<{ recordId: string }>((await createBody(`${KEY}-2`)).result);
        for (const bookmark of [
          'not-a-bookmark',
          key('recordBody', recordId, '000001'),
          key('pendingWrit'),
          '\u0000',
        ]) {
          await expect(listPage('1', bookmark)).rejects.toThrow(
            'INVALID_ARGUMENT: the bookmark does not belong to this list',
          );
        }
        // A bookmark of ours still goes on (the checks above refused, not the list).
        const { bookmark } = parse<{ bookmark: string }>(await listPage('1', ''));
        expect(bookmark).not.toBe('');
        expect(parse<{ items: Pending[] }>(await listPage('1', bookmark)).items).toHaveLength(1);
      });

      it('keeps listing and settling to admins, and refuses what is not pending', async () => {
        await expect(evaluate(ledger, people.doctorA, (c) => requests.ListPending(c, '', ''))).rejects.toThrow(
          /^FORBIDDEN/,
        );
        expect(
          await attempt(ledger, people.adminA, (c) => requests.SettlePending(c, 'recordBody', 'REC-none', '1'), {
            endorsingOrganizations: [HA],
          }),
        ).toEqual({ error: 'NOT_FOUND: HospitalAMSP has no pending recordBody REC-none', changes: [] });
        expect(
          await attempt(ledger, people.adminA, (c) => requests.SettlePending(c, 'consent', 'CON-1', ''), {
            endorsingOrganizations: [HA],
          }),
        ).toEqual({ error: expect.stringMatching(/^INVALID_ARGUMENT: kind must be one of/), changes: [] });
      });
    });
  });
});
