/**
 * A patient's feedback comment is PHI held by the member of the practitioner they saw: the
 * gateway sends it to that member's peer only, as the appointment on the ledger names it, never
 * to a member the request names. The ledger runs the real chaincode (chaincode-port.ts).
 */
import { consortium, type Harness } from './harness';

const DAY = 86_400_000;

describe('feedback on an appointment', () => {
  let a: Harness;
  let b: Harness;
  let patient: string;
  let doctorB: string;
  let appointmentId: string;

  beforeEach(async () => {
    ({ hospitalA: a, hospitalB: b } = consortium());
    patient = await a.user(await a.adminToken(), 'alice', 'patient');
    doctorB = await b.user(await b.adminToken(), 'drb', 'doctor');
    const practitionerId = (await b.as(doctorB).get('/v1/me').expect(200)).body.attrs['ehr.practitionerId'] as string;
    const slot = new Date(Date.now() + DAY).toISOString();
    const booked = await a
      .as(patient)
      .post('/v1/appointments')
      .send({ mspId: 'HospitalBMSP', practitionerId, slot })
      .expect(201);
    appointmentId = booked.body.appointmentId as string;
    for (const action of ['confirm', 'complete'])
      await b.as(doctorB).post(`/v1/appointments/${appointmentId}/status`).send({ action }).expect(200);
  });

  it("sends the comment to the member of the appointment's practitioner, as the ledger names it", async () => {
    const mark = a.port.calls.length;
    await a
      .as(patient)
      .post(`/v1/appointments/${appointmentId}/feedback`)
      .send({ rating: 4, comment: 'kind and clear' })
      .expect(201);
    const stored = a.port.since(mark).find((c) => c.call.fn === 'StoreFeedbackComment');
    expect(stored?.call.orgs).toEqual(['HospitalBMSP']);
    const read = await b
      .as(doctorB)
      .post(`/v1/appointments/${appointmentId}/feedback/comment/read`)
      .send({})
      .expect(200);
    expect(read.body.value).toEqual({ appointmentId, comment: 'kind and clear' });
  });

  it('refuses a request that names the member to send the comment to', async () => {
    const mark = a.port.calls.length;
    const res = await a
      .as(patient)
      .post(`/v1/appointments/${appointmentId}/feedback`)
      .send({ practitionerMspId: 'LabMSP', rating: 4, comment: 'kind and clear' })
      .expect(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(a.port.since(mark)).toEqual([]);
  });
});
