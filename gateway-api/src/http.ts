/**
 * Routes as data: each names its method, path, the roles allowed, its request body and query
 * schemas and its responses. The same table mounts the Express handlers (with validation and
 * role checks) and generates the OpenAPI document, so no API route exists outside the document
 * (server.ts adds only the health checks, the document itself and its viewer).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Accounts } from './accounts';
import type { IdempotencyCache, RouteResult } from './idempotency';
import { ApiError } from './errors';
import type { Role } from '@ehr/protocol';
import {
  COMMITTED_BLOCK_HEADER,
  collectCommits,
  MIN_BLOCK_HEADER,
  minBlockOf,
  requiringBlock,
} from './read-your-writes';
import { inFreshRequest } from './requests';
import { COMPONENTS, type JsonSchema } from './schemas';
import type { UserRecord } from './store';

export type { JsonSchema } from './schemas';

export interface RouteContext {
  req: Request;
  /** The signed-in user (undefined on public routes). */
  user: UserRecord | undefined;
  body: Record<string, unknown>;
  params: Record<string, string>;
  /** The query parameters, validated (and numbers converted) against the route's `query` schema. */
  query: Record<string, unknown>;
}

/** The signed-in user of a route that is not public. */
export function signedIn(ctx: RouteContext): UserRecord {
  if (!ctx.user) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in first');
  return ctx.user;
}

export type { RouteResult } from './idempotency';

/** Waits until the member's peer holds a block (see read-your-writes.ts). */
export interface BlockWait {
  reach(block: bigint | undefined): Promise<void>;
}

interface RouteBase {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path, e.g. `/v1/consents/:consentId`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Roles allowed, or 'public' for routes used before sign-in. */
  roles: readonly Role[] | 'public';
  body?: JsonSchema;
  /** An object schema whose properties are the query parameters. */
  query?: JsonSchema;
  /** Counts each request against the client address's and the gateway's limits before anything else (429). */
  limiter?: { take(address: string): void };
  /** Each status answered; 2xx answers other than 204 have a schema (JSON unless `contentType` says). */
  responses: Record<number, { description: string; schema?: JsonSchema; contentType?: string }>;
}

/** A route answers JSON through `handler`, or streams (Server-Sent Events) through `stream`. */
export type RouteSpec = RouteBase &
  (
    | { handler(ctx: RouteContext): Promise<RouteResult>; stream?: never }
    | { stream(ctx: RouteContext, res: Response): Promise<void>; handler?: never }
  );

// Times as chaincode/src/validate.ts accepts them (the ledger answers them in UTC).
const FORMATS = { 'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/ };
const ajv = new Ajv({ allErrors: true, strict: true, formats: FORMATS });
// Query values arrive as text: numbers are converted, a repeated parameter is refused.
const queryAjv = new Ajv({ allErrors: true, strict: true, formats: FORMATS, coerceTypes: true });

/** A strict validator of a schema (what requests are checked with; tests check answers with it too). */
export function schemaValidator(schema: JsonSchema): ValidateFunction {
  return ajv.compile(schema);
}

function describe(errors: ErrorObject[] | null | undefined, what: string): string {
  return (errors ?? []).map((e) => `${e.instancePath || what} ${e.message ?? 'is invalid'}`).join('; ');
}

/** The bearer token a request carries, or a 401. */
export function bearer(req: Request): string {
  const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(req.get('authorization') ?? '');
  if (!match?.[1])
    throw new ApiError(401, 'UNAUTHENTICATED', 'sign in and send the token as "Authorization: Bearer <token>"');
  return match[1];
}

/** The signed-in user allowed on the route (undefined for public routes). */
function authorize(route: RouteSpec, req: Request, accounts: Accounts): UserRecord | undefined {
  if (route.roles === 'public') return undefined;
  const user = accounts.authenticate(bearer(req));
  if (!route.roles.includes(user.role)) {
    throw new ApiError(403, 'FORBIDDEN', `${user.role} users may not ${route.summary.toLowerCase()}`);
  }
  return user;
}

/** The input, valid against its schema (when the route has one), or a 400 naming every problem. */
function checked(input: Record<string, unknown>, validate: ValidateFunction | undefined, what: string) {
  if (validate && !validate(input)) throw new ApiError(400, 'INVALID_REQUEST', describe(validate.errors, what));
  return input;
}

interface Validators {
  body?: ValidateFunction;
  query?: ValidateFunction;
}

const isObject = (body: unknown): body is Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body);

/**
 * Runs a route's handler; when the request committed, its answer names the block of its last
 * commit (in the result, and in a JSON object answer as `committedBlock`), so an idempotent
 * replay names it too.
 */
async function withCommittedBlock(work: () => Promise<RouteResult>): Promise<RouteResult> {
  const { value, block } = await collectCommits(work);
  if (block === undefined) return value;
  const committedBlock = Number(block);
  return { ...value, committedBlock, body: isObject(value.body) ? { ...value.body, committedBlock } : value.body };
}

