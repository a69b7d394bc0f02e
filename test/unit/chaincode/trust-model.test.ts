/**
 * The trust model (SPEC §2, §5): a dishonest member controls its own CA, peer and admin. Each
 * test performs an attack such a member can mount with the certificates and transactions it can
 * make, shows that it fails and changes nothing, and that honest use still works.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalJson } from '../../../chaincode/src/json';
import { type Caller, Ledger } from '../helpers/fabric-stub';
import {
  approveErasure,
  attempt,
  attemptApproval,
  body,
  consortiumLedger,
  createRecord,
  demographics,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  privateOf,
  INS,
  key,
  LAB,
  PATIENT_A,
  people,
  registerPatient,
  salted,
  submit,
  contracts,
  parse,
} from './fixture';

const { access, appointments, bills, erasure, labOrders, records, claims, consent, breakGlass, directory, policies } =
  contracts;

/** Certificates a member's own CA can issue with any attributes. */
const issuedBy = (mspId: string, cn: string, attrs: Record<string, string>): Caller => ({ mspId, cn, attrs });
/** SHA-256 of a certificate, as the chaincode fingerprints the creator (the stub's certificate bytes). */
const fingerprintOf = (who: Caller) =>
  createHash('sha256')
    .update(`cert-of-${who.mspId}-${who.cn ?? 'user'}`)
    .digest('hex');
