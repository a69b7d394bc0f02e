import type { HeldKeys } from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, ID_PATTERN } from '../validate';

export type { ErasureRequest, HeldKeys } from '@ehr/protocol';

/** More keys than any patient's data takes; a bound on what one approval purges. */
export const MAX_HELD_KEYS = 10_000;
const OBJECT_TYPE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const TX_ID = /^[A-Za-z0-9]{0,128}$/;

function keyParts(value: unknown, index: number): string[] {
  const ok =
    Array.isArray(value) &&
    value.length >= 2 &&
    value.length <= 8 &&
    typeof value[0] === 'string' &&
    OBJECT_TYPE.test(value[0]) &&
    value.slice(1).every((part) => typeof part === 'string' && ID_PATTERN.test(part));
  if (!ok) throw invalid(`keys[${index}] must be a private key's parts: its type, then 1 to 7 ids`);
  return value as string[];
}

/** The list an approval was given: of this patient and this member, each key once. */
export function parseHeldKeys(input: Input, patientId: string, mspId: string): HeldKeys {
  if (input.patientId !== patientId) throw invalid(`the list of held keys is not of patient ${patientId}`);
  if (input.mspId !== mspId) throw invalid(`the list of held keys is not of ${mspId}'s store`);
  const { keys, through } = input;
  if (!Array.isArray(keys) || keys.length > MAX_HELD_KEYS) {
    throw invalid(`keys must be an array of at most ${MAX_HELD_KEYS} keys`);
  }
  if (typeof through !== 'string' || !TX_ID.test(through)) throw invalid('through must be a transaction id or empty');
  const parsed = keys.map(keyParts);
  if (new Set(parsed.map((parts) => parts.join('\u0000'))).size !== parsed.length) {
    throw invalid('keys lists a key twice');
  }
  return { patientId, mspId, keys: parsed, through };
}
