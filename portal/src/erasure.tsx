/**
 * Erasure. The patient reads what erasure does and asks for it; the members that hold their
 * data (their home hospital and every member holding something of theirs) each approve, and
 * each approval purges that member's private copies. The patient follows the request to
 * `approved`; each required member's admin approves it from their own queue.
 */
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { notice } from './state';
import { DataTable, inBlock, type TableProps, useRereads, when } from './ui';

type ErasureRequest = components['schemas']['ErasureRequest'];

const ERASURE_EVENTS = ['ErasureRequested'] as const;
/** Approvals announce no event: the patient's list is also re-read this often. */
const APPROVAL_POLL_MS = 10_000;

function waitingFor(r: ErasureRequest): string[] {
  return r.required.filter((mspId) => !r.approvals.some((a) => a.mspId === mspId));
}

function statusOf(r: ErasureRequest): string {
  if (r.status === 'approved') return 'approved: erased by every member that held your data';
  return `${r.status}: waiting for ${waitingFor(r).join(', ')}`;
}

function Approvals({ request }: { request: ErasureRequest }) {
  if (request.approvals.length === 0) return <>none yet</>;
  return (
    <ul>
      {request.approvals.map((a) => (
        <li key={a.mspId}>
          {a.mspId}, {when(a.approvedAt)}: {a.purgedKeys} private values purged
        </li>
      ))}
    </ul>
  );
}

/** The admin's list (with `actions`) names each request's patient; the patient's own does not. */
function RequestTable(table: TableProps<ErasureRequest>) {
  return (
    <DataTable
      {...table}
      columns={[
        { header: 'Request', cell: (r) => <code>{r.requestId}</code> },
        table.actions !== undefined && { header: 'Patient', cell: (r) => <code>{r.patientId}</code> },
        { header: 'Asked', cell: (r) => when(r.requestedAt) },
        { header: 'Must approve', cell: (r) => r.required.join(', ') },
        { header: 'Approvals', cell: (r) => <Approvals request={r} /> },
        { header: 'Status', cell: statusOf, class: 'erasure-status' },
      ]}
      rowKey={(r) => r.requestId}
      rowAttributes={(r) => ({ 'data-erasure': r.requestId })}
    />
  );
}

/** The patient: what erasure does, the request, and its status. */
function EraseMyData() {
  const [requests, setRequests] = useState<ErasureRequest[] | undefined>(undefined);
  const [understood, setUnderstood] = useState(false);
  const [version, reread] = useRereads(ERASURE_EVENTS, APPROVAL_POLL_MS);
  useEffect(() => {
    void act('Loading your erasure requests…', async () => {
      setRequests((await answer(api.GET('/v1/erasure-requests', { params: { query: { pageSize: 100 } } }))).items);
    });
  }, [version]);
  const request = async (e: Event) => {
    e.preventDefault();
    const asked = await act('Requesting erasure: waiting for the ledger to commit it…', () =>
      answer(api.POST('/v1/erasure-requests')),
    );
    if (!asked) return;
    notice.value = `Erasure requested (request ${asked.requestId}, to be approved by ${asked.required.join(', ')}): ${inBlock(asked)}.`;
    setUnderstood(false);
    reread();
  };
  const open = requests?.some((r) => r.status !== 'approved') ?? false;
  return (
    <section aria-labelledby="erase-title">
      <h2 id="erase-title">Erase my data</h2>
      <div class="card" id="erase-explained">
        <h3>What erasure does</h3>
        <ul>
          <li>
            Every member that holds private data of yours must approve: your home hospital, and every hospital, lab or
            insurer holding something of yours. The request lists them.
          </li>
          <li>
            Each approval permanently deletes that member's private copies: the content of your records, who you are
            (name, date of birth, contact), appointment reasons, feedback comments, lab order details, break-glass
            reasons, bill items and claim lines. It cannot be undone.
          </li>
          <li>
            What stays on the shared ledger holds no medical content: that a record existed (its category, holder and
            dates, and a fingerprint of it), consents, claims, and the log of who read your data and why. Reads of the
            erased data are refused from then on.
          </li>
          <li>Once your home hospital approves, your patient entry is marked erased: no new records can be added.</li>
        </ul>
      </div>
      <form onSubmit={(e) => void request(e)} class="card" aria-describedby="erase-explained">
        <label class="check">
          <input
            type="checkbox"
            checked={understood}
            onChange={(e) => {
              setUnderstood(e.currentTarget.checked);
            }}
          />
          I understand that erasure deletes my data for good
        </label>
        <button type="submit" class="danger" disabled={!understood || open}>
          Request erasure
        </button>
        {open && <p>Your request is being approved; you can ask again once it is done.</p>}
      </form>
      <button type="button" onClick={reread}>
        Refresh
      </button>
      {requests?.length === 0 && <p>You have not asked for erasure.</p>}
      {requests && requests.length > 0 && <RequestTable rows={requests} caption="Your erasure requests" />}
    </section>
  );
}

/** The admin approves the requests that await this member. */
function ErasureApprovals() {
  const [requests, setRequests] = useState<ErasureRequest[] | undefined>(undefined);
  const [version, reread] = useRereads(ERASURE_EVENTS);
  useEffect(() => {
    void act('Loading the erasure requests awaiting approval…', async () => {
      setRequests((await answer(api.GET('/v1/org/erasure-requests', { params: { query: { pageSize: 100 } } }))).items);
    });
  }, [version]);
  const approve = async (r: ErasureRequest) => {
    const approved = await act(`Approving ${r.requestId}: purging this member's data of the patient…`, () =>
      answer(
        api.POST('/v1/patients/{patientId}/erasure-requests/{requestId}/approval', {
          params: { path: { patientId: r.patientId, requestId: r.requestId } },
        }),
      ),
    );
    if (!approved) return;
    const mine = approved.approvals.at(-1);
    notice.value = `Erasure request ${r.requestId} approved (${String(mine?.purgedKeys ?? 0)} private values purged here, request now ${approved.status}): ${inBlock(approved)}.`;
    reread();
  };
  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">Erasure requests</h2>
      <p>
        Approving purges, at once and for good, every private value this member holds of the patient; the patient's
        public entries and the audit trail stay.
      </p>
      {requests?.length === 0 && <p>No erasure request awaits this member.</p>}
      {requests && requests.length > 0 && (
        <RequestTable
          rows={requests}
          caption="Requests awaiting this member's approval"
          actions={(r) => (
            <button
              type="button"
              class="danger"
              onClick={() => void approve(r)}
              aria-label={`Approve erasure request ${r.requestId}`}
            >
              Approve
            </button>
          )}
        />
      )}
    </section>
  );
}

export const PATIENT_ERASURE_VIEWS = {
  erasure: { label: 'Erase my data', view: EraseMyData },
} as const;

export const ERASURE_APPROVAL_VIEWS = {
  erasure: { label: 'Erasure requests', view: ErasureApprovals },
} as const;