const insurerDoctor = issuedBy(INS, 'dr-mallory', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-INS-1' });
const labDoctor = issuedBy(LAB, 'dr-eve', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-LAB-1' });
const hospitalAdjuster = issuedBy(HB, 'adjuster-mallory', { 'ehr.role': 'adjuster' });
const colleagueA = issuedBy(HA, 'doctor2', { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HA-0002' });
const terms = JSON.stringify({
  plan: 'gold',
  coverage: { diagnosis: 80 },
  copayPercent: 10,
  annualLimit: 100_000,
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: '2027-01-01T00:00:00Z',
});

describe('roles bound to the kind of the member that issued them', () => {
  let ledger: Ledger;
  let recordId: string;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    ({ recordId } = await createRecord(ledger, people.doctorA));
  });

  it("refuses an insurer's own doctor: no break-glass window, no access to a record", async () => {
    expect(await attempt(ledger, insurerDoctor, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the role doctor counts only when issued by a member of kind hospital/),
      changes: [],
    });
    expect(await attempt(ledger, insurerDoctor, (c) => access.RequestAccess(c, recordId, 'treatment'))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the role doctor counts only/),
      changes: [],
    });
    // An honest hospital's doctor still opens one.
    const opened = await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'));
    expect(parse<{ patientId: string }>(opened.result).patientId).toBe(PATIENT_A);
  });

  it("refuses a hospital's own adjuster and a lab's registering of patients or doctors", async () => {
    expect(await attempt(ledger, hospitalAdjuster, (c) => policies.Issue(c, PATIENT_A, terms))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the role adjuster counts only when issued by a member of kind insurer/),
      changes: [],
    });
    expect(
      await attempt(ledger, people.adminLab, (c) => directory.StoreDemographics(c, 'PAT-LAB-1'), {
        transient: salted({ demographics: JSON.stringify(demographics) }),
      }),
    ).toEqual({ error: expect.stringMatching(/^FORBIDDEN: the role patient counts only/), changes: [] });
    const doctor = JSON.stringify({ practitionerId: 'DOC-LAB-1', role: 'doctor', licenceNo: 'L-1' });
    expect(await attempt(ledger, people.adminLab, (c) => directory.RegisterPractitioner(c, doctor))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the role doctor counts only/),
      changes: [],
    });
    const labPatient = issuedBy(LAB, 'patient-eve', { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A });
    await expect(evaluate(ledger, labPatient, (c) => directory.GetPatient(c, PATIENT_A))).rejects.toThrow(
      /^FORBIDDEN: the role patient counts only/,
    );
    // The insurer's adjuster and the lab's labtechs are what their members issue.
    await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, terms));
    const labtech = JSON.stringify({ practitionerId: 'LAB-LB-0002', role: 'labtech', licenceNo: 'L-2' });
    await submit(ledger, people.adminLab, (c) => directory.RegisterPractitioner(c, labtech));
  });

  it('refuses a member declaring itself a hospital: its profile, its own approval, its peer alone', async () => {
    const asHospital = JSON.stringify({ kind: 'hospital', displayName: 'Totally a hospital' });
    expect(await attempt(ledger, people.adminLab, (c) => directory.PublishOrgProfile(c, asHospital))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: LabMSP is a lab: only a majority of members changes that/),
      changes: [],
    });
    // The lab's peer alone cannot write the kind: it is under the channel's majority policy.
    expect(
      await attempt(ledger, people.adminLab, (c) => directory.ApproveMemberKind(c, LAB, 'hospital'), {
        endorsingOrganizations: [LAB],
      }),
    ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    // Its own approval, from as many admin certificates as it likes, is one proposal, no kind.
    const secondAdmin = issuedBy(LAB, 'admin2', { 'ehr.role': 'admin' });
    const proposed = await submit(ledger, people.adminLab, (c) => directory.ApproveMemberKind(c, LAB, 'hospital'));
    expect(parse(proposed.result)).toMatchObject({ mspId: LAB, kind: 'hospital', approvals: [{ mspId: LAB }] });
    expect(await attempt(ledger, secondAdmin, (c) => directory.ApproveMemberKind(c, LAB, 'hospital'))).toEqual({
      error: expect.stringMatching(/^ALREADY_EXISTS: LabMSP approved this already/),
      changes: [],
    });
    expect(await attempt(ledger, labDoctor, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the role doctor counts only .* LabMSP is of kind lab/),
      changes: [],
    });
    const kinds = parse<{ members: { mspId: string; kind: string }[] }>(
      await evaluate(ledger, people.adminA, (c) => directory.ListMemberKinds(c)),
    );
    expect(kinds.members.map((m) => [m.mspId, m.kind])).toEqual([
      [HA, 'hospital'],
      [HB, 'hospital'],
      [INS, 'insurer'],
      [LAB, 'lab'],
    ]);
  });

  it('gives a member its kind once admins of a majority approved it, each in a transaction of its own', async () => {
    const fresh = new Ledger();
    const approve = (admin: Caller) => submit(fresh, admin, (c) => directory.ApproveMemberKind(c, HA, 'hospital'));
    // Before the consortium approves a kind, a member has no roles but admin.
    await expect(evaluate(fresh, people.doctorA, (c) => directory.ListMyPatients(c, '', ''))).rejects.toThrow(
      /^FORBIDDEN: the role doctor counts only .* HospitalAMSP is of no kind a majority approved/,
    );
    expect(parse(await approve(people.adminA).then((r) => r.result))).toMatchObject({ approvals: [{ mspId: HA }] });
    // Three approvals even while few members have a kind: the first to ask never approves itself alone.
    expect(parse(await approve(people.adminB).then((r) => r.result))).toMatchObject({
      approvals: [{ mspId: HA }, { mspId: HB }],
    });
    expect(fresh.state.has(key('memberKind', HA))).toBe(false);
    const approved = await approve(people.adminIns);
    expect(parse(approved.result)).toEqual({
      mspId: HA,
      kind: 'hospital',
      approvedBy: [HA, HB, INS],
      approvedAt: '2026-01-15T09:00:00.000Z',
    });
    expect(approved.tx.event?.name).toBe('MemberKind');
    expect(fresh.state.has(key('memberKindProposal', HA, 'hospital'))).toBe(false);
    expect(await evaluate(fresh, people.doctorA, (c) => directory.ListMyPatients(c, '', ''))).toBe(
      '{"bookmark":"","items":[]}',
    );
    // The member's name and specialities stay its own: its peer alone changes them.
    await submit(fresh, people.adminA, (c) => directory.PublishOrgProfile(c, '{"displayName":"Hospital A"}'));
    expect(parse(await evaluate(fresh, people.adminB, (c) => directory.GetOrgProfile(c, HA)))).toEqual({
      mspId: HA,
      kind: 'hospital',
      displayName: 'Hospital A',
      specialities: [],
      updatedAt: '2026-01-15T09:00:00.000Z',
    });
  });
});

describe('break-glass limits per doctor', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    for (const n of [1, 2, 3, 4, 5]) await registerPatient(ledger, `PAT-HA-000${n}`);
  });

  const open = (patientId: string, minutes = '60', doctor = people.doctorB) =>
    attempt(ledger, doctor, (c) => breakGlass.Open(c, patientId, 'unconscious', minutes));

  it('opens no second window on a patient while one is open', async () => {
    expect((await open(PATIENT_A)).error).toBeUndefined();
    ledger.advance(30 * 60_000);
    expect(await open(PATIENT_A)).toEqual({
      error: expect.stringMatching(/^CONFLICT: a break-glass window of yours on patient PAT-HA-0001 is open/),
      changes: [],
    });
    // Another doctor may; the same doctor once the window ended.
    expect((await open(PATIENT_A, '60', people.doctorB2)).error).toBeUndefined();
    ledger.advance(30 * 60_000);
    expect((await open(PATIENT_A)).error).toBeUndefined();
  });

  it('opens at most three windows a day, for at most four hours each', async () => {
    expect(await open(PATIENT_A, '241')).toEqual({
      error: expect.stringMatching(/^INVALID_ARGUMENT: a break-glass window lasts 1 to 240 minutes/),
      changes: [],
    });
    for (const n of [1, 2, 3]) expect((await open(`PAT-HA-000${n}`, '240')).error).toBeUndefined();
    expect(await open('PAT-HA-0004')).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: a doctor opens at most 3 break-glass windows a day/),
      changes: [],
    });
    expect((await open('PAT-HA-0004', '60', people.doctorB2)).error).toBeUndefined();
    ledger.now = Date.parse('2026-01-16T00:00:00.000Z');
    expect((await open('PAT-HA-0005')).error).toBeUndefined();
  });
});

