/**
 * One client intent, one effect, on the real network (issue 13 item 1): a request whose answer
 * is lost — the commit outlasting the gateway's deadline, or the gateway killed between submit
 * and answer — is retried with its `Idempotency-Key` and answered as the first attempt would
 * have been, with one object on the ledger; a record write whose second step did not come back
 * is finished by its retry, one header and one body; a body still waiting for its header is
 * listed for the admin and not purged.
 *
 * One gateway of hospital A of this run's own (spare port 81), restarted on the same data
 * folder as the cases need: with normal deadlines, then with a 1 ms commit deadline
 * (EHR_GATEWAY_COMMIT_TIMEOUT_MS), under which every submit answers 504 though it commits.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type Answer,
  call,
  type Gateway,
  gatewayPid,
  invite,
  type Person,
  restartGateway,
  startGateway,
  stopGateways,
} from './helpers/gateways';
import { height, session, someUser } from './helpers/network';
import { logFile } from '../../network/src/process';

const runId = Date.now().toString(36);

afterAll(stopGateways);

/** A POST with an Idempotency-Key, as a client that retries sends it. */
async function post(url: string, body: unknown, token: string, key: string): Promise<Answer & { replayed: boolean }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

/** How many times the peer's log says an orderer accepted a transaction its Gateway sent. */
const ordererAnswers = (log: string) => readFileSync(log, 'utf8').split('Successful response from orderer').length - 1;

const delay = (ms: number) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

interface Pending {
  kind: string;
  id: string;
  version: number;
  status: string;
}

/**
 * Every pending write of the admin's member, page after page: a long-lived network holds far
 * more than a page of waiting ones (each run leaves an orphan that waits 25 hours).
 */
async function pendingWrites(url: string, adminToken: string): Promise<Pending[]> {
  const items: Pending[] = [];
  let bookmark = '';
  do {
    const page = await call(
      `${url}/v1/org/pending-writes?pageSize=100&bookmark=${bookmark}`,
      'GET',
      undefined,
      adminToken,
    );
    if (page.status !== 200) throw new Error(`pending writes: ${String(page.status)} ${JSON.stringify(page.body)}`);
    items.push(...(page.body.items as Pending[]));
    bookmark = page.body.bookmark as string;
  } while (bookmark !== '');
  return items;
}

