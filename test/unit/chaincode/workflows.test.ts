import type { Caller } from '../helpers/fabric-stub';
import {
  attempt,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  privateOf,
  INS,
  itemsOf,
  key,
  LAB,
  Ledger,
  PATIENT_A,
  people,
  PHI_MARKER,
  publicText,
  registerPatient,
  salted,
  submit,
  contracts,
  parse,
} from './fixture';

const { labOrders, appointments, policies, claims, directory, access } = contracts;

describe('lab orders', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  async function order(): Promise<string> {
    const details = { tests: [{ code: 'CBC', name: `full blood count ${PHI_MARKER}` }] };
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details: JSON.stringify(details) }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
    await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'urgent', detailsHash));
    expect(ledger.keyPolicy(key('labOrder', orderId))).toEqual([HA, LAB]);
    return orderId;
  }

  const status = async (orderId: string) =>
    parse<{ status: string }>(await evaluate(ledger, people.labtech, (c) => labOrders.Get(c, orderId))).status;

  it('runs order → accept → start → result, the ordering doctor and the patient read the result', async () => {
    const orderId = await order();
    // Demographics and order details, each with its index entry, and the patient's latest-write marker.
    expect(privateOf(ledger, HA).size).toBe(5);
    expect(privateOf(ledger, LAB).size).toBe(3);
    await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
    await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
    expect(await status(orderId)).toBe('in-progress');
    const stored = await submit(ledger, people.labtech, (c) => labOrders.StoreResultBody(c, orderId), {
      transient: salted({ body: JSON.stringify({ diagnosis: `Hb 13.5 g/dL ${PHI_MARKER}` }) }),
    });
    const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(stored.result);
    const published = await submit(ledger, people.labtech, (c) =>
      labOrders.PublishResult(c, orderId, recordId, contentHash),
    );
    expect(published.tx.event?.name).toBe('ResultReady');
    expect(await status(orderId)).toBe('completed');

    const doctorTicket = await submit(ledger, people.doctorA, (c) => access.RequestAccess(c, recordId, 'treatment'));
    expect(parse<{ basis: string }>(doctorTicket.result).basis).toBe('ordering-doctor');
    const body = await evaluate(
      ledger,
      people.doctorA,
      (c) => access.ReadBody(c, recordId, parse<{ ticketId: string }>(doctorTicket.result).ticketId),
      {
        peerMspId: LAB,
      },
    );
    expect(body).toContain('Hb 13.5');
    const patientTicket = await submit(ledger, people.patientA, (c) => access.RequestAccess(c, recordId, 'treatment'));
    expect(parse<{ basis: string }>(patientTicket.result).basis).toBe('patient');
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  it('shows an order to the patient and the two members involved only', async () => {
    const orderId = await order();
    const listed = itemsOf<{ orderId: string }>(
      await evaluate(ledger, people.patientA, (c) => labOrders.ListForPatient(c, PATIENT_A, '', '')),
    );
    expect(listed.map((o) => o.orderId)).toEqual([orderId]);
    expect(
      JSON.parse(await evaluate(ledger, people.doctorB, (c) => labOrders.ListForPatient(c, PATIENT_A, '', ''))),
    ).toEqual({ items: [], bookmark: '' });
    await expect(evaluate(ledger, people.doctorB, (c) => labOrders.Get(c, orderId))).rejects.toThrow(/^FORBIDDEN/);
    expect(
      parse<{ status: string }>(await evaluate(ledger, people.doctorA, (c) => labOrders.Get(c, orderId))).status,
    ).toBe('ordered');
  });

  it('announces every status change', async () => {
    const orderId = await order();
    await submit(ledger, people.labtech, (c) => labOrders.Reject(c, orderId, 'sample haemolysed'));
    const events = ledger.committedEvents
      .filter((e) => e.name === 'LabOrderStatus')
      .map((e) => parse<{ status: string }>(e.payload.toString()).status);
    expect(events).toEqual(['ordered', 'rejected']);
  });

  it('refuses transitions out of order and by anyone but the lab', async () => {
    const orderId = await order();
    await expect(submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId))).rejects.toThrow(/^CONFLICT/);
    await expect(submit(ledger, people.doctorA, (c) => labOrders.Accept(c, orderId))).rejects.toThrow(/^FORBIDDEN/);
    // A labtech of another lab: lab-order-lists.test.ts. A hospital's CA issues no labtechs.
    const hospitalLabtech = { mspId: HB, attrs: { 'ehr.role': 'labtech', 'ehr.practitionerId': 'LAB-X' } };
    await expect(submit(ledger, hospitalLabtech, (c) => labOrders.Accept(c, orderId))).rejects.toThrow(
      /^FORBIDDEN: the role labtech counts only when issued by a member of kind lab/,
    );
    await expect(submit(ledger, people.labtech, (c) => labOrders.Reject(c, orderId, ''))).rejects.toThrow(
      /^INVALID_ARGUMENT/,
    );
  });

  it('needs the ordering hospital AND the lab to endorse every change after creation', async () => {
    const orderId = await order();
    // [HA, LAB] alone no longer do: the order's new work-queue entry is a new key, under the majority.
    for (const endorsingOrganizations of [[LAB], [HA, LAB], [LAB, HB, INS], [HA, HB, INS]]) {
      expect(
        await attempt(ledger, people.labtech, (c) => labOrders.Accept(c, orderId), { endorsingOrganizations }),
      ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    }
    expect(await status(orderId)).toBe('ordered');
    const accepted = await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId), {
      endorsingOrganizations: [HA, LAB, INS],
    });
    expect(accepted.tx.endorsers).toEqual([HA, LAB, INS]);
    expect(await status(orderId)).toBe('accepted');
    const started = await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
    expect(started.tx.endorsers).toEqual([HA, HB, LAB, INS]);
  });

  it('refuses an order whose details hash does not match what both members hold', async () => {
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: 'count' }] }) }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId } = parse<{ orderId: string }>(stored.result);
    await expect(
      submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'routine', 'c'.repeat(64))),
    ).rejects.toThrow(/^HASH_MISMATCH/);
    await expect(
      submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'soon', 'c'.repeat(64))),
    ).rejects.toThrow(/^INVALID_ARGUMENT/);
    await expect(
      submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, '', 'routine', 'c'.repeat(64))),
    ).rejects.toThrow(/^INVALID_ARGUMENT: labMspId/);
    await expect(
      submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, '', LAB, 'routine', 'c'.repeat(64))),
    ).rejects.toThrow(/^INVALID_ARGUMENT: patientId/);
  });
});

