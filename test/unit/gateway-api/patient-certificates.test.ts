/**
 * A patient acts only through a certificate bound to them. The gateway enrols a patient once
 * and keeps that certificate for good (an authenticator reset keeps it), so it never has a
 * second one to confirm; a patient who lost theirs gets a new one bound by a recovery that
 * admins of a majority of members approve. The ledger runs the real chaincode.
 */
import { createHash } from 'node:crypto';
import type { UserIdentity } from '../../../gateway-api/src/fabric';
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness } from './harness';

/** SHA-256 of a certificate as the stand-in ledger sees it (the chaincode's fingerprint of the creator). */
const fingerprintOf = (mspId: string, enrollmentId: string) =>
  createHash('sha256').update(`cert-of-${mspId}-${enrollmentId}`).digest('hex');

describe("a patient's certificates", () => {
  let chain: ChaincodePort;
  let gateways: { a: Harness; b: Harness; lab: Harness; insurer: Harness };
  let admins: Record<keyof typeof gateways, string>;
  let alice: string;
  let patientId: string;

  beforeEach(async () => {
    const founded = consortium();
    chain = founded.chain;
    gateways = { a: founded.hospitalA, b: founded.hospitalB, lab: founded.lab, insurer: founded.insurer };
    admins = {
      a: await gateways.a.adminToken(),
      b: await gateways.b.adminToken(),
      lab: await gateways.lab.adminToken(),
      insurer: await gateways.insurer.adminToken(),
    };
    alice = await gateways.a.user(admins.a, 'alice', 'patient');
    patientId = (await gateways.a.as(alice).get('/v1/me').expect(200)).body.attrs['ehr.patientId'] as string;
  });

  const boundTo = () =>
    (chain.entries('patient').find((p) => p.patientId === patientId) as { certFingerprints: string[] })
      .certFingerprints;
  const recoveries = () => `/v1/patients/${patientId}/recovery-requests`;
  const approval = (requestId: string) => `${recoveries()}/${requestId}/approval`;
  /** A certificate the home member issued for the patient outside the gateway (a new device). */
  const newDevice = (): UserIdentity => {
    gateways.a.ca.registered.set('alice-tablet', {
      registration: { name: 'alice-tablet', attrs: { 'ehr.role': 'patient', 'ehr.patientId': patientId } },
      secret: 'spent',
      enrolled: true,
    });
    return { mspId: 'HospitalAMSP', certPem: 'CERT OF alice-tablet', keyPem: 'PRIVATE KEY OF alice-tablet' };
  };
  const accessLogAs = (identity: UserIdentity) =>
    chain.evaluate(identity, { contract: 'access', fn: 'ListMyAccessLog', args: ['', ''] });

  it('keeps the bound certificate across an authenticator reset: no second enrolment, nothing to confirm', async () => {
    const enrollmentId = gateways.a.enrolmentIdOf('alice');
    expect(boundTo()).toEqual([fingerprintOf('HospitalAMSP', enrollmentId)]);
    await gateways.a.as(admins.a).post('/v1/users/alice/totp-reset').expect(200);
    const again = await gateways.a.activate('alice', gateways.a.enrolmentCode('alice'));
    // The same identity at the CA (it allows one enrolment) and on the ledger.
    expect(gateways.a.enrolmentIdOf('alice')).toBe(enrollmentId);
    expect([...gateways.a.ca.registered.values()].filter((r) => r.registration.attrs['ehr.patientId'])).toHaveLength(1);
    expect(boundTo()).toEqual([fingerprintOf('HospitalAMSP', enrollmentId)]);
    await gateways.a.as(again).get('/v1/access-log').expect(200);
    const links = gateways.a.port.calls.filter((c) => c.call.fn === 'LinkPatientCertificate');
    expect(new Set(links.map((c) => c.identity.certPem))).toEqual(new Set([`CERT OF ${enrollmentId}`]));
  });

  it('binds a new certificate once admins of a majority approved: the lost one stops acting for the patient', async () => {
    const tablet = newDevice();
    await expect(accessLogAs(tablet)).rejects.toMatchObject({
      details: [{ message: expect.stringContaining('FORBIDDEN') }],
    });
    const fingerprint = fingerprintOf('HospitalAMSP', 'alice-tablet');

    const requested = await gateways.a.as(admins.a).post(recoveries()).send({ fingerprint }).expect(201);
    expect(requested.body).toEqual({
      txId: expect.any(String),
      requestId: expect.stringMatching(/^RCV-/),
      patientId,
      fingerprint,
      requestedAt: expect.any(String),
      expiresAt: expect.any(String),
      status: 'requested',
      approvals: [{ mspId: 'HospitalAMSP', approvedAt: expect.any(String) }],
      committedBlock: expect.any(Number),
    });
    const requestId = requested.body.requestId as string;
    const pending = await gateways.lab.as(admins.lab).get('/v1/consortium/recovery-requests').expect(200);
    expect(pending.body).toEqual({
      items: [expect.objectContaining({ requestId, status: 'requested' })],
      bookmark: '',
    });

    const second = await gateways.b.as(admins.b).post(approval(requestId)).expect(200);
    expect(second.body).toMatchObject({
      status: 'requested',
      approvals: [{ mspId: 'HospitalAMSP' }, { mspId: 'HospitalBMSP' }],
    });
    await gateways.a.as(alice).get('/v1/access-log').expect(200);
    const third = await gateways.lab.as(admins.lab).post(approval(requestId)).expect(200);
    expect(third.body).toMatchObject({ status: 'completed', completedAt: expect.any(String) });

    expect(boundTo()).toEqual([fingerprint]);
    await expect(accessLogAs(tablet)).resolves.toBeDefined();
    const lost = await gateways.a.as(alice).get('/v1/access-log').expect(403);
    expect(lost.body.error.code).toBe('FORBIDDEN');
    expect((await gateways.a.as(admins.a).get('/v1/consortium/recovery-requests').expect(200)).body.items).toEqual([]);
    const late = await gateways.insurer.as(admins.insurer).post(approval(requestId)).expect(409);
    expect(late.body.error.code).toBe('CONFLICT');
  });

  it('refuses a recovery asked by another member, by other roles, with a bad fingerprint, or for what does not exist', async () => {
    const fingerprint = 'e'.repeat(64);
    const foreign = await gateways.b.as(admins.b).post(recoveries()).send({ fingerprint }).expect(403);
    expect(foreign.body.error.code).toBe('FORBIDDEN');
    const unknown = await gateways.a
      .as(admins.a)
      .post('/v1/patients/PAT-NOBODY/recovery-requests')
      .send({ fingerprint })
      .expect(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const noRequest = await gateways.b.as(admins.b).post(approval('RCV-NONE')).expect(404);
    expect(noRequest.body.error.code).toBe('NOT_FOUND');

    const doctor = await gateways.a.user(admins.a, 'drwho', 'doctor');
    const mark = gateways.a.port.calls.length;
    for (const token of [alice, doctor]) {
      await gateways.a.as(token).post(recoveries()).send({ fingerprint }).expect(403);
      await gateways.a.as(token).post(approval('RCV-ANY')).expect(403);
      await gateways.a.as(token).get('/v1/consortium/recovery-requests').expect(403);
    }
    for (const body of [{}, { fingerprint: 'abc' }, { fingerprint: 'E'.repeat(64) }, { fingerprint, patientId }]) {
      const res = await gateways.a.as(admins.a).post(recoveries()).send(body);
      expect({ body, status: res.status, code: res.body.error.code }).toEqual({
        body,
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
    await gateways.a.as(admins.a).get('/v1/consortium/recovery-requests?pageSize=0').expect(400);
    expect(gateways.a.port.calls.length).toBe(mark);
  });

  it('refuses approvals once the recovery expired (7 days)', async () => {
    const requested = await gateways.a
      .as(admins.a)
      .post(recoveries())
      .send({ fingerprint: 'e'.repeat(64) })
      .expect(201);
    chain.ledger.advance(7 * 86_400_000);
    const expired = await gateways.b
      .as(admins.b)
      .post(approval(requested.body.requestId as string))
      .expect(409);
    expect(expired.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('expired') });
  });
});
