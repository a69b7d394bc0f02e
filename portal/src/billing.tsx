/**
 * The billing clerk's portal: the member's claims, followed live to the insurer's adjudication
 * and payment; a claim submitted with its documents (the patient's records it cites, by id and
 * content hash, and what each line was); the member's bills, a bill issued for completed care,
 * and a claim made from a bill.
 */
import { BILL_BASIS_KINDS } from '@ehr/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { type Claim, ClaimLines, ClaimTable, useClaimVersion } from './claims';
import { money, parseBillItems, toCents } from './money';
import type { RecordHeader } from './records';
import { notice } from './state';
import { type Column, DataTable, field, when, TextField, TextArea } from './ui';

type Policy = components['schemas']['Policy'];
type Bill = components['schemas']['Bill'];
type BasisKind = (typeof BILL_BASIS_KINDS)[number];

/** What the clerk typed for one of the patient's records: claimed when `amount` is filled in. */
interface LineDraft {
  amount: string;
  description: string;
  code: string;
}

const today = () => new Date().toISOString().slice(0, 10);

/** The lines and their details for the records the clerk put an amount against. */
function linesOf(records: RecordHeader[], drafts: Record<string, LineDraft>) {
  const chosen = records.filter((r) => (drafts[r.recordId]?.amount.trim() ?? '') !== '');
  if (chosen.length === 0) throw new Error('put an amount against at least one record to claim for it');
  const lines = chosen.map((r) => ({
    recordId: r.recordId,
    contentHash: r.contentHash,
    category: r.category,
    amount: toCents(drafts[r.recordId]?.amount ?? '', `the amount for record ${r.recordId}`),
  }));
  const details = chosen.map((r) => {
    const draft = drafts[r.recordId];
    const typed = draft?.description.trim() ?? '';
    const description = typed === '' ? `${r.category} (record ${r.recordId})` : typed;
    const code = draft?.code.trim();
    return { recordId: r.recordId, description, ...(code ? { code } : {}) };
  });
  return { lines, details };
}

function RecordLines({
  records,
  drafts,
  onChange,
}: {
  records: RecordHeader[];
  drafts: Record<string, LineDraft>;
  onChange: (recordId: string, draft: LineDraft) => void;
}) {
  const input = (record: RecordHeader, name: keyof LineDraft, label: string) => {
    const draft = drafts[record.recordId] ?? { amount: '', description: '', code: '' };
    return (
      <input
        aria-label={`${label} for record ${record.recordId}`}
        value={draft[name]}
        inputMode={name === 'amount' ? 'decimal' : undefined}
        onInput={(e) => {
          onChange(record.recordId, { ...draft, [name]: field(e) });
        }}
      />
    );
  };
  return (
    <DataTable
      caption="The patient's records: put an amount against each one the claim cites as its document"
      columns={[
        { header: 'Record', cell: (record) => <code>{record.recordId}</code> },
        { header: 'Category', cell: (record) => record.category },
        { header: 'Held by', cell: (record) => record.custodian },
        { header: 'Updated', cell: (record) => when(record.updatedAt) },
        { header: 'Amount', cell: (record) => input(record, 'amount', 'Amount') },
        { header: 'Description', cell: (record) => input(record, 'description', 'Description') },
        { header: 'Code', cell: (record) => input(record, 'code', 'Code') },
      ]}
      rows={records}
      rowKey={(record) => record.recordId}
      rowAttributes={(record) => ({ 'data-record': record.recordId })}
      empty="This patient has no records to claim for."
    />
  );
}

