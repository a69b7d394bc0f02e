/**
 * Audited reads of private data other than record bodies (RequestRead / ReadResource): each kind
 * needs its reader's lawful basis, is read on a peer of a member that holds it, and leaves an
 * access event in the patient's log. And the paginated access logs.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  aSalt,
  attempt,
  consortiumLedger,
  createRecord,
  demographics,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  INS,
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

const { access, appointments, breakGlass, claims, consent, directory, labOrders, policies } = contracts;

interface Ticket {
  ticketId: string;
  kind: string;
  resourceId: string;
  basis: string;
  flagged: boolean;
  custodian: string;
  expiresAt: string;
}

describe('audited reads of private data', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
    for (const [admin, practitionerId] of [
      [people.adminA, 'DOC-HA-0001'],
      [people.adminB, 'DOC-HB-0001'],
    ] as const) {
      await submit(ledger, admin, (c) =>
        directory.RegisterPractitioner(c, JSON.stringify({ practitionerId, role: 'doctor', licenceNo: 'L-1' })),
      );
    }
  });

  const request = async (who: Caller, kind: string, id: string, purpose = 'treatment') =>
    parse<Ticket>((await submit(ledger, who, (c) => access.RequestRead(c, kind, id, purpose))).result);

  const read = async (who: Caller, ticket: Ticket, peerMspId = ticket.custodian) =>
    parse<Record<string, unknown>>(
      await evaluate(ledger, who, (c) => access.ReadResource(c, ticket.kind, ticket.resourceId, ticket.ticketId), {
        peerMspId,
      }),
    );

  /** Request and read in one go, on the member the ticket names. */
  const requestAndRead = async (who: Caller, kind: string, id: string) => {
    const ticket = await request(who, kind, id);
    return { ticket, value: await read(who, ticket) };
  };

  async function patientLog(): Promise<{ resource: string; basis: string; reader: { mspId: string } }[]> {
    const page = parse<{ items: { resource: string; basis: string; reader: { mspId: string } }[] }>(
      await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, '', '')),
    );
    return page.items;
  }

  describe('demographics', () => {
    it('are read by the patient, a doctor of the home member and its admin, on the home member’s peer', async () => {
      for (const [who, basis] of [
        [people.patientA, 'patient'],
        [people.doctorA, 'treating-staff'],
        [people.adminA, 'member-admin'],
      ] as const) {
        const { ticket, value } = await requestAndRead(who, 'demographics', PATIENT_A);
        expect({ basis: ticket.basis, custodian: ticket.custodian }).toEqual({ basis, custodian: HA });
        expect(value).toMatchObject({ patientId: PATIENT_A, name: demographics.name });
      }
      expect((await patientLog()).map((e) => e.resource)).toEqual(Array(3).fill(`demographics:${PATIENT_A}`));
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
    });

    it('are refused to another hospital’s doctor without a basis, and read once the patient books them', async () => {
      await expect(request(people.doctorB, 'demographics', PATIENT_A)).rejects.toThrow(/^CONSENT_REQUIRED/);
      const slot = '2026-02-01T10:00:00Z';
      const booked = await submit(ledger, people.patientA, (c) => appointments.Request(c, HB, 'DOC-HB-0001', slot));
      const { appointmentId } = parse<{ appointmentId: string }>(booked.result);
      const ticket = await request(people.doctorB, 'demographics', PATIENT_A);
      expect(ticket).toMatchObject({ basis: 'care', custodian: HA, flagged: false });
      expect(await read(people.doctorB, ticket)).toMatchObject({ name: demographics.name });
      // The read is served by the home member's peer only.
      await expect(read(people.doctorB, ticket, HB)).rejects.toThrow(/^WRONG_PEER/);
      // A cancelled appointment is no care relationship: the next read is refused, the old ticket too.
      await submit(ledger, people.patientA, (c) => appointments.Cancel(c, appointmentId));
      await expect(request(people.doctorB, 'demographics', PATIENT_A)).rejects.toThrow(/^CONSENT_REQUIRED/);
      await expect(read(people.doctorB, ticket)).rejects.toThrow(/^CONSENT_REQUIRED/);
    });

    it('are read under a consent to the doctor’s member for the purpose, whatever its categories', async () => {
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
      expect((await request(people.doctorB, 'demographics', PATIENT_A)).basis).toBe('consent');
      await expect(request(people.doctorB, 'demographics', PATIENT_A, 'research')).rejects.toThrow(/^CONSENT_REQUIRED/);
    });

    it('are flagged under break-glass, and refused to staff who never treat patients', async () => {
      await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'));
      expect(await request(people.doctorB, 'demographics', PATIENT_A)).toMatchObject({
        basis: 'break-glass',
        flagged: true,
      });
      for (const who of [people.billingA, people.labtech, people.adjuster, people.adminB]) {
        await expect(request(who, 'demographics', PATIENT_A)).rejects.toThrow(/^CONSENT_REQUIRED/);
      }
    });
  });

  it('lets the lab read the tests of its orders on its own peer, the ordering side on theirs, and no one else', async () => {
    const details = { tests: [{ code: 'CBC', name: `full blood count ${PHI_MARKER}` }] };
    const stored = await submit(ledger, people.doctorA, (c) => labOrders.StoreDetails(c, PATIENT_A, LAB), {
      transient: salted({ details: JSON.stringify(details) }),
      endorsingOrganizations: [HA, LAB],
    });
    const { orderId, detailsHash } = parse<{ orderId: string; detailsHash: string }>(stored.result);
    await submit(ledger, people.doctorA, (c) => labOrders.Create(c, orderId, PATIENT_A, LAB, 'routine', detailsHash));
    const lab = await requestAndRead(people.labtech, 'labOrderDetails', orderId);
    expect(lab.ticket).toMatchObject({ basis: 'lab-order', custodian: LAB });
    expect(lab.value).toEqual({ orderId, ...details, salt: aSalt });
    const doctor = await requestAndRead(people.doctorA, 'labOrderDetails', orderId);
    expect(doctor.ticket).toMatchObject({ basis: 'ordering-doctor', custodian: HA });
    await expect(request(people.doctorB, 'labOrderDetails', orderId)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await expect(request(people.adjuster, 'labOrderDetails', orderId)).rejects.toThrow(/^CONSENT_REQUIRED/);
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });

  describe('appointments', () => {
    const slot = '2026-02-01T10:00:00Z';
    let appointmentId: string;

    beforeEach(async () => {
      const booked = await submit(ledger, people.patientA, (c) => appointments.Request(c, HB, 'DOC-HB-0001', slot));
      appointmentId = parse<{ appointmentId: string }>(booked.result).appointmentId;
      await submit(ledger, people.patientA, (c) => appointments.StoreReason(c, appointmentId), {
        transient: salted({ reason: `chest pain ${PHI_MARKER}` }),
        endorsingOrganizations: [HB],
      });
    });

    it('lets the practitioner and their member’s admin read the reason the patient gave, no one else', async () => {
      const doctor = await requestAndRead(people.doctorB, 'appointmentReason', appointmentId);
      expect(doctor.ticket).toMatchObject({ basis: 'care', custodian: HB });
      expect(doctor.value).toEqual({ appointmentId, reason: `chest pain ${PHI_MARKER}`, salt: aSalt });
      expect((await request(people.adminB, 'appointmentReason', appointmentId)).basis).toBe('member-admin');
      for (const who of [people.doctorB2, people.doctorA, people.adminA]) {
        await expect(request(who, 'appointmentReason', appointmentId)).rejects.toThrow(/^CONSENT_REQUIRED/);
      }
    });

    it('lets the practitioner’s admin read a feedback comment, and says when there is no feedback', async () => {
      await expect(request(people.adminB, 'feedbackComment', appointmentId)).rejects.toThrow(/^NOT_FOUND/);
      await submit(ledger, people.adminB, (c) => appointments.Confirm(c, appointmentId));
      await submit(ledger, people.doctorB, (c) => appointments.Complete(c, appointmentId));
      await submit(ledger, people.patientA, (c) => appointments.GiveFeedback(c, appointmentId, '4'));
      await submit(ledger, people.patientA, (c) => appointments.StoreFeedbackComment(c, appointmentId), {
        transient: salted({ comment: `kind and quick ${PHI_MARKER}` }),
        endorsingOrganizations: [HB],
      });
      const admin = await requestAndRead(people.adminB, 'feedbackComment', appointmentId);
      expect(admin.ticket.basis).toBe('member-admin');
      expect(admin.value).toEqual({ appointmentId, comment: `kind and quick ${PHI_MARKER}`, salt: aSalt });
      expect(publicText(ledger)).not.toContain(PHI_MARKER);
    });
  });

  it("lets the patient's home admin read a break-glass reason on its own peer, to review the window", async () => {
    const opened = await submit(ledger, people.doctorB, (c) => breakGlass.Open(c, PATIENT_A, 'unconscious', '60'));
    const { breakGlassId } = parse<{ breakGlassId: string }>(opened.result);
    await submit(ledger, people.doctorB, (c) => breakGlass.StoreReason(c, PATIENT_A, breakGlassId), {
      transient: salted({ reason: `found unresponsive ${PHI_MARKER}` }),
      endorsingOrganizations: [HB, HA],
    });
    const reviewer = await requestAndRead(people.adminA, 'breakGlassReason', breakGlassId);
    expect(reviewer.ticket).toMatchObject({ basis: 'reviewer', custodian: HA });
    expect(reviewer.value).toMatchObject({ breakGlassId, reason: `found unresponsive ${PHI_MARKER}` });
    expect((await request(people.doctorB, 'breakGlassReason', breakGlassId)).basis).toBe('author');
    for (const who of [people.adminB, people.doctorA, people.patientA]) {
      await expect(request(who, 'breakGlassReason', breakGlassId)).rejects.toThrow(/^CONSENT_REQUIRED/);
    }
  });

  it('lets the insurer’s adjuster and the provider’s billing read the lines of a claim, each on its own peer', async () => {
    const record = await createRecord(ledger, people.doctorA);
    const terms = {
      plan: 'gold',
      coverage: { diagnosis: 80 },
      copayPercent: 10,
      annualLimit: 100_000,
      validFrom: '2025-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
    };
    const issued = await submit(ledger, people.adjuster, (c) => policies.Issue(c, PATIENT_A, JSON.stringify(terms)));
    const { policyId } = parse<{ policyId: string }>(issued.result);
    const claim = {
      policyId,
      patientId: PATIENT_A,
      serviceDate: '2026-01-10T00:00:00Z',
      lines: [{ recordId: record.recordId, contentHash: record.contentHash, category: 'diagnosis', amount: 5000 }],
    };
    const submitted = await submit(ledger, people.billingA, (c) => claims.Submit(c, JSON.stringify(claim)));
    const { claimId } = parse<{ claimId: string }>(submitted.result);
    await submit(ledger, people.billingA, (c) => claims.StoreLineDetails(c, claimId), {
      transient: salted({ lines: JSON.stringify({ items: [`asthma review ${PHI_MARKER}`] }) }),
      endorsingOrganizations: [HA, INS],
    });
    const insurer = await requestAndRead(people.adjuster, 'claimLines', claimId);
    expect(insurer.ticket).toMatchObject({ basis: 'claim-party', custodian: INS });
    expect(insurer.value).toEqual({ claimId, details: { items: [`asthma review ${PHI_MARKER}`] }, salt: aSalt });
    expect((await requestAndRead(people.billingA, 'claimLines', claimId)).ticket.custodian).toBe(HA);
    await expect(request(people.doctorB, 'claimLines', claimId)).rejects.toThrow(/^CONSENT_REQUIRED/);
  });

  it('serves a value only to the reader of a fresh ticket for that very value', async () => {
    const ticket = await request(people.doctorA, 'demographics', PATIENT_A);
    await expect(read(people.doctorB, ticket)).rejects.toThrow(/^TICKET_REQUIRED/);
    const other = { ...ticket, kind: 'labOrderDetails', resourceId: 'LAB-none' };
    await expect(read(people.doctorA, other, HA)).rejects.toThrow(/^NOT_FOUND/);
    ledger.advance(6 * 60 * 1000);
    await expect(read(people.doctorA, ticket)).rejects.toThrow(/^TICKET_REQUIRED: the access request has expired/);
  });

  it('refuses an unknown kind or purpose, and changes nothing', async () => {
    expect(
      await attempt(ledger, people.doctorA, (c) => access.RequestRead(c, 'bankAccount', PATIENT_A, 'treatment')),
    ).toEqual({ error: expect.stringMatching(/^INVALID_ARGUMENT: kind must be one of/) as unknown, changes: [] });
    expect(
      await attempt(ledger, people.doctorA, (c) => access.RequestRead(c, 'demographics', PATIENT_A, 'gossip')),
    ).toEqual({ error: expect.stringMatching(/^INVALID_ARGUMENT: purpose must be one of/) as unknown, changes: [] });
  });
});

