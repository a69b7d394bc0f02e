/**
 * Safe retries: a write sent with `Idempotency-Key` is executed once per user and key; a retry
 * with the same request gets the first answer again, a different request with a used key is
 * refused. Answers are kept for 24 hours in a journal in the gateway's data folder, sealed with
 * the operator's key, so a restarted gateway still replays them; expired answers leave the
 * journal at start and every hour. A request that was still running when the gateway stopped
 * is not journalled: its retry runs again, and the ledger's own uniqueness checks stop a
 * duplicate there.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { seal, unseal } from './auth/sealed';
import { ApiError } from './errors';

/** What a route answers: what is kept and replayed here (http.ts re-exports it for the routes). */
export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Answered {
  /** SHA-256 of user and key: the journal names no user. */
  id: string;
  fingerprint: string;
  at: number;
  result: RouteResult;
}

/** Where answered requests outlive the process. */
export interface IdempotencyJournal {
  /** Every answer younger than `since` (ms); drops the older ones. */
  load(since: number): Answered[];
  append(entry: Answered): void;
  /** Replaces the journal's content with these answers. */
  rewrite(entries: Answered[]): void;
}

interface Entry {
  fingerprint: string;
  at: number;
  result?: RouteResult;
}

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How often a long-running gateway drops expired answers from its journal. */
const COMPACTION_INTERVAL_MS = 3_600_000;
const KEY = /^[A-Za-z0-9_-]{8,128}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  #compactedAt: number;

  constructor(
    private readonly journal?: IdempotencyJournal,
    private readonly clock: () => number = Date.now,
  ) {
    for (const { id, fingerprint, at, result } of journal?.load(clock() - IDEMPOTENCY_TTL_MS) ?? [])
      this.#entries.set(id, { fingerprint, at, result });
    this.#compactedAt = clock();
  }

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
    const id = sha256(`${user}\n${key}`);
    const fingerprint = sha256(JSON.stringify(request));
    const entry = this.#entries.get(id);
    if (entry) {
      if (entry.fingerprint !== fingerprint)
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      if (!entry.result)
        throw new ApiError(409, 'IN_PROGRESS', 'the first request with this Idempotency-Key is still running');
      return { ...entry.result, replayed: true };
    }
    this.#entries.set(id, { fingerprint, at: this.clock() });
    let result: RouteResult;
    try {
      result = await work();
    } catch (error) {
      // A failed request may be retried with the same key.
      this.#entries.delete(id);
      throw error;
    }
    const answered = { id, fingerprint, at: this.clock(), result };
    this.#entries.set(id, answered);
    this.journal?.append(answered);
    return result;
  }

  #expire(): void {
    const now = this.clock();
    const cutoff = now - IDEMPOTENCY_TTL_MS;
    for (const [id, entry] of this.#entries) if (entry.at < cutoff) this.#entries.delete(id);
    if (this.journal && now - this.#compactedAt >= COMPACTION_INTERVAL_MS) {
      this.#compactedAt = now;
      const answered: Answered[] = [];
      for (const [id, { fingerprint, at, result }] of this.#entries)
        if (result) answered.push({ id, fingerprint, at, result });
      this.journal.rewrite(answered);
    }
  }
}

interface Line {
  id: string;
  fingerprint: string;
  at: number;
  sealed: string;
}

function parseLine(text: string, key: Buffer): Answered | undefined {
  try {
    const line = JSON.parse(text) as Line;
    const result = JSON.parse(unseal(key, line.sealed, line.id).toString('utf8')) as RouteResult;
    return { id: line.id, fingerprint: line.fingerprint, at: line.at, result };
  } catch {
    // A line torn by a crash, or sealed under another key: that answer is forgotten.
    return undefined;
  }
}

const lineOf = ({ id, fingerprint, at, result }: Answered, key: Buffer) =>
  `${JSON.stringify({ id, fingerprint, at, sealed: seal(key, JSON.stringify(result), id) })}\n`;

/**
 * A JSON-lines journal: one line per answer, the answer sealed with AES-256-GCM (it may carry
 * record ids a patient would not want on disk in the clear). Loading rewrites the file without
 * the expired and unreadable lines.
 */
export function fileJournal(dir: string, key: Buffer): IdempotencyJournal {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'idempotency.jsonl');
  const rewrite = (entries: Answered[]) => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, entries.map((entry) => lineOf(entry, key)).join(''), { mode: 0o600 });
    renameSync(tmp, file);
  };
  return {
    load(since) {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const kept = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => parseLine(line, key))
        .filter((entry): entry is Answered => entry !== undefined && entry.at >= since);
      rewrite(kept);
      return kept;
    },
    append(entry) {
      appendFileSync(file, lineOf(entry, key), { mode: 0o600 });
    },
    rewrite,
  };
}
