/**
 * Inviting registers on the ledger in the same step (patients and practitioners, as the
 * admin), and a patient's certificate is linked when they finish sign-up. The ledger here runs
 * the real chaincode (chaincode-port.ts); failures are injected around it.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness, PASSWORD } from './harness';

const NAME = 'Alice Zyxwv-PHI-7f3a';
const DEMOGRAPHICS = { name: NAME, dateOfBirth: '1985-02-03', contact: { email: 'alice@example.org' } };
const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
const timedOut = () => Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 });

describe('inviting a user registers them on the ledger', () => {
  let h: Harness;
  let lab: Harness;
  let chain: ChaincodePort;
  let admin: string;

  beforeEach(async () => {
    ({ hospitalA: h, lab, chain } = consortium());
    admin = await h.adminToken();
  });

  const invite = (body: object) => h.as(admin).post('/v1/users').send(body);
  const inviteAlice = () => invite({ username: 'alice', role: 'patient', demographics: DEMOGRAPHICS });
  const publicText = () => [...chain.ledger.state.values()].map((v) => Buffer.from(v).toString()).join('\n');
  const userStatus = async (username: string) => {
    const listed = await h.as(admin).get('/v1/users').expect(200);
    return (listed.body.items as { username: string; status: string }[]).find((u) => u.username === username)?.status;
  };

  it("registers a patient with the generated id, demographics in the member's own collection only", async () => {
    const invited = await inviteAlice().expect(201);
    const patientId = invited.body.attrs['ehr.patientId'] as string;
    expect(invited.body).toMatchObject({ username: 'alice', role: 'patient', patientId, txId: expect.any(String) });
    expect(chain.entries('patient')).toEqual([
      expect.objectContaining({ patientId, homeOrg: 'HospitalAMSP', certFingerprints: [], status: 'active' }),
    ]);
    const held = [...chain.ledger.collection('_implicit_org_HospitalAMSP').values()].map((v) =>
      Buffer.from(v).toString(),
    );
    expect(held.join()).toContain(NAME);
    expect(publicText()).not.toContain(NAME);
    // The ledger had the patient before the CA issued anything for them.
    expect(h.ca.registered.get(h.enrolmentIdOf('alice'))?.registration.attrs).toEqual(invited.body.attrs);
  });

  it("links the patient's certificate, signed by the patient, when they finish sign-up", async () => {
    await inviteAlice().expect(201);
    await h.activate('alice', h.enrolmentCode('alice'));
    const link = h.port.calls.find((c) => c.call.fn === 'LinkPatientCertificate');
    const enrollmentId = h.enrolmentIdOf('alice');
    expect(link?.identity.certPem).toBe(`CERT OF ${enrollmentId}`);
    const fingerprint = createHash('sha256').update(`cert-of-HospitalAMSP-${enrollmentId}`).digest('hex');
    expect(chain.entries('patient')).toEqual([expect.objectContaining({ certFingerprints: [fingerprint] })]);
  });

  it('registers a doctor or a labtech as a practitioner of the member, with role and id', async () => {
    const doctor = await invite({
      username: 'drwho',
      role: 'doctor',
      practitioner: { licenceNo: 'GMC-1234', specialty: 'cardiology' },
    }).expect(201);
    const labAdmin = await lab.adminToken();
    const tech = await lab
      .as(labAdmin)
      .post('/v1/users')
      .send({ username: 'tech', role: 'labtech', practitionerId: 'LAB-TECH-7', practitioner: { licenceNo: 'HCPC-9' } })
      .expect(201);
    expect(tech.body).toMatchObject({ practitionerId: 'LAB-TECH-7', txId: expect.any(String) });
    expect(chain.entries('practitioner')).toEqual([
      {
        practitionerId: doctor.body.practitionerId as string,
        mspId: 'HospitalAMSP',
        role: 'doctor',
        licenceNo: 'GMC-1234',
        specialty: 'cardiology',
        status: 'active',
        updatedAt: expect.any(String),
      },
      expect.objectContaining({ practitionerId: 'LAB-TECH-7', mspId: 'LabMSP', role: 'labtech', licenceNo: 'HCPC-9' }),
    ]);
  });

  it('refuses an invitation without the details its role needs, or with others, and changes nothing', async () => {
    const before = chain.ledger.snapshot();
    const cases: [string, object][] = [
      ['patient without demographics', { username: 'p1', role: 'patient' }],
      ['doctor without licence', { username: 'd1', role: 'doctor' }],
      ['billing with demographics', { username: 'b1', role: 'billing', demographics: DEMOGRAPHICS }],
      [
        'patient as practitioner',
        { username: 'p2', role: 'patient', demographics: DEMOGRAPHICS, practitioner: { licenceNo: 'x' } },
      ],
      [
        'bad date of birth',
        { username: 'p3', role: 'patient', demographics: { name: 'P', dateOfBirth: '1985-13-01' } },
      ],
      ['unknown demographics field', { username: 'p4', role: 'patient', demographics: { ...DEMOGRAPHICS, ssn: '1' } }],
      [
        'empty contact phone',
        { username: 'p5', role: 'patient', demographics: { ...DEMOGRAPHICS, contact: { phone: '' } } },
      ],
    ];
    for (const [name, body] of cases)
      expect({ name, status: (await invite(body)).status }).toEqual({ name, status: 400 });
    expect(chain.ledger.changesSince(before)).toEqual([]);
    expect(h.ca.registered.size).toBe(0);
    expect((await h.as(admin).get('/v1/users').expect(200)).body.items).toHaveLength(1);
  });

  it('refuses a practitioner id another practitioner of the member has', async () => {
    await h
      .as(admin)
      .post('/v1/practitioners')
      .send({ practitionerId: 'DOC-7', role: 'doctor', licenceNo: 'L-7' })
      .expect(201);
    const before = chain.ledger.snapshot();
    const taken = await invite({
      username: 'drno',
      role: 'doctor',
      practitionerId: 'DOC-7',
      practitioner: { licenceNo: 'L-8' },
    }).expect(409);
    expect(taken.body.error.code).toBe('ALREADY_EXISTS');
    expect(chain.ledger.changesSince(before)).toEqual([]);
    expect(await userStatus('drno')).toBeUndefined();
  });

  it('resumes an invitation the CA failed, with the same ids: still one patient', async () => {
    h.ca.failure = new Error('connect ECONNREFUSED');
    const failed = await inviteAlice();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await userStatus('alice')).toBe('registering');
    const [first] = chain.entries('patient');
    h.ca.failure = undefined;
    const resumed = await inviteAlice().expect(201);
    expect(resumed.body.patientId).toBe(first?.patientId);
    expect(resumed.body.txId).toEqual(expect.any(String));
    expect(chain.entries('patient')).toHaveLength(1);
    await h.activate('alice', h.enrolmentCode('alice'));
  });

  it('resumes an invitation the ledger failed, and refuses to resume it as another role', async () => {
    h.port.failures.set('RegisterPatient', unavailable());
    await inviteAlice().expect(503);
    expect(chain.entries('patient')).toEqual([]);
    expect(h.ca.registered.size).toBe(0);
    expect(await userStatus('alice')).toBe('registering');
    await h.as(admin).post('/v1/users/alice/disable').expect(409);
    h.port.failures.delete('RegisterPatient');
    const other = await invite({ username: 'alice', role: 'billing' }).expect(409);
    expect(other.body.error.message).toBe('alice has an unfinished invitation as patient: send that one again');
    const resumed = await inviteAlice().expect(201);
    expect(chain.entries('patient')).toEqual([expect.objectContaining({ patientId: resumed.body.patientId })]);
    await inviteAlice().expect(409);
  });

  it('does not register a patient twice when the answer of the first registration was lost', async () => {
    h.port.lostAnswers.set('RegisterPatient', timedOut());
    await inviteAlice().expect(504);
    const [registered] = chain.entries('patient');
    expect(registered).toBeDefined();
    h.port.lostAnswers.delete('RegisterPatient');
    const resumed = await inviteAlice().expect(201);
    expect(resumed.body.patientId).toBe(registered?.patientId);
    expect(resumed.body).not.toHaveProperty('txId');
    expect(chain.entries('patient')).toHaveLength(1);
  });

  it('refuses a second invitation of the same username while the first is running', async () => {
    const [first, second] = await Promise.all([inviteAlice(), inviteAlice()]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    expect(chain.entries('patient')).toHaveLength(1);
  });

  it('keeps a patient whose certificate the ledger could not link totp-pending, and confirms again', async () => {
    await inviteAlice().expect(201);
    const enrolmentCode = h.enrolmentCode('alice');
    const signup = await request(h.app)
      .post('/v1/signup')
      .send({ username: 'alice', enrolmentCode, password: PASSWORD })
      .expect(200);
    h.totps.set('alice', signup.body.totpSecret as string);
    h.port.failures.set('LinkPatientCertificate', unavailable());
    const confirm = () =>
      request(h.app)
        .post('/v1/signup/totp')
        .send({ username: 'alice', enrolmentCode, code: h.code('alice') });
    await confirm().expect(503);
    expect(await userStatus('alice')).toBe('totp-pending');
    h.port.failures.delete('LinkPatientCertificate');
    await confirm().expect(204);
    expect(await userStatus('alice')).toBe('active');
    expect(chain.entries('patient')).toEqual([expect.objectContaining({ certFingerprints: [expect.any(String)] })]);
  });
});
