import { HomeMembers } from '../audience';
import {
  checkResume,
  DEFAULT_STREAM_LIMITS,
  type EventSource,
  type StreamLimits,
  StreamSlots,
  streamEvents,
} from '../events';
import { bearer, type RouteSpec, signedIn } from '../http';
import { ROLES } from '@ehr/protocol';
import { identity, type RouteDeps } from './common';

/** The chaincode events the user needs to know of, as Server-Sent Events. */
export function eventRoutes(
  deps: RouteDeps & {
    events: EventSource;
    retryMs?: number;
    limits?: StreamLimits;
    /** Aborted when the gateway stops: every open stream ends (see `stopServer`). */
    stopping?: AbortSignal;
  },
): RouteSpec[] {
  // One cache for every stream: a patient's home member is public and never changes.
  const homes = new HomeMembers((who, patientId) => deps.ledger.getPatient(who, patientId));
  const limits = deps.limits ?? DEFAULT_STREAM_LIMITS;
  const slots = new StreamSlots(limits);
  return [
    {
      method: 'get',
      path: '/v1/events',
      operationId: 'events',
      summary: 'Stream ledger events',
      tag: 'events',
      roles: ROLES,
      responses: {
        200: {
          description:
            'Server-Sent Events: `id: <block>-<txId>`, `event: <name>`, `data: <JSON payload>`; send Last-Event-ID to resume. ' +
            'A patient gets the events about themselves; staff the events involving their own member, ' +
            'of the kinds their role works with. ' +
            'A party to a secure message conversation also gets `event: MessagePosted` (no id: it is not in a ' +
            'block) whose data names only the conversation (`conversationId`): read it again. ' +
            'The stream ends when the token expires, is signed out or withdrawn, after a last ' +
            '`event: session-ended` whose data is an error (`code`, `message`); when the gateway stops, after a last ' +
            '`event: gateway-stopping` (code `UNAVAILABLE`): reconnect with Last-Event-ID. ' +
            'A user may have a few streams open at a time and the gateway serves a bounded number (429 ' +
            '`TOO_MANY_STREAMS`); a Last-Event-ID more than the configured number of blocks (1000 by default) below ' +
            "the peer's height is refused (400 `RESUME_TOO_OLD`): reconnect without it and re-read what you follow",
          contentType: 'text/event-stream',
          schema: { type: 'string' },
        },
      },
      stream: async (ctx, res) => {
        const user = signedIn(ctx);
        const who = identity(deps, ctx);
        const release = slots.take(user.username);
        const session = new AbortController();
        let unwatch: () => void = () => undefined;
        try {
          await checkResume(ctx.req.get('last-event-id'), () => deps.events.height(who), limits.resumeBlocks);
          // The stream lasts as long as the token: it ends at its expiry, sign-out or withdrawal.
          unwatch = deps.accounts.watchSession(bearer(ctx.req), (reason) => {
            session.abort(reason);
          });
          const options = { source: deps.events, identity: who, user, retryMs: deps.retryMs ?? 1000 };
          const stopping = deps.stopping ? { stopping: deps.stopping } : {};
          const messages = deps.messages;
          await streamEvents(ctx.req, res, { ...options, session: session.signal, homes, ...stopping, messages });
        } finally {
          unwatch();
          release();
        }
      },
    },
  ];
}
