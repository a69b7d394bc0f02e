import { PENDING_KINDS, PENDING_STATUSES, type PendingView, type SettledWrite } from '@ehr/protocol';
import type { RouteSpec } from '../http';
import { int, type JsonSchema, oneOf, shapeOf, withTxId } from '../schemas';
import { committed, ID, identity, ISO_TIME, listing, object, type RouteDeps } from './common';

const PendingWrite = shapeOf<PendingView>()(['kind', 'id', 'storedAt', 'status', 'purgeableAt'], {
  kind: oneOf(PENDING_KINDS),
  id: ID,
  version: int(1, 999_999),
  storedAt: ISO_TIME,
  status: oneOf(PENDING_STATUSES),
  purgeableAt: ISO_TIME,
});
const { properties } = PendingWrite as { properties: Record<string, unknown> };

/**
 * Two-step writes whose public part never came (a client gave up between the steps): the
 * member's admin lists them and settles them. A finished one loses its marker; a stale one
 * (waiting past the grace, 25 hours) is purged from the member's store; a waiting one is left.
 */
export function pendingRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    listing(
      deps,
      {
        path: '/v1/org/pending-writes',
        operationId: 'pendingWrites',
        summary: "List the member's unfinished two-step writes",
        tag: 'directory',
        roles: ['admin'],
        description: 'The first steps with their status, in key order, a page at a time (follow the bookmark)',
        item: PendingWrite,
      },
      (who, _ctx, page) => ledger.pendingWrites(who, page),
    ),
    {
      method: 'post',
      path: '/v1/org/pending-writes/settlement',
      operationId: 'settlePendingWrite',
      summary: 'Settle an unfinished two-step write',
      tag: 'directory',
      roles: ['admin'],
      body: object(['kind', 'id'], { kind: oneOf(PENDING_KINDS), id: ID, version: int(1, 999_999) }),
      responses: {
        200: {
          description:
            'Settled, committed: outcome finished (the marker dropped) or purged (the stale value and its marker)',
          schema: withTxId(
            shapeOf<SettledWrite>()(['kind', 'id', 'storedAt', 'status', 'purgeableAt', 'outcome'], {
              ...(properties as Record<keyof PendingView, JsonSchema>),
              outcome: oneOf(['finished', 'purged']),
            }),
          ),
        },
      },
      handler: async (ctx) => {
        const { kind, id, version } = ctx.body as { kind: string; id: string; version?: number };
        return committed(200, await ledger.settlePendingWrite(identity(deps, ctx), { kind, id, version }));
      },
    },
  ];
}
