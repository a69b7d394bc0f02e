/**
 * Chaincode errors carry a stable code prefix (`CODE: message`) that clients map to their own
 * errors without reading the prose.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FORBIDDEN'
  | 'CONSENT_REQUIRED'
  | 'CONSENT_EXPIRED'
  | 'TICKET_REQUIRED'
  | 'HASH_MISMATCH'
  | 'CONFLICT'
  | 'PURGED'
  | 'WRONG_PEER';

export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export const invalid = (message: string) => new ChaincodeError('INVALID_ARGUMENT', message);
export const forbidden = (message: string) => new ChaincodeError('FORBIDDEN', message);
export const notFound = (message: string) => new ChaincodeError('NOT_FOUND', message);
