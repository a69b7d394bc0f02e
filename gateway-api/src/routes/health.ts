import { ApiError } from '../errors';
import { type MemberHealth, NODE_NAMES, NODE_STATUSES } from '../health';
import type { RouteSpec } from '../http';
import { int, list, oneOf, TIME } from '../schemas';
import { object, ok, str } from './common';

const MemberHealthSchema = object(['checkedAt', 'status', 'nodes'], {
  checkedAt: TIME,
  status: { ...oneOf(['up', 'degraded']), description: 'degraded when any configured node is down' },
  nodes: list(
    object(['node', 'endpoint', 'status', 'detail'], {
      node: oneOf(NODE_NAMES),
      endpoint: { ...str(300, undefined, 0), description: 'Where the gateway reached the node (no credentials)' },
      status: oneOf(NODE_STATUSES),
      detail: str(300, undefined, 0),
      blockHeight: {
        ...int(0, Number.MAX_SAFE_INTEGER),
        description: "The node's ledger height on the channel (the number of its next block)",
      },
    }),
  ),
});

/** The member's node health, for its admin: each node probed when asked, within a deadline. */
export function healthRoutes(deps: { health?: (() => Promise<MemberHealth>) | undefined }): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/v1/org/health',
      operationId: 'memberHealth',
      summary: "Check the member's nodes",
      tag: 'directory',
      roles: ['admin'],
      responses: {
        200: {
          description:
            "Whether the member's peer, orderer, CA, state DB and chaincode server answer (each within 2 s), " +
            'and the block heights of its peer and orderer',
          schema: MemberHealthSchema,
        },
      },
      handler: async () => {
        if (!deps.health) throw new ApiError(503, 'UNAVAILABLE', 'this gateway was started without node probes');
        return ok(await deps.health());
      },
    },
  ];
}
