import { ApiError } from '../errors';
import type { MemberHealth } from '../health';
import type { RouteSpec } from '../http';
import { MemberHealth as MemberHealthSchema } from '../schemas';
import { ok } from './common';

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
