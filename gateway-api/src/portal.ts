/**
 * The web portal (the `portal` workspace's build): its page at `/` and its assets under
 * `/assets/`, on top of the same API. The bundler names each asset after a hash of its content,
 * so assets are cached for good (`immutable`) and the page is revalidated on every load
 * (`no-cache`): a new build reaches users on their next load. Every portal answer carries a
 * Content-Security-Policy that allows only this origin's scripts, styles and connections, and
 * no inline script or style.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type Response } from 'express';

export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.set({
    'Content-Security-Policy': PORTAL_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/**
 * Serves the portal built into `dir` (its `index.html` and `assets/`). When it is not built,
 * `/` answers 503 PORTAL_NOT_BUILT saying how to build it; the API works either way.
 */
export function mountPortal(app: Express, dir: string): void {
  const page = path.join(dir, 'index.html');
  app.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      index: false,
      fallthrough: true,
      immutable: true,
      maxAge: '365d',
      setHeaders: secure,
    }),
  );
  app.get('/', (_req, res, next) => {
    if (!existsSync(page)) {
      res.status(503).json({
        error: { code: 'PORTAL_NOT_BUILT', message: 'the web portal is not built on this gateway: run npm run build' },
      });
      return;
    }
    secure(res);
    res.set('Cache-Control', 'no-cache');
    // Express calls back with undefined once the page is sent (its types say an Error always).
    res.sendFile(page, { cacheControl: false }, (error: Error | undefined) => {
      if (error) next(error);
    });
  });
}
