/**
 * Makes pouchdb-server's engine (express-pouchdb) answer the CouchDB requests a Fabric peer
 * makes the way Apache CouchDB 3.x does. Five behaviours differ, each of which breaks a peer:
 *
 * 1. `If-Match` on a document PUT or DELETE names the revision being replaced.
 * 2. A document GET returns the revision as `ETag: "<rev>"` (Fabric reads the revision there).
 * 3. A document GET with `Accept: multipart/related` and `attachments=true` returns the
 *    attachments as binary parts (Fabric stores non-JSON values as an attachment).
 * 4. A multipart/related PUT whose attachment parts carry no headers is accepted.
 * 5. `_find` returns a `bookmark` and continues from one (Fabric pages rich queries).
 *
 * It also guards the whole server: every request but the health probe `GET /_up` must carry
 * the admin's basic-auth credentials; and it compacts a private data database after documents
 * in it are deleted (Fabric's PurgePrivateData, an erasure): a deleted document's earlier
 * revisions, each with the value, stay on disk until the database is compacted. Apache CouchDB
 * compacts on its own thresholds (its `smoosh` daemon), which a few deletions need not reach.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { boundaryOf, buildMultipart, MultipartError, parseMultipart, type Part } from './multipart';

export interface CompatOptions {
  admin: { username: string; password: string };
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Compacts the named database; called after documents of a private data database are deleted. */
  compact?: (db: string) => void;
}

type Json = Record<string, unknown>;

interface Attachment {
  content_type?: string;
  data?: string;
  digest?: string;
  revpos?: number;
  length?: number;
  follows?: boolean;
  stub?: boolean;
}

