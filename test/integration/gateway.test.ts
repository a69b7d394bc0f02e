/**
 * The member gateways over HTTP against the real network (issue 5): people invited (and so
 * registered on the ledger) and signed in with password + TOTP at their own member's gateway,
 * a cross-member journey, and bad input leaving the ledger unchanged. (The SSE feed is covered
 * by unit tests with a stand-in event source.)
 *
 * Each run starts its own instance of the gateway program for hospitals A and B, in front of
 * their real peers, with a fresh data folder: its member admin's one-time enrolment code is
 * then this run's, whatever an earlier run or a person did with the standing gateways' admins.
 */
import { call, type Gateway as Member, invite, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';

const runId = Date.now().toString(36);

afterAll(stopGateways);

describe('member gateways over HTTP', () => {
  let a: Member;
  let b: Member;

  beforeAll(async () => {
    [a, b] = await Promise.all([startGateway('hospital-a', 91), startGateway('hospital-b', 92)]);
  }, 300_000);

  it('runs a patient journey across two hospitals, each actor at their own gateway', async () => {
    const [patient, doctorA, doctorB] = await Promise.all([
      invite(a, `pat-${runId}`, 'patient'),
      invite(a, `doca-${runId}`, 'doctor'),
      invite(b, `docb-${runId}`, 'doctor'),
    ]);
    // The invitation registered the patient on the ledger; finishing sign-up linked her certificate.
    const patientId = patient.attrs['ehr.patientId'] ?? '';
    expect(patient.txId).toEqual(expect.any(String));
    const entry = await call(`${a.url}/v1/patients/${patientId}`, 'GET', undefined, doctorA.token);
    expect(entry).toMatchObject({ status: 200, body: { patientId, homeOrg: 'HospitalAMSP', status: 'active' } });
    expect(entry.body.certFingerprints).toHaveLength(1);

    const record = await call(
      `${a.url}/v1/records`,
      'POST',
      { patientId, category: 'diagnosis', body: { diagnosis: 'J45.20' } },
      doctorA.token,
    );
    expect(record.status).toBe(201);
    const recordId = record.body.recordId as string;
    // Hospital B's peer (and the others that endorse B's request) act on A's write: let them have it.
    await settled();

    const refused = await call(
      `${b.url}/v1/records/${recordId}/access`,
      'POST',
      { purpose: 'treatment' },
      doctorB.token,
    );
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'CONSENT_REQUIRED' } } });

    const validUntil = new Date(Date.now() + 3_600_000).toISOString();
    const consent = await call(
      `${a.url}/v1/consents`,
      'POST',
      { grantee: { mspId: 'HospitalBMSP' }, categories: ['diagnosis'], purpose: 'treatment', validUntil },
      patient.token,
    );
    expect(consent.status).toBe(201);
    await settled();
    const ticket = await call(
      `${b.url}/v1/records/${recordId}/access`,
      'POST',
      { purpose: 'treatment' },
      doctorB.token,
    );
    expect(ticket.status).toBe(201);
    const body = await call(
      `${b.url}/v1/records/${recordId}/body/${String(ticket.body.ticketId)}`,
      'GET',
      undefined,
      doctorB.token,
    );
    expect(body).toMatchObject({ status: 200, body: { diagnosis: 'J45.20' } });

    await settled();
    const log = await call(`${a.url}/v1/access-log`, 'GET', undefined, patient.token);
    expect((log.body as { items: { reader: { mspId: string } }[] }).items.map((e) => e.reader.mspId)).toContain(
      'HospitalBMSP',
    );
  }, 600_000);

  it('answers bad input with the documented 4xx and leaves the ledger unchanged', async () => {
    const doctor = await invite(a, `docbad-${runId}`, 'doctor');
    const before = await call(`${a.url}/v1/patients/PAT-HA-0001/records`, 'GET', undefined, doctor.token);
    const cases: [string, string, unknown, number][] = [
      ['/v1/records', 'POST', { patientId: 'PAT-HA-0001', category: 'astrology', body: {} }, 400],
      ['/v1/records', 'POST', { patientId: 42 }, 400],
      ['/v1/records/REC-unknown/access', 'POST', { purpose: 'treatment' }, 404],
      [
        '/v1/records',
        'POST',
        { patientId: 'PAT-HA-0001', category: 'diagnosis', body: { notes: 'x'.repeat(300 * 1024) } },
        413,
      ],
    ];
    for (const [route, method, payload, status] of cases) {
      expect({ route, status: (await call(`${a.url}${route}`, method, payload, doctor.token)).status }).toEqual({
        route,
        status,
      });
    }
    expect((await call(`${a.url}/v1/me`, 'GET', undefined, `${doctor.token}x`)).status).toBe(401);
    const after = await call(`${a.url}/v1/patients/PAT-HA-0001/records`, 'GET', undefined, doctor.token);
    expect(after.body).toEqual(before.body);
  }, 300_000);
});