/** A claim for a patient's care: the policy, the service date, and the records it cites with amounts. */
function ClaimForm({ onSubmitted }: { onSubmitted: () => void }) {
  const [patientId, setPatientId] = useState('');
  const [found, setFound] = useState<{ patientId: string; records: RecordHeader[]; policies: Policy[] } | undefined>(
    undefined,
  );
  const [policyId, setPolicyId] = useState('');
  const [serviceDate, setServiceDate] = useState(today());
  const [drafts, setDrafts] = useState<Record<string, LineDraft>>({});
  const [notes, setNotes] = useState('');
  const find = async (e: Event) => {
    e.preventDefault();
    setFound(undefined);
    const loaded = await act("Reading the patient's records and policies…", async () => {
      const path = { patientId: patientId.trim() };
      const [records, policies] = await Promise.all([
        answer(api.GET('/v1/patients/{patientId}/records', { params: { path, query: { pageSize: 100 } } })),
        answer(
          api.GET('/v1/patients/{patientId}/policies', { params: { path, query: { active: true, pageSize: 100 } } }),
        ),
      ]);
      return { patientId: path.patientId, records: records.items, policies: policies.items };
    });
    if (!loaded) return;
    setFound(loaded);
    setDrafts({});
    setPolicyId(loaded.policies[0]?.policyId ?? '');
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!found) return;
    const created = await act('Submitting the claim: waiting for the ledger to commit it…', async () => {
      const { lines, details } = linesOf(found.records, drafts);
      return answer(
        api.POST('/v1/claims', {
          body: {
            claim: {
              policyId: policyId.trim(),
              patientId: found.patientId,
              serviceDate: `${serviceDate}T12:00:00Z`,
              lines,
            },
            lineDetails: { lines: details, ...(notes.trim() ? { notes: notes.trim() } : {}) },
          },
        }),
      );
    });
    if (!created) return;
    notice.value = `Claim ${created.claimId} submitted to ${created.insurer} for ${money(created.claimedAmount)}: committed in block ${String(created.committedBlock)}.`;
    setDrafts({});
    setNotes('');
    onSubmitted();
  };
  return (
    <div class="card">
      <h3 id="claim-title">Submit a claim</h3>
      <form onSubmit={(e) => void find(e)} aria-labelledby="claim-title">
        <TextField id="claim-patient" label="Patient id" value={patientId} onValue={setPatientId} />
        <button type="submit">Find the patient's records and policies</button>
      </form>
      {found && (
        <form onSubmit={(e) => void submit(e)} aria-label={`Claim for patient ${found.patientId}`}>
          <p class="policies">
            {found.policies.length === 0
              ? 'No active policy of this patient is on the ledger: type the policy number from their insurance card.'
              : `Active policies: ${found.policies.map((p) => `${p.policyId} (${p.plan}, ${p.insurer})`).join('; ')}.`}
          </p>
          <TextField
            id="claim-policy"
            label="Policy number"
            value={policyId}
            onValue={setPolicyId}
            list="claim-policies"
          />
          <datalist id="claim-policies">
            {found.policies.map((p) => (
              <option key={p.policyId} value={p.policyId}>
                {p.plan}
              </option>
            ))}
          </datalist>
          <TextField id="claim-date" label="Service date" value={serviceDate} onValue={setServiceDate} type="date" />
          <RecordLines
            records={found.records}
            drafts={drafts}
            onChange={(recordId, draft) => {
              setDrafts({ ...drafts, [recordId]: draft });
            }}
          />
          <TextArea
            id="claim-notes"
            label="Notes for the insurer (optional)"
            value={notes}
            onValue={setNotes}
            rows={2}
            required={false}
          />
          <button type="submit">Submit the claim</button>
        </form>
      )}
    </div>
  );
}

/** The member's claims: submit one, follow each to its adjudication and payment. */
function BillingClaims() {
  const [claims, setClaims] = useState<Claim[] | undefined>(undefined);
  const [opened, setOpened] = useState<Claim | undefined>(undefined);
  const [version, reread] = useClaimVersion();
  useEffect(() => {
    void act('Loading the claims…', async () => {
      const page = await answer(api.GET('/v1/org/claims', { params: { query: { pageSize: 100 } } }));
      const items = [...page.items].sort((x, y) => y.submittedAt.localeCompare(x.submittedAt));
      setClaims(items);
      setOpened((current) => items.find((c) => c.claimId === current?.claimId));
    });
  }, [version]);
  return (
    <section aria-labelledby="billing-claims-title">
      <h2 id="billing-claims-title">Claims</h2>
      <ClaimForm onSubmitted={reread} />
      {claims && (
        <ClaimTable
          rows={claims}
          party="insurer"
          caption="This member's claims; the insurer's decisions and payments show as they are committed"
          actions={(claim) => (
            <button
              type="button"
              onClick={() => {
                setOpened(claim);
              }}
              aria-label={`Show the lines of claim ${claim.claimId}`}
            >
              Lines
            </button>
          )}
        />
      )}
      {opened && <ClaimLines claim={opened} caption={`Lines of claim ${opened.claimId}`} />}
    </section>
  );
}

