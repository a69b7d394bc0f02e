/**
 * Break-glass (emergency access). A doctor opens a time-boxed window on a patient with a reason
 * code and a reason, then reads under it (each read is flagged). The patient is told at once,
 * from the event stream, on whatever page they are, and lists the windows on their records with
 * the review's outcome; the patient's home member's admin reads the reason and reviews each
 * window as justified or not.
 */
import { BREAK_GLASS_REASONS, type EventPayloads } from '@ehr/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { type RecordBody, RecordTable, type RecordHeader, RecordView, readRecord } from './records';
import { lastEvent, notice, session } from './state';
import { DataTable, field, inBlock, type TableProps, useRereads, when, TextField, TextArea } from './ui';

type BreakGlass = components['schemas']['BreakGlass'];
type ReasonCode = (typeof BREAK_GLASS_REASONS)[number];
type Opened = EventPayloads['BreakGlassOpened'];

const BREAK_GLASS_EVENTS = ['BreakGlassOpened'] as const;
/** Reviews announce no event: the lists are also re-read this often. */
const REVIEW_POLL_MS = 10_000;

const REASON_LABELS: Record<ReasonCode, string> = {
  unconscious: 'the patient is unconscious',
  'life-threatening': 'life-threatening emergency',
  'patient-unable-to-consent': 'the patient cannot consent',
  other: 'other (say why below)',
};

/** An event's reason code, which a newer chaincode may extend. */
const reasonLabel = (code: string) => (REASON_LABELS as Partial<Record<string, string>>)[code] ?? code;

const doctorOf = (w: { doctor: { mspId: string; practitionerId: string } }) =>
  `doctor ${w.doctor.practitionerId} of ${w.doctor.mspId}`;

function reviewOf(w: BreakGlass): string {
  if (w.review.status === 'pending') return 'awaiting review';
  return `${w.review.status}${w.review.reviewedAt ? `, reviewed ${when(w.review.reviewedAt)}` : ''}`;
}

/** The doctor opens a window with a reason, then reads the patient's records under it. */
function EmergencyAccess() {
  const [patientId, setPatientId] = useState('');
  const [reasonCode, setReasonCode] = useState<ReasonCode>('unconscious');
  const [minutes, setMinutes] = useState('60');
  const [reason, setReason] = useState('');
  const [opened, setOpened] = useState<BreakGlass | undefined>(undefined);
  const [records, setRecords] = useState<RecordHeader[]>([]);
  const [body, setBody] = useState<RecordBody | undefined>(undefined);
  const open = async (e: Event) => {
    e.preventDefault();
    setBody(undefined);
    const id = patientId.trim();
    const window = await act('Breaking the glass: waiting for the ledger to commit the window…', () =>
      answer(
        api.POST('/v1/break-glass', {
          body: { patientId: id, reasonCode, minutes: Number(minutes), reason: reason.trim() },
        }),
      ),
    );
    if (!window) return;
    notice.value = `Break-glass window ${window.breakGlassId} opened on patient ${window.patientId} until ${when(window.expiresAt)}: ${inBlock(window)}.`;
    setOpened(window);
    const page = await act('Loading the patient’s records…', () =>
      answer(
        api.GET('/v1/patients/{patientId}/records', { params: { path: { patientId: id }, query: { pageSize: 100 } } }),
      ),
    );
    if (page) setRecords(page.items);
  };
  const read = async (record: RecordHeader) => {
    setBody(undefined);
    const read = await act('Reading under break-glass: waiting for the ledger to record the access…', () =>
      readRecord(record.recordId, 'treatment', (ticket) => {
        notice.value = `Access granted on the basis "${ticket.basis}"${ticket.flagged ? ' (flagged for review)' : ''}: recorded in block ${String(ticket.committedBlock)}.`;
      }),
    );
    if (read) setBody(read);
  };
  return (
    <section aria-labelledby="emergency-title">
      <h2 id="emergency-title">Emergency access (break the glass)</h2>
      <p>
        Only when the patient needs care now and cannot consent. The patient is told at once, every read is flagged, and
        the patient's hospital reviews the window.
      </p>
      <form onSubmit={(e) => void open(e)} class="card" aria-labelledby="break-title">
        <h3 id="break-title">Open a break-glass window</h3>
        <TextField id="break-patient" label="Patient id" value={patientId} onValue={setPatientId} />
        <label for="break-code">Reason</label>
        <select
          id="break-code"
          value={reasonCode}
          onChange={(e) => {
            setReasonCode(field(e) as ReasonCode);
          }}
        >
          {BREAK_GLASS_REASONS.map((code) => (
            <option key={code} value={code}>
              {REASON_LABELS[code]}
            </option>
          ))}
        </select>
        <TextArea
          id="break-reason"
          label="What happened (the reviewer reads this)"
          value={reason}
          onValue={setReason}
          rows={3}
          maxLength={4000}
        />
        <TextField
          id="break-minutes"
          label="For how many minutes (1 to 240)"
          value={minutes}
          onValue={setMinutes}
          type="number"
          step={1}
        />
        <button type="submit" class="danger">
          Break the glass
        </button>
      </form>
      {opened && (
        <>
          <p>
            Window <code>{opened.breakGlassId}</code> on patient <code>{opened.patientId}</code> is open until{' '}
            {when(opened.expiresAt)}.
          </p>
          <RecordTable
            rows={records}
            caption={`Records of patient ${opened.patientId}`}
            actions={(record) => (
              <button
                type="button"
                onClick={() => void read(record)}
                aria-label={`Read under break-glass: ${record.category} record ${record.recordId}`}
              >
                Read under break-glass
              </button>
            )}
          />
        </>
      )}
      {body && <RecordView body={body} />}
    </section>
  );
}

