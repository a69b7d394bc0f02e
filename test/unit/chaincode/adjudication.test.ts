import { adjudicate, statusOf } from '../../../chaincode/src/adjudication';
import { policyYear } from '../../../chaincode/src/claim-contract';
import type { Claim } from '../../../chaincode/src/types/claim';
import type { Policy } from '../../../chaincode/src/types/policy';
import type { RecordHeader } from '../../../chaincode/src/types/record';

const HASH_1 = '1'.repeat(64);
const HASH_2 = '2'.repeat(64);

const policy: Policy = {
  policyId: 'POL-1',
  insurer: 'InsurerMSP',
  patientId: 'PAT-1',
  plan: 'gold',
  coverage: { diagnosis: 80, 'lab-result': 100 },
  copayPercent: 10,
  annualLimit: 100_000,
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  status: 'active',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const header = (recordId: string, contentHash: string, category: RecordHeader['category']): RecordHeader => ({
  recordId,
  patientId: 'PAT-1',
  category,
  custodian: 'HospitalAMSP',
  author: 'DOC-1',
  source: 'clinician',
  version: 1,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  contentHash,
  purged: false,
});

const claim: Claim = {
  claimId: 'CLM-1',
  patientId: 'PAT-1',
  policyId: 'POL-1',
  insurer: 'InsurerMSP',
  provider: 'HospitalAMSP',
  submittedBy: { mspId: 'HospitalAMSP', role: 'billing' },
  serviceDate: '2026-03-02T00:00:00.000Z',
  lines: [
    { recordId: 'REC-1', contentHash: HASH_1, category: 'diagnosis', amount: 10_000 },
    { recordId: 'REC-2', contentHash: HASH_2, category: 'lab-result', amount: 5_000 },
  ],
  claimedAmount: 15_000,
  status: 'submitted',
  submittedAt: '2026-03-03T00:00:00.000Z',
};

const records = () =>
  new Map<string, RecordHeader | undefined>([
    ['REC-1', header('REC-1', HASH_1, 'diagnosis')],
    ['REC-2', header('REC-2', HASH_2, 'lab-result')],
  ]);

const facts = (overrides: Partial<Parameters<typeof adjudicate>[0]> = {}) => ({
  claim,
  policy,
  records: records(),
  claimedElsewhere: new Set<string>(),
  usedThisYear: 0,
  ...overrides,
});

describe('claim adjudication rules', () => {
  it('approves covered lines with coverage share and co-pay applied, in whole cents', () => {
    const decision = adjudicate(facts());
    // 10 000 × 80 % × 90 % = 7 200; 5 000 × 100 % × 90 % = 4 500
    expect(decision.lines.map((l) => l.approvedAmount)).toEqual([7_200, 4_500]);
    expect(decision).toMatchObject({ approvedAmount: 11_700, reasons: [] });
    expect(statusOf(decision, claim)).toBe('approved');
  });

  it('partly approves up to the remaining annual limit, with LIMIT_EXCEEDED', () => {
    const decision = adjudicate(facts({ usedThisYear: 95_000 }));
    expect(decision.approvedAmount).toBe(5_000);
    expect(decision.lines).toEqual([
      { recordId: 'REC-1', approvedAmount: 5_000, reasons: ['LIMIT_EXCEEDED'] },
      { recordId: 'REC-2', approvedAmount: 0, reasons: ['LIMIT_EXCEEDED'] },
    ]);
    expect(statusOf(decision, claim)).toBe('partially-approved');
  });

  it.each([
    ['no policy', { policy: undefined }],
    ['an ended policy', { policy: { ...policy, status: 'ended' as const } }],
    ['a policy of another patient', { policy: { ...policy, patientId: 'PAT-2' } }],
    ['a service date before the policy', { claim: { ...claim, serviceDate: '2025-12-31T23:59:59.000Z' } }],
    ['a service date after the policy', { claim: { ...claim, serviceDate: '2027-01-01T00:00:00.000Z' } }],
  ])('rejects the whole claim for %s with POLICY_INACTIVE', (_, overrides) => {
    const decision = adjudicate(facts(overrides));
    expect(decision).toMatchObject({ approvedAmount: 0, reasons: ['POLICY_INACTIVE'] });
    expect(statusOf(decision, claim)).toBe('rejected');
  });

  it('rejects a claim for records an earlier claim covers with DUPLICATE', () => {
    expect(adjudicate(facts({ claimedElsewhere: new Set(['REC-2']) }))).toMatchObject({
      approvedAmount: 0,
      reasons: ['DUPLICATE'],
    });
  });

  it('rejects a line whose record is missing, purged or another patient’s with MISSING_DOCUMENT', () => {
    for (const replacement of [
      undefined,
      { ...header('REC-1', HASH_1, 'diagnosis'), purged: true },
      { ...header('REC-1', HASH_1, 'diagnosis'), patientId: 'PAT-9' },
    ]) {
      const map = records();
      map.set('REC-1', replacement);
      const decision = adjudicate(facts({ records: map }));
      expect(decision.lines[0]).toEqual({ recordId: 'REC-1', approvedAmount: 0, reasons: ['MISSING_DOCUMENT'] });
      expect(decision.approvedAmount).toBe(4_500);
      expect(statusOf(decision, claim)).toBe('partially-approved');
    }
  });

  it("rejects a line documented by the patient's own report with MISSING_DOCUMENT", () => {
    const map = records();
    map.set('REC-1', { ...header('REC-1', HASH_1, 'diagnosis'), source: 'patient', author: 'PAT-1' });
    const decision = adjudicate(facts({ records: map }));
    expect(decision.lines[0]).toEqual({ recordId: 'REC-1', approvedAmount: 0, reasons: ['MISSING_DOCUMENT'] });
    expect(statusOf(decision, claim)).toBe('partially-approved');
  });

  it('rejects a line whose record hash does not match with HASH_MISMATCH', () => {
    const decision = adjudicate(facts({ claim: { ...claim, lines: [{ ...claim.lines[0]!, contentHash: HASH_2 }] } }));
    expect(decision).toMatchObject({ approvedAmount: 0, reasons: ['HASH_MISMATCH'] });
  });

  it('rejects a line of a category the policy does not cover, or that misstates the category, with NOT_COVERED', () => {
    const uncovered = adjudicate(facts({ policy: { ...policy, coverage: { 'lab-result': 100 } } }));
    expect(uncovered.lines[0]?.reasons).toEqual(['NOT_COVERED']);
    const misstated = adjudicate(
      facts({ claim: { ...claim, lines: [{ ...claim.lines[1]!, category: 'diagnosis' }] } }),
    );
    expect(misstated.lines[0]?.reasons).toEqual(['NOT_COVERED']);
  });

  it('is deterministic: the same facts give the same decision', () => {
    expect(adjudicate(facts({ usedThisYear: 99_000 }))).toEqual(adjudicate(facts({ usedThisYear: 99_000 })));
  });
});

describe('policy years', () => {
  it('counts whole years from the policy start', () => {
    const long = { ...policy, validUntil: '2029-01-01T00:00:00.000Z', validFrom: '2026-07-01T00:00:00.000Z' };
    expect(policyYear(long, '2026-07-01T00:00:00.000Z')).toBe(0);
    expect(policyYear(long, '2027-06-30T23:59:59.000Z')).toBe(0);
    expect(policyYear(long, '2027-07-01T00:00:00.000Z')).toBe(1);
  });
});