describe("a patient's certificates", () => {
  let ledger: Ledger;
  /** A second certificate the home member's CA issued with the patient's id, behind the patient's back. */
  const mallory = issuedBy(HA, 'mallory', { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A });
  /** The patient's own new certificate (a new device, a renewal). */
  const tablet = issuedBy(HA, 'patient1-tablet', { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A });
  const grant = JSON.stringify({
    grantee: { mspId: HB },
    categories: ['diagnosis'],
    purpose: 'treatment',
    validUntil: '2026-06-01T00:00:00Z',
  });
  const bound = async () =>
    parse<{ certFingerprints: string[] }>(
      await evaluate(ledger, people.adminB, (c) => directory.GetPatient(c, PATIENT_A)),
    ).certFingerprints;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  it("refuses the home member's second certificate: no link, no consent, no read of another member's record", async () => {
    await submit(ledger, people.patientA, (c) => consent.Grant(c, grant));
    const { recordId } = await createRecord(ledger, people.doctorB);
    expect(await attempt(ledger, mallory, (c) => directory.LinkPatientCertificate(c))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: another certificate is bound to patient PAT-HA-0001/),
      changes: [],
    });
    expect(await attempt(ledger, mallory, (c) => consent.Grant(c, grant))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN/),
      changes: [],
    });
    expect(await attempt(ledger, mallory, (c) => access.RequestAccess(c, recordId, 'treatment'))).toEqual({
      error: expect.stringMatching(/^CONSENT_REQUIRED/),
      changes: [],
    });
    expect(await bound()).toEqual([fingerprintOf(people.patientA)]);
    // The patient, with the bound certificate, reads it.
    const ticket = await submit(ledger, people.patientA, (c) => access.RequestAccess(c, recordId, 'treatment'));
    expect(parse(ticket.result)).toMatchObject({ basis: 'patient', custodian: HB });
  });

  it('binds another certificate the patient confirms with a bound one', async () => {
    expect(
      await attempt(ledger, mallory, (c) => directory.ConfirmPatientCertificate(c, fingerprintOf(mallory))),
    ).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: only the patient, with a certificate bound to them/),
      changes: [],
    });
    await submit(ledger, people.patientA, (c) => directory.ConfirmPatientCertificate(c, fingerprintOf(tablet)));
    expect(await bound()).toEqual([fingerprintOf(people.patientA), fingerprintOf(tablet)].sort());
    await submit(ledger, tablet, (c) => directory.LinkPatientCertificate(c));
    await submit(ledger, tablet, (c) => consent.Grant(c, grant));
  });

  it('binds a recovered certificate once admins of a majority approved, in place of the lost one', async () => {
    const { result } = await submit(ledger, people.adminA, (c) =>
      directory.RequestPatientRecovery(c, PATIENT_A, fingerprintOf(mallory)),
    );
    const { requestId } = parse<{ requestId: string }>(result);
    expect(ledger.committedEvents.at(-1)).toMatchObject({ name: 'PatientRecovery' });
    // The home member alone, with as many admins as it likes, recovers nothing.
    const secondAdmin = issuedBy(HA, 'admin2', { 'ehr.role': 'admin' });
    expect(
      await attempt(ledger, secondAdmin, (c) => directory.ApprovePatientRecovery(c, PATIENT_A, requestId)),
    ).toEqual({
      error: expect.stringMatching(/^ALREADY_EXISTS/),
      changes: [],
    });
    expect(
      await attempt(ledger, people.adminB, (c) =>
        directory.RequestPatientRecovery(c, PATIENT_A, fingerprintOf(mallory)),
      ),
    ).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: the recovery of PAT-HA-0001 is asked by HospitalAMSP/),
      changes: [],
    });
    await submit(ledger, people.adminB, (c) => directory.ApprovePatientRecovery(c, PATIENT_A, requestId));
    expect(await bound()).toEqual([fingerprintOf(people.patientA)]);
    await expect(submit(ledger, mallory, (c) => consent.Grant(c, grant))).rejects.toThrow(/^FORBIDDEN/);
    const pending = parse<{ items: { requestId: string; approvals: { mspId: string }[] }[] }>(
      await evaluate(ledger, people.adminIns, (c) => directory.ListPendingRecoveries(c, '', '')),
    );
    expect(pending.items.map((r) => [r.requestId, r.approvals.map((a) => a.mspId)])).toEqual([[requestId, [HA, HB]]]);
    const completed = await submit(ledger, people.adminIns, (c) =>
      directory.ApprovePatientRecovery(c, PATIENT_A, requestId),
    );
    expect(parse(completed.result)).toMatchObject({ status: 'completed' });
    expect(await bound()).toEqual([fingerprintOf(mallory)]);
    await submit(ledger, mallory, (c) => consent.Grant(c, grant));
    await expect(submit(ledger, people.patientA, (c) => consent.Grant(c, grant))).rejects.toThrow(/^FORBIDDEN/);
    expect(
      await attempt(ledger, people.adminLab, (c) => directory.ApprovePatientRecovery(c, PATIENT_A, requestId)),
    ).toEqual({
      error: expect.stringMatching(/^CONFLICT: recovery .* is completed/),
      changes: [],
    });
  });

  it('lets a recovery lapse after seven days without its majority', async () => {
    const { result } = await submit(ledger, people.adminA, (c) =>
      directory.RequestPatientRecovery(c, PATIENT_A, fingerprintOf(tablet)),
    );
    const { requestId } = parse<{ requestId: string }>(result);
    await submit(ledger, people.adminB, (c) => directory.ApprovePatientRecovery(c, PATIENT_A, requestId));
    ledger.advance(7 * 86_400_000);
    expect(
      await attempt(ledger, people.adminLab, (c) => directory.ApprovePatientRecovery(c, PATIENT_A, requestId)),
    ).toEqual({
      error: expect.stringMatching(/^CONFLICT: recovery .* expired/),
      changes: [],
    });
    expect(await bound()).toEqual([fingerprintOf(people.patientA)]);
  });
});

