/**
 * Secure messages (messages.ts has the rules): the patient's conversations with a doctor of
 * their home hospital or with the hospital's staff, kept by this gateway only. Staff reads and
 * writes go through the ledger's judgement (message-access.ts); the patient's own do not.
 */
import { ApiError } from '../errors';
import { type RouteContext, type RouteResult, type RouteSpec, signedIn } from '../http';
import { MessageAccess, type MessageTicket } from '../message-access';
import { type Author, type Conversation, type Counterpart, partyOf } from '../messages';
import { ConversationList, ConversationView, MessageInput, MessageStart, ReadRequest } from '../schemas';
import type { UserRecord } from '../store';
import { identity, ok, param, type RouteDeps } from './common';

const TAG = 'messages';

/** An id the user's certificate carries (`ehr.patientId`, `ehr.practitionerId`; a role's own is always there). */
const attr = (user: UserRecord, name: string): string => user.attrs[name] ?? '';

const notFound = (conversationId: string) =>
  new ApiError(404, 'NOT_FOUND', `conversation ${conversationId} does not exist or is not yours to read`);

/** The conversations a user is a party to (an admin: those with the hospital). */
function mine(user: UserRecord, all: Conversation[]): Conversation[] {
  return all.filter((c) => partyOf(user, c) !== undefined);
}

const summary = (c: Conversation) => ({
  conversationId: c.conversationId,
  patientId: c.patientId,
  with: c.with,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  messageCount: c.messages.length,
  // A conversation starts with a message: the last one's author.
  lastFrom: c.messages.reduce<Author['role']>((_, m) => m.from.role, 'patient'),
});

const view = (conversation: Conversation, access?: MessageTicket) => ({
  conversation,
  ...(access ? { access } : {}),
});

/** The author a party writes as. */
function authorOf(user: UserRecord, role: Author['role']): Author {
  if (role === 'patient') return { role, id: attr(user, 'ehr.patientId') };
  if (role === 'doctor') return { role, id: attr(user, 'ehr.practitionerId') };
  return { role, id: 'staff' };
}

