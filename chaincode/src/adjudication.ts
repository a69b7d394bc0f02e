/**
 * The insurer's claim rules (SPEC §5), as a pure and deterministic function of the claim, the
 * policy, the referenced record headers and what the policy has already paid this year. Every
 * endorsing peer computes the same decision.
 */
import type { Adjudication, Claim, LineDecision, ReasonCode } from './types/claim';
import type { Policy } from './types/policy';
import { isPatientReported, type RecordHeader } from './types/record';

export interface AdjudicationFacts {
  claim: Claim;
  policy: Policy | undefined;
  /** Current headers of the referenced records (undefined when a record does not exist). */
  records: Map<string, RecordHeader | undefined>;
  /** Record ids already claimed by another claim that was not rejected. */
  claimedElsewhere: Set<string>;
  /** Amount approved for the policy's other claims in the same policy year, in cents. */
  usedThisYear: number;
}

type Decision = Omit<Adjudication, 'adjudicatedAt' | 'adjudicator'>;

const reject = (reasons: ReasonCode[], claim: Claim): Decision => ({
  approvedAmount: 0,
  reasons,
  lines: claim.lines.map((l) => ({ recordId: l.recordId, approvedAmount: 0, reasons })),
});

function policyActive(policy: Policy | undefined, claim: Claim): policy is Policy {
  return (
    policy?.status === 'active' &&
    policy.patientId === claim.patientId &&
    policy.validFrom <= claim.serviceDate &&
    claim.serviceDate < policy.validUntil
  );
}

function lineDecision(line: Claim['lines'][number], facts: AdjudicationFacts, policy: Policy): LineDecision {
  const record = facts.records.get(line.recordId);
  const reasons: ReasonCode[] = [];
  // The patient's own account of their history is no evidence of care given: it documents no claim.
  if (record?.patientId !== facts.claim.patientId || record.purged || isPatientReported(record)) {
    reasons.push('MISSING_DOCUMENT');
  } else if (record.contentHash !== line.contentHash) reasons.push('HASH_MISMATCH');
  const share = policy.coverage[line.category] ?? 0;
  if (share === 0 || (record !== undefined && record.category !== line.category)) reasons.push('NOT_COVERED');
  if (reasons.length > 0) return { recordId: line.recordId, approvedAmount: 0, reasons };
  const covered = Math.floor((line.amount * share) / 100);
  return {
    recordId: line.recordId,
    approvedAmount: Math.floor((covered * (100 - policy.copayPercent)) / 100),
    reasons,
  };
}

/** Approves, partly approves or rejects, with reason codes. Amounts are integer cents, rounded down. */
export function adjudicate(facts: AdjudicationFacts): Decision {
  const { claim, policy } = facts;
  if (!policyActive(policy, claim)) return reject(['POLICY_INACTIVE'], claim);
  if (claim.lines.some((l) => facts.claimedElsewhere.has(l.recordId))) return reject(['DUPLICATE'], claim);
  const lines = claim.lines.map((line) => lineDecision(line, facts, policy));
  let remaining = Math.max(0, policy.annualLimit - facts.usedThisYear);
  for (const line of lines) {
    if (line.approvedAmount > remaining) {
      line.approvedAmount = remaining;
      line.reasons.push('LIMIT_EXCEEDED');
    }
    remaining -= line.approvedAmount;
  }
  const reasons = [...new Set(lines.flatMap((l) => l.reasons))].sort();
  return { approvedAmount: lines.reduce((sum, l) => sum + l.approvedAmount, 0), reasons, lines };
}

/** The claim status a decision leads to. */
export function statusOf(decision: Decision, claim: Claim): Claim['status'] {
  if (decision.approvedAmount === 0) return 'rejected';
  const full = decision.reasons.length === 0 && decision.lines.length === claim.lines.length;
  return full ? 'approved' : 'partially-approved';
}
