/** Small pieces every resource route uses: the caller's ledger identity and answer shapes. */
import type { Accounts } from '../accounts';
import type { UserIdentity } from '../fabric';
import { type RouteContext, type RouteResult, type RouteSpec, signedIn } from '../http';
import type { Committed, Ledger, Page, PageQuery, ReadKind } from '../ledger';
import type { MessageStore } from '../messages';
import { auditedRead, type JsonSchema, pageOf, pageQuery, ReadRequest } from '../schemas';

export { ID, ISO_TIME, MSP_ID, object, str } from '../schemas';

export interface RouteDeps {
  accounts: Accounts;
  ledger: Ledger;
  /** The member's secure messages (messages.ts): its own store, never the ledger. */
  messages: MessageStore;
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

/** The page a list request asks for (`?pageSize=&bookmark=`). */
export function pageFrom(ctx: RouteContext): PageQuery {
  return { pageSize: ctx.query.pageSize as number | undefined, bookmark: ctx.query.bookmark as string | undefined };
}

/** A query filter as the chaincode takes it: the value, or '' for "all". */
export const filter = (ctx: RouteContext, name: string) => (ctx.query[name] as string | undefined) ?? '';

/** A paginated list: `?pageSize=&bookmark=` and the list's own filters; answers `{ items, bookmark }`. */
export function listing(
  deps: RouteDeps,
  spec: Pick<RouteSpec, 'path' | 'operationId' | 'summary' | 'tag' | 'roles'> & {
    description: string;
    item: JsonSchema;
    filters?: Record<string, JsonSchema>;
  },
  read: (who: UserIdentity, ctx: RouteContext, page: PageQuery) => Promise<Page<unknown>>,
): RouteSpec {
  const { item, filters, ...rest } = spec;
  return lookup(deps, { ...rest, schema: pageOf(item), query: pageQuery(filters) }, (who, ctx) =>
    read(who, ctx, pageFrom(ctx)),
  );
}

/**
 * An audited read of a private value (SPEC §4: no unaudited read): one call commits the access
 * event with its lawful basis and answers the value from a peer of the member holding it.
 */
export function auditedReadRoute(
  deps: RouteDeps,
  spec: Pick<RouteSpec, 'path' | 'operationId' | 'summary' | 'tag' | 'roles'> & {
    kind: ReadKind;
    /** The path parameter naming the value's id. */
    idParam: string;
    value: JsonSchema;
  },
): RouteSpec {
  const { kind, idParam, value, ...rest } = spec;
  return {
    ...rest,
    method: 'post',
    body: ReadRequest,
    responses: { 200: { description: 'The access event (ticket) and the value, audited', schema: auditedRead(value) } },
    handler: async (ctx) => {
      const purpose = (ctx.body.purpose as string | undefined) ?? 'treatment';
      const read = await deps.ledger.read(identity(deps, ctx), kind, param(ctx, idParam), purpose);
      return committed(200, read);
    },
  };
}
