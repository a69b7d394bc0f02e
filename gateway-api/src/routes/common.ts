/** Small pieces every resource route uses: the caller's ledger identity and answer shapes. */
import type { Accounts } from '../accounts';
import type { UserIdentity } from '../fabric';
import { type RouteContext, type RouteResult, type RouteSpec, signedIn } from '../http';
import type { Committed, Ledger } from '../ledger';
import type { JsonSchema } from '../schemas';

export { ID, ISO_TIME, MSP_ID, object, str } from '../schemas';

export interface RouteDeps {
  accounts: Accounts;
  ledger: Ledger;
}

/** The signed-in user's own Fabric identity. */
export function identity(deps: RouteDeps, ctx: RouteContext): UserIdentity {
  return deps.accounts.identityOf(signedIn(ctx));
}

/** A submit's answer: the committed transaction id and what the chaincode returned. */
export function committed(status: number, outcome: Committed<unknown>): RouteResult {
  const result = outcome.result && typeof outcome.result === 'object' ? outcome.result : {};
  return { status, body: { txId: outcome.txId, ...result } };
}

export const ok = (body: unknown): RouteResult => ({ status: 200, body });
export const param = (ctx: RouteContext, name: string) => ctx.params[name] ?? '';

/** A read-only route: evaluates on the ledger as the user and answers 200 with the result. */
export function lookup(
  deps: RouteDeps,
  spec: Pick<RouteSpec, 'path' | 'operationId' | 'summary' | 'tag' | 'roles' | 'query'> & {
    description: string;
    schema: JsonSchema;
  },
  read: (who: UserIdentity, ctx: RouteContext) => Promise<unknown>,
): RouteSpec {
  const { description, schema, ...rest } = spec;
  return {
    ...rest,
    method: 'get',
    responses: { 200: { description, schema } },
    handler: async (ctx) => ok(await read(identity(deps, ctx), ctx)),
  };
}
