/**
 * The chaincode's refusals carry a stable code prefix (`CODE: message`) that clients map to
 * their own errors without reading the prose.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FORBIDDEN',
  'CONSENT_REQUIRED',
  'CONSENT_EXPIRED',
  'TICKET_REQUIRED',
  'HASH_MISMATCH',
  'CONFLICT',
  'PURGED',
  'WRONG_PEER',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** The message a refusal carries: `CODE: message`. */
export const refusalText = (code: ErrorCode, message: string) => `${code}: ${message}`;

/**
 * The code and message of a refusal in a text that holds one (a peer wraps the chaincode's
 * message, e.g. `chaincode response 500, NOT_FOUND: …`), or undefined: only the codes above
 * count, so prose that happens to hold capitals and a colon is not taken for one.
 */
export function parseRefusal(text: string): { code: ErrorCode; message: string } | undefined {
  let found: { code: ErrorCode; at: number } | undefined;
  for (const code of ERROR_CODES) {
    const at = text.indexOf(`${code}: `);
    const starts = at === 0 || (at > 0 && !/[A-Z_]/.test(text.charAt(at - 1)));
    if (starts && (found === undefined || at < found.at)) found = { code, at };
  }
  return found && { code: found.code, message: text.slice(found.at + found.code.length + 2) };
}
