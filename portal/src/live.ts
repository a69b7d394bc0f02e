/**
 * Live updates: the gateway's event stream (GET /v1/events), read with fetch so the bearer
 * token travels in the Authorization header (EventSource cannot send one, and a token in the
 * URL would be logged). Reconnects with Last-Event-ID after a break; each event's block raises
 * the client's highest block, and views re-read what the event changes.
 */
import { blockOfEventId, SseParser } from './sse';
import { highestBlock, lastEvent, live, seeBlock, signOutLocally } from './state';

const RETRY_MS = 2000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

function payloadOf(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Reads one connection until it ends; answers false when the session is over (no reconnect). */
async function readStream(body: ReadableStream<Uint8Array>, resume: { id?: string }): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    for (const event of parser.push(decoder.decode(value, { stream: true }))) {
      if (event.event === 'session-ended') {
        signOutLocally({ code: 'UNAUTHENTICATED', message: 'your session ended: sign in again' });
        return false;
      }
      if (event.id) resume.id = event.id;
      seeBlock(blockOfEventId(event.id));
      if (event.event !== 'gateway-stopping') lastEvent.value = { name: event.event, payload: payloadOf(event.data) };
    }
  }
}

/** Follows the stream for the token until `signal` aborts or the session ends. */
export async function follow(token: string, signal: AbortSignal): Promise<void> {
  const resume: { id?: string } = {};
  live.value = 'connecting';
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
      if (resume.id) headers['Last-Event-ID'] = resume.id;
      if (highestBlock.value !== undefined) headers['Ehr-Min-Block'] = String(highestBlock.value);
      const res = await fetch('/v1/events', { headers, signal, cache: 'no-store' });
      if (res.status === 401) {
        signOutLocally({ code: 'UNAUTHENTICATED', message: 'your session ended: sign in again' });
        return;
      }
      // Away too long to resume: start with new events (the views re-read on the next one).
      if (res.status === 400) delete resume.id;
      if (res.ok && res.body) {
        live.value = 'live';
        if (!(await readStream(res.body, resume))) return;
      }
    } catch {
      // The connection broke, or was aborted (then the loop ends after the pause, which returns at once).
    }
    live.value = 'reconnecting';
    await pause(RETRY_MS, signal);
  }
  live.value = 'off';
}
