/**
 * The adjuster's portal: the insurer's queue of claims, live; a claim opened with what each line
 * was (an audited read) and the adjudication the insurer's own peer computes for it (amounts and
 * reason codes, nothing committed), which the adjuster then commits (approve or deny as the
 * policy's rules decide); payment of an approved claim; the policies of a patient, issued and
 * ended here.
 */
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { type Claim, ClaimLines, ClaimTable, useClaimVersion } from './claims';
import { money, parseCoverage, toCents, toPercent } from './money';
import { notice } from './state';
import { type Column, DataTable, endOfDay, field, when, TextField } from './ui';

type Policy = components['schemas']['Policy'];
type LineDetails = components['schemas']['ClaimLineDetails'];

/** The decision a preview or a committed adjudication makes, in words. */
function verdict(claim: Claim): string {
  const decided = claim.adjudication;
  if (!decided) return 'no decision';
  const reasons = decided.reasons.length > 0 ? ` with reason codes ${decided.reasons.join(', ')}` : '';
  if (decided.approvedAmount === 0) return `deny: nothing of ${money(claim.claimedAmount)} approved${reasons}`;
  // As the chaincode's statusOf: in full when no line has a reason code (co-pay and coverage apart).
  const how = decided.reasons.length === 0 ? 'approve' : 'approve in part';
  return `${how}: ${money(decided.approvedAmount)} of ${money(claim.claimedAmount)}${reasons}`;
}

function PaymentForm({ claim, onPaid }: { claim: Claim; onPaid: () => void }) {
  const [paymentRef, setPaymentRef] = useState('');
  const pay = async (e: Event) => {
    e.preventDefault();
    const paid = await act('Recording the payment: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/claims/{claimId}/payment', {
          params: { path: { claimId: claim.claimId } },
          body: { paymentRef: paymentRef.trim() },
        }),
      ),
    );
    if (!paid) return;
    notice.value = `Payment ${paymentRef.trim()} of claim ${claim.claimId} recorded: committed in block ${String(paid.committedBlock)}.`;
    onPaid();
  };
  return (
    <form onSubmit={(e) => void pay(e)} aria-labelledby="payment-title">
      <h4 id="payment-title">Record the payment of {money(claim.adjudication?.approvedAmount ?? 0)}</h4>
      <TextField
        id="payment-ref"
        label="Payment reference (letters, digits, - and _)"
        value={paymentRef}
        onValue={setPaymentRef}
        maxLength={64}
      />
      <button type="submit">Record the payment</button>
    </form>
  );
}

function ClaimFacts({ claim, verdict: decision, open }: { claim: Claim; verdict: string; open: boolean }) {
  return (
    <dl>
      <dt>Patient</dt>
      <dd>
        <code>{claim.patientId}</code>
      </dd>
      <dt>Policy</dt>
      <dd>
        <code>{claim.policyId}</code>
      </dd>
      <dt>Provider</dt>
      <dd>{claim.provider}</dd>
      <dt>Service date</dt>
      <dd>{when(claim.serviceDate)}</dd>
      <dt>Status</dt>
      <dd class="case-status">{claim.status}</dd>
      <dt>{open ? "The insurer's rules decide" : 'Decision'}</dt>
      <dd class="case-verdict">{decision}</dd>
    </dl>
  );
}

function LineDetailsList({ details }: { details: LineDetails }) {
  return (
    <ul class="claim-details">
      {details.lines.map((line) => (
        <li key={line.recordId}>
          <code>{line.recordId}</code>: {line.description}
          {line.code && ` (code ${line.code})`}
        </li>
      ))}
      {details.notes && <li>Notes: {details.notes}</li>}
    </ul>
  );
}

