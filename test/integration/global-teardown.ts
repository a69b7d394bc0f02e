import { existsSync, rmSync } from 'node:fs';
import { down } from '../../network/src/network';
import { STARTED_MARKER } from './global-setup';

/** Stops the network when the tests started it; a network the developer had running stays up. */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STARTED_MARKER)) return;
  rmSync(STARTED_MARKER);
  await down((message) => {
    process.stdout.write(`[network] ${message}\n`);
  });
}