function BillForm({ onIssued }: { onIssued: () => void }) {
  const [patientId, setPatientId] = useState('');
  const [kind, setKind] = useState<BasisKind>('appointment');
  const [basisId, setBasisId] = useState('');
  const [items, setItems] = useState('');
  const issue = async (e: Event) => {
    e.preventDefault();
    const issued = await act('Issuing the bill: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/bills', {
          body: { patientId: patientId.trim(), basis: { kind, id: basisId.trim() }, items: parseBillItems(items) },
        }),
      ),
    );
    if (!issued) return;
    notice.value = `Bill ${issued.billId} for ${money(issued.total)} issued: committed in block ${String(issued.committedBlock)}.`;
    setItems('');
    onIssued();
  };
  return (
    <form onSubmit={(e) => void issue(e)} class="card" aria-labelledby="bill-title">
      <h3 id="bill-title">Issue a bill</h3>
      <TextField id="bill-patient" label="Patient id" value={patientId} onValue={setPatientId} />
      <label for="bill-kind">For a completed</label>
      <select
        id="bill-kind"
        value={kind}
        onChange={(e) => {
          setKind(field(e) as BasisKind);
        }}
      >
        {BILL_BASIS_KINDS.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <TextField id="bill-basis" label="Its id (APT-… or LAB-…)" value={basisId} onValue={setBasisId} />
      <TextArea
        id="bill-items"
        label={
          'Items, one a line as "category amount description", optionally ending with [record id] (e.g. procedure 120.50 Appendectomy [REC-…])'
        }
        value={items}
        onValue={setItems}
        rows={3}
      />
      <button type="submit">Issue the bill</button>
    </form>
  );
}

function ClaimBillForm({ bill, onClaimed }: { bill: Bill; onClaimed: () => void }) {
  const [policyId, setPolicyId] = useState('');
  const claim = async (e: Event) => {
    e.preventDefault();
    const created = await act('Claiming the bill: waiting for the ledger to commit the claim…', () =>
      answer(
        api.POST('/v1/bills/{billId}/claims', {
          params: { path: { billId: bill.billId } },
          body: { policyId: policyId.trim() },
        }),
      ),
    );
    if (!created) return;
    notice.value = `Claim ${created.claimId} made from bill ${bill.billId} for ${money(created.claimedAmount)}: committed in block ${String(created.committedBlock)}.`;
    onClaimed();
  };
  return (
    <form onSubmit={(e) => void claim(e)} class="card" aria-labelledby="bill-claim-title">
      <h3 id="bill-claim-title">Claim bill {bill.billId} from the patient's insurer</h3>
      <TextField id="bill-claim-policy" label="Policy number" value={policyId} onValue={setPolicyId} />
      <button type="submit">Claim the bill</button>
    </form>
  );
}

const BILL_COLUMNS: Column<Bill>[] = [
  { header: 'Bill', cell: (bill) => <code>{bill.billId}</code> },
  { header: 'Patient', cell: (bill) => <code>{bill.patientId}</code> },
  {
    header: 'For',
    cell: (bill) => (
      <>
        {bill.basis.kind} <code>{bill.basis.id}</code>
      </>
    ),
  },
  { header: 'Total', cell: (bill) => money(bill.total) },
  { header: 'Covered', cell: (bill) => money(bill.covered) },
  { header: 'Paid', cell: (bill) => money(bill.paid) },
  { header: 'Remaining', cell: (bill) => money(bill.remaining) },
  { header: 'Status', cell: (bill) => bill.status },
];

/** The member's bills, with the insurers' share and what remains; issue one, claim one. */
function BillingBills() {
  const [bills, setBills] = useState<Bill[] | undefined>(undefined);
  const [claiming, setClaiming] = useState<Bill | undefined>(undefined);
  const [version, reread] = useClaimVersion(true);
  useEffect(() => {
    void act('Loading the bills…', async () => {
      const page = await answer(api.GET('/v1/org/bills', { params: { query: { pageSize: 100 } } }));
      setBills([...page.items].sort((x, y) => y.issuedAt.localeCompare(x.issuedAt)));
    });
  }, [version]);
  return (
    <section aria-labelledby="bills-title">
      <h2 id="bills-title">Bills</h2>
      <BillForm onIssued={reread} />
      {bills && (
        <DataTable
          caption="This member's bills; covered shares and payments show as they are committed"
          columns={BILL_COLUMNS}
          rows={bills}
          rowKey={(bill) => bill.billId}
          rowAttributes={(bill) => ({ 'data-bill': bill.billId })}
          actions={(bill) =>
            bill.status === 'issued' && (
              <button
                type="button"
                onClick={() => {
                  setClaiming(bill);
                }}
                aria-label={`Claim bill ${bill.billId} from the insurer`}
              >
                Claim
              </button>
            )
          }
          empty="No bills."
        />
      )}
      {claiming && (
        <ClaimBillForm
          key={claiming.billId}
          bill={claiming}
          onClaimed={() => {
            setClaiming(undefined);
            reread();
          }}
        />
      )}
    </section>
  );
}

export const BILLING_VIEWS = {
  claims: { label: 'Claims', view: BillingClaims },
  bills: { label: 'Bills', view: BillingBills },
} as const;