describe("claims for records in the provider's custody only", () => {
  let ledger: Ledger;
  let policyId: string;
  let record: { recordId: string; contentHash: string };

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    record = await createRecord(ledger, people.doctorA);
    const issued = await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, terms));
    ({ policyId } = parse<{ policyId: string }>(issued.result));
  });

  const claimOf = (extra: object = {}) =>
    JSON.stringify({
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-15T08:00:00Z',
      lines: [{ recordId: record.recordId, contentHash: record.contentHash, category: 'diagnosis', amount: 10_000 }],
      ...extra,
    });

  it("refuses a member's claim for another member's record, so the custodian's own claim is no DUPLICATE", async () => {
    expect(await attempt(ledger, people.billingB, (c) => claims.Submit(c, claimOf()))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: record REC-\S+ is held by HospitalAMSP: only its custodian claims/),
      changes: [],
    });
    const { result } = await submit(ledger, people.billingA, (c) => claims.Submit(c, claimOf()));
    const { claimId } = parse<{ claimId: string }>(result);
    const adjudicated = await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId));
    expect(parse(adjudicated.result)).toMatchObject({ status: 'approved', adjudication: { reasons: [] } });
  });

  it('refuses a patient naming a non-member, or a member that gives no care, as provider', async () => {
    for (const provider of ['NobodyMSP', INS]) {
      expect(await attempt(ledger, people.patientA, (c) => claims.Submit(c, claimOf({ provider })))).toEqual({
        error: expect.stringMatching(new RegExp(`^FORBIDDEN: ${provider} is not a member that provides care`)),
        changes: [],
      });
    }
    expect(await attempt(ledger, people.patientA, (c) => claims.Submit(c, claimOf({ provider: HB })))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: record \S+ is held by HospitalAMSP/),
      changes: [],
    });
    const { result } = await submit(ledger, people.patientA, (c) => claims.Submit(c, claimOf({ provider: HA })));
    expect(parse(result)).toMatchObject({ provider: HA, status: 'submitted' });
  });

  it('refuses a claim for a record that does not exist', async () => {
    const missing = JSON.stringify({
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-15T08:00:00Z',
      lines: [{ recordId: 'REC-none', contentHash: record.contentHash, category: 'diagnosis', amount: 1 }],
    });
    expect(await attempt(ledger, people.billingA, (c) => claims.Submit(c, missing))).toEqual({
      error: expect.stringMatching(/^NOT_FOUND: record REC-none does not exist/),
      changes: [],
    });
  });
});

