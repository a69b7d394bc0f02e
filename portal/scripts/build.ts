/**
 * Builds the portal into `dist/`: the API types from the gateway's route table (api-types.ts),
 * then one script and one stylesheet bundled by esbuild under `assets/`, each named after a hash
 * of its content (so the gateway can let browsers cache them for good), and `index.html` naming
 * them. No inline script or style anywhere: the gateway's CSP allows none. Prints the sizes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { writeApiTypes } from './api-types';

const portal = path.join(__dirname, '..');
const dist = path.join(portal, 'dist');

async function main(): Promise<void> {
  await writeApiTypes();
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const result = await build({
    absWorkingDir: portal,
    entryPoints: ['src/main.tsx'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16'],
    tsconfig: 'tsconfig.json',
    outdir: 'dist/assets',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
    // The help assistant's topics (portal/help/*.md) as text.
    loader: { '.md': 'text' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(([, output]) => output.entryPoint === 'src/main.tsx');
  const styles = script?.[1].cssBundle;
  if (!script || !styles) throw new Error('esbuild produced no script or no stylesheet');
  const url = (file: string) => `/${path.relative(dist, path.join(portal, file)).split(path.sep).join('/')}`;
  const page = readFileSync(path.join(portal, 'src', 'index.html'), 'utf8')
    .replace('%SCRIPT%', url(script[0]))
    .replace('%STYLES%', url(styles));
  writeFileSync(path.join(dist, 'index.html'), page);
  for (const file of [script[0], styles]) {
    const bytes = readFileSync(path.join(portal, file));
    console.log(`portal: ${url(file)} ${String(bytes.length)} bytes, ${String(gzipSync(bytes).length)} gzipped`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
