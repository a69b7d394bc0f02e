/** Record lists and an opened record, shared by the patient's and the doctor's portals. */
import type { components } from './api';
import { when } from './ui';

export type RecordHeader = components['schemas']['RecordHeader'];
export type RecordBody = components['schemas']['RecordBody'];

export function RecordTable({
  records,
  caption,
  action,
}: {
  records: RecordHeader[];
  caption: string;
  action: (record: RecordHeader) => preact.ComponentChildren;
}) {
  if (records.length === 0) return <p>No records yet.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Category</th>
          <th scope="col">Held by</th>
          <th scope="col">Version</th>
          <th scope="col">Updated</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={record.recordId} data-record={record.recordId}>
            <td>{record.category}</td>
            <td>{record.custodian}</td>
            <td>{record.version}</td>
            <td>{when(record.updatedAt)}</td>
            <td>{action(record)}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
