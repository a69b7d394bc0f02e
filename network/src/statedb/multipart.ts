/**
 * The small part of MIME multipart/related that Fabric's CouchDB client speaks: a JSON part
 * followed by one part per attachment. Fabric writes attachment parts with no headers at all,
 * which the multipart parser inside express-pouchdb cannot handle, so we parse them here.
 */

export interface Part {
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Extracts the boundary parameter of a multipart Content-Type header, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function splitPart(raw: Buffer): Part {
  // A part with no headers starts directly with the blank line that ends the header block.
  if (raw.subarray(0, 2).equals(CRLF)) return { headers: {}, body: raw.subarray(2) };
  const end = raw.indexOf(HEADER_END);
  if (end < 0) throw new MultipartError('a multipart part has no end of headers');
  return { headers: parseHeaders(raw.subarray(0, end).toString('latin1')), body: raw.subarray(end + 4) };
}

/** Raised for a body that is not well-formed multipart. */
export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/** Splits a multipart body into its parts (RFC 2046 §5.1.1, without preamble handling subtleties). */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let cursor = body.indexOf(delimiter);
  if (cursor < 0) throw new MultipartError('multipart body does not contain its boundary');
  const parts: Part[] = [];
  for (;;) {
    cursor += delimiter.length;
    if (body.subarray(cursor, cursor + 2).toString('latin1') === '--') return parts;
    if (!body.subarray(cursor, cursor + 2).equals(CRLF)) throw new MultipartError('malformed multipart boundary line');
    cursor += 2;
    const end = body.indexOf(next, cursor);
    if (end < 0) throw new MultipartError('multipart body is not terminated');
    parts.push(splitPart(body.subarray(cursor, end)));
    cursor = end + 2;
  }
}

/** Builds a multipart body from parts; returns the body and the boundary used. */
export function buildMultipart(parts: Part[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const headerLines = Object.entries(part.headers).map(([name, value]) => `${name}: ${value}\r\n`);
    chunks.push(Buffer.from(`--${boundary}\r\n${headerLines.join('')}\r\n`, 'latin1'), part.body, CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--`, 'latin1'));
  return Buffer.concat(chunks);
}
