/**
 * Erasure of everything a patient left in private data (issue 13, item 3): a patient who used
 * every feature is erased, and no member's collection keeps a byte of their PHI, while the
 * public objects, their hashes and the audit trail stay.
 */
import { type Caller, printable } from '../helpers/fabric-stub';
import {
  approveErasure,
  attempt,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  heldBy,
  INS,
  demographics,
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

const { access, appointments, bills, breakGlass, claims, directory, erasure, labOrders, policies, records } = contracts;

const PATIENT_A2 = 'PAT-HA-0002';
/** What patient A2 tells: it must outlive patient A's erasure. */
const OTHER_MARKER = 'Qwerty-PHI-A2-91c0';
const MEMBERS = [HA, HB, LAB, INS];

/** Every private value of a member's collection, as text, by printable key. */
function held(ledger: Ledger, mspId: string): Map<string, string> {
  return new Map(
    [...ledger.collection(`_implicit_org_${mspId}`)].map(([k, v]) => [printable(k), Buffer.from(v).toString()]),
  );
}

/** The places in any member's collection whose key or value mentions `marker`. */
function holding(ledger: Ledger, marker: string): string[] {
  return MEMBERS.flatMap((mspId) =>
    [...held(ledger, mspId)].filter(([k, v]) => k.includes(marker) || v.includes(marker)).map(([k]) => `${mspId} ${k}`),
  );
}

/** What patient A did: the ids of every object, public or not, that holds or names their PHI. */
interface Footprint {
  record: { recordId: string; contentHash: string };
  reported: string;
  unpublished: string;
  orderId: string;
  resultId: string;
  appointmentId: string;
  breakGlassId: string;
  claimId: string;
  billId: string;
  ticketId: string;
}

describe("erasure of everything of a patient's", () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);
  let did: Footprint;

  const marked = (what: string) => `${what} ${PHI_MARKER}`;

  /** Both steps of a record body by `who` (the patient reports about themself), with its header. */
  async function publishedBody(who: Caller, category: string, content: object): Promise<string> {
    const stored = await submit(ledger, who, (c) => records.CreateBody(c, PATIENT_A, category), {
      transient: salted({ body: JSON.stringify(content) }),
    });
    const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(stored.result);
    await submit(ledger, who, (c) => records.Publish(c, recordId, PATIENT_A, category, '1', contentHash));
    return recordId;
  }

  async function labOrderWithResult(): Promise<{ orderId: string; resultId: string }> {
    const details = { tests: [{ code: 'CBC', name: marked('full blood count') }], notes: marked('fasting') };
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details: JSON.stringify(details) }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
    await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'urgent', detailsHash));
    await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
    await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
    const result = await submit(ledger, people.labtech, (c) => labOrders.StoreResultBody(c, orderId), {
      transient: salted({ body: JSON.stringify({ diagnosis: marked('Hb 13.5 g/dL') }) }),
    });
    const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(result.result);
    await submit(ledger, people.labtech, (c) => labOrders.PublishResult(c, orderId, recordId, contentHash));
    return { orderId, resultId: recordId };
  }

  /** An appointment with its reason, completed, rated and commented. */
  async function appointmentWithFeedback(): Promise<string> {
    const booked = await submit(ledger, people.patientA, (c) =>
      appointments.Request(c, HA, 'DOC-HA-0001', '2026-02-01T10:00:00Z'),
    );
    const { appointmentId } = parse<{ appointmentId: string }>(booked.result);
    await submit(ledger, people.patientA, (c) => appointments.StoreReason(c, appointmentId), {
      transient: salted({ reason: marked('chest pain at night') }),
    });
    await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, appointmentId));
    await submit(ledger, people.doctorA, (c) => appointments.Complete(c, appointmentId));
    await submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, appointmentId, '4'));
    await submit(ledger, people.patientA, (c) => appointments.StoreFeedbackComment(c, appointmentId), {
      transient: salted({ comment: marked('kind, but the wait was long') }),
    });
    return appointmentId;
  }

  async function breakGlassWithReason(): Promise<string> {
    const opened = await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'));
    const { breakGlassId } = parse<{ breakGlassId: string }>(opened.result);
    await submit(ledger, people.doctorB, (c) => breakGlass.StoreReason(c, PATIENT_A, breakGlassId), {
      transient: salted({ reason: marked('found unresponsive at the station') }),
      endorsingOrganizations: [HB, HA],
    });
    return breakGlassId;
  }

  async function claimWithLines(record: { recordId: string; contentHash: string }): Promise<string> {
    const terms = {
      plan: 'gold',
      coverage: { diagnosis: 80 },
      copayPercent: 10,
      annualLimit: 10_000,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
    };
    const issued = await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, JSON.stringify(terms)));
    const { policyId } = parse<{ policyId: string }>(issued.result);
    const claim = {
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-15T08:00:00Z',
      lines: [{ ...record, category: 'diagnosis', amount: 10_000 }],
    };
    const submitted = await submit(ledger, people.billingA, (c) => claims.Submit(c, JSON.stringify(claim)));
    const { claimId } = parse<{ claimId: string }>(submitted.result);
    await submit(ledger, people.billingA, (c) => claims.StoreLineDetails(c, claimId), {
      transient: salted({ lines: JSON.stringify({ description: marked('asthma review') }) }),
      endorsingOrganizations: [HA, INS],
    });
    return claimId;
  }

  async function billWithItems(appointmentId: string): Promise<string> {
    const items = { items: [{ description: marked('consultation'), category: 'note', amount: 5_000 }] };
    const stored = await submit(
      ledger,
      people.billingA,
      (c) => bills.StoreItems(c, PATIENT_A, 'appointment', appointmentId),
      { transient: salted({ items: JSON.stringify(items) }) },
    );
    const { billId, lines, itemsHash } = parse<{ billId: string; lines: unknown; itemsHash: string }>(stored.result);
    await submit(ledger, people.billingA, (c) =>
      bills.Issue(c, billId, PATIENT_A, 'appointment', appointmentId, JSON.stringify(lines), itemsHash),
    );
    return billId;
  }

  /** Patient A does everything; patient A2 of the same members keeps a record of their own. */
  async function useEveryFeature(): Promise<Footprint> {
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_A2, people.adminA, people.patientA2, {
      ...demographics,
      name: `Bob ${OTHER_MARKER}`,
    });
    await submit(ledger, people.adminA, (c) =>
      directory.RegisterPractitioner(
        c,
        JSON.stringify({ practitionerId: 'DOC-HA-0001', role: 'doctor', licenceNo: 'L-1' }),
      ),
    );
    const record = await createRecord(ledger, people.doctorA, { content: { diagnosis: marked('J45.20 asthma') } });
    const reported = await publishedBody(people.patientA, 'allergy', { notes: marked('penicillin rash') });
    // A body whose header was never published: no public object names it.
    const unpublished = await submit(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
      transient: salted({ body: JSON.stringify({ diagnosis: marked('draft, never published') }) }),
    });
    const { orderId, resultId } = await labOrderWithResult();
    const appointmentId = await appointmentWithFeedback();
    const breakGlassId = await breakGlassWithReason();
    const claimId = await claimWithLines(record);
    const billId = await billWithItems(appointmentId);
    const ticket = await submit(ledger, people.patientA, (c) => access.RequestAccess(c, record.recordId, 'treatment'));
    await createRecord(ledger, people.doctorA, { patientId: PATIENT_A2, content: { diagnosis: OTHER_MARKER } });
    return {
      record,
      reported,
      unpublished: parse<{ recordId: string }>(unpublished.result).recordId,
      orderId,
      resultId,
      appointmentId,
      breakGlassId,
      claimId,
      billId,
      ticketId: parse<{ ticketId: string }>(ticket.result).ticketId,
    };
  }

  async function request(): Promise<{ requestId: string; required: string[] }> {
    return parse((await submit(ledger, people.patientA, (c) => erasure.Request(c))).result);
  }

  const admins = [people.adminA, people.adminB, people.adminLab, people.adminIns];

  beforeEach(async () => {
    ledger = await consortiumLedger();
    did = await useEveryFeature();
  });

  it('asks every member holding any of it: the hospitals, the lab and the insurer', async () => {
    // Before: the marker is in each member's collection (HB: the break-glass reason only).
    expect(new Set(holding(ledger, PHI_MARKER).map((place) => place.split(' ')[0]))).toEqual(new Set(MEMBERS));
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
    const { required } = await request();
    expect(required).toEqual([HA, HB, INS, LAB]);
  });

  it('lists, on each member’s peer, every key holding the patient’s data there, and nothing of others', async () => {
    const keys = async (admin: Caller) =>
      parse<{ keys: string[][] }>(await heldBy(ledger, admin)).keys.map((parts) => parts.join('/'));
    const body = (recordId: string) => [`recordBinding/${recordId}/000001`, `recordBody/${recordId}/000001`];
    // The markers of first steps no one settled yet (pending.ts) name the patient's objects: filed too.
    const marker = (kind: string, id: string, version = '') => `pendingWrite/${kind}/${id}${version}`;
    expect(await keys(people.adminA)).toEqual(
      [
        `appointmentReason/${did.appointmentId}`,
        `billItems/${did.billId}`,
        `breakglassReason/${did.breakGlassId}`,
        `claimLines/${did.claimId}`,
        `demographics/${PATIENT_A}`,
        `feedbackComment/${did.appointmentId}`,
        `labOrderDetails/${did.orderId}`,
        ...body(did.record.recordId),
        ...body(did.reported),
        ...body(did.unpublished),
        marker('billItems', did.billId),
        marker('demographics', PATIENT_A),
        marker('labOrderDetails', did.orderId),
        marker('recordBody', did.record.recordId, '/000001'),
        marker('recordBody', did.reported, '/000001'),
        marker('recordBody', did.unpublished, '/000001'),
      ].sort(),
    );
    expect(await keys(people.adminB)).toEqual([`breakglassReason/${did.breakGlassId}`]);
    expect(await keys(people.adminLab)).toEqual([
      `labOrderDetails/${did.orderId}`,
      marker('labOrderDetails', did.orderId),
      marker('recordBody', did.resultId, '/000001'),
      ...body(did.resultId),
    ]);
    expect(await keys(people.adminIns)).toEqual([`claimLines/${did.claimId}`]);
    // Only on the member's own peer: another member's peer does not hold its collection.
    await expect(evaluate(ledger, people.adminA, (c) => erasure.Held(c, PATIENT_A), { peerMspId: HB })).rejects.toThrow(
      /^WRONG_PEER/,
    );
  });

  it('purges every piece of it at every member, keeping public objects, their hashes and the audit trail', async () => {
    const publicBefore = ledger.state;
    const { requestId } = await request();
    const approvals = [];
    for (const admin of admins) approvals.push(await approveErasure(ledger, admin, PATIENT_A, requestId));
    expect(parse(approvals.at(-1)!.result)).toMatchObject({
      status: 'approved',
      approvals: [
        // Three bodies with their bindings, demographics, order details, appointment reason,
        // feedback comment, break-glass reason, claim lines, bill items; and the markers of
        // their first steps (pending.ts), at HA for three bodies, demographics, details and
        // items, at the lab for the details and the result's body.
        { mspId: HA, purgedKeys: 19 },
        { mspId: HB, purgedKeys: 1 },
        { mspId: LAB, purgedKeys: 5 },
        { mspId: INS, purgedKeys: 1 },
      ],
    });

    // No value, key or index entry of the patient's is left in any member's collection.
    expect(holding(ledger, PHI_MARKER)).toEqual([]);
    const ids = [PATIENT_A, did.record.recordId, did.reported, did.unpublished, did.resultId, did.orderId];
    const named = [did.appointmentId, did.breakGlassId, did.claimId, did.billId, ...ids];
    for (const mspId of MEMBERS) {
      expect([...held(ledger, mspId).keys()].filter((k) => named.some((id) => k.includes(id)))).toEqual([]);
    }
    // Patient A2's record at the same member is untouched.
    expect(holding(ledger, OTHER_MARKER)).toEqual([
      `${HA} demographics/${PATIENT_A2}`,
      expect.stringMatching(/^HospitalAMSP recordBody\//),
    ]);

    // Every public object stays; only the headers and the patient say what was erased.
    const changed = [...publicBefore].filter(
      ([k, v]) => !Buffer.from(v).equals(ledger.state.get(k) ?? Buffer.alloc(0)),
    );
    expect(changed.map(([k]) => printable(k)).sort()).toEqual(
      [
        `patient/${PATIENT_A}`,
        `record/${did.record.recordId}`,
        `record/${did.reported}`,
        `record/${did.resultId}`,
      ].sort(),
    );
    const patient = parse<{ status: string; demographicsHash: string }>(
      await evaluate(ledger, people.adminA, (c) => directory.GetPatient(c, PATIENT_A)),
    );
    expect(patient).toMatchObject({ status: 'erased', demographicsHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const order = parse<{ detailsHash: string; status: string }>(
      await evaluate(ledger, people.doctorA, (c) => labOrders.Get(c, did.orderId)),
    );
    expect(order).toMatchObject({ status: 'completed', resultRecordId: did.resultId });
    expect(order.detailsHash).toMatch(/^[0-9a-f]{64}$/);
    const bill = parse<{ itemsHash: string }>(await evaluate(ledger, people.billingA, (c) => bills.Get(c, did.billId)));
    expect(bill.itemsHash).toMatch(/^[0-9a-f]{64}$/);

    // Each record header keeps its hash, and the integrity check on every member's peer reports
    // the body erased, not altered. Fabric drops a purged value's hash from every peer's state
    // too (the block keeps it): the public hashes are what stays to check against.
    for (const recordId of [did.record.recordId, did.reported, did.resultId]) {
      const header = parse<{ purged: boolean; contentHash: string }>(
        await evaluate(ledger, people.doctorA, (c) => records.Get(c, recordId)),
      );
      expect(header).toMatchObject({ purged: true, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for (const peerMspId of MEMBERS) {
        const verify = parse<{ status: string; contentHash: string }>(
          await evaluate(ledger, people.doctorA, (c) => records.Verify(c, recordId), { peerMspId }),
        );
        expect({ recordId, peerMspId, ...verify }).toMatchObject({ status: 'purged', contentHash: header.contentHash });
      }
    }
    expect(ledger.privateDataHash(`_implicit_org_${HA}`, key('demographics', PATIENT_A))).toBeUndefined();

    // The audit trail stays; reads now answer PURGED.
    const log = itemsOf<{ patientId: string; txId: string }>(
      await evaluate(ledger, people.adminA, (c) => access.ListOrgAccessLog(c, '', '')),
    );
    expect(log).toEqual([expect.objectContaining({ patientId: PATIENT_A })]);
    await expect(
      evaluate(ledger, people.patientA, (c) => access.ReadBody(c, did.record.recordId, did.ticketId)),
    ).rejects.toThrow(/^PURGED/);
    await expect(
      submit(ledger, people.doctorA, (c) => access.RequestRead(c, 'labOrderDetails', did.orderId, 'treatment')),
    ).resolves.toBeDefined();
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  it('purges at each member only what that member holds, as its admin approves', async () => {
    const { requestId } = await request();
    await approveErasure(ledger, people.adminLab, PATIENT_A, requestId);
    expect(holding(ledger, PHI_MARKER).filter((place) => place.startsWith(LAB))).toEqual([]);
    // The order details are held twice: the lab's copy is gone, the hospital's stays until it approves.
    expect(holding(ledger, 'full blood count')).toEqual([`${HA} labOrderDetails/${did.orderId}`]);
    expect(new Set(holding(ledger, PHI_MARKER).map((place) => place.split(' ')[0]))).toEqual(new Set([HA, HB, INS]));
  });

  it('refuses a list of held keys that is out of date, forged or of another store, changing nothing', async () => {
    const { requestId } = await request();
    const stale = await heldBy(ledger, people.adminA);
    // The doctor stores one more draft after the list was read: the approval would miss it.
    await submit(ledger, people.doctorA, (c) => records.CreateBody(c, PATIENT_A, 'diagnosis'), {
      transient: salted({ body: JSON.stringify({ diagnosis: `late draft ${PHI_MARKER}` }) }),
    });
    const approve = (admin: Caller, list: string) =>
      attempt(ledger, admin, (c) => erasure.Approve(c, PATIENT_A, requestId, list));
    expect(await approve(people.adminA, stale)).toEqual({
      error: expect.stringMatching(/^CONFLICT: HospitalAMSP stored data of patient PAT-HA-0001 since the list/),
      changes: [],
    });
    // A key of another patient slipped into the list: its index entry is not the patient's.
    const fresh = parse<{ keys: string[][] }>(await heldBy(ledger, people.adminA));
    const ofA2 = parse<{ keys: string[][] }>(await heldBy(ledger, people.adminA, PATIENT_A2)).keys;
    const forged = JSON.stringify({ ...fresh, keys: [...fresh.keys, ...ofA2] });
    expect(await approve(people.adminA, forged)).toEqual({
      error: expect.stringMatching(
        /^NOT_FOUND: no index entry of \S+ for patient PAT-HA-0001 is stored at HospitalAMSP/,
      ),
      changes: [],
    });
    expect(await approve(people.adminA, await heldBy(ledger, people.adminB))).toEqual({
      error: "INVALID_ARGUMENT: the list of held keys is not of HospitalAMSP's store",
      changes: [],
    });
    expect(await approve(people.adminA, '{"keys": "all"}')).toEqual({
      error: expect.stringMatching(/^INVALID_ARGUMENT/),
      changes: [],
    });
    await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(holding(ledger, 'late draft')).toEqual([]);
  });

  it('fails on commit when a write of the patient’s data commits between its endorsement and its own', async () => {
    const { requestId } = await request();
    const list = await heldBy(ledger, people.adminA);
    const approval = await ledger.endorse(people.adminA, (c) => erasure.Approve(c, PATIENT_A, requestId, list));
    await submit(ledger, people.patientA, (c) => appointments.StoreReason(c, did.appointmentId), {
      transient: salted({ reason: `second thoughts ${PHI_MARKER}` }),
    });
    expect(() => ledger.commit(approval)).toThrow(/\(MVCC_READ_CONFLICT\)/);
    await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
    expect(holding(ledger, 'second thoughts')).toEqual([]);
  });

  it('stores nothing new of the patient once erased', async () => {
    const { requestId } = await request();
    for (const admin of admins) await approveErasure(ledger, admin, PATIENT_A, requestId);
    const refused = (outcome: { error?: string; changes: string[] }) => ({
      code: outcome.error?.split(':')[0],
      changes: outcome.changes,
    });
    expect(
      refused(
        await attempt(ledger, people.adminA, (c) => directory.StoreDemographics(c, PATIENT_A), {
          transient: salted({
            demographics: JSON.stringify({ name: `Alice ${PHI_MARKER}`, dateOfBirth: '1980-04-01' }),
          }),
        }),
      ),
    ).toEqual({ code: 'PURGED', changes: [] });
    expect(
      refused(
        await attempt(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
          transient: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: PHI_MARKER }] }) }),
          endorsingOrganizations: [HA, LAB],
        }),
      ),
    ).toEqual({ code: 'PURGED', changes: [] });
    expect(
      refused(
        await attempt(ledger, people.billingA, (c) => claims.StoreLineDetails(c, did.claimId), {
          transient: salted({ lines: JSON.stringify({ description: PHI_MARKER }) }),
          endorsingOrganizations: [HA, INS],
        }),
      ),
    ).toEqual({ code: 'PURGED', changes: [] });
    expect(holding(ledger, PHI_MARKER)).toEqual([]);
  });
});
