/**
 * Read-your-writes across members. Each member's peer commits a block on its own schedule, so
 * a request at one member's gateway right after a write at another's can find the ledger
 * without it (a spurious 404, or an endorsement refused). Every answer of a request that
 * committed names the block of its commit (`Ehr-Committed-Block`, and `committedBlock` in a
 * JSON object answer); a later request anywhere sends it back as `Ehr-Min-Block`, and the
 * gateway waits, a bounded time, until its own peer's ledger holds that block before it reads,
 * endorses or streams.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ApiError } from './errors';

/** The response header naming the block in which the request's last transaction committed. */
export const COMMITTED_BLOCK_HEADER = 'Ehr-Committed-Block';
/** The request header naming a block the gateway's peer must hold before the request runs. */
export const MIN_BLOCK_HEADER = 'Ehr-Min-Block';

const commits = new AsyncLocalStorage<{ block: bigint | undefined }>();

/**
 * Notes that a transaction of the current request committed in `block` (the ledger layer calls
 * it for every submit): the request's answer names the highest such block.
 */
export function noteCommit(block: bigint): void {
  const scope = commits.getStore();
  if (scope && (scope.block === undefined || block > scope.block)) scope.block = block;
}

/** Runs the work; answers its value and the highest block any of its submits committed in. */
export async function collectCommits<T>(work: () => Promise<T>): Promise<{ value: T; block: bigint | undefined }> {
  const scope: { block: bigint | undefined } = { block: undefined };
  const value = await commits.run(scope, work);
  return { value, block: scope.block };
}

const required = new AsyncLocalStorage<bigint>();

/**
 * Runs a request's work requiring `block` (its Ehr-Min-Block): reads the work sends to other
 * members' peers wait for it there too (`requiredBlock`).
 */
export function requiringBlock<T>(block: bigint | undefined, work: () => Promise<T>): Promise<T> {
  return block === undefined ? work() : required.run(block, work);
}

/** The block the current request requires (its Ehr-Min-Block), if any. */
export function requiredBlock(): bigint | undefined {
  return required.getStore();
}

/** The block an `Ehr-Min-Block` header names (undefined without one), or a 400. */
export function minBlockOf(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  // A block number is an unsigned 64-bit integer; 19 digits keep it below 2^63.
  if (!/^\d{1,19}$/.test(text))
    throw new ApiError(
      400,
      'INVALID_MIN_BLOCK',
      `${MIN_BLOCK_HEADER} must be a block number (a committedBlock of an earlier answer)`,
    );
  return BigInt(text);
}

/** The member's peer as the height cache sees it. */
export interface BlockSource {
  /** The peer's ledger height now: the number of its next block (qscc GetChainInfo). */
  height(): Promise<bigint>;
  /** The numbers of the blocks the peer commits from `startBlock` on, until closed. */
  blocks(startBlock: bigint): Promise<{ blocks: AsyncIterable<bigint>; close(): void }>;
}

export interface HeightOptions {
  /** How long a request waits for its block before a 503 (EHR_GATEWAY_MIN_BLOCK_WAIT_MS). */
  waitMs: number;
  /** While requests wait, the height is also asked of the peer this often (the block stream may lag or break). */
  pollMs: number;
  /** Pause before following the peer's blocks again after the stream broke. */
  retryMs: number;
}

export const DEFAULT_HEIGHT_OPTIONS: HeightOptions = { waitMs: 10_000, pollMs: 1000, retryMs: 1000 };

interface Waiter {
  block: bigint;
  wake(): void;
}

/**
 * The member's peer's ledger height, cached: raised by each block the peer commits (`follow`)
 * and by asking the peer, so a request whose block is there already does not wait at all, and
 * one whose block is not yet there is woken by the block's commit.
 */
export class PeerHeight {
  #height = 0n;
  readonly #waiters = new Set<Waiter>();
  #polling = false;

  constructor(
    private readonly source: BlockSource,
    private readonly options: HeightOptions = DEFAULT_HEIGHT_OPTIONS,
  ) {}

  /** The highest height seen. */
  get height(): bigint {
    return this.#height;
  }

  /** The peer holds every block below `height`: wakes the requests waiting for one of them. */
  observe(height: bigint): void {
    if (height <= this.#height) return;
    this.#height = height;
    for (const waiter of this.#waiters) if (waiter.block < height) waiter.wake();
  }

  /**
   * Resolves once the peer holds block `block` (its height is above it), at once when it does
   * already; past the configured wait, a 503 `LEDGER_BEHIND` with Retry-After.
   */
  async reach(block: bigint | undefined): Promise<void> {
    if (block === undefined || block < this.#height) return;
    this.observe(await this.source.height());
    if (block < this.#height) return;
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    const reached = new Promise<boolean>((resolve) => {
      waiter = {
        block,
        wake: () => {
          resolve(true);
        },
      };
      this.#waiters.add(waiter);
      timer = setTimeout(() => {
        resolve(false);
      }, this.options.waitMs);
    });
    this.#poll();
    try {
      if (await reached) return;
    } finally {
      clearTimeout(timer);
      if (waiter) this.#waiters.delete(waiter);
    }
    throw new ApiError(
      503,
      'LEDGER_BEHIND',
      `this member's peer has not committed block ${block.toString()} yet (its height is ` +
        `${this.#height.toString()}); retry in a moment`,
      undefined,
      { retryAfterSeconds: 1 },
    );
  }

  /** Asks the peer for its height every pollMs while requests wait (one loop for all of them). */
  #poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    const tick = () => {
      if (this.#waiters.size === 0) {
        this.#polling = false;
        return;
      }
      this.source
        .height()
        .then((height) => {
          this.observe(height);
        })
        .catch(() => undefined)
        .finally(() => {
          setTimeout(tick, this.options.pollMs).unref();
        });
    };
    setTimeout(tick, this.options.pollMs).unref();
  }

  /**
   * Follows the blocks the peer commits, raising the height with each, until `stop` aborts;
   * when the stream breaks (a peer restart) it follows again from the height it knows.
   */
  async follow(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      try {
        this.observe(await this.source.height());
        const stream = await this.source.blocks(this.#height);
        const close = () => {
          stream.close();
        };
        stop.addEventListener('abort', close, { once: true });
        try {
          for await (const block of stream.blocks) this.observe(block + 1n);
        } finally {
          stop.removeEventListener('abort', close);
          stream.close();
        }
      } catch {
        // The peer or its stream is down: requests still ask the peer itself while they wait.
      }
      // Unreferenced: a gateway stopping meanwhile does not wait for it.
      await new Promise((resolve) => setTimeout(resolve, this.options.retryMs).unref());
    }
  }
}
