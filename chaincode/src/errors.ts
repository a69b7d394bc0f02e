/**
 * Chaincode errors carry a stable code prefix (`CODE: message`) that clients map to their own
 * errors without reading the prose.
 */
import { type ErrorCode, refusalText } from '@ehr/protocol';

export type { ErrorCode } from '@ehr/protocol';

export class ChaincodeError extends Error {
  override readonly name = 'ChaincodeError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(refusalText(code, message));
  }
}

export const invalid = (message: string) => new ChaincodeError('INVALID_ARGUMENT', message);
export const forbidden = (message: string) => new ChaincodeError('FORBIDDEN', message);
export const notFound = (message: string) => new ChaincodeError('NOT_FOUND', message);
