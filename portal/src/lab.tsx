/**
 * Lab orders. The doctor orders tests for a patient from a lab and follows each order's status
 * to its result; the lab technician works the lab's queue: reads what to test, accepts or
 * rejects, starts, posts the result. Both views re-read on the ledger's LabOrderStatus and
 * ResultReady events, so a move made at the other member shows without a reload.
 */
import { LAB_PRIORITIES } from '@ehr/protocol';
import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { parseLabTests } from './lab-tests';
import { type RecordBody, RecordView, readRecord } from './records';
import { notice, session } from './state';
import {
  type Column,
  DataTable,
  type TableProps,
  useRereads,
  when,
  field,
  MemberSelect,
  TextField,
  TextArea,
} from './ui';

type LabOrder = components['schemas']['LabOrder'];
type OrgProfile = components['schemas']['OrgProfile'];
type LabDetails = components['schemas']['LabOrderDetailsHeld'];
type Priority = (typeof LAB_PRIORITIES)[number];

const LAB_EVENTS = ['LabOrderStatus', 'ResultReady'] as const;

/** The orders this doctor placed in this session: a completed one leaves the open list, not this view. */
const placed = signal<string[]>([]);

const ORDER_COLUMNS: Column<LabOrder>[] = [
  { header: 'Order', cell: (order) => <code>{order.orderId}</code> },
  { header: 'Patient', cell: (order) => <code>{order.patientId}</code> },
  { header: 'Priority', cell: (order) => order.priority },
  {
    header: 'Status',
    cell: (order) => (
      <>
        {order.status}
        {order.rejectionReason && `: ${order.rejectionReason}`}
      </>
    ),
    class: 'order-status',
  },
  {
    header: 'Lab / ordered by',
    cell: (order) => (
      <>
        {order.lab} / {order.orderingOrg}
      </>
    ),
  },
  { header: 'Updated', cell: (order) => when(order.updatedAt) },
];

function OrderTable(table: TableProps<LabOrder>) {
  return (
    <DataTable
      {...table}
      columns={ORDER_COLUMNS}
      rowKey={(order) => order.orderId}
      rowAttributes={(order) => ({ 'data-order': order.orderId })}
      empty="No lab orders."
    />
  );
}

