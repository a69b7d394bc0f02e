/**
 * Paginated lists of records, consents, break-glass windows and the directory: which items,
 * in which order, every item once across pages, and who may not list what.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  consortiumLedger,
  createRecord,
  evaluate,
  HA,
  HB,
  Ledger,
  PATIENT_A,
  people,
  printableKeys,
  registerPatient,
  submit,
  walk,
  contracts,
} from './fixture';

const { appointments, breakGlass, directory, consent, records } = contracts;

const PATIENT_A2 = 'PAT-HA-0002';

describe('records of a patient, a page at a time', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_A2);
  });

  const list = (who: Caller, patientId: string) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, who, (c) => records.ListForPatient(c, patientId, pageSize, bookmark));

  it('walks every header of the patient once, in record id order, and none of another patient', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createRecord(ledger, people.doctorA)).recordId);
    await createRecord(ledger, people.doctorA, { patientId: PATIENT_A2 });
    const { items, pageSizes } = await walk<{ recordId: string; patientId: string }>(list(people.patientA, PATIENT_A));
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(items.map((r) => r.recordId)).toEqual([...created].sort());
    expect(new Set(items.map((r) => r.patientId))).toEqual(new Set([PATIENT_A]));
    expect((await walk(list(people.billingA, PATIENT_A), '10')).items).toHaveLength(5);
  });

  it('refuses another patient, a bad page size and a bookmark of another patient’s list', async () => {
    for (let i = 0; i < 2; i++) await createRecord(ledger, people.doctorA, { patientId: PATIENT_A2 });
    await expect(list(people.patientA2, PATIENT_A)('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(list(people.patientA, PATIENT_A)('200', '')).rejects.toThrow(/^INVALID_ARGUMENT: pageSize/);
    const { bookmark } = JSON.parse(await list(people.doctorA, PATIENT_A2)('1', '')) as { bookmark: string };
    expect(bookmark).not.toBe('');
    await expect(list(people.doctorA, PATIENT_A)('1', bookmark)).rejects.toThrow(/^INVALID_ARGUMENT: the bookmark/);
  });

  it('answers NOT_FOUND, not an empty list, for a patient the ledger does not have (found by the bad-input campaign)', async () => {
    for (const who of [people.doctorA, people.billingA, people.adminA])
      await expect(list(who, 'constructor')('', '')).rejects.toThrow(
        /^NOT_FOUND: patient constructor is not registered/,
      );
  });
});

describe("the patient's consents, a page at a time", () => {
  it('walks every consent of the patient once, revoked ones included, and none of another patient', async () => {
    const ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_A2);
    const grant = (who: Caller, purpose: string) =>
      submit(ledger, who, (c) =>
        consent.Grant(
          c,
          JSON.stringify({
            grantee: { mspId: HB },
            categories: ['diagnosis'],
            purpose,
            validUntil: '2026-06-01T00:00:00Z',
          }),
        ),
      );
    const granted: string[] = [];
    for (const purpose of ['treatment', 'research', 'second-opinion']) {
      granted.push((JSON.parse((await grant(people.patientA, purpose)).result) as { consentId: string }).consentId);
    }
    await grant(people.patientA2, 'treatment');
    await submit(ledger, people.patientA, (c) => consent.Revoke(c, granted[1]!));
    const mine = (who: Caller) => (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => consent.ListMine(c, pageSize, bookmark));
    const { items, pageSizes } = await walk<{ consentId: string; status: string }>(mine(people.patientA));
    expect(pageSizes).toEqual([2, 1]);
    expect(items.map((c) => c.consentId)).toEqual([...granted].sort());
    expect(items.find((c) => c.consentId === granted[1])?.status).toBe('revoked');
    expect((await walk(mine(people.patientA2))).items).toHaveLength(1);
    await expect(mine(people.doctorA)('', '')).rejects.toThrow(/^FORBIDDEN/);
  });
});

describe('break-glass windows, a page at a time', () => {
  let ledger: Ledger;
  const PATIENT_B = 'PAT-HB-0001';

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_B, people.adminB);
  });

  /** Opens a window `gap` (a minute) after the previous one; answers its id. */
  async function open(doctor: Caller, patientId: string, gap = 60_000): Promise<string> {
    ledger.advance(gap);
    const { result } = await submit(ledger, doctor, (c) => breakGlass.Open(c, patientId, 'unconscious', '60'));
    return (JSON.parse(result) as { breakGlassId: string }).breakGlassId;
  }

  const pending = (admin: Caller) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, admin, (c) => breakGlass.ListPendingReview(c, pageSize, bookmark));
  const ids = async (list: (pageSize: string, bookmark: string) => Promise<string>, pageSize = '2') =>
    (await walk<{ breakGlassId: string }>(list, pageSize)).items.map((w) => w.breakGlassId);

  it("lists the windows awaiting the home member's review, oldest first, until reviewed", async () => {
    const first = await open(people.doctorB, PATIENT_A);
    const second = await open(people.doctorB2, PATIENT_A);
    const ofB = await open(people.doctorA, PATIENT_B);
    const third = await open(people.doctorA, PATIENT_A);
    const walked = await walk<{ breakGlassId: string; review: { status: string } }>(pending(people.adminA));
    expect(walked.pageSizes).toEqual([2, 1]);
    expect(walked.items.map((w) => w.breakGlassId)).toEqual([first, second, third]);
    expect(new Set(walked.items.map((w) => w.review.status))).toEqual(new Set(['pending']));
    expect(await ids(pending(people.adminB))).toEqual([ofB]);
    await submit(ledger, people.adminA, (c) => breakGlass.Review(c, PATIENT_A, second, 'justified'));
    expect(await ids(pending(people.adminA))).toEqual([first, third]);
    expect(
      printableKeys(ledger, 'breakglassPending').filter((k) => k.startsWith(`breakglassPending/${HA}/`)),
    ).toHaveLength(2);
    // A window is reviewed once: a second review is refused, and the window stays out of the queue.
    await expect(
      submit(ledger, people.adminA, (c) => breakGlass.Review(c, PATIENT_A, second, 'unjustified')),
    ).rejects.toThrow(/^CONFLICT: break-glass .* was reviewed already: justified/);
    expect(await ids(pending(people.adminA), '1')).toEqual([first, third]);
    await expect(pending(people.doctorA)('', '')).rejects.toThrow(/^FORBIDDEN/);
  });

  it("lists a patient's windows to the patient and the home member's admins only", async () => {
    // A doctor's second window on a patient opens once the first (an hour) has ended.
    const opened = [await open(people.doctorB, PATIENT_A), await open(people.doctorB, PATIENT_A, 61 * 60_000)];
    opened.push(await open(people.doctorA, PATIENT_A));
    await open(people.doctorA, PATIENT_B);
    const list = (who: Caller) => (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => breakGlass.ListForPatient(c, PATIENT_A, pageSize, bookmark));
    const walked = await walk<{ breakGlassId: string }>(list(people.patientA));
    expect(walked.pageSizes).toEqual([2, 1]);
    expect(walked.items.map((w) => w.breakGlassId)).toEqual([...opened].sort());
    expect(await ids(list(people.adminA), '1')).toEqual([...opened].sort());
    for (const who of [people.adminB, people.patientA2, people.doctorB]) {
      await expect(list(who)('', '')).rejects.toThrow(/^FORBIDDEN/);
    }
  });
});

