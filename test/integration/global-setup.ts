/**
 * Integration tests run against the real network: this brings it up (or reuses one that is
 * running) and records whether it did, so teardown stops only what the tests started.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { status, up } from '../../network/src/network';
import { paths } from '../../network/src/topology';

export const STARTED_MARKER = path.join(paths.runtime, 'started-by-tests');

export default async function globalSetup(): Promise<void> {
  const before = await status();
  const wasRunning = before.length > 0 && before.every((node) => node.healthy);
  const stateDb = process.env.EHR_STATEDB === 'leveldb' ? 'leveldb' : undefined;
  await up({ stateDb }, (message) => {
    process.stdout.write(`[network] ${message}\n`);
  });
  if (!wasRunning) writeFileSync(STARTED_MARKER, new Date().toISOString());
}
