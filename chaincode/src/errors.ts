/**
 * Chaincode errors carry a stable code prefix (`CODE: message`) that clients map to their own
 * errors without reading the prose.
 */
export type ErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FORBIDDEN';

export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
