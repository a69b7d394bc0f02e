/**
 * Claim and policy lists: the adjusters' queue, the billing clerks' list, the patient's claims
 * and a patient's policies, a page at a time, with the queue entries moved by every status change.
 */
import type { Caller } from '../helpers/fabric-stub';
import {
  attempt,
  consortiumLedger,
  createRecord,
  evaluate,
  HA,
  HB,
  INS,
  INS2,
  key,
  LAB,
  Ledger,
  PATIENT_A,
  people,
  printableKeys,
  registerPatient,
  submit,
  walk,
  contracts,
} from './fixture';

const { claims, policies } = contracts;

const PATIENT_B = 'PAT-HB-0001';
const billingB: Caller = { mspId: HB, cn: 'billing9', attrs: { 'ehr.role': 'billing' } };
/** An adjuster of a second insurer. */
const otherInsurer: Caller = { mspId: INS2, cn: 'adjuster9', attrs: { 'ehr.role': 'adjuster' } };

const terms = (overrides: object = {}) =>
  JSON.stringify({
    plan: 'gold',
    coverage: { diagnosis: 80 },
    copayPercent: 10,
    annualLimit: 1_000_000,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    ...overrides,
  });

interface Claim {
  claimId: string;
  patientId: string;
  status: string;
  submittedAt: string;
  provider: string;
}

