/**
 * Appointment lists (the patient's, a doctor's day, a member's schedule) and feedback (a
 * practitioner's ratings and their summary), a page at a time.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  consortiumLedger,
  evaluate,
  HA,
  HB,
  itemsOf,
  Ledger,
  PATIENT_A,
  people,
  PHI_MARKER,
  registerPatient,
  salted,
  submit,
  walk,
  contracts,
} from './fixture';

const { appointments, directory } = contracts;

const doctorA2: Caller = {
  mspId: HA,
  cn: 'doctor2',
  attrs: { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HA-0002' },
};

interface Appointment {
  appointmentId: string;
  patientId: string;
  practitioner: { mspId: string; practitionerId: string };
  slot: string;
  status: string;
}

describe('appointment lists and feedback', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    await registerPatient(ledger, 'PAT-HA-0002');
    for (const [admin, practitionerId] of [
      [people.adminA, 'DOC-HA-0001'],
      [people.adminA, 'DOC-HA-0002'],
      [people.adminB, 'DOC-HB-0001'],
    ] as const) {
      await submit(ledger, admin, (c) =>
        directory.RegisterPractitioner(c, JSON.stringify({ practitionerId, role: 'doctor', licenceNo: 'L-1' })),
      );
    }
  });

  /** Books a slot; answers the appointment id. */
  async function book(slot: string, practitionerId = 'DOC-HA-0001', patient = people.patientA): Promise<string> {
    const mspId = practitionerId.startsWith('DOC-HB') ? HB : HA;
    const { result } = await submit(ledger, patient, (c) => appointments.Request(c, mspId, practitionerId, slot));
    return (JSON.parse(result) as Appointment).appointmentId;
  }

  const day =
    (who: Caller, date: string, status = '') =>
    (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => appointments.ListForPractitioner(c, date, status, pageSize, bookmark));
  const member =
    (who: Caller, date: string, status = '') =>
    (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => appointments.ListForMember(c, date, status, pageSize, bookmark));
  const slots = async (list: (pageSize: string, bookmark: string) => Promise<string>, pageSize = '100') =>
    (await walk<Appointment>(list, pageSize)).items.map((a) => a.slot.slice(5, 16));

  describe("a doctor's appointments", () => {
    beforeEach(async () => {
      for (const slot of ['2026-01-20T14:00:00Z', '2026-01-20T09:00:00Z', '2026-01-21T10:00:00Z']) await book(slot);
      await book('2026-01-20T11:30:00Z', 'DOC-HA-0001', people.patientA2);
      await book('2026-01-20T10:00:00Z', 'DOC-HA-0002');
      await book('2026-01-20T08:00:00Z', 'DOC-HB-0001');
    });

    it('lists a day in slot order, every appointment once across pages', async () => {
      const { items, pageSizes } = await walk<Appointment>(day(people.doctorA, '2026-01-20'));
      expect(pageSizes).toEqual([2, 1]);
      expect(items.map((a) => a.slot.slice(5, 16))).toEqual(['01-20T09:00', '01-20T11:30', '01-20T14:00']);
      expect(await slots(day(people.doctorA, ''), '1')).toEqual([
        '01-20T09:00',
        '01-20T11:30',
        '01-20T14:00',
        '01-21T10:00',
      ]);
      expect(await slots(day(doctorA2, ''))).toEqual(['01-20T10:00']);
      expect(await slots(day(people.doctorA, '2026-01-22'))).toEqual([]);
    });

    it('filters by status, and a status change moves an appointment between the filtered lists', async () => {
      const [nine, half] = itemsOf<Appointment>(await day(people.doctorA, '2026-01-20')('2', '')) as [
        Appointment,
        Appointment,
      ];
      expect(await slots(day(people.doctorA, '', 'requested'), '1')).toHaveLength(4);
      await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, half.appointmentId));
      await submit(ledger, people.patientA, (c) => appointments.Cancel(c, nine.appointmentId));
      expect(await slots(day(people.doctorA, '2026-01-20', 'confirmed'))).toEqual(['01-20T11:30']);
      expect(await slots(day(people.doctorA, '2026-01-20', 'cancelled'))).toEqual(['01-20T09:00']);
      expect(await slots(day(people.doctorA, '', 'requested'), '1')).toEqual(['01-20T14:00', '01-21T10:00']);
      await submit(ledger, people.doctorA, (c) => appointments.Complete(c, half.appointmentId));
      expect(await slots(day(people.doctorA, '', 'confirmed'))).toEqual([]);
      expect(await slots(day(people.doctorA, '', 'completed'))).toEqual(['01-20T11:30']);
    });

    it('refuses other roles, a malformed day and an unknown status', async () => {
      await expect(day(people.adminA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
      await expect(day(people.patientA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
      for (const bad of ['2026-02-30', '20-01-2026', '2026-01-20T00:00:00Z']) {
        await expect(day(people.doctorA, bad)('', '')).rejects.toThrow(/^INVALID_ARGUMENT: day must be/);
      }
      await expect(day(people.doctorA, '', 'booked')('', '')).rejects.toThrow(/^INVALID_ARGUMENT: status must be/);
    });

    it("lists the member's schedule to its admins, every practitioner's, by day and slot", async () => {
      const { items, pageSizes } = await walk<Appointment>(member(people.adminA, '2026-01-20'));
      expect(pageSizes).toEqual([2, 2]);
      expect(items.map((a) => [a.slot.slice(11, 16), a.practitioner.practitionerId])).toEqual([
        ['09:00', 'DOC-HA-0001'],
        ['10:00', 'DOC-HA-0002'],
        ['11:30', 'DOC-HA-0001'],
        ['14:00', 'DOC-HA-0001'],
      ]);
      expect(await slots(member(people.adminA, ''), '3')).toHaveLength(5);
      expect(await slots(member(people.adminB, ''))).toEqual(['01-20T08:00']);
      const [first] = items as [Appointment];
      await submit(ledger, people.adminA, (c) => appointments.Confirm(c, first.appointmentId));
      expect(await slots(member(people.adminA, '', 'confirmed'))).toEqual(['01-20T09:00']);
      await expect(member(people.doctorA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
    });

    it("lists each patient's own appointments only", async () => {
      const mine = await walk<Appointment>((pageSize, bookmark) =>
        evaluate(ledger, people.patientA, (c) => appointments.ListMine(c, pageSize, bookmark)),
      );
      expect(mine.pageSizes).toEqual([2, 2, 1]);
      expect(new Set(mine.items.map((a) => a.appointmentId)).size).toBe(5);
      expect(new Set(mine.items.map((a) => a.patientId))).toEqual(new Set([PATIENT_A]));
      const theirs = itemsOf<Appointment>(
        await evaluate(ledger, people.patientA2, (c) => appointments.ListMine(c, '', '')),
      );
      expect(theirs.map((a) => a.slot.slice(5, 16))).toEqual(['01-20T11:30']);
      await expect(evaluate(ledger, people.doctorA, (c) => appointments.ListMine(c, '', ''))).rejects.toThrow(
        /^FORBIDDEN/,
      );
    });
  });

  describe('feedback', () => {
    /** A completed appointment rated by its patient, a minute after the previous one. */
    async function rated(practitionerId: string, rating: string, patient = people.patientA): Promise<string> {
      ledger.advance(60_000);
      const appointmentId = await book(new Date(ledger.now + 86_400_000).toISOString(), practitionerId, patient);
      const doctor = practitionerId === 'DOC-HA-0002' ? doctorA2 : people.doctorA;
      await submit(ledger, doctor, (c) => appointments.Confirm(c, appointmentId));
      await submit(ledger, doctor, (c) => appointments.Complete(c, appointmentId));
      await submit(ledger, patient, (c) => appointments.GiveFeedback(c, appointmentId, rating));
      return appointmentId;
    }

    const feedback = (who: Caller, practitionerId: string) => (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => appointments.ListFeedback(c, practitionerId, pageSize, bookmark));
    const summary = async (who: Caller, practitionerId: string) =>
      JSON.parse(await evaluate(ledger, who, (c) => appointments.FeedbackSummary(c, practitionerId))) as unknown;

    it('lists a practitioner’s ratings oldest first, without comments, and sums them up', async () => {
      const first = await rated('DOC-HA-0001', '5');
      await submit(ledger, people.patientA, (c) => appointments.StoreFeedbackComment(c, first), {
        transient: salted({ comment: `rude receptionist ${PHI_MARKER}` }),
      });
      const second = await rated('DOC-HA-0001', '4', people.patientA2);
      const third = await rated('DOC-HA-0001', '4');
      await rated('DOC-HA-0002', '2');
      const listed = await walk<{ appointmentId: string; rating: number; givenAt: string }>(
        feedback(people.adminA, 'DOC-HA-0001'),
      );
      expect(listed.pageSizes).toEqual([2, 1]);
      expect(listed.items.map((f) => [f.appointmentId, f.rating])).toEqual([
        [first, 5],
        [second, 4],
        [third, 4],
      ]);
      expect(listed.items[0]).toEqual({ appointmentId: first, rating: 5, givenAt: '2026-01-15T09:01:00.000Z' });
      expect(JSON.stringify(listed.items)).not.toContain(PHI_MARKER);
      expect((await walk(feedback(people.doctorA, 'DOC-HA-0001'), '10')).items).toEqual(listed.items);
      expect(await summary(people.adminA, 'DOC-HA-0001')).toEqual({
        mspId: HA,
        practitionerId: 'DOC-HA-0001',
        count: 3,
        average: 4.33,
        ratings: { '1': 0, '2': 0, '3': 0, '4': 2, '5': 1 },
      });
      expect(await summary(doctorA2, 'DOC-HA-0002')).toMatchObject({ count: 1, average: 2 });
      expect(await summary(people.adminB, 'DOC-HB-0001')).toEqual({
        mspId: HB,
        practitionerId: 'DOC-HB-0001',
        count: 0,
        average: null,
        ratings: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
      });
    });

    it('shows feedback to the practitioner and their member’s admins only', async () => {
      await rated('DOC-HA-0001', '3');
      await expect(feedback(people.doctorA, 'DOC-HA-0002')('', '')).rejects.toThrow(/^FORBIDDEN/);
      await expect(summary(doctorA2, 'DOC-HA-0001')).rejects.toThrow(/^FORBIDDEN/);
      await expect(feedback(people.patientA, 'DOC-HA-0001')('', '')).rejects.toThrow(/^FORBIDDEN/);
      // Another member's admin asks about a practitioner their member does not have.
      await expect(feedback(people.adminB, 'DOC-HA-0001')('', '')).rejects.toThrow(
        /^NOT_FOUND: practitioner DOC-HA-0001 is not registered at HospitalBMSP/,
      );
      await expect(summary(people.adminB, 'DOC-HA-0001')).rejects.toThrow(/^NOT_FOUND/);
    });

    it('counts concurrent ratings of one practitioner once each: the later conflicts and is retried', async () => {
      const mine = await book('2026-02-01T10:00:00Z');
      const other = await book('2026-02-01T11:00:00Z', 'DOC-HA-0001', people.patientA2);
      for (const appointmentId of [mine, other]) {
        await submit(ledger, people.doctorA, (c) => appointments.Confirm(c, appointmentId));
        await submit(ledger, people.doctorA, (c) => appointments.Complete(c, appointmentId));
      }
      const one = await ledger.endorse(people.patientA, (c) => appointments.GiveFeedback(c, mine, '5'));
      const two = await ledger.endorse(people.patientA2, (c) => appointments.GiveFeedback(c, other, '1'));
      ledger.commit(one);
      expect(() => ledger.commit(two)).toThrow('(MVCC_READ_CONFLICT)');
      await submit(ledger, people.patientA2, (c) => appointments.GiveFeedback(c, other, '1'));
      expect(await summary(people.adminA, 'DOC-HA-0001')).toMatchObject({
        count: 2,
        average: 3,
        ratings: { '1': 1, '5': 1 },
      });
    });
  });
});
