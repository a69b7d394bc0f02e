/**
 * The gateway app: JSON bodies up to 256 KiB, health endpoints, the OpenAPI document, the
 * routes, the web portal, and the one error middleware. `createServer` builds the app and never listens.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Accounts } from './accounts';
import { errorMiddleware } from './errors';
import { type BlockWait, mountRoutes, openApiDocument, type RouteSpec } from './http';
import { IdempotencyCache } from './idempotency';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './rate-limit';
import { mountPortal } from './portal';
import { accountRoutes } from './routes/accounts';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>EHR gateway API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script>
</body>
</html>
`;

/** The API's title and version in its OpenAPI document. */
export const API_INFO = { title: 'EHR consortium member gateway', version: '0.1.0' };

export interface ServerDeps {
  accounts: Accounts;
  /** Further routes (ledger resources). */
  routes?: RouteSpec[];
  /** True when the member's peer answers and the chaincode responds. */
  ready: () => Promise<boolean>;
  maxBodyBytes: number;
  log: (entry: Record<string, unknown>) => void;
  /** Replays of `Idempotency-Key` requests; in memory unless given. */
  idempotency?: IdempotencyCache;
  /** Limits sign-in, sign-up and TOTP confirmation attempts; the defaults unless given. */
  attempts?: RateLimiter;
  /** Waits for the block a request's Ehr-Min-Block names (see read-your-writes.ts). */
  blocks: BlockWait;
  /** The built web portal served at `/` (see portal.ts); none unless given. */
  portalDir?: string;
}

export function createServer(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // `/v1/bills/` is not `/v1/bills`: an empty id in a path is a 404, not the list beside it.
  app.enable('strict routing');
  app.use(express.json({ limit: deps.maxBodyBytes, strict: true }));
  const attempts = deps.attempts ?? new RateLimiter(DEFAULT_RATE_LIMITS);
  const routes = [...accountRoutes(deps.accounts, attempts), ...(deps.routes ?? [])];
  const document = openApiDocument(routes, API_INFO);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    deps
      .ready()
      .then((ok) => {
        res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready' });
      })
      .catch(next);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  // Interactive docs: Swagger UI's own assets, pointed at our document.
  const swaggerUi = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  app.use('/docs/assets', express.static(swaggerUi, { index: false }));
  app.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  mountRoutes(app, routes, deps.accounts, deps.idempotency ?? new IdempotencyCache(), deps.blocks);
  if (deps.portalDir !== undefined) mountPortal(app, deps.portalDir);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
  app.use(errorMiddleware(deps.log));
  return app;
}

/**
 * Stops the listening server: aborts `streams` (each open event stream then ends after a last
 * `gateway-stopping` event; otherwise each would keep the process alive for as long as its
 * user stays), stops accepting connections and closes the idle ones. Requests still running
 * after `graceMs` are cut.
 */
export async function stopServer(server: Server, streams: AbortController, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
  streams.abort(new Error('the gateway is stopping'));
  // A connection whose stream just ended stays open (keep-alive) until closed here.
  const idle = setInterval(() => {
    server.closeIdleConnections();
  }, 20);
  const cut = setTimeout(() => {
    server.closeAllConnections();
  }, graceMs);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