describe('the directory', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
  });

  const patient = (n: number): Caller => ({
    mspId: HA,
    cn: `patient${n}`,
    attrs: { 'ehr.role': 'patient', 'ehr.patientId': `PAT-HA-000${n}` },
  });

  it("lists a doctor's patients with a care link that holds now, with those links, a page at a time", async () => {
    for (let n = 1; n <= 5; n++) await registerPatient(ledger, `PAT-HA-000${n}`, people.adminA, patient(n));
    await submit(ledger, people.adminB, (c) =>
      directory.RegisterPractitioner(
        c,
        JSON.stringify({ practitionerId: 'DOC-HB-0001', role: 'doctor', licenceNo: 'L-1' }),
      ),
    );
    const book = async (n: number) => {
      const { result } = await submit(ledger, patient(n), (c) =>
        appointments.Request(c, HB, 'DOC-HB-0001', '2026-02-01T10:00:00Z'),
      );
      return (JSON.parse(result) as { appointmentId: string }).appointmentId;
    };
    const openWindow = async (patientId: string, minutes: string) => {
      const { result } = await submit(ledger, people.doctorB, (c) =>
        breakGlass.Open(c, patientId, 'unconscious', minutes),
      );
      return (JSON.parse(result) as { breakGlassId: string }).breakGlassId;
    };
    // 1: an appointment; 2: a cancelled one; 3: a consent to the doctor and a window; 4: a window
    // that expires; 5: a consent to the doctor's member only, which is no link to the doctor.
    const booked = await book(1);
    const cancelled = await book(2);
    await submit(ledger, patient(2), (c) => appointments.Cancel(c, cancelled));
    const grant = (n: number, grantee: object) =>
      submit(ledger, patient(n), (c) =>
        consent.Grant(
          c,
          JSON.stringify({
            grantee,
            categories: ['diagnosis'],
            purpose: 'treatment',
            validUntil: '2026-06-01T00:00:00Z',
          }),
        ),
      );
    const { result } = await grant(3, { mspId: HB, practitionerId: 'DOC-HB-0001' });
    const { consentId } = JSON.parse(result) as { consentId: string };
    const window = await openWindow('PAT-HA-0003', '120');
    await openWindow('PAT-HA-0004', '30');
    await grant(5, { mspId: HB });
    ledger.advance(31 * 60_000);

    const mine = (who: Caller) => (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => directory.ListMyPatients(c, pageSize, bookmark));
    const walked = await walk<{ patientId: string; links: { via: string; ref: string; since: string }[] }>(
      mine(people.doctorB),
      '1',
    );
    expect(walked.items.map((p) => [p.patientId, p.links.map((l) => `${l.via}:${l.ref}`)])).toEqual([
      ['PAT-HA-0001', [`appointment:${booked}`]],
      ['PAT-HA-0003', [`consent:${consentId}`, `break-glass:${window}`]],
    ]);
    expect(new Set(walked.items.flatMap((p) => p.links.map((l) => l.since)))).toEqual(
      new Set(['2026-01-15T09:00:00.000Z']),
    );
    expect((await walk(mine(people.doctorB2))).items).toEqual([]);
    await expect(mine(people.patientA)('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(mine(people.adminB)('', '')).rejects.toThrow(/^FORBIDDEN/);
  });

  it('answers one member’s profile, NOT_FOUND before it is published', async () => {
    const profile = { kind: 'hospital', displayName: 'Hospital A', specialities: ['cardiology'] };
    await submit(ledger, people.adminA, (c) => directory.PublishOrgProfile(c, JSON.stringify(profile)));
    expect(JSON.parse(await evaluate(ledger, people.doctorB, (c) => directory.GetOrgProfile(c, HA)))).toEqual({
      mspId: HA,
      ...profile,
      updatedAt: '2026-01-15T09:00:00.000Z',
    });
    await expect(evaluate(ledger, people.doctorB, (c) => directory.GetOrgProfile(c, HB))).rejects.toThrow(
      /^NOT_FOUND: HospitalBMSP has published no profile/,
    );
    await expect(evaluate(ledger, people.doctorB, (c) => directory.GetOrgProfile(c, ''))).rejects.toThrow(
      /^INVALID_ARGUMENT/,
    );
  });
});
