import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IDEMPOTENCY_TTL_MS, IdempotencyCache, fileJournal } from '../../../gateway-api/src/idempotency';
import { currentRequest } from '../../../gateway-api/src/requests';

describe('Idempotency-Key replays', () => {
  let dir: string;
  let now: number;
  const key = randomBytes(32);
  const clock = () => now;
  const journalFile = () => path.join(dir, 'idempotency.jsonl');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'idem-'));
    now = 1_800_000_000_000;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const counting = () => {
    let calls = 0;
    const work = () => {
      calls += 1;
      return Promise.resolve({ status: 201, body: { txId: `tx-${String(calls)}`, recordId: 'REC-7' } });
    };
    return { work, calls: () => calls };
  };

  it('replays an answer after a restart of the gateway, and refuses the key for another request', async () => {
    const { work, calls } = counting();
    const first = await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000001', ['A'], work);
    const restarted = new IdempotencyCache(fileJournal(dir, key), clock);
    const replay = await restarted.run('alice', 'key-00000001', ['A'], work);
    expect(replay).toEqual({ ...first, replayed: true });
    expect(calls()).toBe(1);
    await expect(restarted.run('alice', 'key-00000001', ['B'], work)).rejects.toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    // Keys are per user.
    await restarted.run('bob', 'key-00000001', ['A'], work);
    expect(calls()).toBe(2);
  });

  it('keeps answers and names sealed on disk', async () => {
    const { work } = counting();
    await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000001', ['A'], work);
    const text = readFileSync(journalFile(), 'utf8');
    expect(text).not.toContain('REC-7');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('key-00000001');
  });

  it('forgets answers older than 24 hours, on disk too', async () => {
    const { work, calls } = counting();
    await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000001', ['A'], work);
    now += IDEMPOTENCY_TTL_MS + 1;
    const later = new IdempotencyCache(fileJournal(dir, key), clock);
    expect(readFileSync(journalFile(), 'utf8')).toBe('');
    const again = await later.run('alice', 'key-00000001', ['A'], work);
    expect(again).not.toHaveProperty('replayed');
    expect(calls()).toBe(2);
  });

  it('drops expired answers from the journal of a gateway that keeps running', async () => {
    const { work } = counting();
    const cache = new IdempotencyCache(fileJournal(dir, key), clock);
    await cache.run('alice', 'key-00000001', ['A'], work);
    await cache.run('alice', 'key-00000002', ['A'], work);
    expect(readFileSync(journalFile(), 'utf8').trim().split('\n')).toHaveLength(2);
    now += IDEMPOTENCY_TTL_MS + 1;
    await cache.run('alice', 'key-00000003', ['A'], work);
    expect(readFileSync(journalFile(), 'utf8').trim().split('\n')).toHaveLength(1);
    const restarted = new IdempotencyCache(fileJournal(dir, key), clock);
    expect(await restarted.run('alice', 'key-00000003', ['A'], work)).toMatchObject({ replayed: true });
  });

  it('skips a torn last line and lines sealed under another key', async () => {
    const { work, calls } = counting();
    await new IdempotencyCache(fileJournal(dir, randomBytes(32)), clock).run('alice', 'key-00000001', ['A'], work);
    await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000002', ['A'], work);
    appendFileSync(journalFile(), '{"id":"torn');
    const cache = new IdempotencyCache(fileJournal(dir, key), clock);
    expect(readFileSync(journalFile(), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await cache.run('alice', 'key-00000002', ['A'], work)).toMatchObject({ replayed: true });
    expect(await cache.run('alice', 'key-00000001', ['A'], work)).not.toHaveProperty('replayed');
    expect(calls()).toBe(3);
  });

  it('lets a failed request be retried, and journals nothing for it', async () => {
    const cache = new IdempotencyCache(fileJournal(dir, key), clock);
    await expect(
      cache.run('alice', 'key-00000001', ['A'], () => Promise.reject(new Error('peer down'))),
    ).rejects.toThrow('peer down');
    expect(readFileSync(journalFile(), 'utf8')).toBe('');
    await expect(cache.run('alice', 'key-00000001', ['A'], () => Promise.resolve({ status: 201 }))).resolves.toEqual({
      status: 201,
    });
  });

  /** Work that sends a transaction (as the ledger layer does), then fails as a lost answer would. */
  const sendsThenTimesOut = (txId: string) => () => {
    currentRequest()?.sending('call-1', txId);
    return Promise.reject(Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 }));
  };

  it('remembers what a failed request sent, across a restart, and hands it to the retry in the same request key', async () => {
    let first: string | undefined;
    await expect(
      new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000001', ['A'], () => {
        first = currentRequest()?.requestKey;
        return sendsThenTimesOut('tx-1')();
      }),
    ).rejects.toThrow('DEADLINE_EXCEEDED');
    expect(readFileSync(journalFile(), 'utf8')).not.toContain('tx-1');
    const restarted = new IdempotencyCache(fileJournal(dir, key), clock);
    const seen: unknown[] = [];
    const retried = await restarted.run('alice', 'key-00000001', ['A'], () => {
      const scope = currentRequest();
      seen.push(scope?.requestKey, [...(scope?.earlier ?? [])]);
      return Promise.resolve({ status: 201, body: { ok: true } });
    });
    expect(retried).toEqual({ status: 201, body: { ok: true } });
    expect(seen).toEqual([first, [['call-1', { txId: 'tx-1', at: now }]]]);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Another user's same key is another request key.
    await new IdempotencyCache(undefined, clock).run('bob', 'key-00000001', ['A'], () => {
      expect(currentRequest()?.requestKey).not.toBe(first);
      return Promise.resolve({ status: 201 });
    });
    // Still one answer per key, and a different request with it is refused.
    await expect(restarted.run('alice', 'key-00000001', ['B'], counting().work)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });

  it('keeps what was sent through compaction, and forgets it after 24 hours', async () => {
    const cache = new IdempotencyCache(fileJournal(dir, key), clock);
    await expect(cache.run('alice', 'key-00000001', ['A'], sendsThenTimesOut('tx-1'))).rejects.toThrow();
    now += 2 * 3_600_000;
    await cache.run('alice', 'key-00000002', ['A'], counting().work);
    const seen: unknown[] = [];
    const resume = () => {
      seen.push([...(currentRequest()?.earlier.values() ?? [])].map((sent) => sent.txId));
      return Promise.resolve({ status: 201 });
    };
    await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000001', ['A'], resume);
    expect(seen).toEqual([['tx-1']]);
    await expect(
      new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000003', ['A'], sendsThenTimesOut('tx-3')),
    ).rejects.toThrow();
    now += IDEMPOTENCY_TTL_MS + 1;
    await new IdempotencyCache(fileJournal(dir, key), clock).run('alice', 'key-00000003', ['A'], resume);
    expect(seen).toEqual([['tx-1'], []]);
  });

  it('refuses a malformed key and a second request while the first is running', async () => {
    const cache = new IdempotencyCache(undefined, clock);
    await expect(cache.run('alice', 'short', ['A'], counting().work)).rejects.toMatchObject({
      code: 'INVALID_IDEMPOTENCY_KEY',
    });
    let finish: () => void = () => undefined;
    const slow = cache.run(
      'alice',
      'key-00000001',
      ['A'],
      () =>
        new Promise((resolve) => {
          finish = () => {
            resolve({ status: 201 });
          };
        }),
    );
    await expect(cache.run('alice', 'key-00000001', ['A'], counting().work)).rejects.toMatchObject({
      status: 409,
      code: 'IN_PROGRESS',
    });
    finish();
    await expect(slow).resolves.toEqual({ status: 201 });
  });
});