describe('appointments and feedback', () => {
  let ledger: Ledger;
  const slot = '2026-01-20T10:00:00Z';

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, 'PAT-HA-0002');
    await submit(ledger, people.adminA, (c) =>
      directory.RegisterPractitioner(
        c,
        JSON.stringify({ practitionerId: 'DOC-HA-0001', role: 'doctor', licenceNo: 'L-1' }),
      ),
    );
  });

  async function request(patient = people.patientA): Promise<string> {
    const { result } = await submit(ledger, patient, (c) => appointments.Request(c, HA, 'DOC-HA-0001', slot));
    return parse<{ appointmentId: string }>(result).appointmentId;
  }

  it('runs request → confirm → complete → feedback once, keeping the comment private', async () => {
    const id = await request();
    await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, id));
    await submit(ledger, people.doctorA, (c) => appointments.Complete(c, id));
    const mineBefore = parse<{ items: { appointmentId: string; feedbackGivenAt?: string }[] }>(
      await evaluate(ledger, people.patientA, (c) => appointments.ListMine(c, '', '')),
    ).items.find((a) => a.appointmentId === id);
    expect(mineBefore?.feedbackGivenAt).toBeUndefined();
    const { result } = await submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, id, '5'));
    // Listed again (a reload), the appointment says it was rated.
    const mine = parse<{ items: { appointmentId: string; feedbackGivenAt?: string }[] }>(
      await evaluate(ledger, people.patientA, (c) => appointments.ListMine(c, '', '')),
    ).items.find((a) => a.appointmentId === id);
    expect(mine?.feedbackGivenAt).toBe(parse<{ givenAt: string }>(result).givenAt);
    await submit(ledger, people.patientA, (c) => appointments.StoreFeedbackComment(c, id), {
      transient: salted({ comment: `great ${PHI_MARKER}` }),
    });
    await expect(submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, id, '4'))).rejects.toThrow(
      /^ALREADY_EXISTS/,
    );
    const statuses = ledger.committedEvents
      .filter((e) => e.name === 'AppointmentStatus')
      .map((e) => parse<{ status: string }>(e.payload.toString()).status);
    expect(statuses).toEqual(['requested', 'confirmed', 'completed']);
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  it('never confirms two appointments of one practitioner in the same slot', async () => {
    const first = await request();
    const second = await request(people.patientA2);
    await submit(ledger, people.adminA, (c) => appointments.Confirm(c, first));
    await expect(submit(ledger, people.doctorA, (c) => appointments.Confirm(c, second))).rejects.toThrow(
      /^CONFLICT: the practitioner is already booked/,
    );
    await submit(ledger, people.patientA, (c) => appointments.Cancel(c, first));
    await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, second));
  });

  it('confirms one of two concurrent bookings of the same slot; the other conflicts and changes nothing', async () => {
    const first = await request();
    const second = await request(people.patientA2);
    const confirmFirst = await ledger.endorse(people.adminA, (c) => appointments.Confirm(c, first));
    const confirmSecond = await ledger.endorse(people.doctorA, (c) => appointments.Confirm(c, second));
    ledger.commit(confirmFirst);
    const before = ledger.snapshot();
    expect(() => ledger.commit(confirmSecond)).toThrow('(MVCC_READ_CONFLICT)');
    expect(ledger.changesSince(before)).toEqual([]);
    const statusOf = async (patient: Caller) =>
      itemsOf<{ status: string }>(await evaluate(ledger, patient, (c) => appointments.ListMine(c, '', ''))).map(
        (a) => a.status,
      );
    expect([await statusOf(people.patientA), await statusOf(people.patientA2)]).toEqual([['confirmed'], ['requested']]);
  });

  it('refuses feedback before completion, by another patient, and out of range', async () => {
    const id = await request();
    await expect(submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, id, '5'))).rejects.toThrow(
      /^CONFLICT/,
    );
    await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, id));
    await submit(ledger, people.doctorA, (c) => appointments.Complete(c, id));
    await expect(submit(ledger, people.patientA2, (c) => appointments.GiveFeedback(c, id, '5'))).rejects.toThrow(
      /^FORBIDDEN/,
    );
    await expect(submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, id, '6'))).rejects.toThrow(
      /^INVALID_ARGUMENT/,
    );
  });

  it('keeps the reason with the practitioner’s member and lists the patient’s appointments', async () => {
    const id = await request();
    await submit(ledger, people.patientA, (c) => appointments.StoreReason(c, id), {
      transient: salted({ reason: `chest pain ${PHI_MARKER}` }),
    });
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
    const mine = itemsOf<{ appointmentId: string; status: string }>(
      await evaluate(ledger, people.patientA, (c) => appointments.ListMine(c, '', '')),
    );
    expect(mine).toEqual([expect.objectContaining({ appointmentId: id, status: 'requested' })]);
    expect(JSON.parse(await evaluate(ledger, people.patientA2, (c) => appointments.ListMine(c, '', '')))).toEqual({
      items: [],
      bookmark: '',
    });
  });

  it("lets only the practitioner's member confirm and only the patient cancel their own", async () => {
    const id = await request();
    await expect(submit(ledger, people.doctorB, (c) => appointments.Confirm(c, id))).rejects.toThrow(/^FORBIDDEN/);
    await expect(submit(ledger, people.patientA2, (c) => appointments.Cancel(c, id))).rejects.toThrow(/^FORBIDDEN/);
    await expect(submit(ledger, people.patientA, (c) => appointments.Request(c, HA, 'DOC-NOPE', slot))).rejects.toThrow(
      /^NOT_FOUND/,
    );
    await expect(
      submit(ledger, people.patientA, (c) => appointments.Request(c, HA, 'DOC-HA-0001', '2025-01-01T00:00:00Z')),
    ).rejects.toThrow(/slot must be in the future/);
  });
});

