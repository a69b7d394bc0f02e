/**
 * The doctor writes records: adds one for a patient (a category and its clinical content) and
 * amends one, which adds a version (the ledger keeps every version's hash and transaction, shown
 * as the record's versions). Amending starts from the current content, read with an audited
 * access as any read is. The patient's record list re-reads on RecordAdded.
 */
import { RECORD_CATEGORIES } from '@ehr/protocol';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { fieldsOf, NO_FIELDS, recordContentOf, type RecordFields } from './record-fields';
import { type RecordBody, type RecordHeader, RecordTable, readRecord } from './records';
import { notice } from './state';
import { type Column, DataTable, field, useLiveVersion, when, TextField } from './ui';

type Category = (typeof RECORD_CATEGORIES)[number];
type RecordVersion = components['schemas']['RecordVersion'];

const RECORD_EVENTS = ['RecordAdded'] as const;

/** The clinical fields of a record, shared by the add and amend forms (ids prefixed by `id`). */
function ContentFields({
  id,
  fields,
  onChange,
}: {
  id: string;
  fields: RecordFields;
  onChange: (fields: RecordFields) => void;
}) {
  const set = (name: keyof RecordFields) => (e: Event) => {
    onChange({ ...fields, [name]: field(e) });
  };
  return (
    <>
      <label for={`${id}-diagnosis`}>Diagnosis</label>
      <input id={`${id}-diagnosis`} maxLength={2000} value={fields.diagnosis} onInput={set('diagnosis')} />
      <label for={`${id}-medication`}>Medication, one a line</label>
      <textarea id={`${id}-medication`} rows={2} value={fields.medication} onInput={set('medication')} />
      <label for={`${id}-suggestion`}>Suggestion</label>
      <textarea
        id={`${id}-suggestion`}
        rows={2}
        maxLength={4000}
        value={fields.suggestion}
        onInput={set('suggestion')}
      />
      <label for={`${id}-review`}>Next review</label>
      <input id={`${id}-review`} type="date" value={fields.nextReview} onInput={set('nextReview')} />
      <label for={`${id}-notes`}>Notes</label>
      <textarea id={`${id}-notes`} rows={3} maxLength={16000} value={fields.notes} onInput={set('notes')} />
    </>
  );
}

