/** The patient's portal: own records, consents, who looked at my data, appointments and claims. */
import { PURPOSES, RECORD_CATEGORIES } from '@ehr/protocol';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { PATIENT_APPOINTMENT_VIEWS } from './appointments';
import { PATIENT_BREAK_GLASS_VIEWS } from './break-glass';
import { PATIENT_CLAIM_VIEWS } from './claims';
import { act, answer, api } from './client';
import { PATIENT_ERASURE_VIEWS } from './erasure';
import { Help } from './help';
import { Messages } from './messages';
import { type RecordBody, RecordTable, type RecordHeader, RecordView, readRecord } from './records';
import { notice, session } from './state';
import {
  type Column,
  DataTable,
  endOfDay,
  useLiveVersion,
  useRereads,
  usePolling,
  when,
  field,
  MemberSelect,
  TextField,
} from './ui';

type Consent = components['schemas']['Consent'];
type AccessEvent = components['schemas']['AccessEvent'];
type OrgProfile = components['schemas']['OrgProfile'];

const RECORD_EVENTS = ['RecordAdded'] as const;
const CONSENT_EVENTS = ['ConsentGranted', 'ConsentRevoked'] as const;
const ANY_EVENT: readonly string[] = [];

function patientId(): string {
  return session.value?.me.attrs['ehr.patientId'] ?? '';
}

