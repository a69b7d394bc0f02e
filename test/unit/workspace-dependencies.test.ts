/**
 * Each workspace declares every package its source loads: a package that is only there because
 * another one depends on it (hoisted into node_modules) can go away with that one's next release.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

/** The packages a file imports or requires (`@scope/name` or `name`), without Node's own modules. */
function packagesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // A specifier holds no whitespace or comma (`'Valid from', from` in a view is text), and `from`
  // counts after white space only (a quoted 'from', a field named so, starts no import).
  const specifiers = [
    ...text.matchAll(/(?:(?<=\s)from|\brequire(?:\.resolve)?\(|\bimport\()\s*'([^'.\s,][^'\s,]*)'/g),
  ].map((m) => m[1] ?? '');
  return specifiers
    .filter((specifier) => !specifier.startsWith('node:') && !builtinModules.includes(specifier.split('/')[0] ?? ''))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

describe.each(['gateway-api', 'chaincode', 'portal'])('the %s workspace', (workspace) => {
  it('declares every package its source imports as a dependency', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, workspace, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    const used = new Set(sources(path.join(ROOT, workspace, 'src')).flatMap(packagesOf));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !declared.has(name)).sort()).toEqual([]);
  });
});