export function messageRoutes(deps: RouteDeps): RouteSpec[] {
  const access = new MessageAccess(deps.ledger);
  /** Staff need the ledger's basis for the patient's messages; the patient does not. */
  const admit = async (ctx: RouteContext, patientId: string, purpose: string) => {
    const user = signedIn(ctx);
    if (user.role === 'patient') return undefined;
    return access.open(identity(deps, ctx), user.username, patientId, purpose);
  };
  /** The conversation the path names, if the user may see it at all (a party, or an admin). */
  const conversationOf = (ctx: RouteContext): Conversation => {
    const user = signedIn(ctx);
    const conversationId = param(ctx, 'conversationId');
    const conversation = deps.messages.get(conversationId);
    if (!conversation) throw notFound(conversationId);
    if (user.role !== 'admin' && partyOf(user, conversation) === undefined) throw notFound(conversationId);
    return conversation;
  };

  /** A patient's counterpart: a doctor of this hospital (checked on the ledger's directory), or the staff. */
  const counterpartFor = async (ctx: RouteContext, practitionerId: string | undefined): Promise<Counterpart> => {
    if (practitionerId === undefined) return { kind: 'hospital' };
    const { mspId } = deps.accounts.member;
    const doctors = await deps.ledger.practitioners(identity(deps, ctx), mspId);
    const doctor = doctors.find((p) => p.practitionerId === practitionerId);
    if (doctor?.role !== 'doctor' || doctor.status !== 'active')
      throw new ApiError(404, 'NOT_FOUND', `${mspId} has no active doctor ${practitionerId}`);
    return { kind: 'doctor', practitionerId };
  };

  /** A patient the ledger erased writes no more: the hospital keeps nothing of them. */
  const stillKept = async (ctx: RouteContext, patientId: string) => {
    const patient = await deps.ledger.getPatient(identity(deps, ctx), patientId);
    if (patient.status !== 'active')
      throw new ApiError(404, 'PURGED', `patient ${patientId} was erased: the hospital keeps no messages of theirs`);
  };

  const start = async (ctx: RouteContext): Promise<RouteResult> => {
    const user = signedIn(ctx);
    const { text, practitionerId, patientId } = ctx.body as {
      text: string;
      practitionerId?: string;
      patientId?: string;
    };
    if (user.role === 'patient') {
      const own = attr(user, 'ehr.patientId');
      if (patientId !== undefined && patientId !== own)
        throw new ApiError(403, 'FORBIDDEN', 'a patient writes only in their own conversations');
      await stillKept(ctx, own);
      const counterpart = await counterpartFor(ctx, practitionerId);
      const conversation = await deps.messages.post(own, counterpart, authorOf(user, 'patient'), text);
      return { status: 201, body: view(conversation) };
    }
    if (patientId === undefined || practitionerId !== undefined)
      throw new ApiError(400, 'INVALID_REQUEST', 'a doctor names the patient (patientId) and no practitionerId');
    const counterpart: Counterpart = { kind: 'doctor', practitionerId: attr(user, 'ehr.practitionerId') };
    // The ledger refuses a doctor without a lawful basis before anything is kept.
    const ticket = await admit(ctx, patientId, 'treatment');
    const conversation = await deps.messages.post(patientId, counterpart, authorOf(user, 'doctor'), text);
    return { status: 201, body: view(conversation, ticket) };
  };

  return [
    {
      method: 'get',
      path: '/v1/conversations',
      operationId: 'myConversations',
      summary: 'List my conversations',
      tag: TAG,
      roles: ['patient', 'doctor', 'admin'],
      responses: {
        200: {
          description:
            "The conversations the user is a party to, latest first, without their messages: a patient's own, " +
            "a doctor's with their patients, an admin's the hospital's (those with the hospital's staff)",
          schema: ConversationList,
        },
      },
      handler: (ctx) => {
        const items = mine(signedIn(ctx), deps.messages.all())
          .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
          .map(summary);
        return Promise.resolve(ok({ items }));
      },
    },
    {
      method: 'post',
      path: '/v1/conversations',
      operationId: 'startConversation',
      summary: 'Write a message to a doctor, the hospital or a patient',
      tag: TAG,
      roles: ['patient', 'doctor'],
      body: MessageStart,
      responses: {
        201: {
          description:
            "The message added to the patient's conversation with that doctor or the hospital (started if there " +
            'was none). A doctor needs a lawful basis on the ledger (care with the patient that holds now): ' +
            'otherwise 403 CONSENT_REQUIRED and nothing is kept; the opening is an access event in the patient’s log',
          schema: ConversationView,
        },
      },
      handler: start,
    },
    {
      method: 'post',
      path: '/v1/conversations/:conversationId/read',
      operationId: 'readConversation',
      summary: 'Read a conversation',
      tag: TAG,
      roles: ['patient', 'doctor', 'admin'],
      body: ReadRequest,
      responses: {
        200: {
          description:
            'Every message of the conversation. A doctor reads under a lawful basis on the ledger; an admin ' +
            "states the purpose. Each staff reading is audited (an access event in the patient's log, one per " +
            'reader, patient and purpose while its ticket lasts, checked again on the ledger at every read)',
          schema: ConversationView,
        },
      },
      handler: async (ctx) => {
        const user = signedIn(ctx);
        const conversation = conversationOf(ctx);
        const purpose = ctx.body.purpose as string | undefined;
        if (user.role === 'admin' && purpose === undefined)
          throw new ApiError(400, 'INVALID_REQUEST', "state the purpose of reading a patient's messages");
        const ticket = await admit(ctx, conversation.patientId, purpose ?? 'treatment');
        // Read again: a message may have arrived while the ledger answered.
        return ok(view(conversationOf(ctx), ticket));
      },
    },
    {
      method: 'post',
      path: '/v1/conversations/:conversationId/messages',
      operationId: 'writeMessage',
      summary: 'Write in a conversation',
      tag: TAG,
      roles: ['patient', 'doctor', 'admin'],
      body: MessageInput,
      responses: {
        201: {
          description:
            'The conversation with the message added. Only its parties write: the patient, its doctor (under a ' +
            "lawful basis on the ledger), the hospital's admins in a conversation with the hospital",
          schema: ConversationView,
        },
      },
      handler: async (ctx) => {
        const user = signedIn(ctx);
        const conversation = conversationOf(ctx);
        const role = partyOf(user, conversation);
        if (!role) throw new ApiError(403, 'FORBIDDEN', 'only the parties to a conversation write in it');
        const { text, purpose } = ctx.body as { text: string; purpose?: string };
        if (role === 'patient') await stillKept(ctx, conversation.patientId);
        const ticket = await admit(ctx, conversation.patientId, purpose ?? 'treatment');
        const posted = await deps.messages.post(conversation.patientId, conversation.with, authorOf(user, role), text);
        return { status: 201, body: view(posted, ticket) };
      },
    },
  ];
}
