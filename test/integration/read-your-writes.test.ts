/**
 * Read-your-writes across members on the real network: a person acts at one member's gateway
 * the moment another member's gateway answered a write, sending the write's committedBlock as
 * Ehr-Min-Block, and never gets a spurious 404 (each member's peer commits a block on its own
 * schedule, so without the header the other gateway may not have it yet). Nothing here waits
 * for the peers to settle between steps: that is what the header replaces.
 */
import { type Gateway, invite, type Person, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';

const runId = Date.now().toString(36);
const DAY = 86_400_000;
const ROUNDS = 10;

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  body: any;
  committedBlock: string | null;
  ms: number;
}

/** One HTTP call as the person, naming a block the answer must see (when given). */
async function send(
  member: Gateway,
  who: Person,
  method: string,
  route: string,
  options: { body?: unknown; minBlock?: number } = {},
): Promise<Reply> {
  const started = Date.now();
  const res = await fetch(`${member.url}${route}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${who.token}`,
      ...(options.minBlock === undefined ? {} : { 'ehr-min-block': String(options.minBlock) }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    committedBlock: res.headers.get('ehr-committed-block'),
    ms: Date.now() - started,
  };
}

/** A write that must commit; answers its body (with committedBlock). */
async function write(member: Gateway, who: Person, route: string, body: unknown, minBlock?: number) {
  const reply = await send(member, who, 'POST', route, { body, ...(minBlock === undefined ? {} : { minBlock }) });
  if (reply.status >= 300) throw new Error(`POST ${route}: ${String(reply.status)} ${JSON.stringify(reply.body)}`);
  expect(typeof reply.body.committedBlock).toBe('number');
  expect(reply.committedBlock).toBe(String(reply.body.committedBlock));
  return reply.body as Record<string, unknown> & { committedBlock: number };
}

describe('read-your-writes across members', () => {
  let a: Gateway;
  let b: Gateway;
  let insurer: Gateway;
  let patient: Person;
  let doctor: Person;
  let billing: Person;
  let doctorB: Person;
  let adjuster: Person;
  let patientId: string;
  let policyId: string;
  /** The highest block this client was told of: sent with everything it does next. */
  let seen = 0;
  const note = (block: number) => {
    seen = Math.max(seen, block);
    return seen;
  };

  beforeAll(async () => {
    [a, b, insurer] = await Promise.all([
      startGateway('hospital-a', 86),
      startGateway('hospital-b', 87),
      startGateway('insurer', 88),
    ]);
    [patient, doctor, billing, doctorB, adjuster] = await Promise.all([
      invite(a, `ryw-pat-${runId}`, 'patient'),
      invite(a, `ryw-doc-${runId}`, 'doctor'),
      invite(a, `ryw-bill-${runId}`, 'billing'),
      invite(b, `ryw-docb-${runId}`, 'doctor'),
      invite(insurer, `ryw-adj-${runId}`, 'adjuster'),
    ]);
    patientId = patient.attrs['ehr.patientId'] ?? '';
    // The setup settles once; the rounds below never do.
    await settled();
    const consent = await write(a, patient, '/v1/consents', {
      grantee: { mspId: 'HospitalBMSP', practitionerId: doctorB.attrs['ehr.practitionerId'] },
      categories: ['procedure'],
      purpose: 'treatment',
      validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
    });
    note(consent.committedBlock);
    const policy = await write(
      insurer,
      adjuster,
      '/v1/policies',
      {
        patientId,
        terms: {
          plan: 'Silver',
          coverage: { procedure: 80 },
          copayPercent: 0,
          annualLimit: 10_000_000,
          validFrom: new Date(Date.now() - DAY).toISOString(),
          validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
        },
      },
      seen,
    );
    policyId = policy.policyId as string;
    note(policy.committedBlock);
  });

  afterAll(stopGateways);

  it('a record written at hospital A is requested and read at hospital B at once, every time', async () => {
    const waits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const marker = `ryw-${runId}-${String(round)}`;
      const record = await write(
        a,
        doctor,
        '/v1/records',
        { patientId, category: 'procedure', body: { notes: marker } },
        seen,
      );
      note(record.committedBlock);
      const access = await send(b, doctorB, 'POST', `/v1/records/${record.recordId as string}/access`, {
        body: { purpose: 'treatment' },
        minBlock: seen,
      });
      waits.push(access.ms);
      expect({ round, status: access.status, body: access.body }).toMatchObject({ round, status: 201 });
      note(access.body.committedBlock as number);
      const body = await send(
        b,
        doctorB,
        'GET',
        `/v1/records/${record.recordId as string}/body/${access.body.ticketId as string}`,
        { minBlock: seen },
      );
      expect({ round, status: body.status }).toEqual({ round, status: 200 });
      expect(JSON.stringify(body.body)).toContain(marker);
    }
    console.log(`access requests at B with Ehr-Min-Block: ${waits.join(', ')} ms`);
  });

  it("a claim submitted at hospital A is adjudicated at the insurer's gateway at once, every time", async () => {
    const waits: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const record = await write(
        a,
        doctor,
        '/v1/records',
        { patientId, category: 'procedure', body: { notes: `claimed ${runId} ${String(round)}` } },
        seen,
      );
      note(record.committedBlock);
      const claim = await write(
        a,
        billing,
        '/v1/claims',
        {
          claim: {
            policyId,
            patientId,
            serviceDate: new Date().toISOString(),
            lines: [
              { recordId: record.recordId, contentHash: record.contentHash, category: 'procedure', amount: 1_000 },
            ],
          },
        },
        seen,
      );
      note(claim.committedBlock);
      const decided = await send(insurer, adjuster, 'POST', `/v1/claims/${claim.claimId as string}/adjudication`, {
        minBlock: seen,
      });
      waits.push(decided.ms);
      expect({ round, status: decided.status, body: decided.body }).toMatchObject({
        round,
        status: 200,
        body: { claimId: claim.claimId, status: 'approved' },
      });
      note(decided.body.committedBlock as number);
    }
    console.log(`adjudications at the insurer with Ehr-Min-Block: ${waits.join(', ')} ms`);
  });

  it('answers LEDGER_BEHIND, not a wrong answer, for a block no peer has yet', async () => {
    const ahead = await send(b, doctorB, 'GET', `/v1/patients/${patientId}`, { minBlock: seen + 1_000_000 });
    expect(ahead.status).toBe(503);
    expect(ahead.body.error.code).toBe('LEDGER_BEHIND');
  }, 30_000);

  it('without the header the lag is real: counts the spurious refusals (reported, not asserted)', async () => {
    const outcomes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const record = await write(
        a,
        doctor,
        '/v1/records',
        { patientId, category: 'procedure', body: { notes: `unsynced ${runId} ${String(round)}` } },
        seen,
      );
      note(record.committedBlock);
      const access = await send(b, doctorB, 'POST', `/v1/records/${record.recordId as string}/access`, {
        body: { purpose: 'treatment' },
      });
      outcomes.push(access.status);
      if (access.status < 300) note(access.body.committedBlock as number);
    }
    const refused = outcomes.filter((status) => status >= 400).length;
    console.log(
      `without Ehr-Min-Block: ${String(refused)} of ${String(ROUNDS)} access requests at B refused (${outcomes.join(', ')})`,
    );
  });
});
