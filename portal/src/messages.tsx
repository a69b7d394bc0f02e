/**
 * Secure messages for patients and doctors: the conversations the user takes part in, one
 * opened, a reply, and a new message (a patient to a doctor of their hospital or its staff; a
 * doctor to a patient by id). Messages stay with the patient's hospital (its gateway), never on
 * the ledger; a doctor's opening is an audited access the ledger must allow. New messages show
 * without a reload (the gateway's MessagePosted event).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { notice, session } from './state';
import { type Column, DataTable, field, useLiveVersion, when, TextField, TextArea } from './ui';

type Summary = components['schemas']['ConversationSummary'];
type View = components['schemas']['ConversationView'];
type Practitioner = components['schemas']['Practitioner'];
type Author = components['schemas']['MessageEntry']['from'];

const MESSAGE_EVENTS = ['MessagePosted'] as const;

function me() {
  const user = session.value?.me;
  return {
    role: user?.role ?? '',
    patientId: user?.attrs['ehr.patientId'] ?? '',
    practitionerId: user?.attrs['ehr.practitionerId'] ?? '',
  };
}

/** Who the other party of a conversation is, as this user sees it. */
function otherParty(c: Pick<Summary, 'patientId' | 'with'>): string {
  if (me().role === 'doctor') return `Patient ${c.patientId}`;
  return c.with.kind === 'doctor' ? `Dr ${c.with.practitionerId ?? ''}` : "The hospital's staff";
}

function authorLabel(from: Author): string {
  const { patientId, practitionerId } = me();
  if ((from.role === 'patient' && from.id === patientId) || (from.role === 'doctor' && from.id === practitionerId))
    return 'You';
  if (from.role === 'doctor') return `Dr ${from.id}`;
  if (from.role === 'patient') return `Patient ${from.id}`;
  return "The hospital's staff";
}

/** The outcome of a staff member's opening, when it recorded an access on the ledger. */
function accessNotice(view: View): void {
  if (view.access?.recorded)
    notice.value = `Access to the messages of patient ${view.conversation.patientId} on the basis "${view.access.basis}": recorded in block ${String(view.committedBlock)}.`;
}

function NewMessage({ onSent }: { onSent: (view: View) => void }) {
  const { role, patientId } = me();
  const [doctors, setDoctors] = useState<Practitioner[]>([]);
  const [to, setTo] = useState('');
  const [patient, setPatient] = useState('');
  const [text, setText] = useState('');
  useEffect(() => {
    if (role !== 'patient') return;
    void act('Loading your hospital’s doctors…', async () => {
      const entry = await answer(api.GET('/v1/patients/{patientId}', { params: { path: { patientId } } }));
      const all = await answer(
        api.GET('/v1/orgs/{mspId}/practitioners', { params: { path: { mspId: entry.homeOrg } } }),
      );
      setDoctors(all.filter((p) => p.role === 'doctor' && p.status === 'active'));
    });
  }, [role, patientId]);
  const send = async (e: Event) => {
    e.preventDefault();
    const body =
      role === 'patient' ? { text, ...(to ? { practitionerId: to } : {}) } : { text, patientId: patient.trim() };
    const sent = await act('Sending the message…', () => answer(api.POST('/v1/conversations', { body })));
    if (!sent) return;
    notice.value = `Message sent to ${otherParty(sent.conversation)}: kept by the hospital, not on the ledger.`;
    accessNotice(sent);
    setText('');
    onSent(sent);
  };
  return (
    <form onSubmit={(e) => void send(e)} class="card" aria-labelledby="new-message-title">
      <h3 id="new-message-title">New message</h3>
      {role === 'patient' ? (
        <>
          <label for="message-to">To</label>
          <select
            id="message-to"
            value={to}
            onChange={(e) => {
              setTo(field(e));
            }}
          >
            <option value="">The hospital's staff</option>
            {doctors.map((d) => (
              <option key={d.practitionerId} value={d.practitionerId}>
                Dr {d.practitionerId}
                {d.specialty ? ` (${d.specialty})` : ''}
              </option>
            ))}
          </select>
        </>
      ) : (
        <>
          <TextField id="message-patient" label="Patient id" value={patient} onValue={setPatient} />
        </>
      )}
      <TextArea id="message-text" label="Message" value={text} onValue={setText} rows={4} maxLength={4000} />
      <button type="submit">Send</button>
    </form>
  );
}