/**
 * Told at once: every window opened on the patient's records while they are signed in, from
 * the event stream, above whatever view they are on.
 */
export function BreakGlassNotice() {
  const [windows, setWindows] = useState<Opened[]>([]);
  const event = lastEvent.value;
  useEffect(() => {
    if (event?.name !== 'BreakGlassOpened') return;
    const opened = event.payload as unknown as Opened;
    setWindows((now) => (now.some((w) => w.breakGlassId === opened.breakGlassId) ? now : [...now, opened]));
  }, [event]);
  return (
    <div class="breakglass-notices" aria-live="assertive">
      {windows.length > 0 && (
        <section class="card breakglass-notice" aria-labelledby="bg-notice-title">
          <h2 id="bg-notice-title">Someone broke the glass on your records</h2>
          <ul>
            {windows.map((w) => (
              <li key={w.breakGlassId} data-break-glass={w.breakGlassId}>
                {doctorOf(w)} opened emergency access <code>{w.breakGlassId}</code> ({reasonLabel(w.reasonCode)}) until{' '}
                {when(w.expiresAt)}. Every read under it is flagged in "Who looked at my data", and your hospital
                reviews it.
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => {
              setWindows([]);
            }}
          >
            Dismiss
          </button>
        </section>
      )}
    </div>
  );
}

/** The admin's list (with `actions`) names each window's patient; the patient's own does not. */
function WindowTable(table: TableProps<BreakGlass>) {
  return (
    <DataTable
      {...table}
      columns={[
        { header: 'Window', cell: (w) => <code>{w.breakGlassId}</code> },
        table.actions !== undefined && { header: 'Patient', cell: (w) => <code>{w.patientId}</code> },
        { header: 'Who', cell: doctorOf },
        { header: 'Reason', cell: (w) => REASON_LABELS[w.reasonCode] },
        { header: 'Opened', cell: (w) => when(w.openedAt) },
        { header: 'Until', cell: (w) => when(w.expiresAt) },
        { header: 'Review', cell: reviewOf, class: 'review-status' },
      ]}
      rowKey={(w) => w.breakGlassId}
      rowAttributes={(w) => ({ 'data-break-glass': w.breakGlassId })}
    />
  );
}

/** The patient's list of windows opened on their records, with each review's outcome. */
function MyBreakGlass() {
  const [windows, setWindows] = useState<BreakGlass[] | undefined>(undefined);
  const [version, reread] = useRereads(BREAK_GLASS_EVENTS, REVIEW_POLL_MS);
  useEffect(() => {
    const patientId = session.value?.me.attrs['ehr.patientId'] ?? '';
    void act('Loading emergency access to your records…', async () => {
      const page = await answer(
        api.GET('/v1/patients/{patientId}/break-glass', {
          params: { path: { patientId }, query: { pageSize: 100 } },
        }),
      );
      setWindows(page.items);
    });
  }, [version]);
  return (
    <section aria-labelledby="my-bg-title">
      <h2 id="my-bg-title">Emergency access to my records</h2>
      <p>
        In an emergency a doctor may open your records without your consent for a limited time ("break the glass"). You
        are told at once, and your hospital reviews whether it was justified.
      </p>
      <button type="button" onClick={reread}>
        Refresh
      </button>
      {windows?.length === 0 && <p>No one has broken the glass on your records.</p>}
      {windows && windows.length > 0 && (
        <WindowTable rows={windows} caption="Break-glass windows on your records, with their review" />
      )}
    </section>
  );
}

/** The admin reads each pending window's reason and reviews it. */
function BreakGlassReview() {
  const [windows, setWindows] = useState<BreakGlass[] | undefined>(undefined);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [version, reread] = useRereads(BREAK_GLASS_EVENTS);
  useEffect(() => {
    void act('Loading the break-glass windows awaiting review…', async () => {
      const page = await answer(api.GET('/v1/org/break-glass/pending', { params: { query: { pageSize: 100 } } }));
      setWindows(page.items);
    });
  }, [version]);
  const readReason = async (w: BreakGlass) => {
    const read = await act('Reading the reason: waiting for the ledger to record the access…', () =>
      answer(
        api.POST('/v1/break-glass/{breakGlassId}/reason/read', {
          params: { path: { breakGlassId: w.breakGlassId } },
          body: { purpose: 'treatment' },
        }),
      ),
    );
    if (!read) return;
    notice.value = `Reason of ${w.breakGlassId} read: recorded in block ${String(read.committedBlock)}.`;
    setReasons((now) => ({ ...now, [w.breakGlassId]: read.value.reason }));
  };
  const review = async (w: BreakGlass, outcome: 'justified' | 'unjustified') => {
    const reviewed = await act(`Reviewing ${w.breakGlassId}: waiting for the ledger to commit it…`, () =>
      answer(
        api.POST('/v1/patients/{patientId}/break-glass/{breakGlassId}/review', {
          params: { path: { patientId: w.patientId, breakGlassId: w.breakGlassId } },
          body: { outcome },
        }),
      ),
    );
    if (!reviewed) return;
    notice.value = `Break-glass ${w.breakGlassId} reviewed as ${outcome}: ${inBlock(reviewed)}.`;
    reread();
  };
  return (
    <section aria-labelledby="review-title">
      <h2 id="review-title">Break-glass review</h2>
      <p>Emergency access to this member's patients, oldest first. A review is final.</p>
      {windows?.length === 0 && <p>No break-glass window awaits review.</p>}
      {windows && windows.length > 0 && (
        <WindowTable
          rows={windows}
          caption="Windows awaiting review"
          actions={(w) => (
            <div class="actions">
              {reasons[w.breakGlassId] === undefined ? (
                <button
                  type="button"
                  onClick={() => void readReason(w)}
                  aria-label={`Read the reason for ${w.breakGlassId}`}
                >
                  Read the reason
                </button>
              ) : (
                <p class="bg-reason">“{reasons[w.breakGlassId]}”</p>
              )}
              <button
                type="button"
                onClick={() => void review(w, 'justified')}
                aria-label={`Justified: ${w.breakGlassId}`}
              >
                Justified
              </button>
              <button
                type="button"
                class="danger"
                onClick={() => void review(w, 'unjustified')}
                aria-label={`Unjustified: ${w.breakGlassId}`}
              >
                Unjustified
              </button>
            </div>
          )}
        />
      )}
    </section>
  );
}

export const DOCTOR_BREAK_GLASS_VIEWS = {
  emergency: { label: 'Emergency access', view: EmergencyAccess },
} as const;

export const PATIENT_BREAK_GLASS_VIEWS = {
  'break-glass': { label: 'Emergency access', view: MyBreakGlass },
} as const;

export const BREAK_GLASS_REVIEW_VIEWS = {
  'break-glass': { label: 'Break-glass review', view: BreakGlassReview },
} as const;
