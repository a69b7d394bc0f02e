// Copies the built protocol workspace into dist/node_modules, where Node finds it first from
// dist/*.js: the chaincode's build then holds everything it imports besides its npm
// dependencies, whatever runs it, and the package digest (network/src/chaincode.ts) changes
// with the protocol too.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const protocol = path.join(here, '..', 'protocol');
const target = path.join(here, 'dist', 'node_modules', '@ehr', 'protocol');

if (!existsSync(path.join(protocol, 'dist', 'index.js'))) {
  throw new Error(`${protocol}/dist is missing: build the protocol workspace first`);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(path.join(protocol, 'package.json'), path.join(target, 'package.json'));
cpSync(path.join(protocol, 'dist'), path.join(target, 'dist'), { recursive: true });
