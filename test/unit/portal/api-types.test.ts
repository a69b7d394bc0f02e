/**
 * The portal is typed against the gateway's own OpenAPI document: the committed types are what
 * openapi-typescript makes of the current route table, so the portal cannot drift from the API
 * (a route or schema change fails here until `npx tsx portal/scripts/api-types.ts` is run and the
 * portal type-checks against the result). The generator runs in its own process: openapi-typescript
 * loads ES modules that Jest's CommonJS runtime cannot.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const script = path.join(root, 'portal', 'scripts', 'api-types.ts');

function generator(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8' });
}

describe("the portal's API types", () => {
  it("are current with the gateway's route table", () => {
    const check = generator('--check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('are reported stale when they differ from what the route table makes', () => {
    const check = generator('--check', '--against', path.join(root, 'package.json'));
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('is not current');
  });

  it('describe the routes the portal calls, with their bodies', () => {
    const text = readFileSync(path.join(root, 'portal', 'src', 'api.d.ts'), 'utf8');
    for (const route of ['"/v1/sessions"', '"/v1/consents"', '"/v1/access-log"', '"/v1/records/{recordId}/access"'])
      expect(text).toContain(route);
    expect(text).toMatch(/ConsentGrant: \{\s*grantee: \{/);
  });
});
