/**
 * Routes as data: each names its method, path, the roles allowed, its request body schema and
 * its responses. The same table mounts the Express handlers (with validation and role checks)
 * and generates the OpenAPI document, so no route exists outside the document.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Accounts } from './accounts';
import type { IdempotencyCache } from './idempotency';
import { ApiError } from './errors';
import type { Role } from './roles';
import type { UserRecord } from './store';

export type JsonSchema = Record<string, unknown>;

export interface RouteContext {
  req: Request;
  /** The signed-in user (undefined on public routes). */
  user: UserRecord | undefined;
  body: Record<string, unknown>;
  params: Record<string, string>;
}

/** The signed-in user of a route that is not public. */
export function signedIn(ctx: RouteContext): UserRecord {
  if (!ctx.user) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in first');
  return ctx.user;
}

export interface RouteResult {
  status: number;
  body?: unknown;
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
  responses: Record<number, { description: string; schema?: JsonSchema }>;
}

/** A route answers JSON through `handler`, or streams (Server-Sent Events) through `stream`. */
export type RouteSpec = RouteBase &
  (
    | { handler(ctx: RouteContext): Promise<RouteResult>; stream?: never }
    | { stream(ctx: RouteContext, res: Response): Promise<void>; handler?: never }
  );

const ajv = new Ajv({ allErrors: true, strict: true });

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}`).join('; ');
}

function bearer(req: Request): string {
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

async function handle(
  route: RouteSpec,
  req: Request,
  res: Response,
  accounts: Accounts,
  idempotency: IdempotencyCache,
  validate?: ValidateFunction,
) {
  const user = authorize(route, req, accounts);
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (validate && !validate(body)) throw new ApiError(400, 'INVALID_REQUEST', describe(validate.errors));
  const ctx = { req, user, body, params: req.params };
  if (route.stream) {
    await route.stream(ctx, res);
    return;
  }
  const key = req.get('idempotency-key');
  const result =
    key && user && route.method !== 'get'
      ? await idempotency.run(user.username, key, [route.operationId, req.params, body], () => route.handler(ctx))
      : await route.handler(ctx);
  if ('replayed' in result && result.replayed) res.set('Idempotent-Replayed', 'true');
  if (result.body === undefined) res.status(result.status).end();
  else res.status(result.status).json(result.body);
}

export function mountRoutes(
  app: Express,
  routes: readonly RouteSpec[],
  accounts: Accounts,
  idempotency: IdempotencyCache,
): void {
  for (const route of routes) {
    const validate = route.body ? ajv.compile(route.body) : undefined;
    app[route.method](route.path, (req: Request, res: Response, next: NextFunction) => {
      handle(route, req, res, accounts, idempotency, validate).catch(next);
    });
  }
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, txId: { type: 'string' } },
    },
  },
};

const ERRORS: Record<number, string> = {
  400: 'Malformed or invalid request',
  401: 'Not signed in, or the token is expired or tampered with',
  403: 'The role or the ledger refuses the action',
  404: 'Unknown id',
  409: 'Conflict with the current state',
  413: 'Request body over 256 KiB',
  422: 'Rejected by a business rule',
  429: 'Too many attempts',
  503: 'The ledger is unreachable',
  504: 'The ledger did not answer in time',
};

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** The OpenAPI 3 document of the routes. */
export function openApiDocument(routes: readonly RouteSpec[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = response.schema
        ? { description: response.description, content: { 'application/json': { schema: response.schema } } }
        : { description: response.description };
    }
    for (const [status, description] of Object.entries(ERRORS)) {
      responses[status] ??= {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      'x-roles': route.roles === 'public' ? [] : route.roles,
      security: route.roles === 'public' ? [] : [{ bearer: [] }],
      parameters,
      responses,
    };
    if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: route.body } } };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}
