/** Record lists and an opened record, shared by the patient's and the doctor's portals. */
import type { components } from './api';
import { type Column, DataTable, type TableProps, when } from './ui';

export type RecordHeader = components['schemas']['RecordHeader'];
export type RecordBody = components['schemas']['RecordBody'];

const RECORD_COLUMNS: Column<RecordHeader>[] = [
  { header: 'Category', cell: (record) => record.category },
  { header: 'Held by', cell: (record) => record.custodian },
  { header: 'Version', cell: (record) => record.version },
  { header: 'Updated', cell: (record) => when(record.updatedAt) },
];

export function RecordTable(table: TableProps<RecordHeader>) {
  return (
    <DataTable
      {...table}
      columns={RECORD_COLUMNS}
      rowKey={(record) => record.recordId}
      rowAttributes={(record) => ({ 'data-record': record.recordId })}
      empty="No records yet."
    />
  );
}

/** The clinical content of a record, as read (the read is in the patient's access log). */
export function RecordView({ body }: { body: RecordBody }) {
  return (
    <article class="card record" aria-labelledby="record-title">
      <h3 id="record-title">
        {body.category} record {body.recordId} (version {body.version})
      </h3>
      <dl>
        {body.diagnosis !== undefined && (
          <>
            <dt>Diagnosis</dt>
            <dd>{body.diagnosis}</dd>
          </>
        )}
        {body.medication !== undefined && (
          <>
            <dt>Medication</dt>
            <dd>{body.medication.join(', ')}</dd>
          </>
        )}
        {body.suggestion !== undefined && (
          <>
            <dt>Suggestion</dt>
            <dd>{body.suggestion}</dd>
          </>
        )}
        {body.nextReview !== undefined && (
          <>
            <dt>Next review</dt>
            <dd>{when(body.nextReview)}</dd>
          </>
        )}
        {body.notes !== undefined && (
          <>
            <dt>Notes</dt>
            <dd>{body.notes}</dd>
          </>
        )}
      </dl>
    </article>
  );
}
