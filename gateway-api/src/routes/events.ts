import { HomeMembers } from '../audience';
import { type EventSource, streamEvents } from '../events';
import { bearer, type RouteSpec, signedIn } from '../http';
import { ALL_ROLES } from '../roles';
import { identity, type RouteDeps } from './common';

/** The chaincode events the user needs to know of, as Server-Sent Events. */
export function eventRoutes(deps: RouteDeps & { events: EventSource; retryMs?: number }): RouteSpec[] {
  // One cache for every stream: a patient's home member is public and never changes.
  const homes = new HomeMembers((who, patientId) => deps.ledger.getPatient(who, patientId));
  return [
    {
      method: 'get',
      path: '/v1/events',
      operationId: 'events',
      summary: 'Stream ledger events',
      tag: 'events',
      roles: ALL_ROLES,
      responses: {
        200: {
          description:
            'Server-Sent Events: `id: <block>-<txId>`, `event: <name>`, `data: <JSON payload>`; send Last-Event-ID to resume. ' +
            'A patient gets the events about themselves; staff the events involving their own member, ' +
            'of the kinds their role works with. ' +
            'The stream ends when the token expires, is signed out or withdrawn, after a last ' +
            '`event: session-ended` whose data is an error (`code`, `message`)',
          contentType: 'text/event-stream',
          schema: { type: 'string' },
        },
      },
      stream: async (ctx, res) => {
        const session = new AbortController();
        // The stream lasts as long as the token: it ends at its expiry, sign-out or withdrawal.
        const unwatch = deps.accounts.watchSession(bearer(ctx.req), (reason) => {
          session.abort(reason);
        });
        try {
          await streamEvents(ctx.req, res, {
            source: deps.events,
            identity: identity(deps, ctx),
            user: signedIn(ctx),
            retryMs: deps.retryMs ?? 1000,
            session: session.signal,
            homes,
          });
        } finally {
          unwatch();
        }
      },
    },
  ];
}
