/**
 * Secure messages between a patient and their care team (SPEC §5, issue 14). Messages are PHI
 * that never reaches the ledger: the patient's home hospital keeps them in its gateway's own
 * store, every conversation sealed at rest (AES-256-GCM under the operator's key, bound to the
 * conversation's id), and deletes a patient's conversations when it approves their erasure.
 *
 * Who takes part (the rules, enforced by routes/messages.ts with the ledger's judgement):
 * - A conversation is hosted by the hospital whose gateway both parties sign in to: the
 *   patient's home hospital (a patient has accounts only there). It is between the patient and
 *   either one doctor of that hospital or the hospital's staff ("the hospital": its admins,
 *   where the help assistant hands a question over).
 * - The patient reads and writes their own conversations.
 * - A doctor reads and writes a conversation they are a party to only while the ledger gives
 *   them a lawful basis: a care link with the patient that holds now (appointment, lab order,
 *   consent, assignment by the hospital). Each opening commits an access event (kind
 *   `messages`) that the patient sees in "who looked at my data"; the ticket it yields is
 *   checked again on the ledger (fresh, basis still holding) at every later read or write.
 * - The hospital's admins read any of its patients' conversations only with a stated purpose,
 *   each reading audited the same way; they write only in conversations with the hospital.
 * - Nobody else: other roles, other members' staff, other patients.
 *
 * The store is one JSON file written atomically (temp file + rename), one mutation at a time;
 * it names no patient in the clear. A hospital expecting heavy use would put this behind a
 * database with the same interface.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seal, unseal } from './auth/sealed';

/** The other party of a conversation: one doctor of the hospital, or the hospital's staff. */
export type Counterpart = { kind: 'doctor'; practitionerId: string } | { kind: 'hospital' };

/** Who wrote a message: the patient, the doctor (by practitioner id), or the hospital's staff. */
export interface Author {
  role: 'patient' | 'doctor' | 'hospital';
  id: string;
}

export interface Message {
  messageId: string;
  from: Author;
  at: string;
  text: string;
}

export interface Conversation {
  conversationId: string;
  patientId: string;
  with: Counterpart;
  createdAt: string;
  updatedAt: string;
  messages: Message[];
}

/** What the event stream tells a party: which conversation has new messages (no PHI). */
export interface MessageEvent {
  conversationId: string;
  patientId: string;
  with: Counterpart;
}

/** The longest message accepted, in characters. */
export const MAX_MESSAGE_CHARS = 4000;
/** Messages kept per conversation; the oldest leave first. */
export const MAX_MESSAGES = 1000;

export interface MessageStore {
  get(conversationId: string): Conversation | undefined;
  /** Every conversation, in no particular order. */
  all(): Conversation[];
  /** The conversation of the patient with the counterpart, if there is one. */
  between(patientId: string, counterpart: Counterpart): Conversation | undefined;
  /** Adds a message, to the patient's conversation with the counterpart (started when there is none). */
  post(patientId: string, counterpart: Counterpart, from: Author, text: string): Promise<Conversation>;
  /** Deletes every conversation of the patient; answers how many there were. */
  erasePatient(patientId: string): Promise<number>;
  /** Calls `listener` for each new message, until the returned function is called. */
  watch(listener: (event: MessageEvent) => void): () => void;
}

const sameCounterpart = (a: Counterpart, b: Counterpart) =>
  a.kind === b.kind && (a.kind === 'hospital' || a.practitionerId === (b as typeof a).practitionerId);

const aad = (conversationId: string) => `conversation:${conversationId}`;

interface StoredFile {
  version: 1;
  /** conversationId → the conversation, sealed. */
  conversations: Record<string, string>;
}

/**
 * The store in `dir`/messages.json, sealed with `key` (32 bytes). A conversation that does not
 * unseal (another key, a torn write) stops the start: messages must not silently disappear.
 */
export function fileMessageStore(dir: string, key: Buffer, clock: () => number = Date.now): MessageStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'messages.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredFile) : undefined;
  let conversations = new Map<string, Conversation>(
    Object.entries(stored?.conversations ?? {}).map(([id, sealed]) => [
      id,
      JSON.parse(unseal(key, sealed, aad(id)).toString('utf8')) as Conversation,
    ]),
  );
  const listeners = new Set<(event: MessageEvent) => void>();
  let queue = Promise.resolve();
  const persist = (next: Map<string, Conversation>) => {
    const content: StoredFile = {
      version: 1,
      conversations: Object.fromEntries(
        [...next].map(([id, conversation]) => [id, seal(key, JSON.stringify(conversation), aad(id))]),
      ),
    };
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(content), { mode: 0o600 });
    renameSync(tmp, file);
    conversations = next;
  };
  /** Runs one mutation after the others; a failed one leaves the store as it was. */
  const serial = <T>(work: () => T): Promise<T> => {
    const run = queue.then(work);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const between = (patientId: string, counterpart: Counterpart) =>
    [...conversations.values()].find((c) => c.patientId === patientId && sameCounterpart(c.with, counterpart));
  return {
    get: (conversationId) => conversations.get(conversationId),
    all: () => [...conversations.values()],
    between,
    post(patientId, counterpart, from, text) {
      return serial(() => {
        const at = new Date(clock()).toISOString();
        const message: Message = { messageId: `MSG-${randomBytes(12).toString('hex')}`, from, at, text };
        const current = between(patientId, counterpart);
        const conversation: Conversation = current
          ? { ...current, updatedAt: at, messages: [...current.messages, message].slice(-MAX_MESSAGES) }
          : {
              conversationId: `CONV-${randomBytes(12).toString('hex')}`,
              patientId,
              with: counterpart,
              createdAt: at,
              updatedAt: at,
              messages: [message],
            };
        persist(new Map(conversations).set(conversation.conversationId, conversation));
        const event = { conversationId: conversation.conversationId, patientId, with: counterpart };
        for (const listener of listeners) listener(event);
        return conversation;
      });
    },
    erasePatient(patientId) {
      return serial(() => {
        const next = new Map([...conversations].filter(([, c]) => c.patientId !== patientId));
        const erased = conversations.size - next.size;
        if (erased > 0) persist(next);
        return erased;
      });
    },
    watch(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** Who a signed-in user is to a conversation, if a party: 'patient', 'doctor' or 'hospital' (an admin). */
export function partyOf(
  user: { role: string; attrs: Record<string, string> },
  conversation: Pick<Conversation, 'patientId' | 'with'>,
): Author['role'] | undefined {
  const counterpart = conversation.with;
  if (user.role === 'patient' && user.attrs['ehr.patientId'] === conversation.patientId) return 'patient';
  if (
    user.role === 'doctor' &&
    counterpart.kind === 'doctor' &&
    counterpart.practitionerId === user.attrs['ehr.practitionerId']
  )
    return 'doctor';
  if (user.role === 'admin' && counterpart.kind === 'hospital') return 'hospital';
  return undefined;
}

/**
 * Whether a user's event stream tells them of a new message: the parties only (an admin reading
 * a patient's conversation with a doctor does so on purpose, never by notification).
 */
export function notifies(user: { role: string; attrs: Record<string, string> }, event: MessageEvent): boolean {
  return partyOf(user, event) !== undefined;
}
