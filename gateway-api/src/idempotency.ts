/**
 * Safe retries: a write sent with `Idempotency-Key` is executed once per user and key; a retry
 * with the same request gets the first answer again, a different request with a used key is
 * refused. Kept in memory for 24 hours (a restarted gateway forgets; the ledger's own
 * uniqueness checks still stop a duplicate there).
 */
import { createHash } from 'node:crypto';
import { ApiError } from './errors';
import type { RouteResult } from './http';

interface Entry {
  fingerprint: string;
  at: number;
  result?: RouteResult;
}

const TTL_MS = 24 * 3_600_000;
const KEY = /^[A-Za-z0-9_-]{8,128}$/;

export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Runs `work` once per (user, key); replays or refuses later calls. */
  async run(
    user: string,
    key: string,
    request: unknown,
    work: () => Promise<RouteResult>,
  ): Promise<RouteResult & { replayed?: boolean }> {
    if (!KEY.test(key))
      throw new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 8-128 letters, digits, "-" or "_"');
    this.#expire();
    const id = `${user}\n${key}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const entry = this.#entries.get(id);
    if (entry) {
      if (entry.fingerprint !== fingerprint)
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      if (!entry.result)
        throw new ApiError(409, 'IN_PROGRESS', 'the first request with this Idempotency-Key is still running');
      return { ...entry.result, replayed: true };
    }
    this.#entries.set(id, { fingerprint, at: this.clock() });
    try {
      const result = await work();
      this.#entries.set(id, { fingerprint, at: this.clock(), result });
      return result;
    } catch (error) {
      // A failed request may be retried with the same key.
      this.#entries.delete(id);
      throw error;
    }
  }

  #expire(): void {
    const cutoff = this.clock() - TTL_MS;
    for (const [id, entry] of this.#entries) if (entry.at < cutoff) this.#entries.delete(id);
  }
}
