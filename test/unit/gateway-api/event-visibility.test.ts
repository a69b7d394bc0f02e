/**
 * Need to know on the event stream: a working morning at every member runs on the real
 * chaincode, its events go to every gateway's stream, and each user gets only the events about
 * themselves (a patient) or involving their own member, of the kinds their role works with.
 */
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness } from './harness';
import { LiveSource, openStream, serve, type StreamClient, until } from './live-events';

const DAY = 86_400_000;

describe('who sees which ledger event', () => {
  const source = new LiveSource();
  const servers: { stop(): void }[] = [];
  const streams: StreamClient[] = [];

  afterAll(() => {
    for (const s of streams) s.close();
    for (const s of servers) s.stop();
  });

  it("gives each user the events about themselves or their own member's work, and nothing of other members' patients", async () => {
    const { chain, hospitalA: a, hospitalB: b, lab, insurer } = consortium({ events: source });
    const gateways = { a, b, lab, insurer };
    const admins = {
      a: await a.adminToken(),
      b: await b.adminToken(),
      lab: await lab.adminToken(),
      insurer: await insurer.adminToken(),
    };
    const people = {
      alice: await a.user(admins.a, 'alice', 'patient'),
      drA: await a.user(admins.a, 'dra', 'doctor'),
      billA: await a.user(admins.a, 'billa', 'billing'),
      bob: await b.user(admins.b, 'bob', 'patient'),
      drB: await b.user(admins.b, 'drb', 'doctor'),
      billB: await b.user(admins.b, 'billb', 'billing'),
      tech: await lab.user(admins.lab, 'tech', 'labtech'),
      adjuster: await insurer.user(admins.insurer, 'adj', 'adjuster'),
    };
    const viewers: Record<string, [Harness, string]> = {
      alice: [a, people.alice],
      bob: [b, people.bob],
      drA: [a, people.drA],
      drB: [b, people.drB],
      billA: [a, people.billA],
      billB: [b, people.billB],
      adminA: [a, admins.a],
      adminB: [b, admins.b],
      tech: [lab, people.tech],
      adjuster: [insurer, people.adjuster],
      labAdmin: [lab, admins.lab],
      insurerAdmin: [insurer, admins.insurer],
    };
    const seen: Record<string, StreamClient> = {};
    for (const [name, [h, token]] of Object.entries(viewers)) {
      const server = await serve(h.app);
      servers.push(server);
      seen[name] = await openStream(server.url, token);
      streams.push(seen[name]);
    }

    // The consortium's founding (member kinds) happened before the morning.
    const founded = chain.ledger.committedEvents.length;
    await morning(chain, gateways, people);
    const morningEvents = chain.ledger.committedEvents.slice(founded);
    expect(morningEvents.map((e) => e.name)).toEqual(EVENTS);
    for (const event of morningEvents)
      source.commit(event.name, JSON.parse(event.payload.toString('utf8')) as Record<string, unknown>);
    await until(() => source.idle(), 10_000);
    // Signing out ends each stream after what it delivered (the socket keeps their order).
    for (const [name, [h, token]] of Object.entries(viewers)) {
      await h.as(token).delete('/v1/sessions/current').expect(204);
      expect({ name, ended: await seen[name]?.endsWithin(3000) }).toEqual({ name, ended: true });
    }
    const names = Object.fromEntries(
      Object.entries(seen).map(([name, s]) => [name, [...s.text().matchAll(/^event: ([\w-]+)$/gm)].map((m) => m[1])]),
    );
    expect(names).toEqual({
      alice: [...EVENTS.slice(0, 7), 'session-ended'],
      bob: ['AppointmentStatus', 'session-ended'],
      drA: ['RecordAdded', 'BreakGlassOpened', 'LabOrderStatus', 'AppointmentStatus', 'session-ended'],
      drB: ['ConsentGranted', 'BreakGlassOpened', 'AppointmentStatus', 'session-ended'],
      billA: ['AppointmentStatus', 'ClaimStatus', 'session-ended'],
      billB: ['AppointmentStatus', 'session-ended'],
      adminA: ['BreakGlassOpened', 'AppointmentStatus', 'ErasureRequested', 'session-ended'],
      adminB: ['BreakGlassOpened', 'AppointmentStatus', 'session-ended'],
      tech: ['LabOrderStatus', 'session-ended'],
      adjuster: ['ClaimStatus', 'session-ended'],
      // Alice's erasure needs the lab (it holds her order's details) and the insurer (her claim's lines).
      labAdmin: ['ErasureRequested', 'session-ended'],
      insurerAdmin: ['ErasureRequested', 'session-ended'],
    });
  }, 60_000);
});