/** One claim: its documents, what each line was, the insurer's computed decision, and the moves left. */
function ClaimCase({ claim, onChanged }: { claim: Claim; onChanged: () => void }) {
  const [details, setDetails] = useState<LineDetails | undefined>(undefined);
  const [preview, setPreview] = useState<Claim | undefined>(undefined);
  const open = claim.status === 'submitted';
  useEffect(() => {
    setPreview(undefined);
    if (!open) return;
    void act("Computing the adjudication on the insurer's peer…", async () => {
      setPreview(
        await answer(api.GET('/v1/claims/{claimId}/adjudication', { params: { path: { claimId: claim.claimId } } })),
      );
    });
  }, [claim.claimId, open]);
  const readDetails = async () => {
    const read = await act('Reading what each line was (an audited read)…', () =>
      answer(
        api.POST('/v1/claims/{claimId}/lines/read', {
          params: { path: { claimId: claim.claimId } },
          body: { purpose: 'insurance-claim' },
        }),
      ),
    );
    if (read) setDetails(read.value.details);
  };
  const decide = async () => {
    const decided = await act('Committing the adjudication: waiting for the ledger…', () =>
      answer(api.POST('/v1/claims/{claimId}/adjudication', { params: { path: { claimId: claim.claimId } } })),
    );
    if (!decided) return;
    notice.value = `Claim ${claim.claimId} ${decided.status}: ${money(decided.adjudication?.approvedAmount ?? 0)} approved, committed in block ${String(decided.committedBlock)}.`;
    onChanged();
  };
  const shown = preview ?? claim;
  return (
    <div class="card claim-case" aria-labelledby="case-title">
      <h3 id="case-title">Claim {claim.claimId}</h3>
      <ClaimFacts claim={claim} verdict={preview || !open ? verdict(shown) : 'computing…'} open={open} />
      <ClaimLines
        claim={shown}
        caption={open ? "Lines, with the adjudication the insurer's peer computes (not committed yet)" : 'Lines'}
      />
      <button type="button" onClick={() => void readDetails()}>
        Read what each line was
      </button>
      {details && <LineDetailsList details={details} />}
      {open && preview && (
        <div class="actions">
          <button type="button" onClick={() => void decide()}>
            {preview.status === 'rejected' ? 'Deny the claim' : 'Approve the claim'}
          </button>
        </div>
      )}
      {(claim.status === 'approved' || claim.status === 'partially-approved') && (
        <PaymentForm key={claim.claimId} claim={claim} onPaid={onChanged} />
      )}
    </div>
  );
}

/** The insurer's queue: every claim submitted to it, newest first, updated live. */
function ClaimQueue() {
  const [claims, setClaims] = useState<Claim[] | undefined>(undefined);
  const [openedId, setOpenedId] = useState<string | undefined>(undefined);
  const [version, reread] = useClaimVersion();
  useEffect(() => {
    void act('Loading the claim queue…', async () => {
      const page = await answer(api.GET('/v1/claims/queue', { params: { query: { pageSize: 100 } } }));
      setClaims([...page.items].sort((x, y) => y.submittedAt.localeCompare(x.submittedAt)));
    });
  }, [version]);
  const opened = claims?.find((c) => c.claimId === openedId);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Claim queue</h2>
      {claims && (
        <ClaimTable
          rows={claims}
          party="provider"
          caption="Claims submitted to this insurer; new claims and changes appear live"
          actions={(claim) => (
            <button
              type="button"
              onClick={() => {
                setOpenedId(claim.claimId);
              }}
              aria-label={`Open claim ${claim.claimId}`}
            >
              Open
            </button>
          )}
        />
      )}
      {opened && <ClaimCase key={opened.claimId} claim={opened} onChanged={reread} />}
    </section>
  );
}

function PolicyForm({ patientId, onIssued }: { patientId: string; onIssued: () => void }) {
  const [plan, setPlan] = useState('');
  const [coverage, setCoverage] = useState('');
  const [copay, setCopay] = useState('0');
  const [limit, setLimit] = useState('');
  const [from, setFrom] = useState(new Date().toISOString().slice(0, 10));
  const [until, setUntil] = useState('');
  const issue = async (e: Event) => {
    e.preventDefault();
    const issued = await act('Issuing the policy: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/policies', {
          body: {
            patientId,
            terms: {
              plan: plan.trim(),
              coverage: parseCoverage(coverage),
              copayPercent: toPercent(copay, 'the co-pay'),
              annualLimit: toCents(limit, 'the annual limit'),
              validFrom: `${from}T00:00:00Z`,
              validUntil: endOfDay(until),
            },
          },
        }),
      ),
    );
    if (!issued) return;
    notice.value = `Policy ${issued.policyId} issued to patient ${patientId}: committed in block ${String(issued.committedBlock)}.`;
    onIssued();
  };
  const text = (id: string, label: string, value: string, set: (v: string) => void, date = false) => {
    const onInput = (e: Event) => {
      set(field(e));
    };
    return (
      <>
        <label for={id}>{label}</label>
        {date ? (
          <input id={id} type="date" required value={value} onInput={onInput} />
        ) : (
          <input id={id} required value={value} onInput={onInput} />
        )}
      </>
    );
  };
  return (
    <form onSubmit={(e) => void issue(e)} class="card" aria-labelledby="policy-title">
      <h3 id="policy-title">Issue a policy to patient {patientId}</h3>
      {text('policy-plan', 'Plan', plan, setPlan)}
      {text(
        'policy-coverage',
        'Coverage, as "category percent" pairs (e.g. procedure 80, diagnosis 50)',
        coverage,
        setCoverage,
      )}
      {text('policy-copay', 'Co-pay percent', copay, setCopay)}
      {text('policy-limit', 'Annual limit (e.g. 10000.00)', limit, setLimit)}
      {text('policy-from', 'Valid from', from, setFrom, true)}
      {text('policy-until', 'Valid until', until, setUntil, true)}
      <button type="submit">Issue the policy</button>
    </form>
  );
}

