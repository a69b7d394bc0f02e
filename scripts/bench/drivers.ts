/**
 * The two ways load is driven: autocannon for REST (one instance per gateway route sequence),
 * and a closed loop of `concurrency` workers for the SDK and for flows that span two gateways.
 * Both answer the same figures: operations completed with success, their latencies from the
 * first request to the last answer (a write answers once committed), and errors.
 */
import autocannon from 'autocannon';
import { parseRefusal } from '@ehr/protocol';

export interface PointResult {
  ok: number;
  errors: number;
  /** Error answers by status code or error name, for the report. */
  errorKinds: Record<string, number>;
  latenciesMs: number[];
  seconds: number;
}

/** One step of a REST operation: the request to send, given what the earlier steps answered. */
export interface RestStep {
  method: 'GET' | 'POST';
  path: (context: Record<string, unknown>) => string;
  body?: (context: Record<string, unknown>) => unknown;
  /** Keeps what later steps need from a 2xx answer's body. */
  keep?: (body: Record<string, unknown>, context: Record<string, unknown>) => void;
  /** The block this request must see (Ehr-Min-Block), e.g. the one an earlier step committed in. */
  minBlock?: (context: Record<string, unknown>) => number | undefined;
}

interface Ctx extends Record<string, unknown> {
  started?: number;
  failed?: boolean;
}

/**
 * Runs the steps over and over on `connections` connections for `seconds` with autocannon: an
 * operation counts once its last step answered 2xx; a non-2xx step ends it as an error.
 */
export async function restPoint(options: {
  url: string;
  token: string;
  steps: RestStep[];
  connections: number;
  seconds: number;
}): Promise<PointResult> {
  const result: PointResult = { ok: 0, errors: 0, errorKinds: {}, latenciesMs: [], seconds: options.seconds };
  const fail = (kind: string) => {
    result.errors += 1;
    result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
  };
  const last = options.steps.length - 1;
  const requests = options.steps.map((step, i) => ({
    method: step.method,
    setupRequest: (req: autocannon.Request, shared: object) => {
      // autocannon keeps one context object per connection, for its sequence of requests.
      const context = shared as Ctx;
      if (i === 0) {
        context.started = performance.now();
        context.failed = false;
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${options.token}`,
      };
      const minBlock = step.minBlock?.(context);
      if (minBlock !== undefined) headers['ehr-min-block'] = String(minBlock);
      const body = step.body?.(context);
      return {
        ...req,
        method: step.method,
        path: context.failed ? '/healthz' : step.path(context),
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      };
    },
    onResponse: (status: number, body: string, shared: object) => {
      const context = shared as Ctx;
      if (context.failed) return;
      if (status < 200 || status >= 300) {
        context.failed = true;
        let code = String(status);
        try {
          code += ` ${(JSON.parse(body) as { error?: { code?: string } }).error?.code ?? ''}`.trimEnd();
        } catch {
          // Not JSON: the status says enough.
        }
        fail(code);
        return;
      }
      step.keep?.(body ? (JSON.parse(body) as Record<string, unknown>) : {}, context);
      if (i === last) {
        result.ok += 1;
        result.latenciesMs.push(performance.now() - (context.started ?? performance.now()));
      }
    },
  }));
  const started = performance.now();
  const run = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 60,
    requests,
  });
  result.seconds = (performance.now() - started) / 1000;
  if (run.errors > 0) {
    result.errors += run.errors;
    result.errorKinds['connection error or timeout'] = run.errors;
  }
  return result;
}

/**
 * `concurrency` workers each run `op` back to back until `seconds` have passed; an operation
 * started before the end is waited for and counted. An operation that first prepares something
 * outside what is measured answers the time its measured part started.
 */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  op: (worker: number) => Promise<number | undefined>,
): Promise<PointResult> {
  const result: PointResult = { ok: 0, errors: 0, errorKinds: {}, latenciesMs: [], seconds };
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async (n: number) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const measuredFrom = (await op(n)) ?? t0;
        result.ok += 1;
        result.latenciesMs.push(performance.now() - measuredFrom);
      } catch (error) {
        result.errors += 1;
        const kind = error instanceof Error ? errorKind(error) : 'unknown';
        result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, n) => worker(n)));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** A short name for an error in the report: its name and the chaincode's error code, if any. */
function errorKind(error: Error): string {
  const details = (error as { details?: unknown }).details;
  const refusal = parseRefusal(`${error.message} ${JSON.stringify(details ?? '')}`);
  const code = (error as { code?: unknown }).code;
  return [error.name, refusal?.code ?? (typeof code === 'number' ? String(code) : undefined)]
    .filter((p) => p !== undefined)
    .join(' ');
}
