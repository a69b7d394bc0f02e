/**
 * Chaincode events as Server-Sent Events. Each event's id is `<block>-<txId>`; a client that
 * reconnects with `Last-Event-ID` resumes from that block, skipping what it already has. When
 * the peer's event stream breaks (a peer restart), the feed reconnects from the last block it
 * delivered. Each user gets only the events they need to know of (see audience.ts).
 */
import type { Request, Response } from 'express';
import { type HomeMembers, sees, type Viewer } from './audience';
import { ApiError } from './errors';
import type { EventSource, LedgerEvent, UserIdentity } from './fabric';
import { type MessageEvent, notifies } from './messages';
import type { UserRecord } from './store';

// The port this feed reads, defined with the Fabric adapter that implements it.
export type { EventSource, LedgerEvent } from './fabric';

/** How many event streams may be open, and how far back one may resume. */
export interface StreamLimits {
  /** Streams one user may have open at a time. */
  perUser: number;
  /** Streams the gateway serves at a time. */
  total: number;
  /** A Last-Event-ID may name a block at most this far below the peer's height. */
  resumeBlocks: number;
}

/** Defaults: a user has a tab or two and a phone; the peer serves every stream the gateway opens. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perUser: 3, total: 100, resumeBlocks: 1000 };

/**
 * The open streams, per user and in all. A stream holds a connection and a stream at the
 * member's peer for as long as it lasts, so their number is bounded: past a cap a new one is
 * refused (429), never queued.
 */
export class StreamSlots {
  #total = 0;
  readonly #byUser = new Map<string, number>();

  constructor(readonly limits: StreamLimits) {}

  /** Takes a slot for a stream of the user, or a 429; answers the function that gives it back (once). */
  take(username: string): () => void {
    const mine = this.#byUser.get(username) ?? 0;
    if (mine >= this.limits.perUser)
      throw new ApiError(
        429,
        'TOO_MANY_STREAMS',
        `you have ${String(this.limits.perUser)} event streams open already; close one first`,
      );
    if (this.#total >= this.limits.total)
      throw new ApiError(429, 'TOO_MANY_STREAMS', 'the gateway serves all the event streams it can; retry later');
    this.#byUser.set(username, mine + 1);
    this.#total += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#total -= 1;
      const left = (this.#byUser.get(username) ?? 1) - 1;
      if (left > 0) this.#byUser.set(username, left);
      else this.#byUser.delete(username);
    };
  }
}

/**
 * Refuses a Last-Event-ID more than `resumeBlocks` below the peer's height (`0-0` would replay
 * the whole chain, for every stream that sends it). The client is told to reconnect without
 * it: a client away that long re-reads the lists it follows rather than replaying events, and
 * it learns that it missed some (starting silently at the bound would hide the gap).
 */
export async function checkResume(
  lastEventId: string | undefined,
  height: () => Promise<bigint>,
  resumeBlocks: number,
): Promise<void> {
  const resume = resumePoint(lastEventId);
  if (!resume) return;
  const earliest = (await height()) - BigInt(resumeBlocks);
  if (resume.block < earliest)
    throw new ApiError(
      400,
      'RESUME_TOO_OLD',
      `Last-Event-ID names block ${resume.block.toString()}; events resume from block ${earliest.toString()} at the ` +
        'earliest: reconnect without Last-Event-ID and re-read what you follow',
    );
}

export const eventId = (event: LedgerEvent) => `${event.blockNumber.toString()}-${event.txId}`;

/** Where to resume from a Last-Event-ID, or undefined to start with new events. */
export function resumePoint(lastEventId: string | undefined): { block: bigint; txId: string } | undefined {
  const match = /^(\d{1,19})-([0-9a-f]{1,128})$/.exec(lastEventId ?? '');
  return match?.[1] && match[2] ? { block: BigInt(match[1]), txId: match[2] } : undefined;
}

export interface StreamOptions {
  source: EventSource;
  identity: UserIdentity;
  user: UserRecord;
  /** Pause before reconnecting after the stream broke. */
  retryMs: number;
  /** Aborted when the user's session ends (its reason says why): the stream then ends too. */
  session?: AbortSignal;
  /** Patients' home members, for the events staff see about their member's patients. */
  homes?: HomeMembers;
  /** Aborted when the gateway stops: the stream then ends too, after a last `gateway-stopping` event. */
  stopping?: AbortSignal;
  /** The hospital's secure messages: their parties are told of new ones (see `messageFrame`). */
  messages?: { watch(listener: (event: MessageEvent) => void): () => void };
}

/** The gateway's own event for a new message: PHI-free, and without an id (it is in no block, so no resume point). */
export const MESSAGE_EVENT = 'MessagePosted';

const messageFrame = (event: MessageEvent) =>
  `event: ${MESSAGE_EVENT}\ndata: ${JSON.stringify({ conversationId: event.conversationId })}\n\n`;

/** The viewer the stream's user is, for need-to-know filtering. */
function viewerOf(options: StreamOptions): Viewer {
  const patientId = options.user.attrs['ehr.patientId'];
  return { mspId: options.identity.mspId, role: options.user.role, ...(patientId ? { patientId } : {}) };
}

/** Where a connection has got to: the last event it handled (shown or not). */
interface Position {
  block: bigint;
  txId: string;
}

/**
 * Tracks a connection's position. After a (re)connect the source starts at the block of the
 * position, which may also hold events before it: those are skipped.
 */
export class Cursor {
  #resumeAt: Position | undefined;
  #passed = true;

