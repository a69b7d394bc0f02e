import { TICKET_TTL_MS } from '../../../chaincode/src/access-contract';
import {
  body,
  consortiumLedger,
  createRecord,
  evaluate,
  followLedgerClock,
  HA,
  HB,
  Ledger,
  people,
  PHI_MARKER,
  publicText,
  registerPatient,
  submit,
  contracts,
} from './fixture';
import type { Caller } from '../helpers/fabric-stub';

const { access, consent } = contracts;

describe('audited reads', () => {
  let ledger: Ledger;
  followLedgerClock(() => ledger);
  let recordId: string;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    // The read checks the proposal time against the custodian's clock: keep them together.
    await registerPatient(ledger);
    ({ recordId } = await createRecord(ledger, people.doctorA));
  });

  async function requestAccess(who: Caller, purpose = 'treatment') {
    const { result } = await submit(ledger, who, (c) => access.RequestAccess(c, recordId, purpose));
    return JSON.parse(result) as { ticketId: string; basis: string; flagged: boolean; expiresAt: string };
  }

  const readBody = (who: Caller, ticketId: string, peerMspId = HA) =>
    evaluate(ledger, who, (c) => access.ReadBody(c, recordId, ticketId), { peerMspId });

  async function grantHospitalB(overrides: Record<string, unknown> = {}) {
    const { result } = await submit(ledger, people.patientA, (c) =>
      consent.Grant(
        c,
        JSON.stringify({
          grantee: { mspId: HB },
          categories: ['diagnosis'],
          purpose: 'treatment',
          validUntil: '2026-01-15T12:00:00Z',
          ...overrides,
        }),
      ),
    );
    return (JSON.parse(result) as { consentId: string }).consentId;
  }

  it('lets the patient read their own record after requesting access', async () => {
    const ticket = await requestAccess(people.patientA);
    expect(ticket).toMatchObject({ basis: 'patient', flagged: false, expiresAt: '2026-01-15T09:05:00.000Z' });
    expect(JSON.parse(await readBody(people.patientA, ticket.ticketId))).toMatchObject({
      recordId,
      version: 1,
      ...body,
    });
  });

  it("lets the custodian's treating staff read on the basis treating-staff", async () => {
    expect((await requestAccess(people.doctorA)).basis).toBe('treating-staff');
  });

  it('lets a hospital B doctor read only after consent, through hospital A’s peer only', async () => {
    await expect(requestAccess(people.doctorB)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await grantHospitalB();
    const ticket = await requestAccess(people.doctorB);
    expect(ticket.basis).toBe('consent');
    expect(await readBody(people.doctorB, ticket.ticketId)).toContain(PHI_MARKER);
    await expect(readBody(people.doctorB, ticket.ticketId, HB)).rejects.toThrow(/^WRONG_PEER/);
  });

  it('refuses the body without a committed access request of the same reader', async () => {
    await grantHospitalB();
    await expect(readBody(people.doctorB, 'no-such-ticket')).rejects.toThrow(/^TICKET_REQUIRED/);
    const ticket = await requestAccess(people.doctorA);
    await expect(readBody(people.doctorB, ticket.ticketId)).rejects.toThrow(/^TICKET_REQUIRED/);
  });

  it('refuses a stale access request and a back-dated proposal', async () => {
    const ticket = await requestAccess(people.patientA);
    ledger.advance(TICKET_TTL_MS + 1000);
    await expect(readBody(people.patientA, ticket.ticketId)).rejects.toThrow(
      /^TICKET_REQUIRED: the access request has expired/,
    );
    // Proposal back-dated to the ticket's time while the custodian's clock is later.
    const backdated = ledger.now - TICKET_TTL_MS - 1000;
    jest.spyOn(Date, 'now').mockImplementation(() => backdated + 10 * 60_000);
    ledger.now = backdated;
    await expect(readBody(people.patientA, ticket.ticketId)).rejects.toThrow(/too far from the custodian clock/);
  });

  it('denies the next read after revocation, even with a fresh ticket', async () => {
    const consentId = await grantHospitalB();
    const ticket = await requestAccess(people.doctorB);
    ledger.advance(1000);
    await submit(ledger, people.patientA, (c) => consent.Revoke(c, consentId));
    await expect(readBody(people.doctorB, ticket.ticketId)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await expect(requestAccess(people.doctorB)).rejects.toThrow(/^CONSENT_REQUIRED/);
  });

  it('denies access once the consent has expired', async () => {
    await grantHospitalB({ validUntil: '2026-01-15T09:30:00Z' });
    await requestAccess(people.doctorB);
    ledger.advance(31 * 60_000);
    await expect(requestAccess(people.doctorB)).rejects.toThrow(/^CONSENT_EXPIRED/);
  });

  it('honours consent scope: practitioner, category and purpose', async () => {
    await grantHospitalB({ grantee: { mspId: HB, practitionerId: 'DOC-HB-0001' } });
    await expect(requestAccess(people.doctorB2)).rejects.toThrow(/^CONSENT_REQUIRED/);
    await expect(requestAccess(people.doctorB, 'research')).rejects.toThrow(/^CONSENT_REQUIRED/);
    expect((await requestAccess(people.doctorB)).basis).toBe('consent');
    await grantHospitalB({ categories: ['allergy'] });
    const other = await createRecord(ledger, people.doctorA, { category: 'imaging' });
    await expect(
      submit(ledger, people.doctorB, (c) => access.RequestAccess(c, other.recordId, 'treatment')),
    ).rejects.toThrow(/^CONSENT_REQUIRED/);
  });

  it('refuses roles that never read clinical content, and an unknown purpose', async () => {
    await expect(requestAccess(people.billingA)).rejects.toThrow(/^FORBIDDEN/);
    await expect(requestAccess(people.adminA)).rejects.toThrow(/^FORBIDDEN/);
    await expect(requestAccess(people.patientA, 'curiosity')).rejects.toThrow(
      /^INVALID_ARGUMENT: purpose must be one of/,
    );
  });

  it('records every access request without PHI, listed for the patient and the custodian admin only', async () => {
    await grantHospitalB();
    await requestAccess(people.doctorB);
    await requestAccess(people.patientA);
    const mine = (
      JSON.parse(await evaluate(ledger, people.patientA, (c) => access.ListMyAccessLog(c, '', ''))) as {
        items: { basis: string; reader: { mspId: string } }[];
      }
    ).items;
    expect(mine.map((e) => [e.reader.mspId, e.basis])).toEqual([
      [HB, 'consent'],
      [HA, 'patient'],
    ]);
    const orgLog = JSON.parse(await evaluate(ledger, people.adminA, (c) => access.ListOrgAccessLog(c, '', ''))) as {
      items: unknown[];
    };
    expect(orgLog.items).toHaveLength(2);
    expect(JSON.parse(await evaluate(ledger, people.adminB, (c) => access.ListOrgAccessLog(c, '', '')))).toEqual({
      items: [],
      bookmark: '',
    });
    expect(publicText(ledger)).not.toContain(PHI_MARKER);
  });
});
