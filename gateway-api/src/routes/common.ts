/** Small pieces every resource route uses: schemas and the caller's ledger identity. */
import type { Accounts } from '../accounts';
import type { UserIdentity } from '../fabric';
import { type RouteContext, type RouteResult, type RouteSpec, signedIn } from '../http';
import type { Committed, Ledger } from '../ledger';

export interface RouteDeps {
  accounts: Accounts;
  ledger: Ledger;
}

export const str = (max: number, pattern?: string) => ({
  type: 'string',
  minLength: 1,
  maxLength: max,
  ...(pattern ? { pattern } : {}),
});
export const ID = str(128, '^[A-Za-z0-9][A-Za-z0-9_.:-]*$');
export const ISO_TIME = str(40, '^\\d{4}-\\d{2}-\\d{2}T');
export const object = (required: string[], properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
/** A free-form JSON object passed to the chaincode, which validates it field by field. */
export const anyObject = { type: 'object' };

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
  spec: Pick<RouteSpec, 'path' | 'operationId' | 'summary' | 'tag' | 'roles'> & { description: string },
  read: (who: UserIdentity, ctx: RouteContext) => Promise<unknown>,
): RouteSpec {
  const { description, ...rest } = spec;
  return {
    ...rest,
    method: 'get',
    responses: { 200: { description } },
    handler: async (ctx) => ok(await read(identity(deps, ctx), ctx)),
  };
}
