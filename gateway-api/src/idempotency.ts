/**
 * Safe retries: a write sent with `Idempotency-Key` has at most one effect per user and key.
 * - A retry of a request that was answered gets the first answer again (`Idempotent-Replayed`);
 *   a different request with a used key is refused (422), one sent while the first still runs
 *   too (409).
 * - Before a transaction goes to the orderers its id is written to the journal. A request that
 *   failed after that (a timeout, a lost connection, the peer's `UNAVAILABLE … request already
 *   processed`, a gateway killed mid-request) is remembered with those ids: its retry runs in
 *   the same scope (requests.ts), and the ledger layer asks the ledger what became of each
 *   transaction before sending it again, taking the answer of one that committed. A request
 *   that failed before anything reached the orderers is forgotten: its retry runs anew.
 * - The request key sent to the chaincode is derived from the user and the key, so even a
 *   retry this journal no longer knows of (expired, another gateway of the member) meets its
 *   first object (ALREADY_EXISTS), whose original answer the ledger layer fetches.
 * Entries are kept for 24 hours in a journal in the gateway's data folder, sealed with the
 * operator's key; expired ones leave the journal at start and every hour.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { seal, unseal } from './auth/sealed';
import { ApiError } from './errors';
import { inRequest, requestKeyOf, type SentTransaction } from './requests';

/** What a route answers: what is kept and replayed here (http.ts re-exports it for the routes). */
export interface RouteResult {
  status: number;
  body?: unknown;
  /** The block of the request's last commit, when it committed (sent as Ehr-Committed-Block). */
  committedBlock?: number;
}

interface JournalBase {
  /** SHA-256 of user and key: the journal names no user. */
  id: string;
  fingerprint: string;
  at: number;
}

/** A request's answer. */
export interface Answered extends JournalBase {
  result: RouteResult;
}

/** A transaction a request sent to the orderers: which call (callSignature), its id, when. */
export interface Sent extends JournalBase {
  sent: { call: string; txId: string; sentAt: number };
}

export type JournalEntry = Answered | Sent;

/** Where answered requests and sent transactions outlive the process. */
export interface IdempotencyJournal {
  /** Every entry younger than `since` (ms); drops the older ones. */
  load(since: number): JournalEntry[];
  append(entry: JournalEntry): void;
  /** Replaces the journal's content with these entries. */
  rewrite(entries: JournalEntry[]): void;
}

interface Entry {
  fingerprint: string;
  at: number;
  result?: RouteResult;
  /** An attempt is running in this process. */
  running: boolean;
  /** Transactions sent by earlier attempts, by call signature; outcome unknown until answered. */
  sent: Map<string, SentTransaction>;
}

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How often a long-running gateway drops expired entries from its journal. */
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
    for (const line of journal?.load(clock() - IDEMPOTENCY_TTL_MS) ?? []) {
      const entry = this.#entries.get(line.id) ?? {
        fingerprint: line.fingerprint,
        at: line.at,
        running: false,
        sent: new Map<string, SentTransaction>(),
      };
      if ('result' in line) entry.result = line.result;
      else entry.sent.set(line.sent.call, { txId: line.sent.txId, at: line.sent.sentAt });
      this.#entries.set(line.id, entry);
    }
    this.#compactedAt = clock();
  }

  /**
   * Runs `work` for (user, key), in a request scope whose request key comes from them; replays
   * an answer, refuses a key reused for another request or still running, and resumes a request
   * whose transactions' outcome is unknown.
   */
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
    const known = this.#entries.get(id);
    if (known) {
      if (known.fingerprint !== fingerprint)
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
      if (known.result) return { ...known.result, replayed: true };
      if (known.running)
        throw new ApiError(409, 'IN_PROGRESS', 'the first request with this Idempotency-Key is still running');
    }
    const entry: Entry = known ?? { fingerprint, at: this.clock(), running: true, sent: new Map() };
    entry.running = true;
    this.#entries.set(id, entry);
    const scope = {
      requestKey: requestKeyOf(user, key),
      earlier: new Map(entry.sent),
      sending: (call: string, txId: string) => {
        const at = this.clock();
        entry.sent.set(call, { txId, at });
        this.journal?.append({ id, fingerprint, at: entry.at, sent: { call, txId, sentAt: at } });
      },
    };
    let result: RouteResult;
    try {
      result = await inRequest(scope, work);
    } catch (error) {
      entry.running = false;
      // Nothing reached the orderers: the retry may run anew. Otherwise it resumes (see above).
      if (entry.sent.size === 0) this.#entries.delete(id);
      throw error;
    }
    const answered = { id, fingerprint, at: this.clock(), result };
    this.#entries.set(id, { fingerprint, at: answered.at, result, running: false, sent: new Map() });
    this.journal?.append(answered);
    return result;
  }

  #expire(): void {
    const now = this.clock();
    const cutoff = now - IDEMPOTENCY_TTL_MS;
    for (const [id, entry] of this.#entries) if (entry.at < cutoff && !entry.running) this.#entries.delete(id);
    if (this.journal && now - this.#compactedAt >= COMPACTION_INTERVAL_MS) {
      this.#compactedAt = now;
      const kept: JournalEntry[] = [];
      for (const [id, { fingerprint, at, result, sent }] of this.#entries) {
        if (result) kept.push({ id, fingerprint, at, result });
        else
          for (const [call, { txId, at: sentAt }] of sent)
            kept.push({ id, fingerprint, at, sent: { call, txId, sentAt } });
      }
      this.journal.rewrite(kept);
    }
  }
}

interface Line {
  id: string;
  fingerprint: string;
  at: number;
  /** The answer, or for a sent transaction `{ call, txId }`, sealed. */
  sealed: string;
  kind?: 'sent';
}

function parseLine(text: string, key: Buffer): JournalEntry | undefined {
  try {
    const line = JSON.parse(text) as Line;
    const { id, fingerprint, at } = line;
    const value = JSON.parse(unseal(key, line.sealed, line.id).toString('utf8')) as unknown;
    return line.kind === 'sent'
      ? { id, fingerprint, at, sent: value as Sent['sent'] }
      : { id, fingerprint, at, result: value as RouteResult };
  } catch {
    // A line torn by a crash, or sealed under another key: that entry is forgotten.
    return undefined;
  }
}

function lineOf(entry: JournalEntry, key: Buffer): string {
  const { id, fingerprint, at } = entry;
  const line: Line =
    'sent' in entry
      ? { id, fingerprint, at, sealed: seal(key, JSON.stringify(entry.sent), id), kind: 'sent' }
      : { id, fingerprint, at, sealed: seal(key, JSON.stringify(entry.result), id) };
  return `${JSON.stringify(line)}\n`;
}

/**
 * A JSON-lines journal: one line per answer or sent transaction, sealed with AES-256-GCM (an
 * answer may carry record ids a patient would not want on disk in the clear). Loading rewrites
 * the file without the expired and unreadable lines.
 */
export function fileJournal(dir: string, key: Buffer): IdempotencyJournal {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'idempotency.jsonl');
  const rewrite = (entries: JournalEntry[]) => {
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
        .filter((entry): entry is JournalEntry => entry !== undefined && entry.at >= since);
      rewrite(kept);
      return kept;
    },
    append(entry) {
      appendFileSync(file, lineOf(entry, key), { mode: 0o600 });
    },
    rewrite,
  };
}
