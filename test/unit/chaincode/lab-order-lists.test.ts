/**
 * Lab order lists: a lab's work queue by status, a doctor's open orders and a patient's orders,
 * each a page at a time, with the queue entries moved by every status change.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  consortiumLedger,
  evaluate,
  HA,
  itemsOf,
  key,
  LAB,
  LAB2,
  Ledger,
  PATIENT_A,
  people,
  printableKeys,
  registerPatient,
  salted,
  submit,
  walk,
  contracts,
} from './fixture';

const { labOrders } = contracts;

const PATIENT_B = 'PAT-HB-0001';
const doctorA2: Caller = {
  mspId: HA,
  cn: 'doctor2',
  attrs: { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HA-0002' },
};
/** A labtech of a second lab. */
const labtech2: Caller = {
  mspId: LAB2,
  cn: 'labtech9',
  attrs: { 'ehr.role': 'labtech', 'ehr.practitionerId': 'LAB-L2-9' },
};
const adminLab2: Caller = { mspId: LAB2, cn: 'admin', attrs: { 'ehr.role': 'admin' } };

interface Order {
  orderId: string;
  patientId: string;
  status: string;
  createdAt: string;
  lab: string;
}

describe('lab order lists', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger({ [LAB2]: 'lab' });
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_B, people.adminB);
  });

  /** Orders a test (both steps), a minute after the previous order. */
  async function order(doctor = people.doctorA, patientId = PATIENT_A, lab = LAB): Promise<string> {
    ledger.advance(60_000);
    const stored = await submit(ledger, doctor, (c) => labOrders.StoreDetails(c, patientId, lab), {
      transient: salted({ details: JSON.stringify({ tests: [{ code: 'CBC', name: 'full blood count' }] }) }),
      endorsingOrganizations: [...new Set([doctor.mspId, lab])],
    });
    const { orderId, detailsHash } = JSON.parse(stored.result) as { orderId: string; detailsHash: string };
    await submit(ledger, doctor, (c) => labOrders.Create(c, orderId, patientId, lab, 'routine', detailsHash));
    return orderId;
  }

  async function complete(orderId: string): Promise<void> {
    await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
    await startAndPublish(orderId);
  }

  async function startAndPublish(orderId: string): Promise<void> {
    await submit(ledger, people.labtech, (c) => labOrders.Start(c, orderId));
    const stored = await submit(ledger, people.labtech, (c) => labOrders.StoreResultBody(c, orderId), {
      transient: salted({ body: JSON.stringify({ diagnosis: 'Hb 13.5 g/dL' }) }),
    });
    const { recordId, contentHash } = JSON.parse(stored.result) as { recordId: string; contentHash: string };
    await submit(ledger, people.labtech, (c) => labOrders.PublishResult(c, orderId, recordId, contentHash));
  }

  const queue = (who: Caller, status: string) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, who, (c) => labOrders.ListForLab(c, status, pageSize, bookmark));
  const queued = async (who: Caller, status: string) =>
    (await walk<Order>(queue(who, status), '100')).items.map((o) => o.orderId);
  const open = (who: Caller) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, who, (c) => labOrders.ListMyOpen(c, pageSize, bookmark));

  describe("a lab's work queue", () => {
    it('lists the lab’s orders by status, oldest first within each, every order once across pages', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await order());
      const [first, second, third, fourth, fifth] = ids as [string, string, string, string, string];
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, fourth));
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, second));
      await submit(ledger, people.labtech, (c) => labOrders.Reject(c, third, 'no sample'));
      const all = await walk<Order>(queue(people.labtech, ''));
      expect(all.pageSizes).toEqual([2, 2, 1]);
      // Statuses in key order (accepted, ordered, rejected), each oldest first.
      expect(all.items.map((o) => [o.status, o.orderId])).toEqual([
        ['accepted', second],
        ['accepted', fourth],
        ['ordered', first],
        ['ordered', fifth],
        ['rejected', third],
      ]);
      expect(await queued(people.labtech, 'ordered')).toEqual([first, fifth]);
      expect(await queued(people.labtech, 'accepted')).toEqual([second, fourth]);
      expect(await queued(people.labtech, 'in-progress')).toEqual([]);
      expect(await queued(people.adminLab, 'ordered')).toEqual([first, fifth]);
    });

    it('shows each lab its own orders only, and refuses doctors and unknown statuses', async () => {
      const atLab = await order();
      const atLab2 = await order(people.doctorB, PATIENT_B, LAB2);
      expect(await queued(people.labtech, '')).toEqual([atLab]);
      expect(await queued(labtech2, '')).toEqual([atLab2]);
      expect(await queued(adminLab2, 'ordered')).toEqual([atLab2]);
      await expect(submit(ledger, labtech2, (c) => labOrders.Accept(c, atLab))).rejects.toThrow(
        /^FORBIDDEN: lab order .* is for LabMSP/,
      );
      expect(await queued(people.adminA, '')).toEqual([]);
      await expect(queue(people.doctorA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
      await expect(queue(people.labtech, 'done')('', '')).rejects.toThrow(
        /^INVALID_ARGUMENT: status must be '' or one of/,
      );
    });

    it('moves an order between queues with every status change, its entry endorsed like the order', async () => {
      const orderId = await order();
      const entries = () => printableKeys(ledger, 'labQueue').filter((k) => k.endsWith(orderId));
      const steps: [string, string[]][] = [];
      const record = async (status: string) =>
        steps.push([status, (await queued(people.labtech, status)).concat(entries())]);
      await record('ordered');
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, orderId));
      expect(await queued(people.labtech, 'ordered')).toEqual([]);
      await record('accepted');
      await startAndPublish(orderId);
      expect(await queued(people.labtech, 'accepted')).toEqual([]);
      expect(await queued(people.labtech, 'in-progress')).toEqual([]);
      await record('completed');
      const [{ createdAt }] = itemsOf<Order>(await queue(people.labtech, 'completed')('', '')) as [Order];
      expect(steps).toEqual([
        ['ordered', [orderId, `labQueue/${LAB}/ordered/${createdAt}/${orderId}`]],
        ['accepted', [orderId, `labQueue/${LAB}/accepted/${createdAt}/${orderId}`]],
        ['completed', [orderId, `labQueue/${LAB}/completed/${createdAt}/${orderId}`]],
      ]);
      expect(ledger.keyPolicy(key('labQueue', LAB, 'completed', createdAt, orderId))).toEqual([HA, LAB]);
    });
  });

  describe("a doctor's open orders", () => {
    it('lists the doctor’s own orders not completed or rejected, oldest first, a page at a time', async () => {
      const [rejected, completed, accepted, ordered] = [await order(), await order(), await order(), await order()];
      const others = [await order(doctorA2), await order(people.doctorB, PATIENT_B, LAB2)];
      expect((await walk<Order>(open(people.doctorA), '1')).items.map((o) => o.orderId)).toEqual([
        rejected,
        completed,
        accepted,
        ordered,
      ]);
      await submit(ledger, people.labtech, (c) => labOrders.Reject(c, rejected, 'no sample'));
      await complete(completed);
      await submit(ledger, people.labtech, (c) => labOrders.Accept(c, accepted));
      const mine = await walk<Order>(open(people.doctorA), '1');
      expect(mine.items.map((o) => [o.orderId, o.status])).toEqual([
        [accepted, 'accepted'],
        [ordered, 'ordered'],
      ]);
      expect(mine.pageSizes).toEqual([1, 1]);
      expect((await walk<Order>(open(doctorA2))).items.map((o) => o.orderId)).toEqual([others[0]]);
      expect(printableKeys(ledger, 'openLabOrder').filter((k) => k.includes('DOC-HA-0001/'))).toHaveLength(2);
      await expect(open(people.labtech)('', '')).rejects.toThrow(/^FORBIDDEN/);
    });
  });

  describe("a patient's orders", () => {
    it('lists all of them to the patient, to staff those of their member, every one once', async () => {
      const mine = [await order(), await order(), await order()];
      const atLab2 = await order(people.doctorA, PATIENT_A, LAB2);
      await order(people.doctorB, PATIENT_B, LAB2);
      const list =
        (who: Caller, patientId = PATIENT_A) =>
        (pageSize: string, bookmark: string) =>
          evaluate(ledger, who, (c) => labOrders.ListForPatient(c, patientId, pageSize, bookmark));
      const ids = async (who: Caller, pageSize = '2') =>
        (await walk<Order>(list(who), pageSize)).items.map((o) => o.orderId);
      const everything = [...mine, atLab2].sort();
      expect(await ids(people.patientA)).toEqual(everything);
      expect(await ids(people.doctorA, '1')).toEqual(everything);
      expect(await ids(people.labtech)).toEqual([...mine].sort());
      // The second lab sees the one order placed with it, even on pages the others leave empty.
      expect(await ids(labtech2, '1')).toEqual([atLab2]);
      expect(await ids(adminLab2)).toEqual([atLab2]);
      await expect(list(people.adjuster)('', '')).rejects.toThrow(/^FORBIDDEN/);
      await expect(list(people.patientA2)('', '')).rejects.toThrow(/^FORBIDDEN/);
      await expect(list(people.patientA, 'no such/id')('', '')).rejects.toThrow(/^INVALID_ARGUMENT/);
      await expect(list(people.doctorA, 'constructor')('', '')).rejects.toThrow(/^NOT_FOUND: patient constructor/);
    });
  });
});
