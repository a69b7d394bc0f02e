/**
 * Claims as the billing clerk, the adjuster and the patient see them: a table of claims with
 * their status, the insurer's adjudication and the payment, and one claim's lines with the
 * amount approved for each and why. Views re-read on the ledger's ClaimStatus events, so an
 * adjudication or a payment made at another member shows without a reload.
 */
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { money } from './money';
import { type Column, DataTable, type TableProps, useRereads, when } from './ui';

export type Claim = components['schemas']['Claim'];
type AdjudicatedLine = NonNullable<Claim['adjudication']>['lines'][number];

const CLAIM_EVENTS = ['ClaimStatus'] as const;

/** Re-reads on ClaimStatus (and BillStatus with `bills`) and after this client's own writes. */
export const useClaimVersion = (bills = false) => useRereads(bills ? BILL_AND_CLAIM_EVENTS : CLAIM_EVENTS);

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

/** The claim columns every party reads; `party` names whose name the "with" column shows. */
function claimColumns(party: 'insurer' | 'provider'): Column<Claim>[] {
  return [
    { header: 'Claim', cell: (claim) => <code>{claim.claimId}</code> },
    { header: 'Patient', cell: (claim) => <code>{claim.patientId}</code> },
    { header: party === 'insurer' ? 'Insurer' : 'Provider', cell: (claim) => claim[party] },
    { header: 'Claimed', cell: (claim) => money(claim.claimedAmount) },
    { header: 'Status', cell: (claim) => claim.status, class: 'claim-status' },
    { header: 'Adjudication', cell: decisionOf, class: 'claim-decision' },
    { header: 'Payment', cell: paymentOf, class: 'claim-payment' },
  ];
}

export function ClaimTable({
  party,
  ...table
}: TableProps<Claim> & {
  /** Whose name the "with" column shows: the insurer (provider and patient views) or the provider. */
  party: 'insurer' | 'provider';
}) {
  return (
    <DataTable
      {...table}
      columns={claimColumns(party)}
      rowKey={(claim) => claim.claimId}
      rowAttributes={(claim) => ({ 'data-claim': claim.claimId })}
      empty="No claims."
    />
  );
}

const LINE_COLUMNS: Column<{ line: Claim['lines'][number]; decision: AdjudicatedLine | undefined }>[] = [
  { header: 'Record (document)', cell: ({ line }) => <code>{line.recordId}</code> },
  {
    header: 'Content hash',
    cell: ({ line }) => <code title={line.contentHash}>{line.contentHash.slice(0, 12)}…</code>,
  },
  { header: 'Category', cell: ({ line }) => line.category },
  { header: 'Claimed', cell: ({ line }) => money(line.amount) },
  {
    header: 'Approved',
    cell: ({ decision }) => (decision ? money(decision.approvedAmount) : ''),
    class: 'line-approved',
  },
  { header: 'Reason codes', cell: ({ decision }) => decision?.reasons.join(', ') ?? '', class: 'line-reasons' },
];

/** One claim's lines: the document (record and its hash) each cites, what was claimed and what is approved. */
export function ClaimLines({ claim, caption }: { claim: Claim; caption: string }) {
  const decided = new Map((claim.adjudication?.lines ?? []).map((line) => [line.recordId, line]));
  return (
    <DataTable
      class="claim-lines"
      caption={caption}
      columns={LINE_COLUMNS}
      rows={claim.lines.map((line) => ({ line, decision: decided.get(line.recordId) }))}
      rowKey={({ line }) => line.recordId}
      rowAttributes={({ line }) => ({ 'data-line': line.recordId })}
    />
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
          rows={claims}
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
