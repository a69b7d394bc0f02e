import { invalid } from '../errors';
import { type Input, ID_PATTERN } from '../validate';

/** Public: a patient's request to erase their private data, and its approvals. */
export interface ErasureRequest {
  requestId: string;
  patientId: string;
  requestedAt: string;
  /** Approved once every required member approved. */
  status: 'requested' | 'approved';
  /**
   * The members that must approve (each purging what it holds): the home member and every
   * member whose collection holds something of the patient when the request is made.
   */
  required: string[];
  /** `purgedKeys`: how many private values of the patient the member purged (its index entries aside). */
  approvals: { mspId: string; approvedAt: string; purgedKeys: number }[];
}

/**
 * What a member's peer holds of a patient, as its index lists it (`Held`, evaluated on that
 * peer): each key as its parts (object type, then attributes), and the transaction that last
 * wrote there ('' when none did). Ids only, no PHI: an approval carries it as an argument.
 */
export interface HeldKeys {
  patientId: string;
  mspId: string;
  keys: string[][];
  through: string;
}

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
