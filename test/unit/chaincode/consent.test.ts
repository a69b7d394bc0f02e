import {
  attempt,
  consortiumLedger,
  evaluate,
  HA,
  HB,
  INS,
  itemsOf,
  LAB,
  Ledger,
  PATIENT_A,
  people,
  registerPatient,
  submit,
  contracts,
} from './fixture';

const { consent } = contracts;

const grant = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    grantee: { mspId: HB },
    categories: ['diagnosis', 'medication'],
    purpose: 'treatment',
    validUntil: '2026-02-15T00:00:00Z',
    ...overrides,
  });

describe('consent', () => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await consortiumLedger();
    await registerPatient(ledger);
  });

  it('lets the patient grant a member access, announced by an event', async () => {
    const { result, tx } = await submit(ledger, people.patientA, (c) => consent.Grant(c, grant()));
    const granted = JSON.parse(result) as Record<string, unknown>;
    expect(granted).toMatchObject({
      patientId: PATIENT_A,
      grantee: { mspId: HB },
      categories: ['diagnosis', 'medication'],
      purpose: 'treatment',
      validFrom: '2026-01-15T09:00:00.000Z',
      validUntil: '2026-02-15T00:00:00.000Z',
      status: 'active',
    });
    expect(tx.event?.name).toBe('ConsentGranted');
    const mine = itemsOf(await evaluate(ledger, people.patientA, (c) => consent.ListMine(c, '', '')));
    expect(mine).toEqual([granted]);
  });

  it('takes the patient from the certificate, ignoring a patientId in the arguments', async () => {
    const { result } = await submit(ledger, people.patientA, (c) =>
      consent.Grant(c, grant({ patientId: 'PAT-HA-9999' })),
    );
    expect(JSON.parse(result)).toMatchObject({ patientId: PATIENT_A });
  });

  it('refuses a grant by anyone but the patient', async () => {
    await expect(submit(ledger, people.doctorA, (c) => consent.Grant(c, grant()))).rejects.toThrow(
      /^FORBIDDEN: only patient/,
    );
    const impostor = { mspId: HB, attrs: { 'ehr.role': 'patient', 'ehr.patientId': PATIENT_A } };
    await expect(submit(ledger, impostor, (c) => consent.Grant(c, grant()))).rejects.toThrow(/^FORBIDDEN/);
    const unregistered = { mspId: HA, attrs: { 'ehr.role': 'patient', 'ehr.patientId': 'PAT-HA-0404' } };
    await expect(submit(ledger, unregistered, (c) => consent.Grant(c, grant()))).rejects.toThrow(/^NOT_FOUND/);
  });

  it.each([
    ['an expiry in the past', { validUntil: '2025-01-01T00:00:00Z' }, /validUntil must be in the future/],
    ['an expiry before the start', { validFrom: '2026-03-01T00:00:00Z' }, /validUntil must be after validFrom/],
    ['an unknown category', { categories: ['horoscope'] }, /categories entries must be among/],
    ['no categories', { categories: [] }, /categories must be a non-empty array/],
    ['an unknown purpose', { purpose: 'marketing' }, /purpose must be one of/],
    ['a grantee without an MSP', { grantee: {} }, /grantee.mspId must be an MSP ID/],
    ['a time without a zone', { validUntil: '2026-02-15T00:00:00' }, /validUntil must be an ISO 8601 time with a zone/],
  ])('rejects %s and stores nothing', async (_, overrides, error) => {
    expect(await attempt(ledger, people.patientA, (c) => consent.Grant(c, grant(overrides)))).toEqual({
      error: expect.stringMatching(error),
      changes: [],
    });
  });

  it('lets the patient revoke, announced by an event; revoking again changes nothing', async () => {
    const { result } = await submit(ledger, people.patientA, (c) => consent.Grant(c, grant()));
    const { consentId } = JSON.parse(result) as { consentId: string };
    ledger.advance(60_000);
    const { tx } = await submit(ledger, people.patientA, (c) => consent.Revoke(c, consentId));
    expect(tx.event?.name).toBe('ConsentRevoked');
    ledger.advance(60_000);
    const before = ledger.snapshot();
    const again = await submit(ledger, people.patientA, (c) => consent.Revoke(c, consentId));
    expect({ event: again.tx.event?.name, changes: ledger.changesSince(before) }).toEqual({
      event: undefined,
      changes: [],
    });
    const [revoked] = itemsOf(await evaluate(ledger, people.patientA, (c) => consent.ListMine(c, '', '')));
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: '2026-01-15T09:01:00.000Z' });
  });

  it("does not let one patient revoke another's consent", async () => {
    await registerPatient(ledger, 'PAT-HA-0002');
    const { result } = await submit(ledger, people.patientA, (c) => consent.Grant(c, grant()));
    const { consentId } = JSON.parse(result) as { consentId: string };
    expect(await attempt(ledger, people.patientA2, (c) => consent.Revoke(c, consentId))).toEqual({
      error: expect.stringMatching(/^NOT_FOUND/),
      changes: [],
    });
  });

  it('invalidates a grant or a revocation endorsed by fewer than a majority of members; nothing changes', async () => {
    for (const endorsingOrganizations of [[HA], [HA, HB]]) {
      expect(
        await attempt(ledger, people.patientA, (c) => consent.Grant(c, grant()), { endorsingOrganizations }),
      ).toEqual({
        error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'),
        changes: [],
      });
    }
    const { result } = await submit(ledger, people.patientA, (c) => consent.Grant(c, grant()), {
      endorsingOrganizations: [HA, LAB, INS],
    });
    const { consentId } = JSON.parse(result) as { consentId: string };
    expect(
      await attempt(ledger, people.patientA, (c) => consent.Revoke(c, consentId), { endorsingOrganizations: [HA] }),
    ).toEqual({ error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] });
    const [kept] = itemsOf<{ status: string }>(
      await evaluate(ledger, people.patientA, (c) => consent.ListMine(c, '', '')),
    );
    expect(kept?.status).toBe('active');
  });
});
