/**
 * Bills for care: items in words with the hospital, the public bill with lines, total, status and
 * payments; what insurers cover from the claims made from it; audited reads of the items.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  approveErasure,
  aSalt,
  attempt,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  INS,
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

const { access, appointments, bills, claims, directory, erasure, labOrders, policies } = contracts;

const PATIENT_A2 = 'PAT-HA-0002';
const ITEMS_KEY = (billId: string) => key('billItems', billId);

interface Line {
  recordId?: string;
  category: string;
  amount: number;
}
interface Stored {
  billId: string;
  itemsHash: string;
  lines: Line[];
  total: number;
}
interface BillView {
  billId: string;
  patientId: string;
  provider: string;
  status: string;
  total: number;
  payments: { amount: number; paymentRef: string }[];
  covered: number;
  paid: number;
  remaining: number;
}
interface Basis {
  patientId?: string;
  kind: string;
  id: string;
}

describe('bills', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);
  let record: { recordId: string; contentHash: string };
  let appointmentId: string;
  let slotDay = 16;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    slotDay = 16;
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_A2);
    for (const [admin, practitionerId] of [
      [people.adminA, 'DOC-HA-0001'],
      [people.adminB, 'DOC-HB-0001'],
    ] as const) {
      await submit(ledger, admin, (c) =>
        directory.RegisterPractitioner(c, JSON.stringify({ practitionerId, role: 'doctor', licenceNo: 'L-1' })),
      );
    }
    record = await createRecord(ledger, people.doctorA);
    appointmentId = await completedAppointment();
  });

  /** An appointment of the patient with a doctor, confirmed and completed (one slot a day). */
  async function completedAppointment(patient = people.patientA, doctor = people.doctorA): Promise<string> {
    const [mspId, practitionerId] = [doctor.mspId, doctor.attrs!['ehr.practitionerId']!];
    const slot = `2026-02-${String(slotDay++).padStart(2, '0')}T10:00:00Z`;
    const booked = await submit(ledger, patient, (c) => appointments.Request(c, mspId, practitionerId, slot));
    const id = parse<{ appointmentId: string }>(booked.result).appointmentId;
    await submit(ledger, doctor, (c) => appointments.Confirm(c, id));
    await submit(ledger, doctor, (c) => appointments.Complete(c, id));
    return id;
  }

  const items = () => [
    {
      description: `asthma review, spirometry ${PHI_MARKER}`,
      code: 'CPT-94010',
      recordId: record.recordId,
      category: 'diagnosis',
      amount: 10_000,
    },
    { description: `inhaler technique leaflet ${PHI_MARKER}`, category: 'note', amount: 2_000 },
  ];

  const basisOf = (basis: Partial<Basis> = {}): Required<Basis> => ({
    patientId: PATIENT_A,
    kind: 'appointment',
    id: appointmentId,
    ...basis,
  });

  async function storeItems(content: unknown = { items: items() }, basis: Partial<Basis> = {}, who = people.billingA) {
    const { patientId, kind, id } = basisOf(basis);
    const stored = await submit(ledger, who, (c) => bills.StoreItems(c, patientId, kind, id), {
      transient: salted({ items: JSON.stringify(content) }),
    });
    return { stored: parse<Stored>(stored.result), tx: stored.tx, text: stored.result };
  }

  const issue = (stored: Stored, basis: Partial<Basis> = {}, who = people.billingA) => {
    const { patientId, kind, id } = basisOf(basis);
    return submit(ledger, who, (c) =>
      bills.Issue(c, stored.billId, patientId, kind, id, JSON.stringify(stored.lines), stored.itemsHash),
    );
  };

  /** Both steps: a bill for the appointment (or another basis), by hospital A's billing clerk. */
  async function bill(content: unknown = { items: items() }, basis: Partial<Basis> = {}): Promise<string> {
    const { stored } = await storeItems(content, basis);
    await issue(stored, basis);
    return stored.billId;
  }

  const get = async (billId: string, who: Caller = people.billingA) =>
    parse<BillView>(await evaluate(ledger, who, (c) => bills.Get(c, billId)));

  const pay = (billId: string, amount: string, ref: string, options = {}) =>
    submit(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, amount, ref), options);

  const billEvents = () =>
    ledger.committedEvents
      .filter((e) => e.name === 'BillStatus')
      .map((e) => parse<{ status: string; paid: number }>(e.payload.toString()));

  describe('issuing', () => {
    it('keeps the items with the hospital alone and answers their public part, lines with no words', async () => {
      const { stored, tx, text } = await storeItems();
      expect(tx.endorsers).toEqual([HA]);
      expect(stored).toEqual({
        billId: expect.stringMatching(/^BILL-/),
        itemsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        lines: [
          { recordId: record.recordId, category: 'diagnosis', amount: 10_000 },
          { category: 'note', amount: 2_000 },
        ],
        total: 12_000,
      });
      expect(text).not.toContain(PHI_MARKER);
      const held = ledger.collection(`_implicit_org_${HA}`).get(ITEMS_KEY(stored.billId));
      expect(parse<unknown>(Buffer.from(held!).toString())).toEqual({
        billId: stored.billId,
        items: items(),
        salt: aSalt,
      });
      expect(ledger.privateDataHash(`_implicit_org_${HA}`, ITEMS_KEY(stored.billId))?.toString('hex')).toBe(
        stored.itemsHash,
      );
      for (const other of [HB, LAB, INS]) expect(ledger.collection(`_implicit_org_${other}`).size).toBe(0);
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
    });

    it('issues the public bill after a completed appointment: only the hospital may change it from then on', async () => {
      const { stored } = await storeItems();
      ledger.advance(60_000);
      const issued = await issue(stored);
      expect(issued.tx.endorsers.length).toBeGreaterThan(2);
      const expected = {
        billId: stored.billId,
        patientId: PATIENT_A,
        provider: HA,
        basis: { kind: 'appointment', id: appointmentId },
        lines: stored.lines,
        total: 12_000,
        itemsHash: stored.itemsHash,
        status: 'issued',
        payments: [],
        issuedAt: '2026-01-15T09:01:00.000Z',
        updatedAt: '2026-01-15T09:01:00.000Z',
      };
      expect(parse<unknown>(issued.result)).toEqual(expected);
      expect(await get(stored.billId)).toEqual({ ...expected, covered: 0, paid: 0, remaining: 12_000 });
      expect(ledger.keyPolicy(key('bill', stored.billId))).toEqual([HA]);
      expect(issued.tx.event?.name).toBe('BillStatus');
      expect(parse<unknown>(issued.tx.event!.payload.toString())).toEqual({
        billId: stored.billId,
        patientId: PATIENT_A,
        provider: HA,
        status: 'issued',
        total: 12_000,
        paid: 0,
      });
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
    });

    it('bills a completed lab order the hospital placed, citing the result', async () => {
      const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
        transient: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: 'full blood count' }] }) }),
        endorsingOrganizations: [HA, LAB],
      });
      const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
      await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'routine', detailsHash));
      const labItems = { items: [{ description: `CBC ${PHI_MARKER}`, category: 'lab-result', amount: 3_500 }] };
      await expect(storeItems(labItems, { kind: 'lab-order', id: orderId })).rejects.toThrow(
        /^CONFLICT: lab order .* is ordered, not completed/,
      );
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
      await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
      const result = await submit(ledger, people.labtech, (c) => labOrders.StoreResultBody(c, orderId), {
        transient: salted({ body: JSON.stringify({ diagnosis: 'Hb 13.5 g/dL' }) }),
      });
      const { recordId, contentHash } = parse<{ recordId: string; contentHash: string }>(result.result);
      await submit(ledger, people.labtech, (c) => labOrders.PublishResult(c, orderId, recordId, contentHash));
      const billId = await bill({ items: [{ ...labItems.items[0], recordId }] }, { kind: 'lab-order', id: orderId });
      expect(await get(billId, people.patientA)).toMatchObject({
        basis: { kind: 'lab-order', id: orderId },
        lines: [{ recordId, category: 'lab-result', amount: 3_500 }],
        total: 3_500,
      });
      // Only the member that placed the order bills it.
      await expect(storeItems(labItems, { kind: 'lab-order', id: orderId }, people.billingB)).rejects.toThrow(
        /^FORBIDDEN: lab order .* is care of HospitalAMSP/,
      );
    });

    it('refuses care not completed, of another member, of another patient, unknown, or billed already, changing nothing', async () => {
      const requested = await submit(ledger, people.patientA, (c) =>
        appointments.Request(c, HA, 'DOC-HA-0001', '2026-03-01T10:00:00Z'),
      );
      const pending = parse<{ appointmentId: string }>(requested.result).appointmentId;
      const withB = await completedAppointment(people.patientA, people.doctorB);
      await bill();
      const cases: [Caller, Partial<Basis>, RegExp][] = [
        [people.billingA, { id: pending }, /^CONFLICT: appointment .* is requested, not completed/],
        [people.billingA, { id: withB }, /^FORBIDDEN: appointment .* is care of HospitalBMSP, not HospitalAMSP/],
        [people.billingB, {}, /^FORBIDDEN: appointment .* is care of HospitalAMSP, not HospitalBMSP/],
        [people.billingA, { patientId: PATIENT_A2 }, /^INVALID_ARGUMENT: appointment .* is not of patient/],
        [people.billingA, {}, /^ALREADY_EXISTS: appointment .* is billed already: BILL-/],
        [people.billingA, { id: 'APT-none' }, /^NOT_FOUND: appointment APT-none does not exist/],
        [people.billingA, { kind: 'surgery' }, /^INVALID_ARGUMENT: basisKind must be one of appointment, lab-order/],
        [people.billingA, { patientId: 'PAT-none' }, /^NOT_FOUND: patient PAT-none is not registered/],
        [people.doctorA, { id: withB }, /^FORBIDDEN: only billing may do this/],
      ];
      for (const [who, basis, error] of cases) {
        const { patientId, kind, id } = basisOf(basis);
        const outcome = await attempt(ledger, who, (c) => bills.StoreItems(c, patientId, kind, id), {
          transient: salted({ items: JSON.stringify({ items: items() }) }),
        });
        expect(outcome).toEqual({ error: expect.stringMatching(error), changes: [] });
      }
    });

    it('issues one bill per appointment, also when two are issued at once: the later conflicts', async () => {
      const first = (await storeItems()).stored;
      const second = (await storeItems()).stored;
      const issueOf = (stored: Stored) =>
        ledger.endorse(people.billingA, (c) =>
          bills.Issue(
            c,
            stored.billId,
            PATIENT_A,
            'appointment',
            appointmentId,
            JSON.stringify(stored.lines),
            stored.itemsHash,
          ),
        );
      const [one, two] = [await issueOf(first), await issueOf(second)];
      ledger.commit(one);
      const before = ledger.snapshot();
      expect(() => ledger.commit(two)).toThrow('(MVCC_READ_CONFLICT)');
      expect(ledger.changesSince(before)).toEqual([]);
      expect(
        await attempt(ledger, people.billingA, (c) =>
          bills.Issue(
            c,
            second.billId,
            PATIENT_A,
            'appointment',
            appointmentId,
            JSON.stringify(second.lines),
            second.itemsHash,
          ),
        ),
      ).toEqual({ error: expect.stringMatching(/^ALREADY_EXISTS: appointment .* is billed already/), changes: [] });
      expect(
        await attempt(ledger, people.billingA, (c) =>
          bills.Issue(
            c,
            first.billId,
            PATIENT_A,
            'appointment',
            appointmentId,
            JSON.stringify(first.lines),
            first.itemsHash,
          ),
        ),
      ).toEqual({ error: expect.stringMatching(/^ALREADY_EXISTS: bill .* exists/), changes: [] });
    });

    it.each([
      ['no items', { items: [] }, /^INVALID_ARGUMENT: items must be an array of 1 to 50/],
      ['51 items', { items: Array(51).fill({ description: 'x', category: 'note', amount: 1 }) }, /1 to 50/],
      [
        'a zero amount',
        { items: [{ description: 'x', category: 'note', amount: 0 }] },
        /amount must be a positive integer amount in cents/,
      ],
      [
        'a fractional amount',
        { items: [{ description: 'x', category: 'note', amount: 1.5 }] },
        /items\[0\]\.amount must be a positive integer/,
      ],
      [
        'an amount as text',
        { items: [{ description: 'x', category: 'note', amount: '100' }] },
        /amount must be a positive integer/,
      ],
      [
        'an unknown category',
        { items: [{ description: 'x', category: 'astrology', amount: 1 }] },
        /items\[0\]\.category must be a record category/,
      ],
      ['no description', { items: [{ category: 'note', amount: 1 }] }, /description must be a non-empty string/],
      [
        'an unknown item field',
        { items: [{ description: 'x', category: 'note', amount: 1, ssn: '1' }] },
        /items\[0\] has unknown fields: ssn/,
      ],
      [
        'an unknown field',
        { items: [{ description: 'x', category: 'note', amount: 1 }], note: 'x' },
        /unknown fields: note/,
      ],
      [
        'a total beyond safe integers',
        {
          items: [
            { description: 'x', category: 'note', amount: Number.MAX_SAFE_INTEGER },
            { description: 'y', category: 'note', amount: 1 },
          ],
        },
        /the total is too large/,
      ],
      ['not JSON', 'items', /^INVALID_ARGUMENT: items must be JSON/],
    ])('refuses items with %s, storing nothing', async (_, content, error) => {
      const { patientId, kind, id } = basisOf();
      const transient = salted({ items: typeof content === 'string' ? content : JSON.stringify(content) });
      expect(
        await attempt(ledger, people.billingA, (c) => bills.StoreItems(c, patientId, kind, id), { transient }),
      ).toEqual({
        error: expect.stringMatching(error),
        changes: [],
      });
    });

    it("refuses lines citing a record twice, another patient's record, another category or the patient's own report", async () => {
      const other = await createRecord(ledger, people.doctorA, { patientId: PATIENT_A2 });
      const own = await createRecord(ledger, people.patientA, { category: 'allergy' });
      const line = (recordId: string, category = 'diagnosis') => ({
        description: 'x',
        recordId,
        category,
        amount: 100,
      });
      const cases: [object[], RegExp][] = [
        [
          [line(record.recordId), line(record.recordId)],
          /^INVALID_ARGUMENT: a record may appear on one line of a bill only/,
        ],
        [[line(other.recordId)], /^INVALID_ARGUMENT: record .* is not of patient PAT-HA-0001/],
        [[line(record.recordId, 'imaging')], /^INVALID_ARGUMENT: record .* is diagnosis/],
        [[line(own.recordId, 'allergy')], /^INVALID_ARGUMENT: record .* is the patient's own report, not care/],
        [[line('REC-none')], /^NOT_FOUND: record REC-none does not exist/],
      ];
      const { patientId, kind, id } = basisOf();
      for (const [content, error] of cases) {
        const transient = salted({ items: JSON.stringify({ items: content }) });
        expect(
          await attempt(ledger, people.billingA, (c) => bills.StoreItems(c, patientId, kind, id), { transient }),
        ).toEqual({
          error: expect.stringMatching(error),
          changes: [],
        });
      }
      // Issue checks the lines it is given as well, whatever was stored.
      const { stored } = await storeItems();
      const lines = JSON.stringify([{ recordId: other.recordId, category: 'diagnosis', amount: 100 }]);
      expect(
        await attempt(ledger, people.billingA, (c) =>
          bills.Issue(c, stored.billId, patientId, kind, id, lines, stored.itemsHash),
        ),
      ).toEqual({ error: expect.stringMatching(/^INVALID_ARGUMENT: record .* is not of patient/), changes: [] });
      for (const [bad, error] of [
        ['{}', /^INVALID_ARGUMENT: lines must be an array/],
        ['[', /^INVALID_ARGUMENT: lines must be JSON/],
        ['[{"category":"note","amount":1,"description":"words"}]', /lines\[0\] has unknown fields: description/],
      ] as const) {
        expect(
          await attempt(ledger, people.billingA, (c) =>
            bills.Issue(c, stored.billId, patientId, kind, id, bad, stored.itemsHash),
          ),
        ).toEqual({ error: expect.stringMatching(error), changes: [] });
      }
    });

    it('refuses a bill whose items hash does not match the items held, or whose items were never stored', async () => {
      const { stored } = await storeItems();
      const { patientId, kind, id } = basisOf();
      const lines = JSON.stringify(stored.lines);
      expect(
        await attempt(ledger, people.billingA, (c) =>
          bills.Issue(c, stored.billId, patientId, kind, id, lines, 'e'.repeat(64)),
        ),
      ).toEqual({
        error: expect.stringMatching(/^HASH_MISMATCH: the items of bill BILL-.* held by HospitalAMSP/),
        changes: [],
      });
      expect(
        await attempt(ledger, people.billingA, (c) =>
          bills.Issue(c, 'BILL-none', patientId, kind, id, lines, stored.itemsHash),
        ),
      ).toEqual({
        error: expect.stringMatching(/^NOT_FOUND: no items of bill BILL-none is stored at HospitalAMSP/),
        changes: [],
      });
      // Another hospital's clerk finds no such items at their own member.
      expect(
        await attempt(ledger, people.billingB, (c) =>
          bills.Issue(c, stored.billId, patientId, kind, id, lines, stored.itemsHash),
        ),
      ).toEqual({
        error: expect.stringMatching(/^NOT_FOUND: no items of bill .* is stored at HospitalBMSP/),
        changes: [],
      });
    });

    it("invalidates items endorsed without the hospital's peer: nothing is stored, nothing can be issued", async () => {
      const { patientId, kind, id } = basisOf();
      const endorsed = await ledger.endorse(people.billingA, (c) => bills.StoreItems(c, patientId, kind, id), {
        transient: salted({ items: JSON.stringify({ items: items() }) }),
        endorsingOrganizations: [HB],
      });
      const before = ledger.snapshot();
      expect(() => ledger.commit(endorsed)).toThrow('(ENDORSEMENT_POLICY_FAILURE)');
      expect(ledger.changesSince(before)).toEqual([]);
      const stored = parse<Stored>(endorsed.result);
      await expect(issue(stored)).rejects.toThrow(/^NOT_FOUND: no items of bill/);
    });
  });

  describe('payments', () => {
    it('records payments up to what remains; the bill is paid once nothing remains, and moves index', async () => {
      const billId = await bill();
      const partial = await pay(billId, '3000', 'PAY-1');
      expect(parse<BillView>(partial.result)).toMatchObject({ status: 'issued', paid: 3_000, remaining: 9_000 });
      expect(partial.tx.endorsers).toEqual([HA]); // the hospital alone may record on its own bill
      expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '9001', 'PAY-2'))).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: the payment exceeds the 9000 cents that remain/),
        changes: [],
      });
      expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '10', 'PAY-1'))).toEqual({
        error: expect.stringMatching(/^ALREADY_EXISTS: payment PAY-1 is recorded on bill/),
        changes: [],
      });
      ledger.advance(1000);
      await pay(billId, '9000', 'PAY-2');
      expect(await get(billId, people.patientA)).toMatchObject({
        status: 'paid',
        payments: [
          {
            amount: 3_000,
            paymentRef: 'PAY-1',
            paidAt: '2026-01-15T09:00:00.000Z',
            recordedBy: expect.stringContaining('billing1'),
          },
          { amount: 9_000, paymentRef: 'PAY-2', paidAt: '2026-01-15T09:00:01.000Z' },
        ],
        covered: 0,
        paid: 12_000,
        remaining: 0,
        updatedAt: '2026-01-15T09:00:01.000Z',
      });
      expect(ledger.state.has(key('providerBill', HA, 'issued', billId))).toBe(false);
      expect(ledger.state.has(key('providerBill', HA, 'paid', billId))).toBe(true);
      expect(billEvents().map((e) => [e.status, e.paid])).toEqual([
        ['issued', 0],
        ['issued', 3_000],
        ['paid', 12_000],
      ]);
      expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '1', 'PAY-3'))).toEqual({
        error: expect.stringMatching(/^CONFLICT: bill .* is paid/),
        changes: [],
      });
    });

    it.each(['0', '-5', '1.5', '1e3', 'abc', '', '99999999999999999'])(
      'refuses a payment amount of %p, changing nothing',
      async (amount) => {
        const billId = await bill();
        expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, amount, 'PAY-1'))).toEqual({
          error: expect.stringMatching(/^INVALID_ARGUMENT: amount must be a positive integer amount in cents/),
          changes: [],
        });
      },
    );

    it("lets only the issuing hospital's billing clerk record payments", async () => {
      const billId = await bill();
      for (const [who, error] of [
        [people.billingB, /^FORBIDDEN: bill .* was issued by HospitalAMSP/],
        [people.adminA, /^FORBIDDEN: only billing may do this/],
        [people.patientA, /^FORBIDDEN: only billing may do this/],
      ] as const) {
        expect(await attempt(ledger, who, (c) => bills.RecordPayment(c, billId, '100', 'PAY-1'))).toEqual({
          error: expect.stringMatching(error),
          changes: [],
        });
      }
      expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '100', 'bad ref!'))).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: paymentRef/),
        changes: [],
      });
    });

    it("invalidates a bill change endorsed without the hospital's peer; the bill keeps its state", async () => {
      const billId = await bill();
      const policyFailure = { error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] };
      for (const endorsingOrganizations of [[HB, LAB, INS], [HB], [INS, LAB]]) {
        expect(
          await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '100', 'PAY-1'), {
            endorsingOrganizations,
          }),
        ).toEqual(policyFailure);
      }
      // The last payment also moves the bill to the 'paid' index: a new public key, which a majority signs.
      expect(
        await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '12000', 'PAY-1'), {
          endorsingOrganizations: [HA],
        }),
      ).toEqual(policyFailure);
      expect(await get(billId)).toMatchObject({ status: 'issued', payments: [], remaining: 12_000 });
      await pay(billId, '12000', 'PAY-1');
      expect((await get(billId)).status).toBe('paid');
    });
  });

  describe('reading and listing', () => {
    it("shows a bill to the patient and the hospital's billing and admin only", async () => {
      const billId = await bill();
      for (const who of [people.patientA, people.billingA, people.adminA]) {
        expect((await get(billId, who)).billId).toBe(billId);
      }
      for (const who of [people.patientA2, people.billingB, people.adminB]) {
        await expect(get(billId, who)).rejects.toThrow(/^FORBIDDEN: bills are seen by the patient and the provider/);
      }
      for (const who of [people.doctorA, people.adjuster]) {
        await expect(get(billId, who)).rejects.toThrow(/^FORBIDDEN: only patient or billing or admin/);
      }
      await expect(get('BILL-none')).rejects.toThrow(/^NOT_FOUND: bill BILL-none does not exist/);
    });

    it("lists the patient's bills and the hospital's by status, a page at a time", async () => {
      const first = await bill();
      const second = await bill(undefined, { id: await completedAppointment() });
      const third = await bill(undefined, { id: await completedAppointment() });
      await bill({ items: [items()[1]] }, { patientId: PATIENT_A2, id: await completedAppointment(people.patientA2) });
      await pay(second, '12000', 'PAY-1');

      const walk = async (list: (bookmark: string) => Promise<string>) => {
        const seen: BillView[][] = [];
        let bookmark = '';
        do {
          const page = parse<{ items: BillView[]; bookmark: string }>(await list(bookmark));
          seen.push(page.items);
          bookmark = page.bookmark;
        } while (bookmark !== '');
        return seen;
      };
      const mine = await walk((b) => evaluate(ledger, people.patientA, (c) => bills.ListMine(c, '2', b)));
      expect(mine.map((p) => p.length)).toEqual([2, 1]);
      expect(
        mine
          .flat()
          .map((b) => b.billId)
          .sort(),
      ).toEqual([first, second, third].sort());
      expect(mine.flat().find((b) => b.billId === second)).toMatchObject({
        status: 'paid',
        paid: 12_000,
        remaining: 0,
      });

      const byStatus = async (status: string, who: Caller = people.billingA) =>
        (await walk((b) => evaluate(ledger, who, (c) => bills.ListForProvider(c, status, '2', b)))).flat();
      expect((await byStatus('issued')).map((b) => b.status)).toEqual(['issued', 'issued', 'issued']);
      expect((await byStatus('paid')).map((b) => b.billId)).toEqual([second]);
      expect(await byStatus('', people.adminA)).toHaveLength(4);
      expect(await byStatus('', people.billingB)).toEqual([]);

      const otherPatient = parse<{ items: BillView[] }>(
        await evaluate(ledger, people.patientA2, (c) => bills.ListMine(c, '', '')),
      );
      expect(otherPatient.items.map((b) => b.patientId)).toEqual([PATIENT_A2]);
      await expect(evaluate(ledger, people.billingA, (c) => bills.ListForProvider(c, 'open', '', ''))).rejects.toThrow(
        /^INVALID_ARGUMENT: status must be one of issued, paid or empty/,
      );
      await expect(evaluate(ledger, people.billingA, (c) => bills.ListForProvider(c, 'paid', '0', ''))).rejects.toThrow(
        /^INVALID_ARGUMENT: pageSize/,
      );
      const foreign = key('providerBill', HB, 'paid');
      await expect(
        evaluate(ledger, people.billingA, (c) => bills.ListForProvider(c, 'paid', '2', foreign)),
      ).rejects.toThrow(/^INVALID_ARGUMENT: the bookmark does not belong to this list/);
      await expect(evaluate(ledger, people.doctorA, (c) => bills.ListMine(c, '', ''))).rejects.toThrow(/^FORBIDDEN/);
    });

    it('lets the patient and the hospital’s billing and admin read the items in words, audited; no one else', async () => {
      const billId = await bill();
      const request = async (who: Caller) =>
        parse<{ ticketId: string; basis: string; custodian: string }>(
          (await submit(ledger, who, (c) => access.RequestRead(c, 'billItems', billId, 'insurance-claim'))).result,
        );
      for (const [who, basis] of [
        [people.patientA, 'patient'],
        [people.billingA, 'bill-party'],
        [people.adminA, 'member-admin'],
      ] as const) {
        const ticket = await request(who);
        expect(ticket).toMatchObject({ basis, custodian: HA });
        const value = await evaluate(ledger, who, (c) => access.ReadResource(c, 'billItems', billId, ticket.ticketId), {
          peerMspId: HA,
        });
        expect(parse<unknown>(value)).toEqual({ billId, items: items(), salt: aSalt });
      }
      for (const who of [people.doctorA, people.billingB, people.adminB, people.adjuster, people.patientA2]) {
        await expect(request(who)).rejects.toThrow(/^CONSENT_REQUIRED: no lawful basis to read the items of bill/);
      }
      const log = parse<{ items: { resource: string }[] }>(
        await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, '', '')),
      );
      expect(log.items.map((e) => e.resource)).toEqual(Array(3).fill(`billItems:${billId}`));
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
    });

    it("purges the items at the hospital on the patient's erasure; the public bill stays", async () => {
      const billId = await bill();
      const requested = await submit(ledger, people.patientA, (c) => erasure.Request(c));
      const { requestId } = parse<{ requestId: string }>(requested.result);
      const approved = await approveErasure(ledger, people.adminA, PATIENT_A, requestId);
      // The record's body and its binding, the bill's items, the demographics, and the markers
      // of the three first steps (pending.ts).
      expect(parse<{ approvals: { purgedKeys: number }[] }>(approved.result).approvals[0]?.purgedKeys).toBe(7);
      expect(ledger.collection(`_implicit_org_${HA}`).has(ITEMS_KEY(billId))).toBe(false);
      expect(ledger.privateDataHash(`_implicit_org_${HA}`, ITEMS_KEY(billId))).toBeUndefined();
      expect((await get(billId)).total).toBe(12_000);
      const ticket = await submit(ledger, people.billingA, (c) =>
        access.RequestRead(c, 'billItems', billId, 'treatment'),
      );
      const { ticketId } = parse<{ ticketId: string }>(ticket.result);
      await expect(
        evaluate(ledger, people.billingA, (c) => access.ReadResource(c, 'billItems', billId, ticketId)),
      ).rejects.toThrow(/^NOT_FOUND: billItems:.* is not held \(never stored, or erased\)/);
    });
  });

  describe('claims made from a bill', () => {
    let policyId: string;

    beforeEach(async () => {
      const terms = {
        plan: 'gold',
        coverage: { diagnosis: 100, note: 100 },
        copayPercent: 10,
        annualLimit: 100_000,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
      };
      const issued = await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, JSON.stringify(terms)));
      policyId = parse<{ policyId: string }>(issued.result).policyId;
    });

    const claimOf = (billId: string | undefined, lines: object[] = [], patientId = PATIENT_A) => ({
      policyId,
      patientId,
      serviceDate: '2026-01-15T08:00:00Z',
      billId,
      lines: lines.length
        ? lines
        : [{ recordId: record.recordId, contentHash: record.contentHash, category: 'diagnosis', amount: 10_000 }],
    });

    const claim = async (billId: string, who: Caller = people.billingA) =>
      parse<{ claimId: string; billId: string }>(
        (await submit(ledger, who, (c) => claims.Submit(c, JSON.stringify(claimOf(billId))))).result,
      );

    it('counts what insurers approved as covered once adjudicated; the patient pays the rest', async () => {
      const billId = await bill();
      const submitted = await claim(billId);
      expect(submitted.billId).toBe(billId);
      expect(await get(billId, people.patientA)).toMatchObject({ covered: 0, remaining: 12_000 });
      await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, submitted.claimId));
      // 10 000 × 100 % × 90 % = 9 000 approved
      expect(await get(billId, people.patientA)).toMatchObject({ covered: 9_000, paid: 0, remaining: 3_000 });
      await submit(ledger, people.adjuster, (c) => claims.RecordPayment(c, submitted.claimId, 'INS-PAY-1'));
      expect(await get(billId)).toMatchObject({ covered: 9_000, remaining: 3_000 });
      expect(await attempt(ledger, people.billingA, (c) => bills.RecordPayment(c, billId, '3001', 'PAY-1'))).toEqual({
        error: expect.stringMatching(/the payment exceeds the 3000 cents that remain/),
        changes: [],
      });
      await expect(submit(ledger, people.billingA, (c) => bills.Settle(c, billId))).rejects.toThrow(
        /^CONFLICT: 3000 cents of bill .* remain/,
      );
      await pay(billId, '3000', 'PAY-1');
      expect(await get(billId)).toMatchObject({ status: 'paid', covered: 9_000, paid: 3_000, remaining: 0 });
    });

    it('settles a bill the insurer covers whole, and leaves rejected claims out of what is covered', async () => {
      await submit(ledger, people.adjuster, (c) =>
        policies.Update(
          c,
          policyId,
          JSON.stringify({
            plan: 'platinum',
            coverage: { diagnosis: 100 },
            copayPercent: 0,
            annualLimit: 100_000,
            validFrom: '2026-01-01T00:00:00Z',
            validUntil: '2027-01-01T00:00:00Z',
          }),
        ),
      );
      const single = { items: [items()[0]] };
      const billId = await bill(single);
      const rejected = await claim(billId);
      await submit(ledger, people.adjuster, (c) => policies.End(c, policyId));
      await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, rejected.claimId));
      expect(await get(billId)).toMatchObject({ covered: 0, remaining: 10_000 });
      const reissued = await submit(ledger, people.adjuster, (c) =>
        policies.Issue(
          c,
          PATIENT_A,
          JSON.stringify({
            plan: 'platinum',
            coverage: { diagnosis: 100 },
            copayPercent: 0,
            annualLimit: 100_000,
            validFrom: '2026-01-01T00:00:00Z',
            validUntil: '2027-01-01T00:00:00Z',
          }),
        ),
      );
      policyId = parse<{ policyId: string }>(reissued.result).policyId;
      const approved = await claim(billId);
      await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, approved.claimId));
      expect(await get(billId)).toMatchObject({ covered: 10_000, remaining: 0, status: 'issued' });
      const settled = await submit(ledger, people.billingA, (c) => bills.Settle(c, billId));
      expect(parse<BillView>(settled.result)).toMatchObject({ status: 'paid', covered: 10_000, remaining: 0 });
      expect(ledger.state.has(key('providerBill', HA, 'paid', billId))).toBe(true);
      await expect(submit(ledger, people.billingA, (c) => bills.Settle(c, billId))).rejects.toThrow(
        /^CONFLICT: bill .* is paid/,
      );
    });

    it('refuses a claim that does not match its bill, changing nothing', async () => {
      const billId = await bill();
      const other = await createRecord(ledger, people.doctorA);
      const line = (overrides: object) => ({
        recordId: record.recordId,
        contentHash: record.contentHash,
        category: 'diagnosis',
        amount: 10_000,
        ...overrides,
      });
      const cases: [Caller, object, RegExp][] = [
        [people.billingB, claimOf(billId), /^FORBIDDEN: bill .* was issued by HospitalAMSP/],
        [people.billingA, claimOf(billId, [], PATIENT_A2), /^INVALID_ARGUMENT: bill .* is for another patient/],
        [people.billingA, claimOf(billId, [line({ amount: 10_001 })]), /claims more than, or other than, bill/],
        [people.billingA, claimOf(billId, [line({ category: 'imaging' })]), /claims more than, or other than, bill/],
        [
          people.billingA,
          claimOf(billId, [line({ recordId: other.recordId, contentHash: other.contentHash })]),
          /^INVALID_ARGUMENT: record .* is on no line of bill/,
        ],
        [people.billingA, claimOf('BILL-none'), /^NOT_FOUND: bill BILL-none does not exist/],
        [people.billingA, claimOf('not an id!'), /^INVALID_ARGUMENT: billId must be/],
      ];
      for (const [who, body, error] of cases) {
        expect(await attempt(ledger, who, (c) => claims.Submit(c, JSON.stringify(body)))).toEqual({
          error: expect.stringMatching(error),
          changes: [],
        });
      }
      // A lower amount than billed is a fair claim; so is a claim with no bill at all.
      const partial = await submit(ledger, people.billingA, (c) =>
        claims.Submit(c, JSON.stringify(claimOf(billId, [line({ amount: 4_000 })]))),
      );
      expect(parse<{ billId: string }>(partial.result).billId).toBe(billId);
      const unbilled = await submit(ledger, people.billingA, (c) =>
        claims.Submit(
          c,
          JSON.stringify(claimOf(undefined, [line({ recordId: other.recordId, contentHash: other.contentHash })])),
        ),
      );
      expect(parse<Record<string, unknown>>(unbilled.result)).not.toHaveProperty('billId');
    });

    it('lets the patient file a claim from their bill with the hospital as provider', async () => {
      const billId = await bill();
      const filed = await submit(ledger, people.patientA, (c) =>
        claims.Submit(c, JSON.stringify({ ...claimOf(billId), provider: HA })),
      );
      const { claimId } = parse<{ claimId: string }>(filed.result);
      await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId));
      expect(await get(billId, people.patientA)).toMatchObject({ covered: 9_000, remaining: 3_000 });
      await expect(
        submit(ledger, people.patientA, (c) => claims.Submit(c, JSON.stringify({ ...claimOf(billId), provider: HB }))),
      ).rejects.toThrow(/^FORBIDDEN: bill .* was issued by HospitalAMSP/);
    });
  });
});