describe('salted private values', () => {
  let ledger: Ledger;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  it('keeps a member from confirming a guessed name and birth date, or diagnosis, against the public hashes', async () => {
    const { recordId, contentHash } = await createRecord(ledger, people.doctorA);
    const patient = parse<{ demographicsHash: string }>(
      await evaluate(ledger, people.doctorB, (c) => directory.GetPatient(c, PATIENT_A)),
    );
    // Hospital B guesses right, to the byte of what was stored but for the salt it never saw.
    const guessedPerson = canonicalJson({ patientId: PATIENT_A, ...demographics });
    const guessedBody = canonicalJson({ recordId, version: 1, patientId: PATIENT_A, category: 'diagnosis', ...body });
    expect(sha256(guessedPerson)).not.toBe(patient.demographicsHash);
    expect(sha256(guessedBody)).not.toBe(contentHash);
    // What is held is the same content with its salt, and its hash is the public one.
    const held = [...ledger.collection(`_implicit_org_${HA}`).values()].map((v) => Buffer.from(v).toString());
    const stored = held.find((v) => v.includes('"dateOfBirth"'))!;
    expect(parse(stored)).toEqual({ ...parse<object>(guessedPerson), salt: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(sha256(stored)).toBe(patient.demographicsHash);
    // After erasure the public hash stays, and the salt that would let a guess be checked is gone with the value.
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = parse<{ requestId: string }>(result);
    await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(ledger.privateDataHash(`_implicit_org_${HA}`, key('demographics', PATIENT_A))).toBeUndefined();
    expect([...privateOf(ledger, HA).values()].map((v) => Buffer.from(v).toString())).toEqual([]);
    expect(
      parse<{ demographicsHash: string }>(
        await evaluate(ledger, people.doctorB, (c) => directory.GetPatient(c, PATIENT_A)),
      ).demographicsHash,
    ).toBe(patient.demographicsHash);
  });

  it('refuses every write of private data without a salt of 32 to 128 hex digits, changing nothing', async () => {
    const { recordId } = await createRecord(ledger, people.doctorA);
    await submit(ledger, people.adminA, (c) =>
      directory.RegisterPractitioner(
        c,
        JSON.stringify({ practitionerId: 'DOC-HA-0001', role: 'doctor', licenceNo: 'L' }),
      ),
    );
    const details = JSON.stringify({ tests: [{ code: 'CBC', name: 'count' }] });
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
    await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'routine', detailsHash));
    await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
    await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
    const booked = await submit(ledger, people.patientA, (c) =>
      appointments.Request(c, HA, 'DOC-HA-0001', '2026-02-01T10:00:00Z'),
    );
    const { appointmentId } = parse<{ appointmentId: string }>(booked.result);
    await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, appointmentId));
    await submit(ledger, people.doctorA, (c) => appointments.Complete(c, appointmentId));
    await submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, appointmentId, '5'));
    const opened = await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'));
    const { breakGlassId } = parse<{ breakGlassId: string }>(opened.result);
    const { policyId } = parse<{ policyId: string }>(
      (await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, terms))).result,
    );
    const { contentHash } = parse<{ contentHash: string }>(
      await evaluate(ledger, people.doctorA, (c) => records.Get(c, recordId)),
    );
    const claim = JSON.stringify({
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-15T08:00:00Z',
      lines: [{ recordId, contentHash, category: 'diagnosis', amount: 100 }],
    });
    const { claimId } = parse<{ claimId: string }>(
      (await submit(ledger, people.billingA, (c) => claims.Submit(c, claim))).result,
    );
    const item = JSON.stringify({ items: [{ description: 'review', category: 'diagnosis', amount: 100 }] });
    const writes: [string, Caller, (c: Context) => Promise<unknown>, Record<string, string>][] = [
      [
        'demographics',
        people.adminA,
        (c) => directory.StoreDemographics(c, 'PAT-HA-0009'),
        { demographics: JSON.stringify(demographics) },
      ],
      [
        'a record body',
        people.doctorA,
        (c) => records.CreateBody(c, PATIENT_A, 'note'),
        { body: JSON.stringify(body) },
      ],
      ['an amendment', people.doctorA, (c) => records.AmendBody(c, recordId), { body: JSON.stringify(body) }],
      ['lab order details', people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), { details }],
      ['a lab result', people.labtech, (c) => labOrders.StoreResultBody(c, orderId), { body: JSON.stringify(body) }],
      [
        'an appointment reason',
        people.patientA,
        (c) => appointments.StoreReason(c, appointmentId),
        { reason: 'cough' },
      ],
      [
        'a feedback comment',
        people.patientA,
        (c) => appointments.StoreFeedbackComment(c, appointmentId),
        { comment: 'kind' },
      ],
      [
        'a break-glass reason',
        people.doctorB,
        (c) => breakGlass.StoreReason(c, PATIENT_A, breakGlassId),
        { reason: 'fell' },
      ],
      ['claim lines', people.billingA, (c) => claims.StoreLineDetails(c, claimId), { lines: '{"items":["review"]}' }],
      [
        'bill items',
        people.billingA,
        (c) => bills.StoreItems(c, PATIENT_A, 'appointment', appointmentId),
        { items: item },
      ],
    ];
    const refused = {
      error: expect.stringMatching(/^INVALID_ARGUMENT: the transient map must carry 'salt'/),
      changes: [],
    };
    for (const [what, who, run, transient] of writes) {
      for (const salt of [undefined, 'ab'.repeat(15), 'AB'.repeat(16), 'ab'.repeat(65), 'xyz'.repeat(11)]) {
        const sent = salt === undefined ? transient : { ...transient, salt };
        expect({ what, salt, ...(await attempt(ledger, who, run, { transient: sent })) }).toEqual({
          what,
          salt,
          ...refused,
        });
      }
    }
  });
});