function ConversationView({ view, onReplied }: { view: View; onReplied: (view: View) => void }) {
  const [text, setText] = useState('');
  const { conversation } = view;
  const reply = async (e: Event) => {
    e.preventDefault();
    const sent = await act('Sending the reply…', () =>
      answer(
        api.POST('/v1/conversations/{conversationId}/messages', {
          params: { path: { conversationId: conversation.conversationId } },
          body: { text },
        }),
      ),
    );
    if (!sent) return;
    notice.value = `Reply sent to ${otherParty(conversation)}: kept by the hospital, not on the ledger.`;
    accessNotice(sent);
    setText('');
    onReplied(sent);
  };
  return (
    <section class="card conversation" aria-labelledby="conversation-title">
      <h3 id="conversation-title">Conversation with {otherParty(conversation)}</h3>
      <ol class="messages" aria-label="Messages">
        {conversation.messages.map((m) => (
          <li key={m.messageId} class={`message from-${m.from.role}`}>
            <p class="message-from">
              {authorLabel(m.from)} · <time dateTime={m.at}>{when(m.at)}</time>
            </p>
            <p class="message-text">{m.text}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => void reply(e)}>
        <TextArea id="reply-text" label="Your reply" value={text} onValue={setText} rows={3} maxLength={4000} />
        <button type="submit">Send the reply</button>
      </form>
    </section>
  );
}

const CONVERSATION_COLUMNS: Column<Summary>[] = [
  { header: 'With', cell: otherParty },
  { header: 'Messages', cell: (c) => c.messageCount, class: 'message-count' },
  { header: 'Last from', cell: (c) => c.lastFrom },
  { header: 'Updated', cell: (c) => when(c.updatedAt) },
];

export function Messages() {
  const [conversations, setConversations] = useState<Summary[] | undefined>(undefined);
  const [openId, setOpenId] = useState<string | undefined>(undefined);
  const [opened, setOpened] = useState<View | undefined>(undefined);
  const version = useLiveVersion(MESSAGE_EVENTS);
  // Re-read after this client's own writes too.
  const [written, setWritten] = useState(0);
  const show = useCallback((view: View) => {
    setOpenId(view.conversation.conversationId);
    setOpened(view);
    setWritten((n) => n + 1);
  }, []);
  useEffect(() => {
    void act('Loading your conversations…', async () => {
      setConversations((await answer(api.GET('/v1/conversations'))).items);
    });
  }, [version, written]);
  useEffect(() => {
    if (!openId) return;
    void act('Reading the conversation…', async () => {
      const view = await answer(
        api.POST('/v1/conversations/{conversationId}/read', {
          params: { path: { conversationId: openId } },
          body: { purpose: 'treatment' },
        }),
      );
      accessNotice(view);
      setOpened(view);
    });
  }, [openId, version]);
  return (
    <section aria-labelledby="messages-title">
      <h2 id="messages-title">Messages</h2>
      <p>
        Messages stay with the patient’s hospital, sealed in its own store and never on the shared ledger. Staff reading
        them is recorded in the patient’s “who looked at my data”.
      </p>
      <NewMessage onSent={show} />
      {conversations && (
        <DataTable
          caption="Your conversations, latest first; new messages appear by themselves"
          columns={CONVERSATION_COLUMNS}
          rows={conversations}
          rowKey={(c) => c.conversationId}
          rowAttributes={(c) => ({ 'data-conversation': c.conversationId })}
          actions={(c) => (
            <button
              type="button"
              aria-label={`Open the conversation with ${otherParty(c)}`}
              onClick={() => {
                setOpened(undefined);
                setOpenId(c.conversationId);
              }}
            >
              Open
            </button>
          )}
          empty="No conversations yet."
        />
      )}
      {opened && <ConversationView view={opened} onReplied={show} />}
    </section>
  );
}
