/**
 * Chaincode events as Server-Sent Events. Each event's id is `<block>-<txId>`; a client that
 * reconnects with `Last-Event-ID` resumes from that block, skipping what it already has. When
 * the peer's event stream breaks (a peer restart), the feed reconnects from the last block it
 * delivered. Each user gets only the events they need to know of (see audience.ts).
 */
import type { Request, Response } from 'express';
import { type HomeMembers, sees, type Viewer } from './audience';
import type { UserIdentity } from './fabric';
import type { UserRecord } from './store';

export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  name: string;
  payload: Record<string, unknown>;
}

/** Fabric's chaincode event stream, from a block on; tests use a stand-in. */
export interface EventSource {
  open(
    identity: UserIdentity,
    startBlock: bigint | undefined,
  ): Promise<{ events: AsyncIterable<LedgerEvent>; close(): void }>;
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
}

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

/**
 * Delivers events to one client until it disconnects or its session ends (then a last
 * `session-ended` event says why), reconnecting to the source when the source's stream breaks.
 */
export async function streamEvents(req: Request, res: Response, options: StreamOptions): Promise<void> {
  const cursor = new Cursor(resumePoint(req.get('last-event-id')));
  const connection = new Connection();
  req.on('close', () => {
    connection.close();
  });
  const { session } = options;
  const endSession = () => {
    connection.close();
  };
  session?.addEventListener('abort', endSession, { once: true });
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.flushHeaders();
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
    session?.removeEventListener('abort', endSession);
  }
  if (session?.aborted) res.write(sessionEnded(session.reason));
  res.end();
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