function OrderForm({ labs, onOrdered }: { labs: OrgProfile[]; onOrdered: (orderId: string) => void }) {
  const [patientId, setPatientId] = useState('');
  const [labMspId, setLabMspId] = useState('');
  const [tests, setTests] = useState('');
  const [priority, setPriority] = useState<Priority>('routine');
  const [notes, setNotes] = useState('');
  const order = async (e: Event) => {
    e.preventDefault();
    const created = await act('Ordering the tests: waiting for the ledger to commit the order…', () =>
      answer(
        api.POST('/v1/lab-orders', {
          body: {
            patientId: patientId.trim(),
            labMspId,
            priority,
            details: { tests: parseLabTests(tests), ...(notes.trim() ? { notes: notes.trim() } : {}) },
          },
        }),
      ),
    );
    if (!created) return;
    notice.value = `Lab order ${created.orderId} placed: committed in block ${String(created.committedBlock)}.`;
    setTests('');
    setNotes('');
    onOrdered(created.orderId);
  };
  return (
    <form onSubmit={(e) => void order(e)} class="card" aria-labelledby="order-title">
      <h3 id="order-title">Order lab tests</h3>
      <TextField id="order-patient" label="Patient id" value={patientId} onValue={setPatientId} />
      <label for="order-lab">Lab</label>
      <MemberSelect id="order-lab" members={labs} value={labMspId} onChange={setLabMspId} placeholder="Choose a lab…" />
      <TextArea
        id="order-tests"
        label={'Tests, one a line as "CODE name" (e.g. IGE total IgE)'}
        value={tests}
        onValue={setTests}
        rows={3}
      />
      <label for="order-priority">Priority</label>
      <select
        id="order-priority"
        value={priority}
        onChange={(e) => {
          setPriority(field(e) as Priority);
        }}
      >
        {LAB_PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <TextArea
        id="order-notes"
        label="Notes for the lab (optional)"
        value={notes}
        onValue={setNotes}
        rows={2}
        required={false}
      />
      <button type="submit">Place the order</button>
    </form>
  );
}

/** The doctor's lab orders: order tests, follow each order live, read its result once ready. */
function DoctorLabOrders() {
  const [labs, setLabs] = useState<OrgProfile[]>([]);
  const [orders, setOrders] = useState<LabOrder[] | undefined>(undefined);
  const [version, reread] = useRereads(LAB_EVENTS);
  useEffect(() => {
    void act('Loading the labs…', async () => {
      setLabs((await answer(api.GET('/v1/orgs'))).filter((m) => m.kind === 'lab'));
    });
  }, []);
  useEffect(() => {
    void act('Loading your lab orders…', async () => {
      const open = (await answer(api.GET('/v1/lab-orders/open', { params: { query: { pageSize: 100 } } }))).items;
      const known = new Set(open.map((o) => o.orderId));
      const closed = await Promise.all(
        placed.value
          .filter((orderId) => !known.has(orderId))
          .map((orderId) => answer(api.GET('/v1/lab-orders/{orderId}', { params: { path: { orderId } } }))),
      );
      setOrders([...closed, ...open].sort((x, y) => y.createdAt.localeCompare(x.createdAt)));
    });
  }, [version]);
  return (
    <section aria-labelledby="lab-orders-title">
      <h2 id="lab-orders-title">Lab orders</h2>
      <OrderForm
        labs={labs}
        onOrdered={(orderId) => {
          placed.value = [...placed.value, orderId];
          reread();
        }}
      />
      {orders && (
        <OrdersWithResults
          orders={orders}
          caption="My lab orders (open, and those placed in this session); statuses update live"
        />
      )}
    </section>
  );
}

/** The result of a completed order, read with an audited access (the ordering doctor's basis). */
async function readLabResult(order: LabOrder): Promise<RecordBody | undefined> {
  const recordId = order.resultRecordId;
  if (!recordId) return undefined;
  return act('Requesting access to the result: waiting for the ledger to record it…', () =>
    readRecord(recordId, 'treatment', (ticket) => {
      notice.value = `Access to the result granted on the basis "${ticket.basis}": recorded in block ${String(ticket.committedBlock)}.`;
    }),
  );
}

function ReadResultButton({ order, onRead }: { order: LabOrder; onRead: (order: LabOrder) => Promise<void> }) {
  if (order.status !== 'completed' || !order.resultRecordId) return null;
  return (
    <button
      type="button"
      onClick={() => void onRead(order)}
      aria-label={`Read the result of lab order ${order.orderId}`}
    >
      Read the result
    </button>
  );
}

/** The doctor's orders, each completed one with a button that reads its result, shown under the table. */
function OrdersWithResults({ orders, caption }: { orders: LabOrder[]; caption: string }) {
  const [result, setResult] = useState<RecordBody | undefined>(undefined);
  const readResult = async (order: LabOrder) => {
    setResult(undefined);
    const body = await readLabResult(order);
    if (body) setResult(body);
  };
  return (
    <>
      <OrderTable
        rows={orders}
        caption={caption}
        actions={(order) => <ReadResultButton order={order} onRead={readResult} />}
      />
      {result && <RecordView body={result} />}
    </>
  );
}

/**
 * Every lab order this doctor placed for the patients in their care, done ones included (the
 * open list drops an order once it is completed or rejected): read per patient, since the
 * ledger keeps no index of a doctor's closed orders.
 */
function PastLabOrders() {
  const [orders, setOrders] = useState<LabOrder[] | undefined>(undefined);
  const [version] = useRereads(LAB_EVENTS);
  useEffect(() => {
    void act('Loading your lab orders…', async () => {
      const me = session.value?.me.attrs['ehr.practitionerId'];
      const patients = (await answer(api.GET('/v1/my-patients', { params: { query: { pageSize: 100 } } }))).items;
      const pages = await Promise.all(
        patients.map((p) =>
          answer(
            api.GET('/v1/patients/{patientId}/lab-orders', {
              params: { path: { patientId: p.patientId }, query: { pageSize: 100 } },
            }),
          ),
        ),
      );
      const mine = new Map<string, LabOrder>();
      for (const order of pages.flatMap((page) => page.items))
        if (order.orderingDoctor === me) mine.set(order.orderId, order);
      setOrders([...mine.values()].sort((x, y) => y.createdAt.localeCompare(x.createdAt)));
    });
  }, [version]);
  return (
    <section aria-labelledby="past-orders-title">
      <h2 id="past-orders-title">All my lab orders</h2>
      {orders && (
        <OrdersWithResults
          orders={orders}
          caption="Lab orders I placed for the patients in my care, done ones included, latest first"
        />
      )}
    </section>
  );
}

function ResultForm({ order, onPosted }: { order: LabOrder; onPosted: () => void }) {
  const [findings, setFindings] = useState('');
  const [notes, setNotes] = useState('');
  const post = async (e: Event) => {
    e.preventDefault();
    const posted = await act('Posting the result: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/lab-orders/{orderId}/result', {
          params: { path: { orderId: order.orderId } },
          body: { body: { diagnosis: findings.trim(), ...(notes.trim() ? { notes: notes.trim() } : {}) } },
        }),
      ),
    );
    if (!posted) return;
    notice.value = `Result of lab order ${order.orderId} posted as record ${posted.recordId}: committed in block ${String(posted.committedBlock)}.`;
    onPosted();
  };
  return (
    <form onSubmit={(e) => void post(e)} class="card" aria-labelledby="result-title">
      <h3 id="result-title">Result of lab order {order.orderId}</h3>
      <TextArea id="result-findings" label="Findings" value={findings} onValue={setFindings} rows={3} />
      <TextArea id="result-notes" label="Notes (optional)" value={notes} onValue={setNotes} rows={2} required={false} />
      <button type="submit">Post the result</button>
    </form>
  );
}

