/** Record lists, the audited read of a record and an opened record, shared by the portals. */
import type { PURPOSES } from '@ehr/protocol';
import type { components } from './api';
import { answer, api } from './client';
import { type Column, DataTable, type TableProps, when } from './ui';

export type RecordHeader = components['schemas']['RecordHeader'];
export type RecordBody = components['schemas']['RecordBody'];
type AccessTicket = components['schemas']['AccessTicketCommitted'];

/**
 * A record's content, read the only way the gateway serves it: an access for `purpose` (which
 * the ledger records, or refuses), then the body under that ticket. `granted` sees the ticket
 * before the body is read, so a view can name the access's basis and block.
 */
export async function readRecord(
  recordId: string,
  purpose: (typeof PURPOSES)[number],
  granted?: (ticket: AccessTicket) => void,
): Promise<RecordBody> {
  const ticket = await answer(
    api.POST('/v1/records/{recordId}/access', { params: { path: { recordId } }, body: { purpose } }),
  );
  granted?.(ticket);
  return answer(
    api.GET('/v1/records/{recordId}/body/{ticketId}', { params: { path: { recordId, ticketId: ticket.ticketId } } }),
  );
}

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
