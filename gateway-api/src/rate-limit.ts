/**
 * Limits on the routes that check a secret (sign-in, sign-up, TOTP confirmation): so many
 * attempts per client address and so many for the whole gateway in each window. Per-user
 * lock-outs stop guessing one user's factors; these stop spraying many users from one address,
 * and bound the password hashing (32 MiB of scrypt each) anyone can make the gateway do.
 */
import { ApiError } from './errors';

export interface RateLimits {
  /** Attempts one client address may make per window. */
  perAddress: number;
  /** Attempts the gateway takes per window from everyone together. */
  total: number;
  windowMs: number;
}

/** Defaults for a member's gateway: a busy ward behind one address signs in well below these. */
export const DEFAULT_RATE_LIMITS: RateLimits = { perAddress: 30, total: 300, windowMs: 60_000 };

/**
 * Counts attempts in fixed windows (at most twice a limit can pass across a window's edge,
 * which these limits allow for). An address refused for its own limit is not counted against
 * the gateway's, so one address cannot use up more than its share; and only addresses that got
 * through are remembered, so the memory is bounded by `total`.
 */
export class RateLimiter {
  #windowStart = Number.NEGATIVE_INFINITY;
  #total = 0;
  #byAddress = new Map<string, number>();

  constructor(
    readonly limits: RateLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one attempt from the address, or refuses it with a 429 saying when to retry. */
  take(address: string): void {
    const now = this.clock();
    if (now - this.#windowStart >= this.limits.windowMs) {
      this.#windowStart = now;
      this.#total = 0;
      this.#byAddress = new Map();
    }
    const retry = `retry in ${String(Math.ceil((this.#windowStart + this.limits.windowMs - now) / 1000))} s`;
    const mine = this.#byAddress.get(address) ?? 0;
    if (mine >= this.limits.perAddress)
      throw new ApiError(429, 'RATE_LIMITED', `too many sign-in attempts from your address; ${retry}`);
    if (this.#total >= this.limits.total)
      throw new ApiError(429, 'RATE_LIMITED', `the gateway is receiving too many sign-in attempts; ${retry}`);
    this.#byAddress.set(address, mine + 1);
    this.#total += 1;
  }
}