function AddForm({ patientId, onAdded }: { patientId: string; onAdded: (recordId: string) => void }) {
  const [category, setCategory] = useState<Category>('diagnosis');
  const [fields, setFields] = useState<RecordFields>(NO_FIELDS);
  const add = async (e: Event) => {
    e.preventDefault();
    const added = await act('Adding the record: waiting for the ledger to commit it…', () =>
      answer(api.POST('/v1/records', { body: { patientId, category, body: recordContentOf(fields) } })),
    );
    if (!added) return;
    notice.value = `Record ${added.recordId} added (version ${String(added.version)}): committed in block ${String(added.committedBlock)}.`;
    setFields(NO_FIELDS);
    onAdded(added.recordId);
  };
  return (
    <form onSubmit={(e) => void add(e)} class="card" aria-labelledby="add-title">
      <h3 id="add-title">Add a record for patient {patientId}</h3>
      <label for="add-category">Category</label>
      <select
        id="add-category"
        value={category}
        onChange={(e) => {
          setCategory(field(e) as Category);
        }}
      >
        {RECORD_CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <ContentFields id="add" fields={fields} onChange={setFields} />
      <button type="submit">Add the record</button>
    </form>
  );
}

function AmendForm({ current, onAmended }: { current: RecordBody; onAmended: (recordId: string) => void }) {
  const [fields, setFields] = useState<RecordFields>(fieldsOf(current));
  const amend = async (e: Event) => {
    e.preventDefault();
    const amended = await act('Amending the record: waiting for the ledger to commit the new version…', () =>
      answer(
        api.POST('/v1/records/{recordId}/versions', {
          params: { path: { recordId: current.recordId } },
          // Attachments are not edited here: the new version keeps the current ones.
          body: {
            body: {
              ...recordContentOf(fields),
              ...(current.attachments ? { attachments: current.attachments } : {}),
            },
          },
        }),
      ),
    );
    if (!amended) return;
    notice.value = `Record ${amended.recordId} amended: version ${String(amended.version)} committed in block ${String(amended.committedBlock)}.`;
    onAmended(amended.recordId);
  };
  return (
    <form onSubmit={(e) => void amend(e)} class="card" aria-labelledby="amend-title">
      <h3 id="amend-title">
        Amend {current.category} record {current.recordId} (now version {current.version})
      </h3>
      <ContentFields id="amend" fields={fields} onChange={setFields} />
      <button type="submit">Save as a new version</button>
    </form>
  );
}

const VERSION_COLUMNS: Column<RecordVersion>[] = [
  { header: 'Version', cell: (v) => v.version },
  { header: 'Author', cell: (v) => v.author },
  { header: 'Published', cell: (v) => when(v.publishedAt) },
  { header: 'Content hash', cell: (v) => <code title={v.contentHash}>{v.contentHash.slice(0, 12)}…</code> },
  { header: 'Transaction', cell: (v) => <code title={v.txId}>{v.txId.slice(0, 12)}…</code> },
];

function Versions({ recordId, versions }: { recordId: string; versions: RecordVersion[] }) {
  return (
    <DataTable
      class="record-versions"
      caption={`Versions of record ${recordId}`}
      columns={VERSION_COLUMNS}
      rows={versions}
      rowKey={(v) => v.version}
      rowAttributes={(v) => ({ 'data-version': v.version })}
    />
  );
}

/** A patient's records, to add one or amend one, with the versions of the one last touched. */
function WriteRecords() {
  const [patientId, setPatientId] = useState('');
  const [shown, setShown] = useState<string | undefined>(undefined);
  const [records, setRecords] = useState<RecordHeader[] | undefined>(undefined);
  const [amending, setAmending] = useState<RecordBody | undefined>(undefined);
  const [versions, setVersions] = useState<{ recordId: string; items: RecordVersion[] } | undefined>(undefined);
  const live = useLiveVersion(RECORD_EVENTS);
  const [written, setWritten] = useState(0);
  useEffect(() => {
    if (!shown) return;
    void act('Loading the records…', async () => {
      const page = await answer(
        api.GET('/v1/patients/{patientId}/records', {
          params: { path: { patientId: shown }, query: { pageSize: 100 } },
        }),
      );
      setRecords(page.items);
    });
  }, [shown, live, written]);
  const showVersions = useCallback(async (recordId: string) => {
    const items = await act(`Loading the versions of record ${recordId}…`, () =>
      answer(api.GET('/v1/records/{recordId}/versions', { params: { path: { recordId } } })),
    );
    if (items) setVersions({ recordId, items });
  }, []);
  const afterWrite = (recordId: string) => {
    setAmending(undefined);
    setWritten((n) => n + 1);
    void showVersions(recordId);
  };
  const startAmending = async (record: RecordHeader) => {
    setAmending(undefined);
    const body = await act('Reading the current version to amend it (an audited read)…', () =>
      readRecord(record.recordId, 'treatment'),
    );
    if (body) setAmending(body);
  };
  return (
    <section aria-labelledby="write-title">
      <h2 id="write-title">Write records</h2>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          setAmending(undefined);
          setVersions(undefined);
          setShown(patientId.trim());
        }}
      >
        <TextField id="write-patient" label="Patient id" value={patientId} onValue={setPatientId} />
        <button type="submit">Show the records</button>
      </form>
      {shown && records && (
        <>
          <RecordTable
            rows={records}
            caption={`Records of patient ${shown}`}
            actions={(record) => (
              <div class="actions">
                <button
                  type="button"
                  onClick={() => void startAmending(record)}
                  aria-label={`Amend ${record.category} record ${record.recordId}`}
                >
                  Amend
                </button>
                <button
                  type="button"
                  onClick={() => void showVersions(record.recordId)}
                  aria-label={`Versions of ${record.category} record ${record.recordId}`}
                >
                  Versions
                </button>
              </div>
            )}
          />
          {amending && (
            <AmendForm
              key={`${amending.recordId}-${String(amending.version)}`}
              current={amending}
              onAmended={afterWrite}
            />
          )}
          {versions && <Versions recordId={versions.recordId} versions={versions.items} />}
          <AddForm key={shown} patientId={shown} onAdded={afterWrite} />
        </>
      )}
    </section>
  );
}

export const DOCTOR_RECORD_VIEWS = {
  'write-records': { label: 'Write records', view: WriteRecords },
} as const;