describe('staff reads without a care relationship', () => {
  let ledger: Ledger;
  let recordId: string;
  followLedgerClock(() => ledger);

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    // Written by a colleague: the reading doctor has no care relationship with the patient.
    ({ recordId } = await createRecord(ledger, colleagueA));
    for (const [admin, doctor] of [
      [people.adminA, 'DOC-HA-0001'],
      [people.adminB, 'DOC-HB-0001'],
    ] as const) {
      await submit(ledger, admin, (c) =>
        directory.RegisterPractitioner(c, JSON.stringify({ practitionerId: doctor, role: 'doctor', licenceNo: 'L' })),
      );
    }
  });

  const request = async (who: Caller, kind = 'record', resourceId = recordId) =>
    parse<{ ticketId: string; basis: string; flagged: boolean }>(
      (await submit(ledger, who, (c) => access.RequestRead(c, kind, resourceId, 'treatment'))).result,
    );
  const flaggedReads = async (admin: Caller) =>
    parse<{ items: { ticketId: string; basis: string; flagged: boolean }[] }>(
      await evaluate(ledger, admin, (c) => access.ListFlaggedReads(c, '', '')),
    ).items;

  it("flags a custodian's doctor reading a record with no care, for the home member to review", async () => {
    const ticket = await request(people.doctorA);
    expect(ticket).toMatchObject({ basis: 'treating-staff', flagged: true });
    const log = parse<unknown>(await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, '', '')));
    expect(log).toMatchObject({ items: [{ ticketId: ticket.ticketId, flagged: true }] });
    expect(await flaggedReads(people.adminA)).toEqual([expect.objectContaining({ ticketId: ticket.ticketId })]);
    expect(await flaggedReads(people.adminB)).toEqual([]);
    await expect(evaluate(ledger, people.doctorA, (c) => access.ListFlaggedReads(c, '', ''))).rejects.toThrow(
      /^FORBIDDEN/,
    );
    // Demographics too.
    expect(await request(people.doctorA, 'demographics', PATIENT_A)).toMatchObject({
      basis: 'treating-staff',
      flagged: true,
    });
  });

  it('reads unflagged under an appointment or an assignment by the admin, flagged again once unassigned', async () => {
    const assigned = await submit(ledger, people.adminA, (c) => directory.AssignCare(c, 'DOC-HA-0001', PATIENT_A));
    expect(parse(assigned.result)).toMatchObject({ mspId: HA, practitionerId: 'DOC-HA-0001', patientId: PATIENT_A });
    expect(assigned.tx.event?.name).toBe('CareAssignment');
    expect(await request(people.doctorA)).toMatchObject({ basis: 'treating-staff', flagged: false });
    expect(await request(people.doctorA, 'demographics', PATIENT_A)).toMatchObject({
      basis: 'treating-staff',
      flagged: false,
    });
    const mine = parse<{ items: { links: { via: string }[] }[] }>(
      await evaluate(ledger, people.doctorA, (c) => directory.ListMyPatients(c, '', '')),
    );
    expect(mine.items.map((p) => p.links.map((l) => l.via))).toEqual([['assignment']]);
    await submit(ledger, people.adminA, (c) => directory.UnassignCare(c, 'DOC-HA-0001', PATIENT_A));
    expect(await request(people.doctorA)).toMatchObject({ flagged: true });
    expect(await flaggedReads(people.adminA)).toHaveLength(1);
    // An appointment the patient booked is care too.
    await submit(ledger, people.patientA, (c) => appointments.Request(c, HA, 'DOC-HA-0001', '2026-02-01T10:00:00Z'));
    expect(await request(people.doctorA)).toMatchObject({ basis: 'treating-staff', flagged: false });
  });

  it("flags another doctor of the ordering member reading a lab order's details with no care", async () => {
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: 'count' }] }) }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
    await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'routine', detailsHash));
    expect(await request(people.doctorA, 'labOrderDetails', orderId)).toMatchObject({
      basis: 'ordering-doctor',
      flagged: false,
    });
    expect(await request(colleagueA, 'labOrderDetails', orderId)).toMatchObject({
      basis: 'treating-staff',
      flagged: true,
    });
    expect(await flaggedReads(people.adminA)).toHaveLength(1);
  });

  it("gives no basis at the home member by another member's assignment, nor by an admin of another member", async () => {
    expect(await attempt(ledger, people.adminA, (c) => directory.AssignCare(c, 'DOC-HB-0001', PATIENT_A))).toEqual({
      error: expect.stringMatching(/^NOT_FOUND: no active doctor DOC-HB-0001 at HospitalAMSP/),
      changes: [],
    });
    // Hospital B assigns its own doctor: care for what Hospital B holds, not Hospital A's demographics.
    await submit(ledger, people.adminB, (c) => directory.AssignCare(c, 'DOC-HB-0001', PATIENT_A));
    expect(
      await attempt(ledger, people.doctorB, (c) => access.RequestRead(c, 'demographics', PATIENT_A, 'treatment')),
    ).toEqual({ error: expect.stringMatching(/^CONSENT_REQUIRED/), changes: [] });
    expect(await attempt(ledger, people.doctorB, (c) => access.RequestAccess(c, recordId, 'treatment'))).toEqual({
      error: expect.stringMatching(/^CONSENT_REQUIRED/),
      changes: [],
    });
  });
});

