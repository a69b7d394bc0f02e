/**
 * Each role's working day over REST, on the real network: every person signs in at their own
 * member's gateway and works from lists and work queues, reading what others wrote through
 * audited reads. Steps at one member that act on another member's write wait until every
 * member's peer has it (`settled`): the gateways do not wait for other members' peers.
 */
import {
  activate,
  call,
  enrolmentCode,
  type Gateway,
  invite,
  type Person,
  startGateway,
  stopGateways,
} from './helpers/gateways';
import { eventually, height, session, settled, user } from './helpers/network';
import { placesHolding } from './helpers/stores';
import { markPhi } from './helpers/phi';

interface Checked {
  status: string;
  contentHash: string;
}

const runId = Date.now().toString(36);
/** Written into every piece of the patient's PHI, searched for on every member's disks after erasure. */
// Each member holds its share in its own private collection until the erasure below (which
// asserts that no store still reads it); the PHI scan checks it reached nowhere else.
const phi = markPhi(`Phi${runId}Zq`, 'hospital-a', 'hospital-b', 'lab', 'insurer');
const DAY = 86_400_000;

/** A call that must succeed; answers the body. */
async function ok(member: Gateway, who: Person | string, method: string, route: string, body?: unknown) {
  const token = typeof who === 'string' ? who : who.token;
  const answer = await call(`${member.url}${route}`, method, body, token);
  if (answer.status >= 300) throw new Error(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- answers are checked field by field
  return answer.body;
}

/** Every item of a list, page by page (small pages, to walk bookmarks). */
async function all(member: Gateway, who: Person | string, route: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let bookmark = '';
  do {
    const separator = route.includes('?') ? '&' : '?';
    const page = (await ok(member, who, 'GET', `${route}${separator}pageSize=2&bookmark=${bookmark}`)) as {
      items: Record<string, unknown>[];
      bookmark: string;
    };
    items.push(...page.items);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return items;
}

const ids = (items: Record<string, unknown>[], field: string) => items.map((item) => item[field]);

describe("each role's working day over REST", () => {
  let a: Gateway;
  let b: Gateway;
  let lab: Gateway;
  let insurer: Gateway;
  let patient: Person;
  let doctor: Person;
  let billing: Person;
  let doctorB: Person;
  let labtech: Person;
  let adjuster: Person;
  let patientId: string;
  let practitionerId: string;
  let appointmentId: string;
  let orderId: string;
  let resultRecordId: string;
  let policyId: string;
  let billId: string;
  let procedureRecordId: string;
  let allergyRecordId: string;

  beforeAll(async () => {
    [a, b, lab, insurer] = await Promise.all([
      startGateway('hospital-a', 91),
      startGateway('hospital-b', 92),
      startGateway('lab', 93),
      startGateway('insurer', 94),
    ]);
    [patient, doctor, billing, doctorB, labtech, adjuster] = await Promise.all([
      invite(a, `pat-${runId}`, 'patient', `Grace ${phi}`),
      invite(a, `doc-${runId}`, 'doctor'),
      invite(a, `bill-${runId}`, 'billing'),
      invite(b, `docb-${runId}`, 'doctor'),
      invite(lab, `tech-${runId}`, 'labtech'),
      invite(insurer, `adj-${runId}`, 'adjuster'),
    ]);
    patientId = patient.attrs['ehr.patientId'] ?? '';
    practitionerId = doctor.attrs['ehr.practitionerId'] ?? '';
    await settled();
  });

  afterAll(stopGateways);

  it('a patient books; the doctor sees the day, who is coming and why, and sees them', async () => {
    const slot = new Date(Date.now() + DAY).toISOString();
    const booked = await ok(a, patient, 'POST', '/v1/appointments', {
      mspId: 'HospitalAMSP',
      practitionerId,
      slot,
      reason: `wheezing at night ${phi}`,
    });
    appointmentId = booked.appointmentId as string;
    const today = await all(a, doctor, `/v1/schedule?day=${slot.slice(0, 10)}&status=requested`);
    expect(ids(today, 'appointmentId')).toContain(appointmentId);
    const reason = await ok(a, doctor, 'POST', `/v1/appointments/${appointmentId}/reason/read`, {});
    expect(reason.value).toEqual({ appointmentId, reason: `wheezing at night ${phi}` });
    const person = await ok(a, doctor, 'POST', `/v1/patients/${patientId}/demographics/read`, { purpose: 'treatment' });
    expect(person).toMatchObject({ ticket: { basis: 'treating-staff', custodian: 'HospitalAMSP' } });
    expect(person.value).toMatchObject({ patientId, name: `Grace ${phi}` });
    expect(ids(await all(a, doctor, '/v1/my-patients'), 'patientId')).toContain(patientId);
    for (const action of ['confirm', 'complete'])
      await ok(a, doctor, 'POST', `/v1/appointments/${appointmentId}/status`, { action });
    expect(
      ids(await all(a, a.admin, `/v1/org/appointments?day=${slot.slice(0, 10)}&status=completed`), 'appointmentId'),
    ).toContain(appointmentId);
  });

  it('the doctor orders tests; the lab works its queue, reads what to test and posts the result', async () => {
    const order = await ok(a, doctor, 'POST', '/v1/lab-orders', {
      patientId,
      labMspId: 'LabMSP',
      priority: 'urgent',
      details: { tests: [{ code: 'IGE', name: 'total IgE' }], notes: `for ${phi}` },
    });
    orderId = order.orderId as string;
    expect(ids(await all(a, doctor, '/v1/lab-orders/open'), 'orderId')).toContain(orderId);
    await settled();
    expect(ids(await all(lab, labtech, '/v1/lab-orders/queue?status=ordered'), 'orderId')).toContain(orderId);
    const tests = await ok(lab, labtech, 'POST', `/v1/lab-orders/${orderId}/details/read`, {});
    expect(tests).toMatchObject({ ticket: { basis: 'lab-order', custodian: 'LabMSP' } });
    expect(tests.value).toEqual({ orderId, tests: [{ code: 'IGE', name: 'total IgE' }], notes: `for ${phi}` });
    for (const action of ['accept', 'start'])
      await ok(lab, labtech, 'POST', `/v1/lab-orders/${orderId}/status`, { action });
    const queue = await all(lab, labtech, '/v1/lab-orders/queue');
    expect(queue.find((o) => o.orderId === orderId)?.status).toBe('in-progress');
    expect(ids(await all(lab, labtech, '/v1/lab-orders/queue?status=ordered'), 'orderId')).not.toContain(orderId);
    const result = await ok(lab, labtech, 'POST', `/v1/lab-orders/${orderId}/result`, {
      body: { diagnosis: `IgE 410 kU/L ${phi}` },
    });
    resultRecordId = result.recordId as string;
    await settled();
    expect(ids(await all(a, doctor, '/v1/lab-orders/open'), 'orderId')).not.toContain(orderId);
    const mine = await all(a, patient, `/v1/patients/${patientId}/lab-orders`);
    expect(mine.find((o) => o.orderId === orderId)).toMatchObject({ status: 'completed', resultRecordId });
  });

  it('billing bills the visit and claims it; the adjuster works the queue; the patient pays the rest', async () => {
    const issued = await ok(insurer, adjuster, 'POST', '/v1/policies', {
      patientId,
      terms: {
        plan: 'Silver',
        coverage: { procedure: 80 },
        copayPercent: 0,
        annualLimit: 500_000,
        validFrom: new Date(Date.now() - 30 * DAY).toISOString(),
        validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
      },
    });
    policyId = issued.policyId as string;
    const record = await ok(a, doctor, 'POST', '/v1/records', {
      patientId,
      category: 'procedure',
      body: { notes: `spirometry, reversible obstruction ${phi}` },
    });
    procedureRecordId = record.recordId as string;
    await settled();
    expect(ids(await all(a, billing, `/v1/patients/${patientId}/policies?active=true`), 'policyId')).toContain(
      policyId,
    );
    const bill = await ok(a, billing, 'POST', '/v1/bills', {
      patientId,
      basis: { kind: 'appointment', id: appointmentId },
      items: [
        { description: `Consultation ${phi}`, category: 'note', amount: 4_000 },
        { description: 'Spirometry', code: 'SPI-1', recordId: record.recordId, category: 'procedure', amount: 10_000 },
      ],
    });
    billId = bill.billId as string;
    expect(bill).toMatchObject({ total: 14_000, status: 'issued', lines: [{ amount: 4_000 }, { amount: 10_000 }] });
    expect(ids(await all(a, patient, '/v1/bills'), 'billId')).toContain(billId);
    await settled();
    const items = await ok(a, patient, 'POST', `/v1/bills/${billId}/items/read`, {});
    expect(items.value).toMatchObject({
      billId,
      items: [{ description: `Consultation ${phi}` }, { description: 'Spirometry' }],
    });

    const claim = await ok(a, billing, 'POST', `/v1/bills/${billId}/claims`, {
      policyId,
      lineDetails: {
        lines: [{ recordId: record.recordId, description: `Spirometry ${phi}`, code: 'SPI-1', quantity: 1 }],
      },
    });
    const claimId = claim.claimId as string;
    expect(claim).toMatchObject({ billId, claimedAmount: 10_000, status: 'submitted' });
    await settled();
    expect(ids(await all(insurer, adjuster, '/v1/claims/queue?status=submitted'), 'claimId')).toContain(claimId);
    const lines = await ok(insurer, adjuster, 'POST', `/v1/claims/${claimId}/lines/read`, {});
    expect(lines).toMatchObject({ ticket: { basis: 'claim-party', custodian: 'InsurerMSP' } });
    expect(lines.value).toMatchObject({ claimId, details: { lines: [{ description: `Spirometry ${phi}` }] } });
    const decided = await ok(insurer, adjuster, 'POST', `/v1/claims/${claimId}/adjudication`);
    expect(decided).toMatchObject({ status: 'approved', adjudication: { approvedAmount: 8_000 } });
    await settled();
    expect(ids(await all(a, billing, '/v1/org/claims?status=approved'), 'claimId')).toContain(claimId);
    expect(await ok(a, patient, 'GET', `/v1/bills/${billId}`)).toMatchObject({
      covered: 8_000,
      paid: 0,
      remaining: 6_000,
    });
    const paid = await ok(a, billing, 'POST', `/v1/bills/${billId}/payments`, {
      amount: 6_000,
      paymentRef: `CARD-${runId}`,
    });
    expect(paid).toMatchObject({ status: 'paid', remaining: 0 });
    expect(ids(await all(a, billing, '/v1/org/bills?status=paid'), 'billId')).toContain(billId);
  });

  it('the patient rates the visit; the admin sees the ratings and reads the comment', async () => {
    await ok(a, patient, 'POST', `/v1/appointments/${appointmentId}/feedback`, {
      rating: 4,
      comment: `listened carefully ${phi}`,
    });
    expect(await ok(a, a.admin, 'GET', `/v1/practitioners/${practitionerId}/feedback/summary`)).toMatchObject({
      count: 1,
      average: 4,
    });
    expect(ids(await all(a, a.admin, `/v1/practitioners/${practitionerId}/feedback`), 'appointmentId')).toEqual([
      appointmentId,
    ]);
    const comment = await ok(a, a.admin, 'POST', `/v1/appointments/${appointmentId}/feedback/comment/read`, {});
    expect(comment).toMatchObject({
      ticket: { basis: 'member-admin' },
      value: { comment: `listened carefully ${phi}` },
    });
  });

  it("another hospital's doctor breaks the glass; the home admin reads the reason and reviews it", async () => {
    const window = await ok(b, doctorB, 'POST', '/v1/break-glass', {
      patientId,
      reasonCode: 'unconscious',
      minutes: 30,
      reason: `brought in unresponsive ${phi}`,
    });
    const breakGlassId = window.breakGlassId as string;
    await settled();
    expect(ids(await all(a, a.admin, '/v1/org/break-glass/pending'), 'breakGlassId')).toContain(breakGlassId);
    const why = await ok(a, a.admin, 'POST', `/v1/break-glass/${breakGlassId}/reason/read`, {});
    expect(why).toMatchObject({ ticket: { basis: 'reviewer', custodian: 'HospitalAMSP' } });
    expect(why.value).toMatchObject({ breakGlassId, reason: `brought in unresponsive ${phi}` });
    const seen = await ok(b, doctorB, 'POST', `/v1/patients/${patientId}/demographics/read`, { purpose: 'treatment' });
    expect(seen.ticket).toMatchObject({ basis: 'break-glass', flagged: true });
    await ok(a, a.admin, 'POST', `/v1/patients/${patientId}/break-glass/${breakGlassId}/review`, {
      outcome: 'justified',
    });
    expect(ids(await all(a, a.admin, '/v1/org/break-glass/pending'), 'breakGlassId')).not.toContain(breakGlassId);
  });

  it("a colleague without care is flagged; the admin sees it and puts them on the patient's care team", async () => {
    const colleague = await invite(a, `doc2-${runId}`, 'doctor');
    const colleagueId = colleague.attrs['ehr.practitionerId'] ?? '';
    const read = () =>
      ok(a, colleague, 'POST', `/v1/patients/${patientId}/demographics/read`, { purpose: 'treatment' });
    expect((await read()).ticket).toMatchObject({ basis: 'treating-staff', flagged: true });
    const flagged = await all(a, a.admin, '/v1/org/flagged-reads');
    expect(flagged.some((e) => JSON.stringify(e).includes(colleagueId))).toBe(true);
    await ok(a, a.admin, 'PUT', `/v1/patients/${patientId}/care-team/${colleagueId}`);
    expect((await read()).ticket).toMatchObject({ basis: 'treating-staff', flagged: false });
    await ok(a, a.admin, 'DELETE', `/v1/patients/${patientId}/care-team/${colleagueId}`);
    expect((await read()).ticket).toMatchObject({ flagged: true });
    // The kinds a majority approved, which say which roles each member's CA may issue.
    const kinds = (await ok(a, a.admin, 'GET', '/v1/consortium/member-kinds')) as {
      members: { mspId: string; kind: string }[];
    };
    expect(Object.fromEntries(kinds.members.map((m) => [m.mspId, m.kind]))).toEqual({
      HospitalAMSP: 'hospital',
      HospitalBMSP: 'hospital',
      LabMSP: 'lab',
      InsurerMSP: 'insurer',
    });
  });

  it('the patient adds their own history and sees who read their data, page by page', async () => {
    const allergy = await ok(a, patient, 'POST', '/v1/records', {
      patientId,
      category: 'allergy',
      body: { notes: `penicillin: hives ${phi}` },
    });
    allergyRecordId = allergy.recordId as string;
    const header = await ok(a, doctor, 'GET', `/v1/records/${allergyRecordId}`);
    expect(header).toMatchObject({ source: 'patient', author: patientId, custodian: 'HospitalAMSP' });
    const records = await all(a, patient, `/v1/patients/${patientId}/records`);
    expect(ids(records, 'recordId')).toEqual(expect.arrayContaining([allergy.recordId, resultRecordId]));
    await settled();
    const log = await all(a, patient, '/v1/access-log');
    const resources = log.map((e) => `${(e.reader as { mspId: string }).mspId} ${String(e.resource)}`);
    expect(resources).toEqual(
      expect.arrayContaining([
        `HospitalAMSP demographics:${patientId}`,
        `LabMSP labOrderDetails:${orderId}`,
        `HospitalBMSP demographics:${patientId}`,
      ]),
    );
    expect(log.map((e) => e.time)).toEqual([...log.map((e) => e.time as string)].sort());
  });

  it('the admin manages the member’s people: a disabled or reset user is out at once', async () => {
    const users = await all(a, a.admin, '/v1/users?role=doctor');
    expect(users.find((u) => u.username === `doc-${runId}`)).toMatchObject({ status: 'active', lockedOut: false });
    await ok(a, a.admin, 'POST', `/v1/users/doc-${runId}/disable`);
    expect((await call(`${a.url}/v1/my-patients`, 'GET', undefined, doctor.token)).status).toBe(401);
    await ok(a, a.admin, 'POST', `/v1/users/doc-${runId}/enable`);
    const reset = await ok(a, a.admin, 'POST', `/v1/users/bill-${runId}/totp-reset`);
    expect(reset).toEqual({ username: `bill-${runId}`, codeSentVia: 'outbox', expiresAt: expect.any(String) });
    expect((await call(`${a.url}/v1/org/bills`, 'GET', undefined, billing.token)).status).toBe(401);
    billing.token = await activate(a.url, `bill-${runId}`, enrolmentCode(a, `bill-${runId}`));
    expect((await call(`${a.url}/v1/org/bills`, 'GET', undefined, billing.token)).status).toBe(200);
    await ok(a, a.admin, 'PUT', '/v1/org/profile', { displayName: 'Hospital A', specialities: ['cardiology'] });
  });

  it('erasure reaches every member holding the data and leaves none of the PHI on any disk, only public traces', async () => {
    const gateways: Record<string, Gateway> = { HospitalAMSP: a, HospitalBMSP: b, LabMSP: lab, InsurerMSP: insurer };
    const records = [resultRecordId, procedureRecordId, allergyRecordId];
    const integrity = async () =>
      Promise.all(records.map((id) => ok(a, patient, 'GET', `/v1/records/${id}/integrity`) as Promise<Checked>));
    const before = await integrity();
    expect(before.map((c) => c.status)).toEqual(['intact', 'intact', 'intact']);
    await settled();
    // The PHI rests at the patient's hospital, the lab, the insurer and the hospital whose
    // doctor broke the glass (so the scan below can fail).
    const resting = await placesHolding([phi]);
    expect(new Set(resting.map((place) => place.split(' ')[0]))).toEqual(
      new Set(['hospital-a', 'hospital-b', 'lab', 'insurer']),
    );

    // Resume from the current last block, so that no event after it can be missed while the
    // gateway opens its stream from the peer.
    const s = session('hospital-a', user('hospital-a', 'admin'));
    const last = (await height(s)) - 1;
    s.close();
    const events = await fetch(`${a.url}/v1/events`, {
      headers: { authorization: `Bearer ${a.admin}`, 'last-event-id': `${String(last)}-0` },
    });
    const reader = events.body?.getReader();
    try {
      const request = await ok(a, patient, 'POST', '/v1/erasure-requests');
      const requestId = request.requestId as string;
      // Every member holding a piece of the patient's data is asked, not only the custodian.
      expect([...(request.required as string[])].sort()).toEqual(
        ['HospitalAMSP', 'HospitalBMSP', 'InsurerMSP', 'LabMSP'].sort(),
      );
      let stream = '';
      while (reader && !stream.includes(requestId)) {
        const { value, done } = await reader.read();
        if (done) break;
        stream += Buffer.from(value).toString('utf8');
      }
      expect(stream).toMatch(new RegExp(`event: ErasureRequested\\ndata: .*${requestId}`));
      await settled();
      for (const mspId of request.required as string[]) {
        const member = gateways[mspId];
        if (!member) throw new Error(`no gateway for ${mspId}`);
        expect(ids(await all(member, member.admin, '/v1/org/erasure-requests'), 'requestId')).toContain(requestId);
        await ok(member, member.admin, 'POST', `/v1/patients/${patientId}/erasure-requests/${requestId}/approval`);
        await settled();
      }
      const mine = await all(a, patient, '/v1/erasure-requests');
      expect(mine.find((r) => r.requestId === requestId)).toMatchObject({ status: 'approved' });
      expect(ids(await all(lab, lab.admin, '/v1/org/erasure-requests'), 'requestId')).not.toContain(requestId);
    } finally {
      await reader?.cancel();
    }

    // No key or value holding any of the PHI is left in any peer's private data store,
    // transient store or state DB, nor in any CouchDB revision (the peers drop purged
    // private data from their stores after each block; the state DB compacts).
    await eventually(async () => {
      expect(await placesHolding([phi])).toEqual([]);
    }, 30_000);
    // The public traces stay: headers with their hashes, the claim and the bill with their
    // statuses, and the audit trail of who read what.
    const after = await integrity();
    expect(after.map((c) => c.status)).toEqual(['purged', 'purged', 'purged']);
    expect(after.map((c) => c.contentHash)).toEqual(before.map((c) => c.contentHash));
    expect(await ok(a, patient, 'GET', `/v1/records/${allergyRecordId}`)).toMatchObject({
      contentHash: before[2]?.contentHash,
    });
    expect(await ok(a, billing, 'GET', `/v1/bills/${billId}`)).toMatchObject({ status: 'paid', remaining: 0 });
    const log = await all(a, patient, '/v1/access-log');
    expect(log.map((e) => `${(e.reader as { mspId: string }).mspId} ${String(e.resource)}`)).toEqual(
      expect.arrayContaining([`LabMSP labOrderDetails:${orderId}`, `HospitalBMSP demographics:${patientId}`]),
    );
    // Signing out ends the session at once.
    await ok(a, patient, 'DELETE', '/v1/sessions/current');
    expect((await call(`${a.url}/v1/bills`, 'GET', undefined, patient.token)).status).toBe(401);
  });
});
