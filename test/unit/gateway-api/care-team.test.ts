/**
 * A member admin puts a doctor on a patient's care team, so that the doctor's reads of what the
 * member holds of the patient are care, not reads to review; the reads that are flagged are
 * the home member admin's queue. The ledger runs the real chaincode (chaincode-port.ts).
 */
import { consortium, type Harness } from './harness';

describe("a patient's care team and the reads to review", () => {
  let a: Harness;
  let b: Harness;
  let admin: string;
  let doctor: string;
  let patientId: string;
  let practitionerId: string;

  beforeEach(async () => {
    ({ hospitalA: a, hospitalB: b } = consortium());
    admin = await a.adminToken();
    const patient = await a.user(admin, 'alice', 'patient');
    doctor = await a.user(admin, 'drwho', 'doctor');
    patientId = (await a.as(patient).get('/v1/me').expect(200)).body.attrs['ehr.patientId'] as string;
    practitionerId = (await a.as(doctor).get('/v1/me').expect(200)).body.attrs['ehr.practitionerId'] as string;
  });

  const careTeam = () => `/v1/patients/${patientId}/care-team/${practitionerId}`;
  /** The doctor reads who the patient is; answers whether the read was flagged, and its ticket. */
  const readDemographics = async () => {
    const res = await a.as(doctor).post(`/v1/patients/${patientId}/demographics/read`).send({}).expect(200);
    return res.body.ticket as { ticketId: string; basis: string; flagged: boolean };
  };
  const flaggedReads = async (h: Harness, token: string) =>
    (await h.as(token).get('/v1/org/flagged-reads').expect(200)).body as {
      items: { ticketId: string; reader: { practitionerId?: string }; flagged: boolean }[];
      bookmark: string;
    };

  it("flags a doctor's read without care, lists it for the admin, and not once the admin assigned the doctor", async () => {
    const unassigned = await readDemographics();
    expect(unassigned).toMatchObject({ basis: 'treating-staff', flagged: true });
    expect(await flaggedReads(a, admin)).toEqual({
      items: [
        expect.objectContaining({ ticketId: unassigned.ticketId, reader: expect.objectContaining({ practitionerId }) }),
      ],
      bookmark: '',
    });

    const assigned = await a.as(admin).put(careTeam()).expect(200);
    expect(assigned.body).toEqual({
      txId: expect.any(String),
      assignmentId: expect.stringMatching(/^ASG-/),
      mspId: 'HospitalAMSP',
      practitionerId,
      patientId,
      assignedBy: expect.any(String),
      assignedAt: expect.any(String),
      committedBlock: expect.any(Number),
    });
    // Assigning again answers the running assignment.
    const again = await a.as(admin).put(careTeam()).expect(200);
    expect(again.body.assignmentId).toBe(assigned.body.assignmentId);
    const mine = await a.as(doctor).get('/v1/my-patients').expect(200);
    expect(mine.body.items).toEqual([
      { patientId, links: [expect.objectContaining({ via: 'assignment', ref: assigned.body.assignmentId })] },
    ]);
    expect(await readDemographics()).toMatchObject({ basis: 'treating-staff', flagged: false });
    expect((await flaggedReads(a, admin)).items).toHaveLength(1);

    const ended = await a.as(admin).delete(careTeam()).expect(200);
    expect(ended.body).toEqual({ txId: expect.any(String), committedBlock: expect.any(Number) });
    expect((await a.as(doctor).get('/v1/my-patients').expect(200)).body.items).toEqual([]);
    expect(await readDemographics()).toMatchObject({ flagged: true });
    expect((await flaggedReads(a, admin)).items).toHaveLength(2);
    const twice = await a.as(admin).delete(careTeam()).expect(404);
    expect(twice.body.error.code).toBe('NOT_FOUND');
  });

  it("refuses the care team and the flagged reads to other roles, and another member's admin its doctors", async () => {
    const mark = a.port.calls.length;
    for (const res of [
      await a.as(doctor).put(careTeam()),
      await a.as(doctor).delete(careTeam()),
      await a.as(doctor).get('/v1/org/flagged-reads'),
    ])
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(a.port.calls.length).toBe(mark);

    await readDemographics();
    const adminB = await b.adminToken();
    // Hospital B has no such doctor: its admin assigns only its own.
    const foreign = await b.as(adminB).put(careTeam()).expect(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    // The flagged read is of hospital A's patient: hospital B's admin does not review it.
    expect(await flaggedReads(b, adminB)).toEqual({ items: [], bookmark: '' });
  });

  it('refuses ids the chaincode would not take, an unknown patient and a bad page', async () => {
    for (const [path, status, code] of [
      [`/v1/patients/${patientId}/care-team/not%20an%20id`, 400, 'INVALID_ARGUMENT'],
      [`/v1/patients/PAT-NOBODY/care-team/${practitionerId}`, 404, 'NOT_FOUND'],
    ] as const) {
      const res = await a.as(admin).put(path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status, code });
    }
    const badPatient = await a.as(admin).delete(`/v1/patients/no%20one/care-team/${practitionerId}`).expect(400);
    expect(badPatient.body.error.code).toBe('INVALID_ARGUMENT');
    for (const query of ['?pageSize=0', '?pageSize=101', '?bookmark=not*base64', '?status=flagged'])
      expect({ query, status: (await a.as(admin).get(`/v1/org/flagged-reads${query}`)).status }).toEqual({
        query,
        status: 400,
      });
  });
});
