/**
 * Live event streams for HTTP tests: a stand-in of the peer's chaincode event service whose
 * streams stay open until closed (as the peer's do) and get the events a test commits, and a
 * client that reads a gateway's `/v1/events` as a browser's EventSource would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { EventSource, LedgerEvent } from '../../../gateway-api/src/events';

/** The peer's event service over a chain the test writes; counts the streams it has open. */
export class LiveSource implements EventSource {
  readonly chain: LedgerEvent[] = [];
  /** Each stream's start block, as the gateway asked for it. */
  readonly opens: (bigint | undefined)[] = [];
  openStreams = 0;
  readonly #waiting = new Set<() => void>();

  /** Commits an event in a block of its own after the last one. */
  commit(name: string, payload: Record<string, unknown>): LedgerEvent {
    const blockNumber = (this.chain.at(-1)?.blockNumber ?? 0n) + 1n;
    const event = { blockNumber, txId: `${blockNumber.toString(16).padStart(4, '0')}ab`, name, payload };
    this.chain.push(event);
    for (const wake of this.#waiting) wake();
    this.#waiting.clear();
    return event;
  }

  /** True when every open stream has handled every event and waits for the next. */
  idle(): boolean {
    return this.#waiting.size === this.openStreams;
  }

  /** The height the peer reports: one more than the last block's number. */
  height(): Promise<bigint> {
    return Promise.resolve((this.chain.at(-1)?.blockNumber ?? 0n) + 1n);
  }

  open(_identity: unknown, startBlock: bigint | undefined) {
    this.opens.push(startBlock);
    const from = startBlock === undefined ? -1 : this.chain.findIndex((e) => e.blockNumber >= startBlock);
    let next = from < 0 ? this.chain.length : from;
    let closed = false;
    let wake: (() => void) | undefined;
    const chain = this.chain;
    const waiting = this.#waiting;
    async function* events(): AsyncGenerator<LedgerEvent> {
      while (!closed) {
        const event = chain[next];
        if (event) {
          next += 1;
          yield event;
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
            waiting.add(resolve);
          });
        }
      }
    }
    this.openStreams += 1;
    return Promise.resolve({
      events: events(),
      close: () => {
        if (closed) return;
        closed = true;
        this.openStreams -= 1;
        wake?.();
      },
    });
  }
}

/** Polls until the condition holds, failing after `ms`. */
export async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not come true in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface StreamClient {
  status: number;
  /** Everything received so far. */
  text(): string;
  /** The ids of the events received so far. */
  ids(): string[];
  /** The JSON body of an answer that is not a stream (an error); undefined for a stream. */
  body(): unknown;
  /** True once the gateway ended the answer. */
  ended(): boolean;
  /** Resolves when the gateway ends the answer, or after `ms` with false. */
  endsWithin(ms: number): Promise<boolean>;
  close(): void;
}

/** Serves the app on a loopback port (SSE needs a real connection); call `stop` after. */
export async function serve(app: Express): Promise<{ url: string; stop(): void }> {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Opens `/v1/events` with the token (and a Last-Event-ID), reading in the background. */
export async function openStream(url: string, token: string, lastEventId?: string): Promise<StreamClient> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: controller.signal,
  });
  let text = '';
  let ended = false;
  const reading = (async () => {
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      ended = true;
    } catch {
      // Closed by the client.
    }
  })();
  const json = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  if (json) await reading;
  return {
    status: res.status,
    text: () => text,
    ids: () => [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1] ?? ''),
    body: () => (json ? (JSON.parse(text) as unknown) : undefined),
    ended: () => ended,
    endsWithin: (ms) =>
      Promise.race([reading.then(() => ended), new Promise<boolean>((resolve) => setTimeout(resolve, ms, false))]),
    close: () => {
      controller.abort();
    },
  };
}