/** Polls `check` every 10 ms until it holds, for at most `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('retried requests on the real network', () => {
  let a: Gateway;
  let patient: Person;
  let doctor: Person;
  let patientId: string;
  const grant = () => ({
    grantee: { mspId: 'HospitalBMSP' },
    categories: ['diagnosis'],
    purpose: 'treatment',
    validUntil: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const consents = async () => {
    const listed = await call(`${a.url}/v1/consents?pageSize=100`, 'GET', undefined, patient.token);
    expect(listed.status).toBe(200);
    return listed.body.items as { consentId: string }[];
  };
  const journal = () => path.join(a.dataDir, 'idempotency.jsonl');
  const sentLines = () =>
    existsSync(journal())
      ? readFileSync(journal(), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"kind":"sent"'))
      : [];

  beforeAll(async () => {
    a = await startGateway('hospital-a', 81);
    [patient, doctor] = await Promise.all([
      invite(a, `rpat-${runId}`, 'patient'),
      invite(a, `rdoc-${runId}`, 'doctor'),
    ]);
    patientId = patient.attrs['ehr.patientId'] ?? '';
  }, 300_000);

  it('answers a request whose gateway was killed between submit and answer, once restarted, with one consent', async () => {
    const before = await consents();
    const key = `killed-${runId}`;
    const body = grant();
    const ledger = session('hospital-a', someUser('hospital-a'));
    try {
      const startHeight = await height(ledger);
      let answered = false;
      const first = post(`${a.url}/v1/consents`, body, patient.token, key).finally(() => {
        answered = true;
      });
      // The transaction's id is journalled just before it goes to the peer's Gateway, which
      // sends it to the orderers; once the peer says so, the gateway is frozen (before the
      // block commits), and killed once the peer committed a block, before it could answer.
      const peerLog = logFile('hospital-a.peer');
      const sentBefore = ordererAnswers(peerLog);
      await until(() => sentLines().length > 0, 30_000, 'the transaction to be journalled');
      await until(() => ordererAnswers(peerLog) > sentBefore, 10_000, 'the peer to send the transaction');
      const pid = gatewayPid(a);
      process.kill(pid, 'SIGSTOP');
      await until(async () => (await height(ledger)) > startHeight, 20_000, 'the transaction to be committed');
      expect(answered).toBe(false);
      process.kill(pid, 'SIGKILL');
      await expect(first).rejects.toThrow();
    } finally {
      ledger.close();
    }

    await restartGateway(a);
    const started = Date.now();
    const retried = await post(`${a.url}/v1/consents`, body, patient.token, key);
    const retryMs = Date.now() - started;
    expect(retried).toMatchObject({
      status: 201,
      replayed: false,
      body: { consentId: expect.stringMatching(/^CON-/) },
    });
    const after = await consents();
    expect(after).toHaveLength(before.length + 1);
    expect(after.map((c) => c.consentId)).toContain(retried.body.consentId);
    // The retry asked the ledger; a third call replays the answer.
    expect(await post(`${a.url}/v1/consents`, body, patient.token, key)).toMatchObject({
      status: 201,
      replayed: true,
      body: retried.body,
    });
    console.log(`retry after a killed gateway answered in ${String(retryMs)} ms`);
  });

  describe('with a commit deadline shorter than any commit', () => {
    beforeAll(async () => {
      await restartGateway(a, { EHR_GATEWAY_COMMIT_TIMEOUT_MS: '1' });
    }, 120_000);

    it('answers the retry of a timed-out consent with the first attempt’s consent: exactly one on the ledger', async () => {
      const before = await consents();
      const key = `timeout-${runId}`;
      const body = grant();
      const first = await post(`${a.url}/v1/consents`, body, patient.token, key);
      expect(first).toMatchObject({ status: 504, body: { error: { code: 'TIMEOUT' } } });
      const started = Date.now();
      const retried = await post(`${a.url}/v1/consents`, body, patient.token, key);
      const retryMs = Date.now() - started;
      expect(retried).toMatchObject({ status: 201, body: { txId: expect.any(String), consentId: expect.any(String) } });
      const after = await consents();
      expect(after).toHaveLength(before.length + 1);
      expect(after).toContainEqual(expect.objectContaining({ consentId: retried.body.consentId }));
      // The same answer again, from the journal.
      expect(await post(`${a.url}/v1/consents`, body, patient.token, key)).toMatchObject({
        status: 201,
        replayed: true,
        body: retried.body,
      });
      console.log(`retry after a commit timeout answered in ${String(retryMs)} ms`);
    });

    it('finishes a record write whose steps timed out on retry: one header, one body', async () => {
      const key = `record-${runId}`;
      const input = { patientId, category: 'diagnosis', body: { diagnosis: `J45.20 retry ${runId}` } };
      const statuses: number[] = [];
      let answer: Answer | undefined;
      for (let attempt = 0; attempt < 5 && answer?.status !== 201; attempt++) {
        answer = await post(`${a.url}/v1/records`, input, doctor.token, key);
        statuses.push(answer.status);
      }
      // The body's step timed out, then the header's, then the retry found both committed.
      expect(statuses).toEqual([504, 504, 201]);
      const recordId = answer?.body.recordId as string;
      const listed = await call(
        `${a.url}/v1/patients/${patientId}/records?pageSize=100`,
        'GET',
        undefined,
        doctor.token,
      );
      expect((listed.body.items as { recordId: string }[]).map((r) => r.recordId)).toEqual([recordId]);
      const versions = await call(`${a.url}/v1/records/${recordId}/versions`, 'GET', undefined, doctor.token);
      expect(versions.body).toHaveLength(1);
      const bodies = (await pendingWrites(a.url, a.admin)).filter((item) => item.id === recordId);
      expect(bodies).toEqual([expect.objectContaining({ kind: 'recordBody', version: 1, status: 'finished' })]);
    });

    it('lists a body whose header never came as waiting, and refuses to purge it before its grace', async () => {
      const known = new Set((await pendingWrites(a.url, a.admin)).map((item) => item.id));
      const key = `orphan-${runId}`;
      const input = { patientId, category: 'diagnosis', body: { diagnosis: `orphan ${runId}` } };
      expect((await post(`${a.url}/v1/records`, input, doctor.token, key)).status).toBe(504);
      let waiting: Pending | undefined;
      await until(
        async () => {
          waiting = (await pendingWrites(a.url, a.admin)).find((item) => !known.has(item.id));
          return waiting !== undefined;
        },
        30_000,
        'the orphan body to be listed',
      );
      expect(waiting).toMatchObject({ kind: 'recordBody', version: 1, status: 'waiting' });
      const { kind, id, version } = waiting ?? { kind: '', id: '', version: 0 };
      const refused = await call(`${a.url}/v1/org/pending-writes/settlement`, 'POST', { kind, id, version }, a.admin);
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    });
  });
});