  constructor(public position: Position | undefined) {}

  restart(): void {
    this.#resumeAt = this.position;
    this.#passed = this.position === undefined;
  }

  /** True when the event is new to the client; it then becomes the position. */
  advance(event: LedgerEvent): boolean {
    const resumeAt = this.#resumeAt;
    if (!this.#passed && resumeAt) {
      this.#passed = event.blockNumber > resumeAt.block;
      if (!this.#passed) {
        this.#passed = event.txId === resumeAt.txId;
        return false;
      }
    }
    this.position = { block: event.blockNumber, txId: event.txId };
    return true;
  }
}

/**
 * One client's connection. It closes when the client goes away or its session ends, and
 * closing it closes the source's stream it is reading at once: the peer's stream (and the
 * slot it takes) is not held until the next event happens to arrive.
 */
class Connection {
  #closed = false;
  #closeSource: (() => void) | undefined;

  /** A method, not a field: it changes while a request awaits. */
  isClosed(): boolean {
    return this.#closed;
  }

  reading(close: () => void): void {
    if (this.#closed) close();
    else this.#closeSource = close;
  }

  close(): void {
    this.#closed = true;
    this.#closeSource?.();
    this.#closeSource = undefined;
  }
}

const sessionEnded = (reason: unknown) =>
  `event: session-ended\ndata: ${JSON.stringify({ code: 'UNAUTHENTICATED', message: String(reason) })}\n\n`;

const gatewayStopping = `event: gateway-stopping\ndata: ${JSON.stringify({
  code: 'UNAVAILABLE',
  message: 'the gateway is stopping; reconnect with Last-Event-ID in a moment',
})}\n\n`;

/** Closes the connection when any of the signals aborts; answers the function that stops listening. */
function closeOn(connection: Connection, signals: (AbortSignal | undefined)[]): () => void {
  const close = () => {
    connection.close();
  };
  for (const signal of signals) {
    signal?.addEventListener('abort', close, { once: true });
    if (signal?.aborted) close();
  }
  return () => {
    for (const signal of signals) signal?.removeEventListener('abort', close);
  };
}

/** The last event of a stream that the gateway ended, saying why (none when the client left). */
function lastEvent({ session, stopping }: StreamOptions): string {
  if (stopping?.aborted) return gatewayStopping;
  if (session?.aborted) return sessionEnded(session.reason);
  return '';
}

/**
 * Delivers events to one client until it disconnects, its session ends (then a last
 * `session-ended` event says why) or the gateway stops (a last `gateway-stopping` event),
 * reconnecting to the source when the source's stream breaks.
 */
export async function streamEvents(req: Request, res: Response, options: StreamOptions): Promise<void> {
  const cursor = new Cursor(resumePoint(req.get('last-event-id')));
  const connection = new Connection();
  req.on('close', () => {
    connection.close();
  });
  const unwatch = closeOn(connection, [options.session, options.stopping]);
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.flushHeaders();
  const unwatchMessages =
    options.messages?.watch((event) => {
      if (!connection.isClosed() && notifies(options.user, event)) res.write(messageFrame(event));
    }) ?? (() => undefined);
  try {
    while (!connection.isClosed()) {
      try {
        if (await pump(options, cursor, connection, (event) => res.write(frame(event)))) break;
      } catch {
        if (connection.isClosed()) break;
        // The peer's stream broke (a restart, say): reconnect from the cursor.
        res.write(': reconnecting\n\n');
        await new Promise((resolve) => setTimeout(resolve, options.retryMs));
      }
    }
  } finally {
    unwatch();
    unwatchMessages();
  }
  res.end(lastEvent(options));
}

const frame = (event: LedgerEvent) =>
  `id: ${eventId(event)}\nevent: ${event.name}\ndata: ${JSON.stringify(event.payload)}\n\n`;

/** Reads one stream from the source; true when it ended normally. */
async function pump(
  options: StreamOptions,
  cursor: Cursor,
  connection: Connection,
  send: (event: LedgerEvent) => void,
): Promise<boolean> {
  cursor.restart();
  const viewer = viewerOf(options);
  const homeOf = (patientId: string) =>
    options.homes ? options.homes.of(options.identity, patientId) : Promise.resolve(undefined);
  const stream = await options.source.open(options.identity, cursor.position?.block);
  let open = true;
  const close = () => {
    if (open) stream.close();
    open = false;
  };
  connection.reading(close);
  try {
    for await (const event of stream.events) {
      if (connection.isClosed()) return true;
      if (cursor.advance(event) && (await sees(viewer, event, homeOf))) send(event);
    }
    return true;
  } finally {
    close();
  }
}