describe('break-glass reviews', () => {
  it('reviews a window once: the outcome cannot be rewritten afterwards', async () => {
    const ledger = await consortiumLedger();
    await registerPatient(ledger);
    const opened = await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'other', '30'));
    const { breakGlassId } = parse<{ breakGlassId: string }>(opened.result);
    await submit(ledger, people.adminA, (c) => breakGlass.Review(c, PATIENT_A, breakGlassId, 'unjustified'));
    expect(
      await attempt(ledger, people.adminA, (c) => breakGlass.Review(c, PATIENT_A, breakGlassId, 'justified')),
    ).toEqual({
      error: expect.stringMatching(/^CONFLICT: break-glass .* was reviewed already: unjustified/),
      changes: [],
    });
    const windows = parse<{ items: { review: { status: string } }[] }>(
      await evaluate(ledger, people.adminA, (c) => breakGlass.ListForPatient(c, PATIENT_A, '', '')),
    );
    expect(windows.items.map((w) => w.review.status)).toEqual(['unjustified']);
  });
});

describe('appointments', () => {
  it('books doctors only, never a lab technician', async () => {
    const ledger = await consortiumLedger();
    await registerPatient(ledger);
    const register = (admin: Caller, practitioner: object) =>
      submit(ledger, admin, (c) => directory.RegisterPractitioner(c, JSON.stringify(practitioner)));
    await register(people.adminLab, { practitionerId: 'LAB-LB-0001', role: 'labtech', licenceNo: 'L-1' });
    await register(people.adminA, { practitionerId: 'DOC-HA-0001', role: 'doctor', licenceNo: 'L-2' });
    const slot = '2026-02-01T10:00:00Z';
    expect(await attempt(ledger, people.patientA, (c) => appointments.Request(c, LAB, 'LAB-LB-0001', slot))).toEqual({
      error: expect.stringMatching(/^INVALID_ARGUMENT: LAB-LB-0001 is a labtech: appointments are with doctors/),
      changes: [],
    });
    const booked = await submit(ledger, people.patientA, (c) => appointments.Request(c, HA, 'DOC-HA-0001', slot));
    expect(parse(booked.result)).toMatchObject({
      status: 'requested',
      practitioner: { practitionerId: 'DOC-HA-0001' },
    });
  });
});

