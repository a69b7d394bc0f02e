/**
 * A Server-Sent Events parser (the WHATWG event-stream format) for streams read with fetch:
 * EventSource cannot send an Authorization header, and the gateway takes its bearer token
 * there, never in a URL (where it would land in logs and history).
 */

export interface StreamEvent {
  /** The event's id (`<block>-<txId>` from the gateway), or undefined when it has none. */
  id: string | undefined;
  /** The event's name (`message` when the stream names none). */
  event: string;
  data: string;
}

/** Feeds text as it arrives; answers the events each chunk completes. */
export class SseParser {
  #buffer = '';
  #id: string | undefined;
  #event = '';
  #data: string[] = [];

  push(chunk: string): StreamEvent[] {
    this.#buffer += chunk;
    const events: StreamEvent[] = [];
    for (;;) {
      const end = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!end || (end[0] === '\r' && end.index === this.#buffer.length - 1)) break;
      const line = this.#buffer.slice(0, end.index);
      this.#buffer = this.#buffer.slice(end.index + end[0].length);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): StreamEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }

  #dispatch(): StreamEvent | undefined {
    const data = this.#data;
    const event = this.#event || 'message';
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return undefined;
    return { id: this.#id, event, data: data.join('\n') };
  }
}

/** The block an event id of the gateway (`<block>-<txId>`) names, or undefined. */
export function blockOfEventId(id: string | undefined): number | undefined {
  const match = /^(\d{1,15})-[0-9a-f]+$/.exec(id ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
