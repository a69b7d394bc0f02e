/** The doctor's portal: find a patient and read their records; the schedule; write records; lab orders. */
import { PURPOSES } from '@ehr/protocol';
import { useState } from 'preact/hooks';
import type { components } from './api';
import { DOCTOR_APPOINTMENT_VIEWS } from './appointments';
import { DOCTOR_BREAK_GLASS_VIEWS } from './break-glass';
import { act, answer, api } from './client';
import { Help } from './help';
import { DOCTOR_LAB_VIEWS } from './lab';
import { DOCTOR_RECORD_VIEWS } from './record-writer';
import { Messages } from './messages';
import { type RecordBody, RecordTable, type RecordHeader, RecordView, readRecord } from './records';
import { notice } from './state';
import { field, TextField } from './ui';

type PatientEntry = components['schemas']['PatientEntry'];
type Purpose = (typeof PURPOSES)[number];

function FindPatient() {
  const [patientId, setPatientId] = useState('');
  const [patient, setPatient] = useState<PatientEntry | undefined>(undefined);
  const [records, setRecords] = useState<RecordHeader[]>([]);
  const [purpose, setPurpose] = useState<Purpose>('treatment');
  const [opened, setOpened] = useState<RecordBody | undefined>(undefined);
  const find = async (e: Event) => {
    e.preventDefault();
    setPatient(undefined);
    setOpened(undefined);
    const found = await act('Finding the patient…', async () => {
      const path = { patientId: patientId.trim() };
      const entry = await answer(api.GET('/v1/patients/{patientId}', { params: { path } }));
      const page = await answer(
        api.GET('/v1/patients/{patientId}/records', { params: { path, query: { pageSize: 100 } } }),
      );
      return { entry, items: page.items };
    });
    if (found) {
      setPatient(found.entry);
      setRecords(found.items);
    }
  };
  const read = async (record: RecordHeader) => {
    setOpened(undefined);
    const body = await act(`Requesting access for ${purpose}: waiting for the ledger to record it…`, () =>
      readRecord(record.recordId, purpose, (ticket) => {
        notice.value = `Access granted on the basis "${ticket.basis}": recorded in block ${String(ticket.committedBlock)}.`;
      }),
    );
    if (body) setOpened(body);
  };
  return (
    <section aria-labelledby="find-title">
      <h2 id="find-title">Find a patient</h2>
      <form onSubmit={(e) => void find(e)} class="card">
        <TextField
          id="find-patient"
          label="Patient id (the patient tells you theirs)"
          value={patientId}
          onValue={setPatientId}
        />
        <button type="submit">Find</button>
      </form>
      {patient && (
        <>
          <p>
            Patient <strong>{patient.patientId}</strong>, registered at {patient.homeOrg} ({patient.status}).
          </p>
          <label for="read-purpose">Purpose of reading</label>
          <select
            id="read-purpose"
            value={purpose}
            onChange={(e) => {
              setPurpose(field(e) as Purpose);
            }}
          >
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <RecordTable
            rows={records}
            caption={`Records of patient ${patient.patientId}`}
            actions={(record) => (
              <button
                type="button"
                onClick={() => void read(record)}
                aria-label={`Request access and read ${record.category} record ${record.recordId}`}
              >
                Request access and read
              </button>
            )}
          />
        </>
      )}
      {opened && <RecordView body={opened} />}
    </section>
  );
}

export const DOCTOR_VIEWS = {
  patients: { label: 'Find a patient', view: FindPatient },
  ...DOCTOR_APPOINTMENT_VIEWS,
  ...DOCTOR_RECORD_VIEWS,
  ...DOCTOR_LAB_VIEWS,
  ...DOCTOR_BREAK_GLASS_VIEWS,
  messages: { label: 'Messages', view: Messages },
  help: { label: 'Help', view: Help },
} as const;
