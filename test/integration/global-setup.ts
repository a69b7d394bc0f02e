/**
 * Integration tests run against the real network: this brings it up (or reuses one that is
 * running) and records whether it did, so teardown stops only what the tests started.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { status, up } from '../../network/src/network';
import { CHANNEL, paths, watchPrivateAccess } from '../../network/src/topology';

export const STARTED_MARKER = path.join(paths.runtime, 'started-by-tests');

/** Which private folders the setup's `up` used, and whether it founded the channel (member-hosts.test.ts). */
export const SETUP_ACCESSES = path.join(paths.runtime, 'setup-private-accesses.json');

export default async function globalSetup(): Promise<void> {
  const before = await status();
  const wasRunning = before.length > 0 && before.every((node) => node.healthy);
  const stateDb = process.env.EHR_STATEDB === 'leveldb' ? 'leveldb' : undefined;
  const founding = !existsSync(path.join(paths.channelDir, `${CHANNEL}.block`));
  const stop = watchPrivateAccess();
  await up({ stateDb }, (message) => {
    process.stdout.write(`[network] ${message}\n`);
  });
  writeFileSync(SETUP_ACCESSES, JSON.stringify({ founding, accesses: stop() }));
  if (!wasRunning) writeFileSync(STARTED_MARKER, new Date().toISOString());
}