describe.each(['leveldb', 'couchdb'] as const)('access logs, a page at a time, on %s', (stateDb) => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);

  beforeEach(async () => {
    ledger = await consortiumLedger();
    ledger.stateDb = stateDb;
    await registerPatient(ledger);
    for (let i = 0; i < 5; i++) {
      await submit(ledger, people.patientA, (c) => access.RequestRead(c, 'demographics', PATIENT_A, 'treatment'));
      ledger.advance(1000);
    }
  });

  const page = async (pageSize: string, bookmark: string) =>
    parse<{ items: { ticketId: string; time: string }[]; bookmark: string }>(
      await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, pageSize, bookmark)),
    );

  it('walks every event once, oldest first, by bookmark', async () => {
    const seen: { ticketId: string; time: string }[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const next = await page('2', bookmark);
      seen.push(...next.items);
      bookmark = next.bookmark;
      pages++;
    } while (bookmark !== '');
    expect(pages).toBe(3);
    // A page that ends the range exactly says so: no empty page after it.
    expect((await page('5', '')).bookmark).toBe('');
    expect(new Set(seen.map((e) => e.ticketId)).size).toBe(5);
    expect(seen.map((e) => e.time)).toEqual([...seen.map((e) => e.time)].sort());
    expect((await page('', '')).items).toHaveLength(5);
  });

  it('refuses a page size out of range and a bookmark from another list', async () => {
    await expect(page('0', '')).rejects.toThrow(/^INVALID_ARGUMENT: pageSize must be an integer from 1 to 100/);
    await expect(page('101', '')).rejects.toThrow(/^INVALID_ARGUMENT/);
    await expect(page('2', '\u0000patient\u0000')).rejects.toThrow(/^INVALID_ARGUMENT: the bookmark does not belong/);
  });
});