/** What the morning commits, in order: seven events about alice (hospital A), then bob's (hospital B). */
const EVENTS = [
  'ConsentGranted',
  'RecordAdded',
  'BreakGlassOpened',
  'LabOrderStatus',
  'AppointmentStatus',
  'ClaimStatus',
  'ErasureRequested',
  'AppointmentStatus',
];

/**
 * Alice (hospital A's patient) consents to hospital B; A's doctor records a diagnosis; B's doctor
 * breaks the glass on her; A's doctor orders a lab test; she books A's doctor; A's billing claims
 * from her insurer; she asks for erasure. Bob (hospital B's patient) books B's doctor.
 */
async function morning(
  chain: ChaincodePort,
  g: Record<'a' | 'b' | 'lab' | 'insurer', Harness>,
  p: Record<'alice' | 'drA' | 'billA' | 'bob' | 'drB' | 'billB' | 'tech' | 'adjuster', string>,
) {
  const now = chain.ledger.now;
  const ok = async (h: Harness, token: string, path: string, body: object) => {
    const res = await h.as(token).post(path).send(body);
    expect({ path, failed: res.status >= 300 ? res.text : undefined }).toEqual({ path, failed: undefined });
    return res.body as Record<string, unknown>;
  };
  const me = async (h: Harness, token: string) =>
    ((await h.as(token).get('/v1/me').expect(200)).body as { attrs: Record<string, string> }).attrs;
  const patientId = (await me(g.a, p.alice))['ehr.patientId'] ?? '';
  const drA = (await me(g.a, p.drA))['ehr.practitionerId'] ?? '';
  const drB = (await me(g.b, p.drB))['ehr.practitionerId'] ?? '';
  const later = (days: number) => new Date(now + days * DAY).toISOString();

  await ok(g.a, p.alice, '/v1/consents', {
    grantee: { mspId: 'HospitalBMSP' },
    categories: ['diagnosis'],
    purpose: 'treatment',
    validUntil: later(30),
  });
  const record = await ok(g.a, p.drA, '/v1/records', {
    patientId,
    category: 'diagnosis',
    body: { diagnosis: 'J45.20' },
  });
  await ok(g.b, p.drB, '/v1/break-glass', { patientId, reasonCode: 'unconscious', minutes: 60 });
  await ok(g.a, p.drA, '/v1/lab-orders', {
    patientId,
    labMspId: 'LabMSP',
    priority: 'routine',
    details: { tests: [{ code: 'CBC', name: 'Full blood count' }] },
  });
  await ok(g.a, p.alice, '/v1/appointments', {
    mspId: 'HospitalAMSP',
    practitionerId: drA,
    slot: later(2),
    reason: 'x',
  });
  const policy = await ok(g.insurer, p.adjuster, '/v1/policies', {
    patientId,
    terms: {
      plan: 'Gold',
      coverage: { diagnosis: 80 },
      copayPercent: 10,
      annualLimit: 1_000_000,
      validFrom: later(-30),
      validUntil: later(300),
    },
  });
  await ok(g.a, p.billA, '/v1/claims', {
    claim: {
      policyId: policy.policyId,
      patientId,
      serviceDate: later(-1),
      lines: [{ recordId: record.recordId, contentHash: record.contentHash, category: 'diagnosis', amount: 12_000 }],
    },
    lineDetails: { lines: [{ recordId: record.recordId, description: 'Consultation', code: '99213', quantity: 1 }] },
  });
  await ok(g.a, p.alice, '/v1/erasure-requests', {});
  await ok(g.b, p.bob, '/v1/appointments', { mspId: 'HospitalBMSP', practitionerId: drB, slot: later(3), reason: 'y' });
}
