/**
 * One mapping from everything that can go wrong to the API's error shape
 * `{ "error": { "code", "message", "txId"? } }`: domain errors raised by the gateway, errors
 * from the chaincode (by their stable `CODE:` prefix), and Fabric network failures.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ErrorCode } from '@ehr/protocol';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /**
   * When the client may retry (sent as Retry-After), for errors that pass. Every 503 has one
   * (1 s unless given): a node down, a peer behind or an outcome not known yet passes, and a
   * client told when to come back neither hammers the gateway nor gives up.
   */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly txId?: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? (status === 503 ? 1 : undefined);
  }
}

/**
 * Domain error of the Fabric adapter: the orderers took the transaction but the peers did not
 * commit it as valid. `validationCode` is Fabric's reason, e.g. MVCC_READ_CONFLICT (its reads
 * went stale) or ENDORSEMENT_POLICY_FAILURE.
 */
export class TransactionInvalidError extends Error {
  override readonly name = 'TransactionInvalidError';
  readonly code = 'TRANSACTION_INVALID';

  constructor(
    readonly validationCode: string,
    readonly txId: string,
  ) {
    super(`the transaction was not committed (${validationCode})`);
  }
}

/** HTTP status for each chaincode error code. */
export const CHAINCODE_STATUS: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FORBIDDEN: 403,
  CONSENT_REQUIRED: 403,
  CONSENT_EXPIRED: 403,
  TICKET_REQUIRED: 403,
  NOT_FOUND: 404,
  PURGED: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  HASH_MISMATCH: 422,
  WRONG_PEER: 503,
} satisfies Record<ErrorCode, number>;

/**
 * The chaincode's stable error code (`CODE: message`) carried in a gateway error's details,
 * or undefined for errors that did not come from the chaincode.
 */
export function chaincodeErrorCode(error: unknown): string | undefined {
  const details = (error as { details?: { message?: string }[] } | undefined)?.details ?? [];
  for (const detail of details) {
    const code = /(?:^|, )([A-Z][A-Z_]+): /.exec(detail.message ?? '')?.[1];
    if (code) return code;
  }
  return undefined;
}

function chaincodeMessage(error: unknown, code: string): string {
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  const message = details.map((d) => d.message ?? '').find((m) => m.includes(`${code}: `)) ?? '';
  return message.slice(message.indexOf(`${code}: `) + code.length + 2);
}

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_ABORTED = 10;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_UNAVAILABLE = 14;

/** Other members' peers answered the proposal differently from this member's (fabric-gateway's detail). */
function endorsersDisagreed(error: unknown): boolean {
  const details = (error as { details?: { message?: string }[] } | undefined)?.details ?? [];
  return details.some((detail) => detail.message === 'ProposalResponsePayloads do not match');
}

/** Every endorser fabric-gateway names failed for a reason of transport or launch, not of the chaincode's rules. */
function endorsersUnreachable(error: unknown): boolean {
  const details = (error as { details?: { message?: string }[] } | undefined)?.details ?? [];
  const unreachable =
    /code = Unavailable|connection error|could not launch chaincode|error reading from server|context deadline exceeded/;
  return details.length > 0 && details.every((detail) => unreachable.test(detail.message ?? ''));
}

/** The answer to a Fabric call that failed with a gRPC status a client can act on; undefined for others. */
function fromGrpc(error: unknown, txId: string | undefined): ApiError | undefined {
  const grpc = (error as { code?: unknown } | undefined)?.code;
  if (grpc === GRPC_UNAVAILABLE)
    return new ApiError(503, 'UNAVAILABLE', 'the ledger is unreachable; retry later', txId, { cause: error });
  // The peer's Gateway cannot plan an endorsement: right after a peer restarts, its discovery
  // does not know enough members' peers yet ("no peer combination can satisfy the endorsement
  // policy"). It passes within seconds; a 500 told clients it would not.
  if (grpc === GRPC_FAILED_PRECONDITION)
    return new ApiError(503, 'UNAVAILABLE', "this member's peer cannot reach enough endorsers yet; retry", txId, {
      cause: error,
    });
  // The peer's Gateway could not collect enough endorsements because endorsing peers were
  // unreachable or could not run the chaincode (a node restarting; seen by the faults test while
  // the lab's state DB and the insurer's chaincode server restarted). Nothing was ordered: retry.
  if (grpc === GRPC_ABORTED && endorsersUnreachable(error))
    return new ApiError(503, 'UNAVAILABLE', "other members' endorsing peers are unreachable; retry", txId, {
      cause: error,
    });
  if (grpc === GRPC_DEADLINE_EXCEEDED)
    return new ApiError(504, 'TIMEOUT', 'the ledger did not answer in time; retry', txId, { cause: error });
  return undefined;
}

/** Converts any error into an ApiError; unknown errors become a 500 whose message stays internal. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TransactionInvalidError) {
    // A conflict resolves when retried on fresh state; other validation failures do not.
    const status = error.validationCode === 'MVCC_READ_CONFLICT' ? 409 : 422;
    return new ApiError(status, error.code, error.message, error.txId, { cause: error });
  }
  const txId = (error as { transactionId?: string } | undefined)?.transactionId;
  const code = chaincodeErrorCode(error);
  if (code)
    return new ApiError(CHAINCODE_STATUS[code] ?? 422, code, chaincodeMessage(error, code), txId, { cause: error });
  if (endorsersDisagreed(error))
    return new ApiError(
      503,
      'ENDORSERS_DISAGREE',
      "other members' peers answered differently from this member's (they may not have committed the latest blocks yet); retry",
      txId,
      { cause: error, retryAfterSeconds: 1 },
    );
  return fromGrpc(error, txId) ?? new ApiError(500, 'INTERNAL', 'internal error', txId, { cause: error });
}

/** The one error middleware: the JSON shape, no internals in 5xx messages. */
export function errorMiddleware(log: (entry: Record<string, unknown>) => void) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const bodyError = error as { type?: string; status?: number };
    let apiError: ApiError;
    if (bodyError.type === 'entity.too.large')
      apiError = new ApiError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
    else if (bodyError.type === 'entity.parse.failed')
      apiError = new ApiError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    else apiError = toApiError(error);
    if (apiError.status >= 500) {
      const cause = apiError.cause instanceof Error ? apiError.cause.name : undefined;
      log({
        level: 'error',
        msg: 'request failed',
        method: req.method,
        path: req.path,
        status: apiError.status,
        code: apiError.code,
        cause,
      });
    }
    const body: { code: string; message: string; txId?: string } = { code: apiError.code, message: apiError.message };
    if (apiError.txId) body.txId = apiError.txId;
    if (apiError.retryAfterSeconds !== undefined) res.set('Retry-After', String(apiError.retryAfterSeconds));
    res.status(apiError.status).json({ error: body });
  };
}
