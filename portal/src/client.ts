/**
 * The typed API client: openapi-fetch over the types generated from the gateway's OpenAPI
 * document (api.d.ts), so a call the gateway does not serve, or a body it would refuse, does
 * not type-check. Every request carries the session's token and `Ehr-Min-Block`; every answer's
 * `Ehr-Committed-Block` raises the client's highest block.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api';
import { highestBlock, notice, pending, problem, type Problem, seeBlock, session, signOutLocally } from './state';

export const MIN_BLOCK_HEADER = 'Ehr-Min-Block';
export const COMMITTED_BLOCK_HEADER = 'Ehr-Committed-Block';

/** A failed call: the gateway's error code and message, or NETWORK when it could not be reached. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly txId?: string,
  ) {
    super(message);
  }

  get problem(): Problem {
    return { code: this.code, message: this.message, txId: this.txId };
  }
}

const headers: Middleware = {
  onRequest({ request }) {
    const token = session.value?.token;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    if (highestBlock.value !== undefined) request.headers.set(MIN_BLOCK_HEADER, String(highestBlock.value));
    return request;
  },
  onResponse({ response }) {
    seeBlock(Number(response.headers.get(COMMITTED_BLOCK_HEADER) ?? Number.NaN));
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(headers);

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; txId?: unknown };
}

function errorOf(status: number, body: unknown): ApiError {
  const error = (body as ErrorBody | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${String(status)}`;
  const message = typeof error?.message === 'string' ? error.message : 'the gateway answered without an error message';
  return new ApiError(status, code, message, typeof error?.txId === 'string' ? error.txId : undefined);
}

/** The answer's data, or an ApiError with the gateway's code and message. */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', 'the gateway could not be reached: check the connection and try again');
  }
  if (!result.response.ok) {
    const error = errorOf(result.response.status, result.error);
    // The token expired, was signed out or withdrawn: back to the sign-in form, saying why.
    if (error.status === 401 && session.value) signOutLocally(error.problem);
    throw error;
  }
  return result.data as T;
}

/**
 * Runs a user's action: shows `doing` as progress while it runs (a write waits for its commit),
 * clears the last problem, and shows the gateway's code and message if it fails. Answers the
 * action's result, or undefined when it failed (the last outcome is then cleared).
 */
export async function act<T>(doing: string, action: () => Promise<T>): Promise<T | undefined> {
  pending.value = doing;
  problem.value = undefined;
  try {
    return await action();
  } catch (error) {
    // An earlier success's outcome would read as this action's.
    notice.value = undefined;
    problem.value =
      error instanceof ApiError ? error.problem : { code: 'PORTAL_ERROR', message: (error as Error).message };
    return undefined;
  } finally {
    pending.value = undefined;
  }
}
