/**
 * The five workloads, each as REST steps (or a REST flow over two gateways) and as the same
 * transactions through the Fabric Gateway SDK. `txPerOp` is how many transactions one operation
 * commits (0 for a pure evaluate, whose operations are counted instead).
 */
import { closedLoop, type PointResult, restPoint } from './drivers';
import { claimOf, type ClaimableRecord, consentGrant, type RestSide, sdkRecord, type SdkSide } from './setup';

export type WorkloadId = 'a' | 'b' | 'c' | 'd' | 'e';

export interface Workload {
  id: WorkloadId;
  title: string;
  txPerOp: number;
  rest: (side: RestSide, concurrency: number, seconds: number) => Promise<PointResult>;
  sdk: (side: SdkSide, concurrency: number, seconds: number) => Promise<PointResult>;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** A write's answer, thrown as an error unless 2xx. */
async function restWrite(url: string, token: string, body: unknown, minBlock?: number) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(minBlock === undefined ? {} : { 'ehr-min-block': String(minBlock) }),
    },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { code?: string } };
  if (!res.ok) {
    const error = new Error(`POST ${url}: ${String(res.status)}`);
    error.name = `${String(res.status)} ${answer.error?.code ?? ''}`.trimEnd();
    throw error;
  }
  return answer;
}

/** The next record no claim names yet, or a new one written by `write` outside the measured time. */
async function nextRecord(pool: ClaimableRecord[], write: () => Promise<ClaimableRecord>) {
  return pool.pop() ?? (await write());
}

export const WORKLOADS: Workload[] = [
  {
    id: 'a',
    title: 'public write: grant consent (to a member)',
    txPerOp: 1,
    rest: (s, connections, seconds) =>
      restPoint({
        url: s.a.url,
        token: s.grantor.token,
        connections,
        seconds,
        steps: [
          {
            method: 'POST',
            path: () => '/v1/consents',
            body: () => consentGrant(),
          },
        ],
      }),
    sdk: (s, concurrency, seconds) => {
      const grant = JSON.stringify(consentGrant());
      return closedLoop(concurrency, seconds, async () => {
        await s.grantor('consent').submitTransaction('Grant', grant);
        return undefined;
      });
    },
  },
  {
    id: 'b',
    title: 'private record write (body, then header)',
    txPerOp: 2,
    rest: (s, connections, seconds) =>
      restPoint({
        url: s.a.url,
        token: s.doctor.token,
        connections,
        seconds,
        steps: [
          {
            method: 'POST',
            path: () => '/v1/records',
            body: () => ({ patientId: s.patientId, category: 'procedure', body: { notes: 'bench record' } }),
            keep: (answer) => {
              s.claimable.push({ recordId: str(answer.recordId), contentHash: str(answer.contentHash) });
            },
          },
        ],
      }),
    sdk: (s, concurrency, seconds) =>
      closedLoop(concurrency, seconds, async () => {
        s.claimable.push(await sdkRecord(s.doctor, s.patientId, 'bench record'));
        return undefined;
      }),
  },
  {
    id: 'c',
    title: 'audited PHI read (access request, then body)',
    txPerOp: 1,
    rest: (s, connections, seconds) =>
      restPoint({
        url: s.b.url,
        token: s.doctorB.token,
        connections,
        seconds,
        steps: [
          {
            method: 'POST',
            path: () => `/v1/records/${s.record.recordId}/access`,
            body: () => ({ purpose: 'treatment' }),
            keep: (answer, context) => {
              context.ticketId = answer.ticketId;
              context.block = answer.committedBlock;
            },
          },
          {
            method: 'GET',
            path: (context) => `/v1/records/${s.record.recordId}/body/${str(context.ticketId)}`,
            minBlock: (context) => num(context.block),
          },
        ],
      }),
    sdk: (s, concurrency, seconds) =>
      closedLoop(concurrency, seconds, async () => {
        const access = s.doctorB('access');
        const ticket = JSON.parse(
          text(await access.submitTransaction('RequestAccess', s.record.recordId, 'treatment')),
        ) as { ticketId: string };
        // The body is read on its custodian's peer, which may commit the ticket's block a moment
        // after the doctor's own peer: the REST gateway waits for it (Ehr-Min-Block); so does this.
        await readBodyWhenThere(() =>
          access.evaluate('ReadBody', {
            arguments: [s.record.recordId, ticket.ticketId],
            endorsingOrganizations: ['HospitalAMSP'],
          }),
        );
        return undefined;
      }),
  },
  {
    id: 'd',
    title: 'claim: submission, then adjudication at the insurer',
    txPerOp: 2,
    rest: (s, concurrency, seconds) =>
      closedLoop(concurrency, seconds, async () => {
        const record = await nextRecord(s.claimable, async () => {
          const written = await restWrite(`${s.a.url}/v1/records`, s.doctor.token, {
            patientId: s.patientId,
            category: 'procedure',
            body: { notes: 'bench claim record' },
          });
          return { recordId: str(written.recordId), contentHash: str(written.contentHash) };
        });
        const from = performance.now();
        const claim = await restWrite(`${s.a.url}/v1/claims`, s.billing.token, {
          claim: claimOf(s.policyId, s.patientId, record),
        });
        await restWrite(
          `${s.insurer.url}/v1/claims/${str(claim.claimId)}/adjudication`,
          s.adjuster.token,
          undefined,
          num(claim.committedBlock),
        );
        return from;
      }),
    sdk: (s, concurrency, seconds) =>
      closedLoop(concurrency, seconds, async () => {
        const record = await nextRecord(s.claimable, () => sdkRecord(s.doctor, s.patientId, 'bench claim record'));
        const from = performance.now();
        const claim = JSON.parse(
          text(
            await s
              .billing('claims')
              .submitTransaction('Submit', JSON.stringify(claimOf(s.policyId, s.patientId, record))),
          ),
        ) as { claimId: string };
        await readBodyWhenThere(() => s.adjuster('claims').submitTransaction('Adjudicate', claim.claimId));
        return from;
      }),
  },
  {
    id: 'e',
    title: 'pure evaluate: a record header (public state)',
    txPerOp: 0,
    rest: (s, connections, seconds) =>
      restPoint({
        url: s.a.url,
        token: s.doctor.token,
        connections,
        seconds,
        steps: [{ method: 'GET', path: () => `/v1/records/${s.record.recordId}` }],
      }),
    sdk: (s, concurrency, seconds) =>
      closedLoop(concurrency, seconds, async () => {
        await s.doctor('records').evaluateTransaction('Get', s.record.recordId);
        return undefined;
      }),
  },
];

/**
 * Retries a call refused at endorsement because another member's peer has not committed the
 * block it needs yet, for at most 10 s: what the REST gateway's Ehr-Min-Block wait does. Nothing
 * was sent to the orderers then, so a retry cannot commit twice.
 */
async function readBodyWhenThere<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    try {
      return await read();
    } catch (error) {
      const refused = error instanceof Error && (error.name === 'EndorseError' || error.name === 'GatewayError');
      if (!refused || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