function MyRecords() {
  const [records, setRecords] = useState<RecordHeader[] | undefined>(undefined);
  const [opened, setOpened] = useState<RecordBody | undefined>(undefined);
  const version = useLiveVersion(RECORD_EVENTS);
  useEffect(() => {
    void act('Loading your records…', async () => {
      const page = await answer(
        api.GET('/v1/patients/{patientId}/records', {
          params: { path: { patientId: patientId() }, query: { pageSize: 100 } },
        }),
      );
      setRecords(page.items);
    });
  }, [version]);
  const open = async (record: RecordHeader) => {
    const body = await act(`Opening your ${record.category} record…`, () => readRecord(record.recordId, 'treatment'));
    if (body) setOpened(body);
  };
  return (
    <section aria-labelledby="records-title">
      <h2 id="records-title">My records</h2>
      {records && (
        <RecordTable
          rows={records}
          caption="Your records across the consortium"
          actions={(record) => (
            <button
              type="button"
              onClick={() => void open(record)}
              aria-label={`Open ${record.category} record ${record.recordId}`}
            >
              Open
            </button>
          )}
        />
      )}
      {opened && <RecordView body={opened} />}
    </section>
  );
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function GrantForm({ members, onGranted }: { members: OrgProfile[]; onGranted: () => void }) {
  const [mspId, setMspId] = useState('');
  const [practitionerId, setPractitionerId] = useState('');
  const [categories, setCategories] = useState<string[]>(['diagnosis']);
  const [purpose, setPurpose] = useState<(typeof PURPOSES)[number]>('treatment');
  const [until, setUntil] = useState(inDays(90));
  const toggle = (category: string, on: boolean) => {
    setCategories((now) => (on ? [...now, category] : now.filter((c) => c !== category)));
  };
  const grant = async (e: Event) => {
    e.preventDefault();
    const granted = await act('Granting the consent: waiting for the ledger to commit it…', () =>
      answer(
        api.POST('/v1/consents', {
          body: {
            grantee: { mspId, ...(practitionerId ? { practitionerId } : {}) },
            categories: categories as (typeof RECORD_CATEGORIES)[number][],
            purpose,
            validUntil: endOfDay(until),
          },
        }),
      ),
    );
    if (!granted) return;
    notice.value = `Consent granted to ${granted.grantee.mspId}: committed in block ${String(granted.committedBlock)}.`;
    onGranted();
  };
  return (
    <form onSubmit={(e) => void grant(e)} class="card" aria-labelledby="grant-title">
      <h3 id="grant-title">Grant a consent</h3>
      <label for="grant-member">Who: member</label>
      <MemberSelect
        id="grant-member"
        members={members}
        value={mspId}
        onChange={setMspId}
        placeholder="Choose a member…"
      />
      <TextField
        id="grant-practitioner"
        label="Only this practitioner (optional practitioner id)"
        value={practitionerId}
        onValue={setPractitionerId}
        required={false}
      />
      <fieldset>
        <legend>Which records</legend>
        {RECORD_CATEGORIES.map((category) => (
          <label key={category} class="check">
            <input
              type="checkbox"
              checked={categories.includes(category)}
              onChange={(e) => {
                toggle(category, e.currentTarget.checked);
              }}
            />
            {category}
          </label>
        ))}
      </fieldset>
      <label for="grant-purpose">Purpose</label>
      <select
        id="grant-purpose"
        value={purpose}
        onChange={(e) => {
          setPurpose(field(e) as (typeof PURPOSES)[number]);
        }}
      >
        {PURPOSES.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <TextField id="grant-until" label="Until" value={until} onValue={setUntil} type="date" min={inDays(1)} />
      <button type="submit" disabled={categories.length === 0}>
        Grant consent
      </button>
    </form>
  );
}

const CONSENT_COLUMNS: Column<Consent>[] = [
  {
    header: 'Who',
    cell: (c) => (
      <>
        {c.grantee.mspId}
        {c.grantee.practitionerId ? ` (${c.grantee.practitionerId})` : ''}
      </>
    ),
  },
  { header: 'Records', cell: (c) => c.categories.join(', ') },
  { header: 'Purpose', cell: (c) => c.purpose },
  { header: 'Until', cell: (c) => when(c.validUntil) },
  { header: 'Status', cell: (c) => c.status },
];

function MyConsents() {
  const [consents, setConsents] = useState<Consent[] | undefined>(undefined);
  const [members, setMembers] = useState<OrgProfile[]>([]);
  const [version, reread] = useRereads(CONSENT_EVENTS);
  useEffect(() => {
    void act('Loading the members…', async () => {
      setMembers(await answer(api.GET('/v1/orgs')));
    });
  }, []);
  useEffect(() => {
    void act('Loading your consents…', async () => {
      setConsents((await answer(api.GET('/v1/consents', { params: { query: { pageSize: 100 } } }))).items);
    });
  }, [version]);
  const revoke = async (consent: Consent) => {
    const revoked = await act('Revoking the consent: waiting for the ledger to commit it…', () =>
      answer(api.DELETE('/v1/consents/{consentId}', { params: { path: { consentId: consent.consentId } } })),
    );
    if (!revoked) return;
    notice.value = `Consent revoked: committed in block ${String(revoked.committedBlock)}.`;
    reread();
  };
  return (
    <section aria-labelledby="consents-title">
      <h2 id="consents-title">My consents</h2>
      <GrantForm members={members} onGranted={reread} />
      {consents && (
        <DataTable
          caption="Consents you granted"
          columns={CONSENT_COLUMNS}
          rows={consents}
          rowKey={(c) => c.consentId}
          rowAttributes={(c) => ({ 'data-consent': c.consentId })}
          actions={(c) =>
            c.status === 'active' && (
              <button
                type="button"
                class="danger"
                onClick={() => void revoke(c)}
                aria-label={`Revoke the consent for ${c.grantee.mspId}`}
              >
                Revoke
              </button>
            )
          }
          empty="You have granted no consents."
        />
      )}
    </section>
  );
}

const ACCESS_COLUMNS: Column<AccessEvent>[] = [
  { header: 'When', cell: (e) => when(e.time) },
  {
    header: 'Who',
    cell: (e) => (
      <>
        {e.reader.role} {e.reader.practitionerId ?? ''} at {e.reader.mspId}
      </>
    ),
  },
  { header: 'What', cell: (e) => e.resource },
  { header: 'Why', cell: (e) => e.purpose },
  {
    header: 'On what basis',
    cell: (e) => (
      <>
        {e.basis}
        {e.flagged ? ' (flagged for review)' : ''}
      </>
    ),
  },
];

function AccessLog() {
  const [events, setEvents] = useState<AccessEvent[] | undefined>(undefined);
  const [refreshed, setRefreshed] = useState(0);
  const version = useLiveVersion(ANY_EVENT);
  // No event announces a read: the log is re-read on any event, every 10 s, and on demand.
  const poll = useCallback(() => {
    setRefreshed((n) => n + 1);
  }, []);
  usePolling(poll, 10_000);
  useEffect(() => {
    void act('Loading who looked at your data…', async () => {
      setEvents((await answer(api.GET('/v1/access-log', { params: { query: { pageSize: 100 } } }))).items);
    });
  }, [version, refreshed]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Who looked at my data</h2>
      <button type="button" onClick={poll}>
        Refresh
      </button>
      {events && (
        <DataTable
          caption="Every read of your data, oldest first"
          columns={ACCESS_COLUMNS}
          rows={events}
          rowKey={(e) => e.ticketId}
          rowAttributes={(e) => ({ class: e.flagged ? 'flagged' : undefined })}
          empty="Nobody has read your data."
        />
      )}
    </section>
  );
}

export const PATIENT_VIEWS = {
  records: { label: 'My records', view: MyRecords },
  consents: { label: 'Consents', view: MyConsents },
  'access-log': { label: 'Who looked at my data', view: AccessLog },
  ...PATIENT_APPOINTMENT_VIEWS,
  ...PATIENT_CLAIM_VIEWS,
  ...PATIENT_BREAK_GLASS_VIEWS,
  ...PATIENT_ERASURE_VIEWS,
  messages: { label: 'Messages', view: Messages },
  help: { label: 'Help', view: Help },
} as const;