const POLICY_COLUMNS: Column<Policy>[] = [
  { header: 'Policy', cell: (policy) => <code>{policy.policyId}</code> },
  { header: 'Plan', cell: (policy) => policy.plan },
  {
    header: 'Coverage',
    cell: (policy) =>
      Object.entries(policy.coverage)
        .map(([category, share]) => `${category} ${String(share)} %`)
        .join(', '),
  },
  { header: 'Co-pay', cell: (policy) => <>{policy.copayPercent} %</> },
  { header: 'Annual limit', cell: (policy) => money(policy.annualLimit) },
  {
    header: 'Valid',
    cell: (policy) => (
      <>
        {when(policy.validFrom)} – {when(policy.validUntil)}
      </>
    ),
  },
  { header: 'Status', cell: (policy) => policy.status, class: 'policy-status' },
];

/** A patient's policies with this insurer: issue one, end one. */
function Policies() {
  const [patientId, setPatientId] = useState('');
  const [shown, setShown] = useState<string | undefined>(undefined);
  const [policies, setPolicies] = useState<Policy[] | undefined>(undefined);
  const [written, setWritten] = useState(0);
  useEffect(() => {
    if (!shown) return;
    void act("Loading the patient's policies…", async () => {
      const page = await answer(
        api.GET('/v1/patients/{patientId}/policies', {
          params: { path: { patientId: shown }, query: { pageSize: 100 } },
        }),
      );
      setPolicies(page.items);
    });
  }, [shown, written]);
  const changed = () => {
    setWritten((n) => n + 1);
  };
  const end = async (policy: Policy) => {
    const ended = await act('Ending the policy: waiting for the ledger to commit it…', () =>
      answer(api.DELETE('/v1/policies/{policyId}', { params: { path: { policyId: policy.policyId } } })),
    );
    if (!ended) return;
    notice.value = `Policy ${policy.policyId} ended: committed in block ${String(ended.committedBlock)}.`;
    changed();
  };
  return (
    <section aria-labelledby="policies-title">
      <h2 id="policies-title">Policies</h2>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          setPolicies(undefined);
          setShown(patientId.trim());
        }}
      >
        <TextField id="policies-patient" label="Patient id" value={patientId} onValue={setPatientId} />
        <button type="submit">Show the patient's policies</button>
      </form>
      {shown && policies && (
        <DataTable
          caption={`Policies of patient ${shown} with this insurer`}
          columns={POLICY_COLUMNS}
          rows={policies}
          rowKey={(policy) => policy.policyId}
          rowAttributes={(policy) => ({ 'data-policy': policy.policyId })}
          actions={(policy) =>
            policy.status === 'active' && (
              <button
                type="button"
                class="danger"
                onClick={() => void end(policy)}
                aria-label={`End policy ${policy.policyId}`}
              >
                End
              </button>
            )
          }
          empty={`Patient ${shown} has no policy with this insurer.`}
        />
      )}
      {shown && <PolicyForm key={shown} patientId={shown} onIssued={changed} />}
    </section>
  );
}

export const ADJUSTER_VIEWS = {
  queue: { label: 'Claim queue', view: ClaimQueue },
  policies: { label: 'Policies', view: Policies },
} as const;