describe('consent validity', () => {
  it('refuses a consent of more than 2 years, and takes one of exactly 2 years', async () => {
    const ledger = await consortiumLedger();
    await registerPatient(ledger);
    const grant = (validFrom: string, validUntil: string) =>
      attempt(ledger, people.patientA, (c) =>
        consent.Grant(
          c,
          JSON.stringify({
            grantee: { mspId: HB },
            categories: ['diagnosis'],
            purpose: 'treatment',
            validFrom,
            validUntil,
          }),
        ),
      );
    for (const [from, until] of [
      ['2026-01-15T09:00:00Z', '2126-01-15T09:00:00Z'],
      ['2026-01-15T09:00:00Z', '2028-01-15T09:00:00.001Z'],
      ['2026-06-01T00:00:00Z', '2028-06-01T00:00:01Z'],
    ]) {
      expect(await grant(from!, until!)).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: a consent lasts at most 730 days \(2 years\) from validFrom/),
        changes: [],
      });
    }
    expect((await grant('2026-01-15T09:00:00Z', '2028-01-15T09:00:00Z')).error).toBeUndefined();
  });
});

describe('a header bound to the body it publishes', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, 'PAT-HA-0002');
  });

  it("refuses to publish one patient's body under another patient or another category", async () => {
    // Patient A lets Hospital B read their allergies.
    await submit(ledger, people.patientA, (c) =>
      consent.Grant(
        c,
        JSON.stringify({
          grantee: { mspId: HB },
          categories: ['allergy'],
          purpose: 'treatment',
          validUntil: '2026-06-01T00:00:00Z',
        }),
      ),
    );
    const stored = await submit(ledger, people.doctorA, (c) => records.CreateBody(c, 'PAT-HA-0002', 'diagnosis'), {
      transient: salted({ body: JSON.stringify(body) }),
    });
    const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(stored.result);
    const publish = (patientId: string, category: string) =>
      attempt(ledger, people.doctorA, (c) => records.Publish(c, recordId, patientId, category, '1', contentHash));
    const mismatch = {
      error: expect.stringMatching(
        /^HASH_MISMATCH: the binding of record REC-\S+ version 1 to its patient and category/,
      ),
      changes: [],
    };
    // Patient A2's diagnosis as patient A's allergy would be open to Hospital B under A's consent.
    expect(await publish(PATIENT_A, 'allergy')).toEqual(mismatch);
    expect(await publish(PATIENT_A, 'diagnosis')).toEqual(mismatch);
    expect(await publish('PAT-HA-0002', 'allergy')).toEqual(mismatch);
    expect((await publish('PAT-HA-0002', 'diagnosis')).error).toBeUndefined();
    expect(parse(await evaluate(ledger, people.doctorB, (c) => records.Get(c, recordId)))).toMatchObject({
      patientId: 'PAT-HA-0002',
      category: 'diagnosis',
    });
  });

  it("refuses to publish one order's result as another order's", async () => {
    const details = JSON.stringify({ tests: [{ code: 'CBC', name: 'count' }] });
    const order = async (patientId: string) => {
      const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, patientId, LAB), {
        transient: salted({ details }),
        endorsingOrganizations: [HA, LAB],
      });
      const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
      await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, patientId, LAB, 'routine', detailsHash));
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
      await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
      return orderId;
    };
    const [ofA, ofA2] = [await order(PATIENT_A), await order('PAT-HA-0002')];
    const result = await submit(ledger, people.labtech, (c) => labOrders.StoreResultBody(c, ofA2), {
      transient: salted({ body: JSON.stringify({ diagnosis: 'Hb 9.1 g/dL' }) }),
    });
    const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(result.result);
    expect(
      await attempt(ledger, people.labtech, (c) => labOrders.PublishResult(c, ofA, recordId, contentHash)),
    ).toEqual({
      error: expect.stringMatching(/^HASH_MISMATCH: the binding of record/),
      changes: [],
    });
    await submit(ledger, people.labtech, (c) => labOrders.PublishResult(c, ofA2, recordId, contentHash));
  });
});

describe('erasure requests and approvals', () => {
  it("are the bound patient's to ask and the holding members' to approve, no one else's", async () => {
    const ledger = await consortiumLedger();
    await registerPatient(ledger);
    await createRecord(ledger, people.doctorA);
    // The home member's second certificate for the patient asks for nothing.
    const mallory = issuedBy(HA, 'mallory', { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A });
    expect(await attempt(ledger, mallory, (c) => erasure.Request(c))).toEqual({
      error: expect.stringMatching(/^FORBIDDEN: only the patient asks for their erasure/),
      changes: [],
    });
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = parse<{ requestId: string }>(result);
    // Members that hold nothing of the patient add no approval, whatever their admins sign.
    for (const admin of [people.adminB, people.adminLab, people.adminIns]) {
      expect(await attemptApproval(ledger, admin, PATIENT_A, requestId)).toEqual({
        error: expect.stringMatching(/^FORBIDDEN: \S+ is not among the members asked to approve/),
        changes: [],
      });
    }
    const approved = await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(parse(approved.result)).toMatchObject({ status: 'approved', required: [HA], approvals: [{ mspId: HA }] });
  });
});