describe('policies and claims', () => {
  let ledger: Ledger;
  let policyId: string;
  let record: { recordId: string; contentHash: string };
  const terms = {
    plan: 'gold',
    coverage: { diagnosis: 80 },
    copayPercent: 10,
    annualLimit: 10_000,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
  };

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    record = await createRecord(ledger, people.doctorA);
    const issued = await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, JSON.stringify(terms)));
    policyId = parse<{ policyId: string }>(issued.result).policyId;
    expect(ledger.keyPolicy(key('policy', policyId))).toEqual([INS]);
  });

  async function submitClaim(amount = 10_000, contentHash = record.contentHash, recordId = record.recordId) {
    const claim = {
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-15T08:00:00Z',
      lines: [{ recordId, contentHash, category: 'diagnosis', amount }],
    };
    const { result } = await submit(ledger, people.billingA, (c) => claims.Submit(c, JSON.stringify(claim)));
    return { claimId: parse<{ claimId: string }>(result).claimId };
  }

  const adjudicate = async (claimId: string) =>
    parse<{ status: string; adjudication: { approvedAmount: number; reasons: string[] } }>(
      (await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId))).result,
    );

  it('runs policy → claim → adjudicate → pay, the patient sees each status', async () => {
    const { claimId } = await submitClaim();
    expect(ledger.keyPolicy(key('claim', claimId))).toEqual([HA, INS]); // provider AND insurer from now on
    const decided = await adjudicate(claimId);
    expect(decided).toMatchObject({ status: 'approved', adjudication: { approvedAmount: 7_200, reasons: [] } });
    await submit(ledger, people.adjuster, (c) => claims.RecordPayment(c, claimId, 'PAY-001'));
    const mine = itemsOf<{ status: string; payment: { amount: number } }>(
      await evaluate(ledger, people.patientA, (c) => claims.ListMine(c, '', '')),
    );
    expect(mine[0]).toMatchObject({ status: 'paid', payment: { amount: 7_200 } });
    const statuses = ledger.committedEvents
      .filter((e) => e.name === 'ClaimStatus')
      .map((e) => parse<{ status: string }>(e.payload.toString()).status);
    expect(statuses).toEqual(['submitted', 'approved', 'paid']);
  });

  it('partly approves a claim over the annual limit with the remaining amount', async () => {
    const { claimId } = await submitClaim(20_000);
    expect(await adjudicate(claimId)).toMatchObject({
      status: 'partially-approved',
      adjudication: { approvedAmount: 10_000, reasons: ['LIMIT_EXCEEDED'] },
    });
  });

  it.each([
    ['the later claim first', ['second', 'first']],
    ['the earlier claim first', ['first', 'second']],
  ])('rejects the later of two claims for the same record as DUPLICATE, adjudicating %s', async (_, order) => {
    const claimIds: Record<string, string> = {};
    claimIds.first = (await submitClaim()).claimId;
    ledger.advance(1000);
    claimIds.second = (await submitClaim()).claimId;
    const outcome: Record<string, unknown> = {};
    for (const which of order) outcome[which] = await adjudicate(claimIds[which]!);
    expect(outcome.first).toMatchObject({ status: 'approved' });
    expect(outcome.second).toMatchObject({ status: 'rejected', adjudication: { reasons: ['DUPLICATE'] } });
  });

  it('adjudicates concurrent claims of one policy against the annual limit once: the later conflicts', async () => {
    const one = (await submitClaim()).claimId;
    const other = await createRecord(ledger, people.doctorA);
    const two = (await submitClaim(10_000, other.contentHash, other.recordId)).claimId;
    const first = await ledger.endorse(people.adjuster, (c) => claims.Adjudicate(c, one));
    const second = await ledger.endorse(people.adjuster, (c) => claims.Adjudicate(c, two));
    ledger.commit(first);
    expect(() => ledger.commit(second)).toThrow('(MVCC_READ_CONFLICT)');
    expect(await adjudicate(two)).toMatchObject({
      status: 'partially-approved',
      adjudication: { approvedAmount: 2_800, reasons: ['LIMIT_EXCEEDED'] },
    });
  });

  it('invalidates an adjudication or a payment without the insurer’s or the provider’s peer; the claim keeps its state', async () => {
    const { claimId } = await submitClaim();
    const endorsedBy = (...endorsingOrganizations: string[]) => ({ endorsingOrganizations });
    const policyFailure = { error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] };
    for (const endorsers of [endorsedBy(HA, HB, LAB), endorsedBy(INS, HB, LAB)]) {
      expect(await attempt(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId), endorsers)).toEqual(
        policyFailure,
      );
    }
    expect(await adjudicate(claimId)).toMatchObject({ status: 'approved' });
    expect(
      await attempt(ledger, people.adjuster, (c) => claims.RecordPayment(c, claimId, 'PAY-1'), endorsedBy(HA, HB, LAB)),
    ).toEqual(policyFailure);
    const claim = parse<{ status: string }>(await evaluate(ledger, people.billingA, (c) => claims.Get(c, claimId)));
    expect(claim.status).toBe('approved');
  });

  it('rejects a claim referencing a record whose hash does not match', async () => {
    const { claimId } = await submitClaim(10_000, 'f'.repeat(64));
    expect(await adjudicate(claimId)).toMatchObject({
      status: 'rejected',
      adjudication: { reasons: ['HASH_MISMATCH'] },
    });
  });

  it("lets only the policy's insurer adjudicate and pay, once, in order", async () => {
    const { claimId } = await submitClaim();
    const otherInsurer = { mspId: HB, attrs: { 'ehr.role': 'adjuster' } };
    await expect(submit(ledger, otherInsurer, (c) => claims.Adjudicate(c, claimId))).rejects.toThrow(/^FORBIDDEN/);
    await expect(submit(ledger, people.billingA, (c) => claims.Adjudicate(c, claimId))).rejects.toThrow(/^FORBIDDEN/);
    await expect(submit(ledger, people.adjuster, (c) => claims.RecordPayment(c, claimId, 'PAY-1'))).rejects.toThrow(
      /^CONFLICT/,
    );
    await adjudicate(claimId);
    await expect(adjudicate(claimId)).rejects.toThrow(/^CONFLICT/);
  });

  it('keeps line details in the provider and insurer collections only', async () => {
    const { claimId } = await submitClaim();
    await submit(ledger, people.billingA, (c) => claims.StoreLineDetails(c, claimId), {
      transient: salted({ lines: JSON.stringify({ description: PHI_MARKER }) }),
      endorsingOrganizations: [HA, INS],
    });
    for (const msp of [HA, INS]) {
      expect(
        [...ledger.collection(`_implicit_org_${msp}`).values()].map((v) => Buffer.from(v).toString()).join(),
      ).toContain(PHI_MARKER);
    }
    expect(privateOf(ledger, HB).size).toBe(0);
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  it('refuses malformed claims and policies, changing nothing', async () => {
    const bad = [
      { policyId, patientId: PATIENT_A, serviceDate: '2026-01-15T08:00:00Z', lines: [] },
      { policyId, patientId: PATIENT_A, serviceDate: 'yesterday', lines: [{}] },
    ];
    for (const claim of bad) {
      expect(await attempt(ledger, people.billingA, (c) => claims.Submit(c, JSON.stringify(claim)))).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT/),
        changes: [],
      });
    }
    const issue = (who: Caller, policyTerms: object) =>
      attempt(ledger, who, (c) => policies.Issue(c, PATIENT_A, JSON.stringify(policyTerms)));
    expect(await issue(people.adjuster, { ...terms, copayPercent: 120 })).toEqual({
      error: expect.stringMatching(/copayPercent must be an integer percentage/),
      changes: [],
    });
    expect(await issue(people.doctorA, terms)).toEqual({ error: expect.stringMatching(/^FORBIDDEN/), changes: [] });
  });

  it('updates a policy by its insurer only, and shows it to the patient, not to other patients', async () => {
    await submit(ledger, people.adjuster, (c) =>
      policies.Update(c, policyId, JSON.stringify({ ...terms, copayPercent: 20 })),
    );
    const policy = parse<{ copayPercent: number }>(
      await evaluate(ledger, people.patientA, (c) => policies.Get(c, policyId)),
    );
    expect(policy.copayPercent).toBe(20);
    expect(
      await attempt(ledger, people.adjuster, (c) => policies.End(c, policyId), {
        endorsingOrganizations: [HA, HB, LAB],
      }),
    ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    await expect(
      submit(ledger, { mspId: HB, attrs: { 'ehr.role': 'adjuster' } }, (c) =>
        policies.Update(c, policyId, JSON.stringify(terms)),
      ),
    ).rejects.toThrow(/^FORBIDDEN/);
    await registerPatient(ledger, 'PAT-HA-0002');
    await expect(evaluate(ledger, people.patientA2, (c) => policies.Get(c, policyId))).rejects.toThrow(/^FORBIDDEN/);
    await expect(evaluate(ledger, people.patientA, (c) => policies.Get(c, 'POL-nope'))).rejects.toThrow(/^NOT_FOUND/);
  });

  it('shows a claim to the patient, the provider and the insurer only', async () => {
    const { claimId } = await submitClaim();
    for (const who of [people.patientA, people.billingA, people.adjuster]) {
      expect(parse<{ claimId: string }>(await evaluate(ledger, who, (c) => claims.Get(c, claimId))).claimId).toBe(
        claimId,
      );
    }
    await expect(evaluate(ledger, people.adminB, (c) => claims.Get(c, claimId))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('ends a policy, after which claims are rejected as POLICY_INACTIVE', async () => {
    await submit(ledger, people.adjuster, (c) => policies.End(c, policyId));
    const { claimId } = await submitClaim();
    expect(await adjudicate(claimId)).toMatchObject({
      status: 'rejected',
      adjudication: { reasons: ['POLICY_INACTIVE'] },
    });
  });
});

describe('bed capacity', () => {
  it('lists hospitals with free beds by ward or specialty', async () => {
    const ledger = await consortiumLedger();
    for (const [admin, name] of [
      [people.adminA, 'Hospital A'],
      [people.adminB, 'Hospital B'],
    ] as const) {
      await submit(ledger, admin, (c) =>
        directory.PublishOrgProfile(c, JSON.stringify({ kind: 'hospital', displayName: name })),
      );
    }
    await submit(ledger, people.adminA, (c) =>
      directory.PublishBeds(c, JSON.stringify({ ward: 'icu', specialty: 'intensive-care', total: 10, occupied: 10 })),
    );
    await submit(ledger, people.adminB, (c) =>
      directory.PublishBeds(c, JSON.stringify({ ward: 'icu', specialty: 'intensive-care', total: 8, occupied: 5 })),
    );
    await submit(ledger, people.adminB, (c) =>
      directory.PublishBeds(c, JSON.stringify({ ward: 'cardio', specialty: 'cardiology', total: 4, occupied: 1 })),
    );
    const icu = parse<unknown[]>(
      await evaluate(ledger, people.doctorA, (c) => directory.ListFreeBeds(c, '{"ward":"icu"}')),
    );
    expect(icu).toEqual([{ mspId: HB, hospital: 'Hospital B', ward: 'icu', specialty: 'intensive-care', free: 3 }]);
    const all = parse<unknown[]>(await evaluate(ledger, people.doctorB, (c) => directory.ListFreeBeds(c, '')));
    expect(all).toHaveLength(2);
    await expect(
      submit(ledger, people.adminLab, (c) =>
        directory.PublishBeds(c, JSON.stringify({ ward: 'x', specialty: 'y', total: 1, occupied: 0 })),
      ),
    ).rejects.toThrow(/^FORBIDDEN/);
    await expect(
      submit(ledger, people.adminA, (c) =>
        directory.PublishBeds(c, JSON.stringify({ ward: 'icu', specialty: 'x', total: 1, occupied: 2 })),
      ),
    ).rejects.toThrow(/cannot exceed total/);
  });
});
