/**
 * The gateway serves the built web portal at / on top of the API: hashed assets cached for good,
 * the page revalidated on every load, a strict Content-Security-Policy on both.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { PORTAL_CSP } from '../../../gateway-api/src/portal';
import { Harness } from './harness';

describe('the web portal on the gateway', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'portal-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><title>EHR</title><script src="/assets/main-3F2A.js"></script>',
    );
    writeFileSync(path.join(dir, 'assets', 'main-3F2A.js'), 'console.log("portal");');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / with no-cache and a CSP that allows no inline script or style and no other origin', async () => {
    const h = new Harness({ portalDir: dir });
    const page = await request(h.app).get('/').expect(200);
    expect(page.text).toContain('/assets/main-3F2A.js');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp: string = page.headers['content-security-policy']!;
    expect(csp).toBe(PORTAL_CSP);
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    for (const name of ['default-src', 'script-src', 'style-src', 'connect-src'])
      expect(directives.get(name)).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:|http/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('caches hashed assets for a year as immutable, with the same CSP', async () => {
    const h = new Harness({ portalDir: dir });
    const asset = await request(h.app).get('/assets/main-3F2A.js').expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['content-security-policy']).toBe(PORTAL_CSP);
  });

  it('answers an unknown asset with the API error shape, not the page', async () => {
    const h = new Harness({ portalDir: dir });
    const missing = await request(h.app).get('/assets/main-0000.js').expect(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  it('keeps the API and its document beside the portal', async () => {
    const h = new Harness({ portalDir: dir });
    await request(h.app).get('/v1/me').expect(401);
    await request(h.app).get('/openapi.json').expect(200);
  });

  it('says how to build the portal when it is not built, and serves the API all the same', async () => {
    const h = new Harness({ portalDir: path.join(dir, 'not-built') });
    const page = await request(h.app).get('/').expect(503);
    expect(page.body.error.code).toBe('PORTAL_NOT_BUILT');
    expect(page.body.error.message).toContain('npm run build');
    await request(h.app).get('/healthz').expect(200);
  });
});
