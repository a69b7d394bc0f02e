/**
 * Marker PHI: text the integration tests write as a patient's health data, registered so that
 * the PHI scan (test/integration/phi-scan.test.ts, run after every other suite) can look for it
 * in every block, state database, log and event payload of the run's network.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { paths } from '../../../network/src/topology';

export interface PhiMarker {
  text: string;
  /**
   * The members whose own private collections may hold it (its custodians); none when nothing
   * of Fabric may (PHI kept off the ledger, such as messages).
   */
  custodians: string[];
}

/** The run's register, beside the network's own runtime files (it goes with `clean`). */
const REGISTER = path.join(paths.runtime, 'phi-markers.jsonl');

/** Registers `text` as PHI held by `custodians` (none: by no Fabric store) and answers it. */
export function markPhi(text: string, ...custodians: string[]): string {
  mkdirSync(path.dirname(REGISTER), { recursive: true });
  appendFileSync(REGISTER, `${JSON.stringify({ text, custodians } satisfies PhiMarker)}\n`);
  return text;
}

/** Every marker the run's tests registered. */
export function registeredPhi(): PhiMarker[] {
  if (!existsSync(REGISTER)) return [];
  return readFileSync(REGISTER, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PhiMarker);
}
