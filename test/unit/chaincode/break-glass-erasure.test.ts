import type { Caller } from '../helpers/fabric-stub';
import {
  approveErasure,
  attempt,
  attemptApproval,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  privateOf,
  INS,
  itemsOf,
  LAB,
  Ledger,
  PATIENT_A,
  people,
  PHI_MARKER,
  printableKeys,
  publicText,
  registerPatient,
  salted,
  submit,
  walk,
  contracts,
} from './fixture';

const { breakGlass, access, erasure, records, consent } = contracts;

describe('break-glass', () => {
  let ledger: Ledger;
  let recordId: string;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    ({ recordId } = await createRecord(ledger, people.doctorA));
  });

  const open = (minutes = '60') =>
    submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', minutes));

  it('opens a time-boxed window, tells the patient by an event, and flags reads under it', async () => {
    const { tx, result } = await open();
    expect(JSON.parse(result)).toMatchObject({
      patientId: PATIENT_A,
      expiresAt: '2026-01-15T10:00:00.000Z',
      review: { status: 'pending' },
    });
    expect(tx.event).toMatchObject({ name: 'BreakGlassOpened' });
    expect(JSON.parse(tx.event!.payload.toString())).toMatchObject({
      patientId: PATIENT_A,
      reasonCode: 'unconscious',
    });
    const ticket = await submit(ledger, people.doctorB, (c) => access.RequestAccess(c, recordId, 'treatment'));
    expect(JSON.parse(ticket.result)).toMatchObject({ basis: 'break-glass', flagged: true });
  });

  it('stops granting access when the window expires', async () => {
    await open('30');
    ledger.advance(31 * 60_000);
    await expect(submit(ledger, people.doctorB, (c) => access.RequestAccess(c, recordId, 'treatment'))).rejects.toThrow(
      /^CONSENT_REQUIRED/,
    );
  });

  it.each([
    ['over 4 hours', 'unconscious', '241', /lasts 1 to 240 minutes/],
    ['over 24 hours', 'unconscious', '1441', /lasts 1 to 240 minutes/],
    ['zero minutes', 'unconscious', '0', /lasts 1 to 240 minutes/],
    ['an unknown reason', 'bored', '60', /reasonCode must be one of/],
  ])('refuses a window of %s', async (_, reason, minutes, error) => {
    expect(await attempt(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, reason, minutes))).toEqual({
      error: expect.stringMatching(error),
      changes: [],
    });
  });

  it('refuses a window opened by anyone but a doctor', async () => {
    await expect(
      submit(ledger, people.labtech, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60')),
    ).rejects.toThrow(/^FORBIDDEN/);
  });

  it("is reviewed by the patient's home member admin, and listed for the patient", async () => {
    const { result } = await open();
    const { breakGlassId } = JSON.parse(result) as { breakGlassId: string };
    await expect(
      submit(ledger, people.adminB, (c) => breakGlass.Review(c, PATIENT_A, breakGlassId, 'justified')),
    ).rejects.toThrow(/^FORBIDDEN/);
    await submit(ledger, people.adminA, (c) => breakGlass.Review(c, PATIENT_A, breakGlassId, 'justified'));
    const windows = itemsOf<{ review: { status: string } }>(
      await evaluate(ledger, people.patientA, (c) => breakGlass.ListForPatient(c, PATIENT_A, '', '')),
    );
    expect(windows[0]?.review.status).toBe('justified');
  });

  it("keeps the free-text reason with the doctor's member and the patient's home member only", async () => {
    const { result } = await open();
    const { breakGlassId } = JSON.parse(result) as { breakGlassId: string };
    await submit(ledger, people.doctorB, (c) => breakGlass.StoreReason(c, PATIENT_A, breakGlassId), {
      transient: salted({ reason: `found unresponsive ${PHI_MARKER}` }),
      endorsingOrganizations: [HB, HA],
    });
    const held = (mspId: string) =>
      [...ledger.collection(`_implicit_org_${mspId}`).values()].map((v) => Buffer.from(v).toString()).join();
    expect(held(HB)).toContain(PHI_MARKER);
    expect(held(HA)).toContain(PHI_MARKER);
    expect(held(LAB) + held(INS)).not.toContain(PHI_MARKER);
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });
});