describe('claim lists', () => {
  let ledger: Ledger;
  const policyOf: Record<string, string> = {};

  beforeEach(async () => {
    ledger = await consortiumLedger({ [INS2]: 'insurer' });
    await registerPatient(ledger);
    await registerPatient(ledger, PATIENT_B, people.adminB);
    for (const patientId of [PATIENT_A, PATIENT_B]) {
      const { result } = await submit(ledger, people.adjuster, (c) => policies.Issue(c, patientId, terms()));
      policyOf[patientId] = (JSON.parse(result) as { policyId: string }).policyId;
    }
  });

  /** A claim for a new record of the patient, submitted by the clerk a minute after the previous one. */
  async function claim(clerk = people.billingA, patientId = PATIENT_A): Promise<string> {
    ledger.advance(60_000);
    const doctor = clerk.mspId === HA ? people.doctorA : people.doctorB;
    const record = await createRecord(ledger, doctor, { patientId });
    const input = {
      policyId: policyOf[patientId],
      patientId,
      serviceDate: '2026-01-10T00:00:00Z',
      lines: [{ recordId: record.recordId, contentHash: record.contentHash, category: 'diagnosis', amount: 1000 }],
    };
    const { result } = await submit(ledger, clerk, (c) => claims.Submit(c, JSON.stringify(input)));
    return (JSON.parse(result) as Claim).claimId;
  }

  const insurerQueue = (who: Caller, status: string) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, who, (c) => claims.ListForInsurer(c, status, pageSize, bookmark));
  const providerList = (who: Caller, status: string) => (pageSize: string, bookmark: string) =>
    evaluate(ledger, who, (c) => claims.ListForProvider(c, status, pageSize, bookmark));
  const ids = async (list: (pageSize: string, bookmark: string) => Promise<string>, pageSize = '100') =>
    (await walk<Claim>(list, pageSize)).items.map((c) => c.claimId);

  it("lists the insurer's claims by status oldest first, or all of them newest first, every claim once across pages", async () => {
    const fromA = [await claim(), await claim(), await claim(), await claim()];
    const fromB = await claim(billingB, PATIENT_B);
    const [first, second, third, fourth] = fromA as [string, string, string, string];
    const all = await walk<Claim>(insurerQueue(people.adjuster, ''));
    expect(all.pageSizes).toEqual([2, 2, 1]);
    expect(all.items.map((c) => c.claimId)).toEqual([fromB, fourth, third, second, first]);
    await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, third));
    await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, first));
    await submit(ledger, people.adjuster, (c) => claims.RecordPayment(c, first, 'PAY-1'));
    expect(await ids(insurerQueue(people.adjuster, 'submitted'), '1')).toEqual([second, fourth, fromB]);
    expect(await ids(insurerQueue(people.adjuster, 'approved'))).toEqual([third]);
    expect(await ids(insurerQueue(people.adjuster, 'paid'))).toEqual([first]);
    // All statuses: still newest first, each claim as it is now (a decision does not move it).
    expect((await walk<Claim>(insurerQueue(people.adjuster, ''), '3')).items.map((c) => [c.claimId, c.status])).toEqual(
      [
        [fromB, 'submitted'],
        [fourth, 'submitted'],
        [third, 'approved'],
        [second, 'submitted'],
        [first, 'paid'],
      ],
    );
    expect(await ids(insurerQueue(otherInsurer, ''))).toEqual([]);
  });

  it("lists each provider's claims to its billing clerks only", async () => {
    const fromA = [await claim(), await claim(), await claim()];
    const fromB = await claim(billingB, PATIENT_B);
    expect(await ids(providerList(people.billingA, ''), '2')).toEqual([...fromA].reverse());
    expect(await ids(providerList(billingB, 'submitted'))).toEqual([fromB]);
    await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, fromA[1]!));
    expect(await ids(providerList(people.billingA, 'submitted'))).toEqual([fromA[0], fromA[2]]);
    expect(await ids(providerList(people.billingA, 'approved'))).toEqual([fromA[1]]);
    await expect(providerList(people.adjuster, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(insurerQueue(people.billingA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(insurerQueue(people.adminA, '')('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(insurerQueue(people.adjuster, 'pending')('', '')).rejects.toThrow(
      /^INVALID_ARGUMENT: status must be '' or one of/,
    );
  });

  it('moves a claim between queues in the transaction that changes its status, endorsed like the claim', async () => {
    const claimId = await claim();
    const entries = () => [...printableKeys(ledger, 'insurerClaim'), ...printableKeys(ledger, 'providerClaim')];
    const { submittedAt } = JSON.parse(await evaluate(ledger, people.adjuster, (c) => claims.Get(c, claimId))) as Claim;
    const at = (status: string) => [
      `insurerClaim/${INS}/${status}/${submittedAt}/${claimId}`,
      `providerClaim/${HA}/${status}/${submittedAt}/${claimId}`,
    ];
    expect(entries()).toEqual(at('submitted'));
    expect(ledger.keyPolicy(key('insurerClaim', INS, 'submitted', submittedAt, claimId))).toEqual([HA, INS]);
    // Provider and insurer alone no longer suffice: the new entries are new keys, under the majority.
    const policyFailure = { error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'), changes: [] };
    for (const endorsingOrganizations of [
      [HA, INS],
      [HA, HB, LAB],
      [INS, HB, LAB],
    ]) {
      expect(
        await attempt(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId), { endorsingOrganizations }),
      ).toEqual(policyFailure);
    }
    expect(entries()).toEqual(at('submitted'));
    await submit(ledger, people.adjuster, (c) => claims.Adjudicate(c, claimId), {
      endorsingOrganizations: [HA, LAB, INS],
    });
    expect(entries()).toEqual(at('approved'));
    expect(ledger.keyPolicy(key('providerClaim', HA, 'approved', submittedAt, claimId))).toEqual([HA, INS]);
    await submit(ledger, people.adjuster, (c) => claims.RecordPayment(c, claimId, 'PAY-7'));
    expect(entries()).toEqual(at('paid'));
    // The newest-first entries were written once, at submission, under the same endorsement.
    const latest = printableKeys(ledger, 'latestClaim');
    expect(latest).toHaveLength(2);
    expect(latest.every((k) => k.endsWith(`/${claimId}`))).toBe(true);
    expect(latest.map((k) => k.split('/').slice(1, 3).join('/'))).toEqual([`insurer/${INS}`, `provider/${HA}`]);
  });

  it("lists the patient's own claims only", async () => {
    const mine = [await claim(), await claim(), await claim()];
    await claim(billingB, PATIENT_B);
    const list = (who: Caller) => (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => claims.ListMine(c, pageSize, bookmark));
    const walked = await walk<Claim>(list(people.patientA));
    expect(walked.pageSizes).toEqual([2, 1]);
    expect(walked.items.map((c) => c.claimId)).toEqual([...mine].sort());
    await expect(list(people.billingA)('', '')).rejects.toThrow(/^FORBIDDEN/);
  });
});

describe("a patient's policies", () => {
  let ledger: Ledger;
  const issued: Record<string, string> = {};

  beforeEach(async () => {
    ledger = await consortiumLedger({ [INS2]: 'insurer' });
    await registerPatient(ledger);
    await registerPatient(ledger, 'PAT-HA-0002');
    const issue = async (name: string, who: Caller, patientId: string, overrides: object = {}) => {
      const { result } = await submit(ledger, who, (c) => policies.Issue(c, patientId, terms(overrides)));
      issued[name] = (JSON.parse(result) as { policyId: string }).policyId;
    };
    await issue('current', people.adjuster, PATIENT_A, { validUntil: '2026-02-01T00:00:00Z' });
    await issue('ended', people.adjuster, PATIENT_A);
    await submit(ledger, people.adjuster, (c) => policies.End(c, issued.ended!));
    await issue('future', people.adjuster, PATIENT_A, { validFrom: '2026-06-01T00:00:00Z' });
    await issue('otherInsurer', otherInsurer, PATIENT_A);
    await issue('otherPatient', people.adjuster, 'PAT-HA-0002');
  });

  const forPatient =
    (who: Caller, activeOnly = '', patientId = PATIENT_A) =>
    (pageSize: string, bookmark: string) =>
      evaluate(ledger, who, (c) => policies.ListForPatient(c, patientId, activeOnly, pageSize, bookmark));
  const names = async (list: (pageSize: string, bookmark: string) => Promise<string>, pageSize = '2') => {
    const byId = new Map(Object.entries(issued).map(([name, policyId]) => [policyId, name]));
    return (await walk<{ policyId: string }>(list, pageSize)).items.map((p) => byId.get(p.policyId)).sort();
  };

  it('shows adjusters their own insurer’s, billing clerks and the patient all, every one once', async () => {
    expect(await names(forPatient(people.adjuster))).toEqual(['current', 'ended', 'future']);
    expect(await names(forPatient(otherInsurer))).toEqual(['otherInsurer']);
    expect(await names(forPatient(people.billingA), '1')).toEqual(['current', 'ended', 'future', 'otherInsurer']);
    expect(await names(forPatient(people.patientA))).toEqual(['current', 'ended', 'future', 'otherInsurer']);
    const mine = await walk((pageSize, bookmark) =>
      evaluate(ledger, people.patientA, (c) => policies.ListMine(c, pageSize, bookmark)),
    );
    expect(mine.pageSizes).toEqual([2, 2]);
    expect(await names(forPatient(people.billingA, '', 'PAT-HA-0002'))).toEqual(['otherPatient']);
  });

  it('keeps to the policies active and valid at the transaction time with activeOnly', async () => {
    expect(await names(forPatient(people.adjuster, 'true'))).toEqual(['current']);
    expect(await names(forPatient(people.billingA, 'true'))).toEqual(['current', 'otherInsurer']);
    ledger.advance(30 * 86_400_000);
    expect(await names(forPatient(people.adjuster, 'true'))).toEqual([]);
    ledger.advance(150 * 86_400_000);
    expect(await names(forPatient(people.patientA, 'true'))).toEqual(['future', 'otherInsurer']);
  });

  it('refuses other patients, other roles and a malformed activeOnly', async () => {
    await expect(forPatient(people.patientA2)('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(forPatient(people.doctorA)('', '')).rejects.toThrow(/^FORBIDDEN/);
    await expect(forPatient(people.adjuster, 'yes')('', '')).rejects.toThrow(/^INVALID_ARGUMENT: activeOnly/);
    await expect(forPatient(people.adjuster, '', 'PAT-NOPE')('', '')).rejects.toThrow(/^NOT_FOUND/);
    await expect(evaluate(ledger, people.adjuster, (c) => policies.ListMine(c, '', ''))).rejects.toThrow(/^FORBIDDEN/);
  });
});
