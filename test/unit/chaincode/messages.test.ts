/**
 * Secure messages are kept off the ledger by the patient's home hospital's gateway; the ledger
 * only judges who may open them and records each opening as an access event (kind `messages`)
 * in the patient's "who looked at my data".
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  approveErasure,
  consortiumLedger,
  contracts,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  Ledger,
  parse,
  PATIENT_A,
  people,
  registerPatient,
  submit,
} from './fixture';

const { access, appointments, directory, erasure } = contracts;

interface Ticket {
  ticketId: string;
  kind: string;
  resourceId: string;
  basis: string;
  flagged: boolean;
  custodian: string;
}

/** A doctor of hospital A with no care relationship to anyone. */
const otherDoctorA: Caller = {
  mspId: HA,
  cn: 'doctor2',
  attrs: { 'ehr.role': 'doctor', 'ehr.practitionerId': 'DOC-HA-0002' },
};

describe('access to secure messages', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
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

  const request = async (who: Caller, purpose = 'treatment') =>
    parse<Ticket>((await submit(ledger, who, (c) => access.RequestRead(c, 'messages', PATIENT_A, purpose))).result);

  const confirm = async (who: Caller, ticket: Ticket, peerMspId = HA) =>
    parse<Record<string, unknown>>(
      await evaluate(ledger, who, (c) => access.ReadResource(c, 'messages', PATIENT_A, ticket.ticketId), {
        peerMspId,
      }),
    );

  const patientLog = async () =>
    parse<{ items: { resource: string; basis: string; purpose: string; reader: { role: string } }[] }>(
      await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, '', '')),
    ).items;

  it("lets a doctor of the home hospital on the patient's care team open them, audited, and not once the care ends", async () => {
    await expect(request(people.doctorA)).rejects.toThrow(/^CONSENT_REQUIRED: no lawful basis to read the messages/);
    await submit(ledger, people.adminA, (c) => directory.AssignCare(c, 'DOC-HA-0001', PATIENT_A));
    const ticket = await request(people.doctorA);
    expect(ticket).toMatchObject({
      kind: 'messages',
      resourceId: PATIENT_A,
      basis: 'care',
      flagged: false,
      custodian: HA,
    });
    // Nothing private is read from the ledger: the ticket and the basis are checked, the gateway serves them.
    expect(await confirm(people.doctorA, ticket)).toEqual({
      resource: `messages:${PATIENT_A}`,
      heldBy: HA,
      offLedger: true,
    });
    expect(await patientLog()).toEqual([
      expect.objectContaining({
        resource: `messages:${PATIENT_A}`,
        basis: 'care',
        reader: expect.objectContaining({ role: 'doctor' }),
      }),
    ]);
    await submit(ledger, people.adminA, (c) => directory.UnassignCare(c, 'DOC-HA-0001', PATIENT_A));
    await expect(request(people.doctorA)).rejects.toThrow(/^CONSENT_REQUIRED/);
    // The ticket taken while the care held is refused too: the basis is judged again at each use.
    await expect(confirm(people.doctorA, ticket)).rejects.toThrow(/^CONSENT_REQUIRED/);
  });

  it("lets the home hospital's admin open them for a stated purpose, which the patient's log shows", async () => {
    const ticket = await request(people.adminA, 'second-opinion');
    expect(ticket).toMatchObject({ basis: 'member-admin', custodian: HA });
    expect(await patientLog()).toEqual([
      expect.objectContaining({
        basis: 'member-admin',
        purpose: 'second-opinion',
        reader: expect.objectContaining({ role: 'admin' }),
      }),
    ]);
  });

  it('refuses staff of other members, even with care there, and staff of the home hospital who do not treat', async () => {
    const slot = '2026-02-01T10:00:00Z';
    await submit(ledger, people.patientA, (c) => appointments.Request(c, HB, 'DOC-HB-0001', slot));
    await expect(request(people.doctorB)).rejects.toThrow(/^FORBIDDEN: .* kept by their home hospital HospitalAMSP/);
    await expect(request(people.adminB)).rejects.toThrow(/^FORBIDDEN/);
    await expect(request(otherDoctorA)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await expect(request(people.billingA)).rejects.toThrow(
      /^FORBIDDEN: a billing does not take part in secure messages/,
    );
    await expect(request(people.patientA2)).rejects.toThrow(/^FORBIDDEN: a patient reads only their own messages/);
    expect(await patientLog()).toEqual([]);
  });

  it('answers PURGED once the patient is erased', async () => {
    const requested = parse<{ requestId: string }>(
      (await submit(ledger, people.patientA, (c) => erasure.Request(c))).result,
    );
    await approveErasure(ledger, people.adminA, PATIENT_A, requested.requestId);
    await expect(request(people.adminA)).rejects.toThrow(/^PURGED/);
  });
});