describe('erasure', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);
  let recordId: string;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    ({ recordId } = await createRecord(ledger, people.doctorA));
  });

  it('purges bodies and demographics on approval, keeping hashes and the audit trail', async () => {
    await submit(ledger, people.patientA, (c) => access.RequestAccess(c, recordId, 'treatment'));
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = JSON.parse(result) as { requestId: string };
    const approved = await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(JSON.parse(approved.result)).toMatchObject({
      status: 'approved',
      // The body, its binding, the demographics, the markers of their first steps (pending.ts).
      approvals: [{ mspId: HA, purgedKeys: 5 }],
    });
    expect(privateOf(ledger, HA).size).toBe(0);
    const header = JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.Get(c, recordId))) as {
      purged: boolean;
      contentHash: string;
    };
    expect(header.purged).toBe(true);
    expect(header.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const verify = JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.Verify(c, recordId))) as {
      status: string;
    };
    expect(verify.status).toBe('purged');
    await expect(submit(ledger, people.doctorA, (c) => access.RequestAccess(c, recordId, 'treatment'))).rejects.toThrow(
      /^PURGED/,
    );
    const log = JSON.parse(await evaluate(ledger, people.adminA, (c) => access.ListOrgAccessLog(c, '', ''))) as {
      items: unknown[];
    };
    expect(log.items).toHaveLength(1);
  });

  it('answers PURGED to a reader holding a ticket from before the purge', async () => {
    const ticket = await submit(ledger, people.patientA, (c) => access.RequestAccess(c, recordId, 'treatment'));
    const { ticketId } = JSON.parse(ticket.result) as { ticketId: string };
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    await approveErasure(ledger, people.adminA, PATIENT_A, (JSON.parse(result) as { requestId: string }).requestId);
    await expect(
      evaluate(ledger, people.patientA, (c) => access.ReadBody(c, recordId, ticketId), { peerMspId: HA }),
    ).rejects.toThrow(/^PURGED/);
  });

  it('is requested by the patient only and approved once per member', async () => {
    await expect(submit(ledger, people.doctorA, (c) => erasure.Request(c))).rejects.toThrow(/^FORBIDDEN/);
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = JSON.parse(result) as { requestId: string };
    await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(await attemptApproval(ledger, people.adminA, PATIENT_A, requestId)).toEqual({
      error: expect.stringMatching(/^ALREADY_EXISTS/),
      changes: [],
    });
    await expect(approveErasure(ledger, people.adminA, PATIENT_A, 'ER-unknown')).rejects.toThrow(/^NOT_FOUND/);
  });

  it('refuses an approval by a member not asked to approve, changing nothing', async () => {
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = JSON.parse(result) as { requestId: string };
    expect(await attemptApproval(ledger, people.adminB, PATIENT_A, requestId)).toEqual({
      error: `FORBIDDEN: ${HB} is not among the members asked to approve erasure request ${requestId}: ${HA}`,
      changes: [],
    });
  });

  it("purges only with the custodian's peer among the endorsers", async () => {
    const { result } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
    const { requestId } = JSON.parse(result) as { requestId: string };
    expect(
      await attemptApproval(ledger, people.adminA, PATIENT_A, requestId, {
        endorsingOrganizations: [HB, LAB, INS],
      }),
    ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    // The body, its binding and the demographics, their index entries, the latest-write marker.
    expect(privateOf(ledger, HA).size).toBe(7);
  });

  describe('of a patient whose records two members hold', () => {
    let recordB: string;

    beforeEach(async () => {
      await submit(ledger, people.patientA, (c) =>
        consent.Grant(
          c,
          JSON.stringify({
            grantee: { mspId: HB },
            categories: ['diagnosis'],
            purpose: 'treatment',
            validUntil: '2026-06-01T00:00:00Z',
          }),
        ),
      );
      ({ recordId: recordB } = await createRecord(ledger, people.doctorB));
    });

    const header = async (id: string) =>
      JSON.parse(await evaluate(ledger, people.doctorA, (c) => records.Get(c, id))) as { purged: boolean };

    it('asks the home member and every custodian, announces it, and is approved once all of them approved', async () => {
      const { result, tx } = await submit(ledger, people.patientA, (c) => erasure.Request(c));
      const { requestId } = JSON.parse(result) as { requestId: string };
      expect(JSON.parse(result)).toMatchObject({ status: 'requested', required: [HA, HB], approvals: [] });
      expect(tx.event?.name).toBe('ErasureRequested');
      expect(JSON.parse(tx.event!.payload.toString())).toEqual({ requestId, patientId: PATIENT_A, required: [HA, HB] });
      const byB = await approveErasure(ledger, people.adminB, PATIENT_A, requestId);
      expect(JSON.parse(byB.result)).toMatchObject({ status: 'requested', approvals: [{ mspId: HB, purgedKeys: 3 }] });
      expect(privateOf(ledger, HB).size).toBe(0);
      expect(privateOf(ledger, HA).size).toBe(7);
      expect([(await header(recordB)).purged, (await header(recordId)).purged]).toEqual([true, false]);
      expect(await attemptApproval(ledger, people.adminLab, PATIENT_A, requestId)).toEqual({
        error: expect.stringMatching(/^FORBIDDEN: LabMSP is not among the members asked to approve/),
        changes: [],
      });
      const byA = await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
      expect(JSON.parse(byA.result)).toMatchObject({
        status: 'approved',
        approvals: [
          { mspId: HB, purgedKeys: 3 },
          { mspId: HA, purgedKeys: 5 },
        ],
      });
      expect(privateOf(ledger, HA).size).toBe(0);
    });

    it("lists the requests awaiting each member's approval, oldest first, until it approves", async () => {
      await registerPatient(ledger, 'PAT-HA-0002');
      await createRecord(ledger, people.doctorA, { patientId: 'PAT-HA-0002' });
      const request = async (patient: Caller) => {
        ledger.advance(60_000);
        const { result } = await submit(ledger, patient, (c) => erasure.Request(c));
        return (JSON.parse(result) as { requestId: string }).requestId;
      };
      const [first, ofA2, again] = [
        await request(people.patientA),
        await request(people.patientA2),
        await request(people.patientA),
      ];
      const pending = (admin: Caller) => (pageSize: string, bookmark: string) =>
        evaluate(ledger, admin, (c) => erasure.ListPending(c, pageSize, bookmark));
      const ids = async (admin: Caller, pageSize = '1') =>
        (await walk<{ requestId: string }>(pending(admin), pageSize)).items.map((r) => r.requestId);
      const walked = await walk<{ requestId: string; patientId: string }>(pending(people.adminA));
      expect(walked.pageSizes).toEqual([2, 1]);
      expect(walked.items.map((r) => r.requestId)).toEqual([first, ofA2, again]);
      expect(await ids(people.adminB)).toEqual([first, again]);
      expect(await ids(people.adminLab)).toEqual([]);
      await approveErasure(ledger, people.adminB, PATIENT_A, first);
      expect(await ids(people.adminB)).toEqual([again]);
      expect(await ids(people.adminA)).toEqual([first, ofA2, again]);
      await approveErasure(ledger, people.adminA, 'PAT-HA-0002', ofA2);
      expect(await ids(people.adminA)).toEqual([first, again]);
      expect(printableKeys(ledger, 'erasurePending')).toHaveLength(3);
      await expect(pending(people.doctorA)('', '')).rejects.toThrow(/^FORBIDDEN/);

      const mine = (patient: Caller) => (pageSize: string, bookmark: string) =>
        evaluate(ledger, patient, (c) => erasure.ListMine(c, pageSize, bookmark));
      const ofPatientA = await walk<{ requestId: string; status: string; approvals: { mspId: string }[] }>(
        mine(people.patientA),
        '1',
      );
      expect(ofPatientA.items.map((r) => [r.requestId, r.status, r.approvals.map((a) => a.mspId)])).toEqual([
        [first, 'requested', [HB]],
        [again, 'requested', []],
      ]);
      expect((await walk<{ status: string }>(mine(people.patientA2))).items).toEqual([
        expect.objectContaining({ requestId: ofA2, status: 'approved', required: [HA] }),
      ]);
      await expect(mine(people.adminA)('', '')).rejects.toThrow(/^FORBIDDEN/);
    });
  });
});