async function handle(
  route: RouteSpec,
  req: Request,
  res: Response,
  accounts: Accounts,
  idempotency: IdempotencyCache,
  validate: Validators,
  blocks: BlockWait,
) {
  // The socket's address: the gateway trusts no forwarding header (it listens on its own host).
  route.limiter?.take(req.socket.remoteAddress ?? 'unknown');
  const user = authorize(route, req, accounts);
  const body = checked((req.body ?? {}) as Record<string, unknown>, validate.body, 'body');
  const query = checked({ ...req.query }, validate.query, 'query');
  const ctx = { req, user, body, params: req.params, query };
  // A block the client saw committed, perhaps at another member: this member's peer must hold
  // it before the route reads, endorses or streams, or the client could be told it is not there.
  const minBlock = minBlockOf(req.get(MIN_BLOCK_HEADER));
  await blocks.reach(minBlock);
  if (route.stream) {
    await route.stream(ctx, res);
    return;
  }
  const work = () => requiringBlock(minBlock, () => withCommittedBlock(() => route.handler(ctx)));
  const key = req.get('idempotency-key');
  const result =
    key && user && route.method !== 'get'
      ? await idempotency.run(user.username, key, [route.operationId, req.params, body], work)
      : await inFreshRequest(work);
  if ('replayed' in result && result.replayed) res.set('Idempotent-Replayed', 'true');
  if (result.committedBlock !== undefined) res.set(COMMITTED_BLOCK_HEADER, String(result.committedBlock));
  if (result.body === undefined) res.status(result.status).end();
  else res.status(result.status).json(result.body);
}

export function mountRoutes(
  app: Express,
  routes: readonly RouteSpec[],
  accounts: Accounts,
  idempotency: IdempotencyCache,
  blocks: BlockWait,
): void {
  for (const route of routes) {
    const validate = {
      ...(route.body ? { body: ajv.compile(route.body) } : {}),
      ...(route.query ? { query: queryAjv.compile(route.query) } : {}),
    };
    app[route.method](route.path, (req: Request, res: Response, next: NextFunction) => {
      handle(route, req, res, accounts, idempotency, validate, blocks).catch(next);
    });
  }
}

const ERRORS: Record<number, string> = {
  400: 'Malformed or invalid request',
  401: 'Not signed in, or the token is expired or tampered with',
  403: 'The role or the ledger refuses the action',
  404: 'Unknown id',
  409: 'Conflict with the current state',
  413: 'Request body over 256 KiB',
  422: 'Rejected by a business rule',
  429: 'Too many attempts, requests or open streams',
  503:
    "The ledger (or the enrolment code delivery) is unreachable, or (LEDGER_BEHIND, with Retry-After) this member's " +
    'peer has not committed the block Ehr-Min-Block names within the configured wait',
  504: 'The ledger did not answer in time',
};

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

const COMPONENT_NAMES = new Map<unknown, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, name]));

/** The schema with every named component inside it (not itself) replaced by a `$ref`. */
function withRefs(schema: unknown, root?: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item));
  if (schema === null || typeof schema !== 'object') return schema;
  const name = COMPONENT_NAMES.get(schema);
  if (name && schema !== root) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value)]));
}

function queryParameters(query: JsonSchema | undefined) {
  const { properties = {}, required = [] } = (query ?? {}) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema: withRefs(schema),
  }));
}

/** Every route takes it (read-your-writes.ts). */
const MIN_BLOCK_PARAMETER = {
  name: MIN_BLOCK_HEADER,
  in: 'header',
  required: false,
  description:
    'A block this request must see: the committedBlock (Ehr-Committed-Block) of an earlier write, made at any ' +
    'member. The gateway waits until its own peer has committed that block before it reads, endorses or streams; ' +
    'past the configured wait (10 s by default) it answers 503 LEDGER_BEHIND with Retry-After. Not a block ' +
    'number: 400 INVALID_MIN_BLOCK',
  schema: { type: 'integer', minimum: 0 },
};

/** A write's answer names the block of its commit in this header. */
const COMMITTED_BLOCK_HEADERS = {
  [COMMITTED_BLOCK_HEADER]: {
    description:
      'The block the request (its last transaction) committed in, when it committed; send it as Ehr-Min-Block ' +
      "to any member's gateway to read your write there",
    schema: { type: 'integer', minimum: 0 },
  },
};

function responsesOf(route: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const content = { [response.contentType ?? 'application/json']: { schema: withRefs(response.schema) } };
    const headers = route.method !== 'get' && status.startsWith('2') ? { headers: COMMITTED_BLOCK_HEADERS } : {};
    responses[status] = response.schema
      ? { description: response.description, ...headers, content }
      : { description: response.description, ...headers };
  }
  for (const [status, description] of Object.entries(ERRORS)) {
    responses[status] ??= {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return responses;
}

/** The header that makes a write's retries safe (idempotency.ts). */
const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'One per client intent: a retry with the same key has no second effect and gets the first answer (for 24 hours); ' +
    'a retry of a request whose outcome was unknown is answered from the ledger (503 OUTCOME_UNKNOWN while it cannot tell)',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,128}$' },
};

/** The OpenAPI 3 document of the routes. */
export function openApiDocument(routes: readonly RouteSpec[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...queryParameters(route.query),
      MIN_BLOCK_PARAMETER,
      ...(route.method !== 'get' && route.roles !== 'public' && !route.stream ? [IDEMPOTENCY_KEY] : []),
    ];
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      'x-roles': route.roles === 'public' ? [] : route.roles,
      security: route.roles === 'public' ? [] : [{ bearer: [] }],
      parameters,
      responses: responsesOf(route),
    };
    if (route.body)
      operation.requestBody = { required: true, content: { 'application/json': { schema: withRefs(route.body) } } };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, withRefs(schema, schema)])),
    },
  };
}