function RejectForm({ order, onRejected }: { order: LabOrder; onRejected: () => void }) {
  const [reason, setReason] = useState('');
  const reject = async (e: Event) => {
    e.preventDefault();
    const moved = await act('Rejecting the order: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/lab-orders/{orderId}/status', {
          params: { path: { orderId: order.orderId } },
          body: { action: 'reject', reason: reason.trim() },
        }),
      ),
    );
    if (!moved) return;
    notice.value = `Lab order ${order.orderId} rejected: committed in block ${String(moved.committedBlock)}.`;
    onRejected();
  };
  return (
    <form onSubmit={(e) => void reject(e)} class="card" aria-labelledby="reject-title">
      <h3 id="reject-title">Reject lab order {order.orderId}</h3>
      <TextField
        id="reject-reason"
        label="Reason (the ordering doctor sees it)"
        value={reason}
        onValue={setReason}
        maxLength={200}
      />
      <button type="submit">Reject the order</button>
    </form>
  );
}

const NEXT: Partial<Record<LabOrder['status'], { action: 'accept' | 'start'; label: string }>> = {
  ordered: { action: 'accept', label: 'Accept' },
  accepted: { action: 'start', label: 'Start' },
};

/** The lab technician's queue: what each order asks for, and its moves to a result. */
function LabQueue() {
  const [orders, setOrders] = useState<LabOrder[] | undefined>(undefined);
  const [details, setDetails] = useState<LabDetails | undefined>(undefined);
  const [form, setForm] = useState<{ kind: 'result' | 'reject'; order: LabOrder } | undefined>(undefined);
  const [version, reread] = useRereads(LAB_EVENTS);
  useEffect(() => {
    void act('Loading the queue…', async () => {
      const page = await answer(api.GET('/v1/lab-orders/queue', { params: { query: { pageSize: 100 } } }));
      setOrders(page.items.filter((o) => o.status !== 'completed' && o.status !== 'rejected'));
    });
  }, [version]);
  const done = () => {
    setForm(undefined);
    reread();
  };
  const readDetails = async (order: LabOrder) => {
    setDetails(undefined);
    const read = await act('Reading what the order asks for (an audited read)…', () =>
      answer(
        api.POST('/v1/lab-orders/{orderId}/details/read', { params: { path: { orderId: order.orderId } }, body: {} }),
      ),
    );
    if (read) setDetails(read.value);
  };
  const move = async (order: LabOrder, action: 'accept' | 'start') => {
    const moved = await act(
      `${action === 'accept' ? 'Accepting' : 'Starting'} the order: waiting for the ledger…`,
      () =>
        answer(
          api.POST('/v1/lab-orders/{orderId}/status', {
            params: { path: { orderId: order.orderId } },
            body: { action },
          }),
        ),
    );
    if (!moved) return;
    notice.value = `Lab order ${order.orderId} ${action === 'accept' ? 'accepted' : 'started'}: committed in block ${String(moved.committedBlock)}.`;
    reread();
  };
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Incoming lab orders</h2>
      {orders && (
        <OrderTable
          rows={orders}
          caption="Orders for this lab still to do; new orders appear live"
          actions={(order) => {
            const next = NEXT[order.status];
            return (
              <div class="actions">
                <button
                  type="button"
                  onClick={() => void readDetails(order)}
                  aria-label={`Read the tests of lab order ${order.orderId}`}
                >
                  Tests
                </button>
                {next && (
                  <button
                    type="button"
                    onClick={() => void move(order, next.action)}
                    aria-label={`${next.label} lab order ${order.orderId}`}
                  >
                    {next.label}
                  </button>
                )}
                {order.status === 'in-progress' && (
                  <button
                    type="button"
                    onClick={() => {
                      setForm({ kind: 'result', order });
                    }}
                    aria-label={`Post the result of lab order ${order.orderId}`}
                  >
                    Post the result
                  </button>
                )}
                {(order.status === 'ordered' || order.status === 'accepted') && (
                  <button
                    type="button"
                    onClick={() => {
                      setForm({ kind: 'reject', order });
                    }}
                    aria-label={`Reject lab order ${order.orderId}`}
                  >
                    Reject
                  </button>
                )}
              </div>
            );
          }}
        />
      )}
      {details && (
        <div class="card" aria-labelledby="details-title">
          <h3 id="details-title">Tests of lab order {details.orderId}</h3>
          <ul class="lab-tests">
            {details.tests.map((t) => (
              <li key={t.code}>
                <code>{t.code}</code> {t.name}
              </li>
            ))}
          </ul>
          {details.notes && <p class="lab-notes">Notes: {details.notes}</p>}
        </div>
      )}
      {form?.kind === 'result' && <ResultForm key={form.order.orderId} order={form.order} onPosted={done} />}
      {form?.kind === 'reject' && <RejectForm key={form.order.orderId} order={form.order} onRejected={done} />}
    </section>
  );
}

export const DOCTOR_LAB_VIEWS = {
  lab: { label: 'Lab orders', view: DoctorLabOrders },
  'all-lab-orders': { label: 'All my lab orders', view: PastLabOrders },
} as const;

export const LABTECH_VIEWS = {
  queue: { label: 'Lab queue', view: LabQueue },
} as const;