/** Sends a CouchDB-style JSON error. */
function couchError(res: Response, status: number, error: string, reason: string): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ error, reason }) + '\n');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function requireAdmin(admin: CompatOptions['admin']) {
  const expected = digest(`${admin.username}:${admin.password}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' && req.path === '/_up') {
      res.json({ status: 'ok' });
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Basic\s+(\S+)$/i.exec(header);
    const given = digest(match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '');
    if (!timingSafeEqual(given, expected)) {
      couchError(res, 401, 'unauthorized', 'Name or password is incorrect.');
      return;
    }
    // The engine runs without users of its own (every request reaching it is the admin's), so
    // it must not try to look these credentials up.
    delete req.headers.authorization;
    next();
  };
}

/** True for `/{db}/{docid}`: two path segments, neither a special `_` endpoint. */
export function isDocumentPath(path: string): boolean {
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments.length === 2 && !segments.some((s) => s.startsWith('_'));
}

function unquote(value: string): string {
  return value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Gap 1: `If-Match` names the revision, as `?rev=` does for express-pouchdb. */
function ifMatchAsRev(req: Request, _res: Response, next: NextFunction): void {
  const ifMatch = req.get('if-match');
  if (ifMatch && (req.method === 'PUT' || req.method === 'DELETE') && isDocumentPath(req.path)) {
    const query = req.query as Record<string, unknown>;
    query.rev ??= unquote(ifMatch);
  }
  next();
}

/**
 * Gap 4: turns a multipart/related document PUT into the equivalent JSON PUT with inline
 * base64 attachments. CouchDB pairs the `follows` attachments with the parts in order.
 */
function multipartPutAsJson(req: Request, res: Response, next: NextFunction): void {
  const boundary = boundaryOf(req.get('content-type'));
  if (!boundary || !Buffer.isBuffer(req.body)) {
    next();
    return;
  }
  try {
    req.body = documentFromParts(parseMultipart(req.body, boundary), req.query.rev);
  } catch (error) {
    couchError(res, 400, 'bad_request', error instanceof Error ? error.message : 'invalid multipart body');
    return;
  }
  req.headers['content-type'] = 'application/json';
  next();
}

function documentFromParts(parts: Part[], rev: unknown): Json {
  const [jsonPart, ...attachmentParts] = parts;
  if (!jsonPart) throw new MultipartError('multipart body has no JSON part');
  const doc = JSON.parse(jsonPart.body.toString('utf8')) as Json;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new MultipartError('JSON part is not an object');
  const attachments = (doc._attachments ?? {}) as Record<string, Attachment>;
  for (const [name, attachment] of Object.entries(attachments)) {
    if (!attachment.follows) continue;
    const part = attachmentParts.shift();
    if (!part) throw new MultipartError(`no part follows for attachment ${name}`);
    attachments[name] = {
      content_type: part.headers['content-type'] ?? attachment.content_type ?? 'application/octet-stream',
      data: part.body.toString('base64'),
    };
  }
  if (typeof rev === 'string' && doc._rev === undefined) doc._rev = rev;
  return doc;
}

function acceptsMultipart(req: Request): boolean {
  return /multipart\/related/i.test(req.get('accept') ?? '');
}

/** Runs `rewrite` on the next JSON body the route sends, once. */
function onJsonResponse(res: Response, rewrite: (body: Json) => Buffer | undefined): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    res.send = send;
    if (res.statusCode !== 200 || !(Buffer.isBuffer(body) || typeof body === 'string')) return send(body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      return send(body);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return send(body);
    return send(rewrite(parsed as Json) ?? body);
  };
}

function inlineAttachments(doc: Json): [string, Attachment][] {
  const attachments = doc._attachments as Record<string, Attachment> | undefined;
  return Object.entries(attachments ?? {}).filter(([, a]) => typeof a.data === 'string');
}

/** Gap 3: the document as CouchDB's multipart/related answer, attachments as binary parts. */
function multipartDocument(res: Response, doc: Json, attachments: [string, Attachment][]): Buffer {
  const stubs: Record<string, Attachment> = {};
  const parts: Part[] = [];
  for (const [name, attachment] of attachments) {
    const data = Buffer.from(attachment.data ?? '', 'base64');
    const contentType = attachment.content_type ?? 'application/octet-stream';
    stubs[name] = { content_type: contentType, length: data.length, follows: true };
    if (attachment.digest) stubs[name].digest = attachment.digest;
    if (attachment.revpos !== undefined) stubs[name].revpos = attachment.revpos;
    parts.push({
      headers: {
        'Content-Disposition': `attachment; filename=${JSON.stringify(name)}`,
        'Content-Type': contentType,
        'Content-Length': String(data.length),
      },
      body: data,
    });
  }
  const json = Buffer.from(JSON.stringify({ ...doc, _attachments: stubs }));
  parts.unshift({ headers: { 'Content-Type': 'application/json' }, body: json });
  const boundary = randomBytes(16).toString('hex');
  res.set('Content-Type', `multipart/related; boundary="${boundary}"`);
  return buildMultipart(parts, boundary);
}

/** Gaps 2 and 3: ETag carries the revision; multipart answer when asked for and useful. */
function documentGet(req: Request, res: Response, next: NextFunction): void {
  const multipart = acceptsMultipart(req);
  onJsonResponse(res, (doc) => {
    if (typeof doc._rev === 'string') res.set('ETag', `"${doc._rev}"`);
    const attachments = inlineAttachments(doc);
    if (multipart && attachments.length > 0) return multipartDocument(res, doc, attachments);
    res.set('Content-Type', 'application/json');
    return undefined;
  });
  next();
}

const BOOKMARK_PREFIX = 'pdbc1-';

/** Encodes a `_find` continuation point as an opaque bookmark. */
export function encodeBookmark(offset: number): string {
  return BOOKMARK_PREFIX + Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/** Decodes a bookmark made by encodeBookmark; undefined when it is not one. */
export function decodeBookmark(bookmark: string): number | undefined {
  if (!bookmark.startsWith(BOOKMARK_PREFIX)) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(bookmark.slice(BOOKMARK_PREFIX.length), 'base64url').toString()) as {
      offset?: unknown;
    };
    const { offset } = decoded;
    return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gap 5: `_find` bookmarks. A bookmark records how many matching documents earlier pages
 * returned; the query continues after them. (CouchDB's own bookmarks are key positions; an
 * offset gives the same pages while the database does not change between them, which holds
 * within the single simulation in which Fabric pages a query.)
 */
function findBookmark(req: Request, res: Response, next: NextFunction): void {
  const query = req.body as Json;
  let offset = 0;
  if (typeof query.bookmark === 'string' && query.bookmark !== '' && query.bookmark !== 'nil') {
    const decoded = decodeBookmark(query.bookmark);
    if (decoded === undefined) {
      couchError(res, 400, 'invalid_bookmark', 'Invalid bookmark value');
      return;
    }
    offset = decoded;
  }
  delete query.bookmark;
  // As in CouchDB, `skip` counts from the bookmark.
  offset += typeof query.skip === 'number' ? query.skip : 0;
  query.skip = offset;
  onJsonResponse(res, (result) => {
    const returned = Array.isArray(result.docs) ? result.docs.length : 0;
    return Buffer.from(JSON.stringify({ ...result, bookmark: encodeBookmark(offset + returned) }) + '\n');
  });
  next();
}

/** Passes documents (not `_` endpoints) on to the next handler; skips the route otherwise. */
function documentsOnly(req: Request, _res: Response, next: NextFunction): void {
  next(isDocumentPath(req.path) ? undefined : 'route');
}

/** A private data database: Fabric names them `<channel>_<chaincode>$$p<collection>`. */
export const isPrivateDataDb = (db: string) => db.includes('$$p');

/** After a bulk update of a private data database deletes documents, compacts the database. */
function compactAfterDeletes(compact: (db: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const db = req.params.db ?? '';
    const docs = (req.body as { docs?: unknown } | undefined)?.docs;
    const deletes = Array.isArray(docs) && docs.some((doc) => (doc as Json | null)?._deleted === true);
    if (isPrivateDataDb(db) && deletes) {
      res.on('finish', () => {
        if (res.statusCode < 300) compact(db);
      });
    }
    next();
  };
}

/** The compatibility layer, to be mounted before express-pouchdb. */
export function couchCompat(options: CompatOptions): express.Router {
  const router = express.Router();
  router.use(requireAdmin(options.admin));
  router.use(ifMatchAsRev);
  const multipartBody = express.raw({ type: 'multipart/related', limit: options.maxBodyBytes });
  router.put('/:db/:id', documentsOnly, multipartBody, multipartPutAsJson);
  router.get('/:db/:id', documentsOnly, documentGet);
  router.post('/:db/_find', express.json({ limit: options.maxBodyBytes }), findBookmark);
  if (options.compact) {
    router.post('/:db/_bulk_docs', express.json({ limit: options.maxBodyBytes }), compactAfterDeletes(options.compact));
  }
  return router;
}
