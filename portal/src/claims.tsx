/**
 * Claims as the billing clerk, the adjuster and the patient see them: a table of claims with
 * their status, the insurer's adjudication and the payment, and one claim's lines with the
 * amount approved for each and why. Views re-read on the ledger's ClaimStatus events, so an
 * adjudication or a payment made at another member shows without a reload.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { money } from './money';
import { useLiveVersion, when } from './ui';

export type Claim = components['schemas']['Claim'];

const CLAIM_EVENTS = ['ClaimStatus'] as const;

/** Re-reads on ClaimStatus (and BillStatus with `bills`) and after this client's own writes. */
export function useClaimVersion(bills = false): [number, () => void] {
  const version = useLiveVersion(bills ? BILL_AND_CLAIM_EVENTS : CLAIM_EVENTS);
  const [written, setWritten] = useState(0);
  const reread = useCallback(() => {
    setWritten((n) => n + 1);
  }, []);
  return [version + written, reread];
}

const BILL_AND_CLAIM_EVENTS = ['ClaimStatus', 'BillStatus'] as const;

/** What the claim's adjudication approved and why, or that it awaits one. */
function decisionOf(claim: Claim): string {
  const decided = claim.adjudication;
  if (!decided) return 'not adjudicated yet';
  const reasons = decided.reasons.length > 0 ? ` (${decided.reasons.join(', ')})` : '';
  return `${money(decided.approvedAmount)} approved${reasons}`;
}

function paymentOf(claim: Claim): string {
  const paid = claim.payment;
  return paid ? `${money(paid.amount)} paid on ${when(paid.paidAt)}, reference ${paid.paymentRef}` : '';
}

export function ClaimTable({
  claims,
  caption,
  party,
  action,
}: {
  claims: Claim[];
  caption: string;
  /** Whose name the "with" column shows: the insurer (provider and patient views) or the provider. */
  party: 'insurer' | 'provider';
  action?: (claim: Claim) => preact.ComponentChildren;
}) {
  if (claims.length === 0) return <p>No claims.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Claim</th>
          <th scope="col">Patient</th>
          <th scope="col">{party === 'insurer' ? 'Insurer' : 'Provider'}</th>
          <th scope="col">Claimed</th>
          <th scope="col">Status</th>
          <th scope="col">Adjudication</th>
          <th scope="col">Payment</th>
          {action && (
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {claims.map((claim) => (
          <tr key={claim.claimId} data-claim={claim.claimId}>
            <td>
              <code>{claim.claimId}</code>
            </td>
            <td>
              <code>{claim.patientId}</code>
            </td>
            <td>{claim[party]}</td>
            <td>{money(claim.claimedAmount)}</td>
            <td class="claim-status">{claim.status}</td>
            <td class="claim-decision">{decisionOf(claim)}</td>
            <td class="claim-payment">{paymentOf(claim)}</td>
            {action && <td>{action(claim)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One claim's lines: the document (record and its hash) each cites, what was claimed and what is approved. */
export function ClaimLines({ claim, caption }: { claim: Claim; caption: string }) {
  const decided = new Map((claim.adjudication?.lines ?? []).map((line) => [line.recordId, line]));
  return (
    <table class="claim-lines">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Record (document)</th>
          <th scope="col">Content hash</th>
          <th scope="col">Category</th>
          <th scope="col">Claimed</th>
          <th scope="col">Approved</th>
          <th scope="col">Reason codes</th>
        </tr>
      </thead>
      <tbody>
        {claim.lines.map((line) => {
          const decision = decided.get(line.recordId);
          return (
            <tr key={line.recordId} data-line={line.recordId}>
              <td>
                <code>{line.recordId}</code>
              </td>
              <td>
                <code title={line.contentHash}>{line.contentHash.slice(0, 12)}…</code>
              </td>
              <td>{line.category}</td>
              <td>{money(line.amount)}</td>
              <td class="line-approved">{decision ? money(decision.approvedAmount) : ''}</td>
              <td class="line-reasons">{decision?.reasons.join(', ') ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The patient's claims: each claim's status, adjudication (approved amount, reason codes) and payment, live. */
function MyClaims() {
  const [claims, setClaims] = useState<Claim[] | undefined>(undefined);
  const [version] = useClaimVersion();
  useEffect(() => {
    void act('Loading your claims…', async () => {
      const page = await answer(api.GET('/v1/claims', { params: { query: { pageSize: 100 } } }));
      setClaims([...page.items].sort((x, y) => y.submittedAt.localeCompare(x.submittedAt)));
    });
  }, [version]);
  return (
    <section aria-labelledby="my-claims-title">
      <h2 id="my-claims-title">My claims</h2>
      {claims && (
        <ClaimTable
          claims={claims}
          party="insurer"
          caption="Claims for your care: the insurer's decision and payment show as soon as they are committed"
        />
      )}
      {claims?.map((claim) =>
        claim.adjudication ? (
          <ClaimLines key={claim.claimId} claim={claim} caption={`Lines of claim ${claim.claimId}`} />
        ) : null,
      )}
    </section>
  );
}

export const PATIENT_CLAIM_VIEWS = {
  claims: { label: 'My claims', view: MyClaims },
} as const;
