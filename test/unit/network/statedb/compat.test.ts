import type { Express } from 'express';
import request from 'supertest';
import { decodeBookmark, encodeBookmark, isDocumentPath } from '../../../../network/src/statedb/compat';
import { parseMultipart } from '../../../../network/src/statedb/multipart';
import { createStateDbApp } from '../../../../network/src/statedb/server';

const admin = { username: 'peeradmin', password: 'correct horse battery staple' };
/** Authenticates as the peer does; asks for JSON as Fabric does on PUT and POST. */
const auth = (r: request.Test) => r.auth(admin.username, admin.password).set('Accept', 'application/json');

/** A multipart/related PUT body exactly as Fabric's Go client writes it (mime/multipart). */
function fabricMultipart(boundary: string, json: object, attachment: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(json)}`),
    Buffer.from(`\r\n--${boundary}\r\n\r\n`),
    attachment,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

/** Collects a response body as bytes (supertest would parse it as text). */
function binaryBody(response: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (c: Buffer) => chunks.push(c));
  response.on('end', () => {
    done(null, Buffer.concat(chunks));
  });
}

const binaryValue = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x42, 0x01, 0x02, 0x03]);

function putBinary(app: Express, db: string, id: string, rev?: string) {
  const boundary = 'f1e2d3c4b5a6';
  const body = fabricMultipart(
    boundary,
    { _id: id, '~version': 'CgMBBQA=', _attachments: { valueBytes: { follows: true, length: binaryValue.length } } },
    binaryValue,
  );
  let req = auth(request(app).put(`/${db}/${id}`))
    .set('Content-Type', `multipart/related;boundary="${boundary}"`)
    .set('Accept', 'application/json');
  if (rev) req = req.set('If-Match', rev);
  return req.send(body);
}

describe('state DB compatibility layer', () => {
  let app: Express;

  beforeEach(async () => {
    app = await createStateDbApp({ admin });
    await auth(request(app).put('/ehr_ehr')).expect(201);
  });

  describe('access', () => {
    it('answers the health probe without credentials', async () => {
      await request(app).get('/_up').expect(200, { status: 'ok' });
    });

    it('rejects requests without credentials and creates nothing', async () => {
      const res = await request(app).put('/newdb').expect(401);
      expect(res.body).toEqual({ error: 'unauthorized', reason: 'Name or password is incorrect.' });
      const dbs = await auth(request(app).get('/_all_dbs')).expect(200);
      expect(dbs.body).not.toContain('newdb');
    });

    it('rejects a wrong password', async () => {
      await request(app).get('/_all_dbs').auth(admin.username, 'wrong').expect(401);
    });

    it('reports a CouchDB version that Fabric accepts', async () => {
      const res = await auth(request(app).get('/')).expect(200);
      expect(String(res.body.version)).toMatch(/^[2-9]\.\d+/);
    });
  });

  describe('what a peer asks of a database beside its documents', () => {
    it('keeps the security object Fabric sets when it creates a database, and answers it back', async () => {
      await auth(request(app).get('/ehr_ehr/_security')).expect(200, {});
      const security = { admins: { names: ['peeradmin'], roles: [] }, members: { names: ['peeradmin'], roles: [] } };
      await auth(request(app).put('/ehr_ehr/_security')).send(security).expect(200, { ok: true });
      await auth(request(app).get('/ehr_ehr/_security')).expect(200, security);
      const replaced = { admins: { names: [], roles: ['_admin'] }, members: { names: [], roles: [] } };
      await auth(request(app).put('/ehr_ehr/_security')).send(replaced).expect(200, { ok: true });
      await auth(request(app).get('/ehr_ehr/_security')).expect(200, replaced);
    });

    it('refuses a security object for a database that does not exist, or one that is not an object', async () => {
      const missing = await auth(request(app).put('/nodb/_security')).send({ admins: {} }).expect(404);
      expect(missing.body.error).toBe('not_found');
      await auth(request(app).get('/nodb/_security')).expect(404);
      const dbs = await auth(request(app).get('/_all_dbs')).expect(200);
      expect(dbs.body).not.toContain('nodb');
      await auth(request(app).put('/ehr_ehr/_security')).send([1, 2]).expect(400);
      await auth(request(app).get('/ehr_ehr/_security')).expect(200, {});
    });

    it("answers a database's info (Fabric checks that it exists)", async () => {
      const res = await auth(request(app).get('/ehr_ehr')).expect(200);
      expect(res.body).toMatchObject({ db_name: 'ehr_ehr', doc_count: 0 });
      await auth(request(app).get('/nodb')).expect(404);
    });
  });

  describe('gap 1: If-Match names the revision', () => {
    it('updates a document when If-Match carries the current revision', async () => {
      const created = await auth(request(app).put('/ehr_ehr/key1')).send({ v: 1 }).expect(201);
      const rev = created.body.rev as string;
      const updated = await auth(request(app).put('/ehr_ehr/key1'))
        .set('If-Match', rev)
        .set('Content-Type', 'application/json')
        .send({ v: 2 })
        .expect(201);
      expect(updated.body.rev).toMatch(/^2-/);
      const doc = await auth(request(app).get('/ehr_ehr/key1')).expect(200);
      expect(doc.body.v).toBe(2);
    });

    it('refuses an update with a stale If-Match and keeps the stored value', async () => {
      const created = await auth(request(app).put('/ehr_ehr/key1')).send({ v: 1 }).expect(201);
      await auth(request(app).put('/ehr_ehr/key1')).set('If-Match', created.body.rev).send({ v: 2 }).expect(201);
      await auth(request(app).put('/ehr_ehr/key1')).set('If-Match', created.body.rev).send({ v: 3 }).expect(409);
      const doc = await auth(request(app).get('/ehr_ehr/key1')).expect(200);
      expect(doc.body.v).toBe(2);
    });

    it('deletes a document named by If-Match', async () => {
      const created = await auth(request(app).put('/ehr_ehr/key1')).send({ v: 1 }).expect(201);
      await auth(request(app).delete('/ehr_ehr/key1'))
        .set('If-Match', created.body.rev)
        .set('Content-Type', 'application/json')
        .expect(200);
      await auth(request(app).get('/ehr_ehr/key1')).expect(404);
    });
  });

  describe('gap 2: ETag carries the revision', () => {
    it('returns the revision, quoted, in the ETag of a document GET', async () => {
      const created = await auth(request(app).put('/ehr_ehr/key1')).send({ v: 1 }).expect(201);
      const res = await auth(request(app).get('/ehr_ehr/key1?attachments=true'))
        .set('Accept', 'multipart/related')
        .expect(200);
      expect(res.headers.etag).toBe(`"${String(created.body.rev)}"`);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toMatchObject({ _id: 'key1', v: 1 });
    });

    it('keeps 404 answers as CouchDB JSON errors', async () => {
      const res = await auth(request(app).get('/ehr_ehr/missing')).set('Accept', 'multipart/related').expect(404);
      expect(JSON.parse(res.text)).toMatchObject({ error: 'not_found' });
    });
  });

  describe('gaps 3 and 4: binary values as attachments', () => {
    it('stores a multipart PUT whose attachment part has no headers', async () => {
      const res = await putBinary(app, 'ehr_ehr', 'bin1').expect(201);
      expect(res.headers.etag).toMatch(/^"1-/);
      const doc = await auth(request(app).get('/ehr_ehr/bin1?attachments=true')).expect(200);
      expect(Buffer.from(doc.body._attachments.valueBytes.data as string, 'base64')).toEqual(binaryValue);
      expect(doc.body['~version']).toBe('CgMBBQA=');
    });

    it('replaces a binary value when If-Match names the revision', async () => {
      const first = await putBinary(app, 'ehr_ehr', 'bin1').expect(201);
      const second = await putBinary(app, 'ehr_ehr', 'bin1', first.body.rev as string).expect(201);
      expect(second.body.rev).toMatch(/^2-/);
    });

    it('answers Accept: multipart/related with the attachment as a binary part', async () => {
      const put = await putBinary(app, 'ehr_ehr', 'bin1').expect(201);
      const res = await auth(request(app).get('/ehr_ehr/bin1?attachments=true'))
        .set('Accept', 'multipart/related')
        .buffer(true)
        .parse(binaryBody)
        .expect(200);
      expect(res.headers.etag).toBe(`"${String(put.body.rev)}"`);
      const boundary = /boundary="([^"]+)"/.exec(res.headers['content-type']!)?.[1];
      expect(boundary).toBeDefined();
      const parts = parseMultipart(res.body as Buffer, boundary!);
      expect(parts).toHaveLength(2);
      expect(parts[0]!.headers['content-type']).toBe('application/json');
      const json = JSON.parse(parts[0]!.body.toString()) as { _attachments: Record<string, unknown> };
      expect(json._attachments.valueBytes).toMatchObject({ follows: true, length: binaryValue.length });
      expect(parts[1]!.headers['content-disposition']).toBe('attachment; filename="valueBytes"');
      expect(parts[1]!.body).toEqual(binaryValue);
    });

    it('serves values written by _bulk_docs with base64 attachments as binary parts too', async () => {
      await auth(request(app).post('/ehr_ehr/_bulk_docs'))
        .send({
          docs: [
            {
              _id: 'bulk1',
              _attachments: {
                valueBytes: { content_type: 'application/octet-stream', data: binaryValue.toString('base64') },
              },
            },
          ],
        })
        .expect(201);
      const res = await auth(request(app).get('/ehr_ehr/bulk1?attachments=true'))
        .set('Accept', 'multipart/related')
        .buffer(true)
        .parse(binaryBody)
        .expect(200);
      const boundary = /boundary="([^"]+)"/.exec(res.headers['content-type']!)?.[1];
      expect(parseMultipart(res.body as Buffer, boundary!)[1]!.body).toEqual(binaryValue);
    });

    it('returns attachments inline for range reads (_all_docs)', async () => {
      await putBinary(app, 'ehr_ehr', 'bin1').expect(201);
      const res = await auth(
        request(app).get('/ehr_ehr/_all_docs?include_docs=true&attachments=true&startkey="bin"&endkey="bio"'),
      ).expect(200);
      const row = (res.body.rows as { doc: { _attachments: { valueBytes: { data: string } } } }[])[0]!;
      expect(Buffer.from(row.doc._attachments.valueBytes.data, 'base64')).toEqual(binaryValue);
    });

    it('rejects a malformed multipart body and stores nothing', async () => {
      await auth(request(app).put('/ehr_ehr/bad1'))
        .set('Content-Type', 'multipart/related;boundary="zzz"')
        .send(Buffer.from('--zzz\r\nContent-Type: application/json\r\n\r\n{"_id":"bad1"}'))
        .expect(400);
      await auth(request(app).get('/ehr_ehr/bad1')).expect(404);
    });
  });

  describe('erasure: a purged private value leaves no revision behind', () => {
    /** Writes a document, deletes it as Fabric commits a purge, answers the first revision. */
    async function writeThenPurge(db: string): Promise<string> {
      await auth(request(app).put(`/${encodeURIComponent(db)}`)).expect(201);
      const put = await auth(request(app).put(`/${encodeURIComponent(db)}/k1`))
        .send({ _id: 'k1', value: 'PHI-marker', '~version': 'CgMBAQA=' })
        .expect(201);
      const rev = (put.body as { rev: string }).rev;
      await auth(request(app).post(`/${encodeURIComponent(db)}/_bulk_docs`))
        .send({ docs: [{ _id: 'k1', _rev: rev, _deleted: true }] })
        .expect(201);
      return rev;
    }
    const revision = (db: string, rev: string) => auth(request(app).get(`/${encodeURIComponent(db)}/k1?rev=${rev}`));

    it('compacts a private data database after a delete, so the earlier value is gone', async () => {
      const db = 'ehr_ehr$$p_implicit_org_$hospital$a$m$s$p';
      const rev = await writeThenPurge(db);
      for (let i = 0; i < 50 && (await revision(db, rev)).status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const gone = await revision(db, rev);
      expect(gone.status).toBe(404);
      expect(JSON.stringify(gone.body)).not.toContain('PHI-marker');
    });

    it('leaves other databases to compact on their own (the earlier revision is still there)', async () => {
      const db = 'ehr_ehr$$h_implicit_org_$hospital$a$m$s$p';
      const rev = await writeThenPurge(db);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await revision(db, rev)).body).toMatchObject({ value: 'PHI-marker' });
    });
  });

  describe('gap 5: _find bookmarks', () => {
    beforeEach(async () => {
      const docs = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ _id: id, owner: 'alice', n: i }));
      docs.push({ _id: 'z', owner: 'bob', n: 9 });
      await auth(request(app).post('/ehr_ehr/_bulk_docs')).send({ docs }).expect(201);
    });

    async function page(bookmark?: string) {
      const res = await auth(request(app).post('/ehr_ehr/_find'))
        .send({ selector: { owner: 'alice' }, limit: 2, fields: ['_id', 'n'], ...(bookmark ? { bookmark } : {}) })
        .expect(200);
      return res.body as { docs: { _id: string }[]; bookmark: string };
    }

    it('returns a bookmark that continues the query page by page', async () => {
      const ids: string[] = [];
      let bookmark: string | undefined;
      for (let i = 0; i < 4; i++) {
        const result = await page(bookmark);
        expect(typeof result.bookmark).toBe('string');
        ids.push(...result.docs.map((d) => d._id));
        bookmark = result.bookmark;
      }
      expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect((await page(bookmark)).docs).toEqual([]);
    });

    it('rejects a bookmark it did not issue', async () => {
      const res = await auth(request(app).post('/ehr_ehr/_find'))
        .send({ selector: { owner: 'alice' }, bookmark: 'g1AAAA-not-ours' })
        .expect(400);
      expect(res.body).toEqual({ error: 'invalid_bookmark', reason: 'Invalid bookmark value' });
    });

    it('uses an index created through _index', async () => {
      await auth(request(app).post('/ehr_ehr/_index'))
        .send({ index: { fields: ['owner'] }, ddoc: 'indexOwnerDoc', name: 'indexOwner', type: 'json' })
        .expect(200);
      const res = await auth(request(app).post('/ehr_ehr/_find'))
        .send({ selector: { owner: 'bob' }, use_index: ['_design/indexOwnerDoc', 'indexOwner'] })
        .expect(200);
      expect((res.body.docs as { _id: string }[]).map((d) => d._id)).toEqual(['z']);
    });
  });
});

describe('compatibility helpers', () => {
  it('recognises document paths and nothing else', () => {
    expect(isDocumentPath('/ehr_ehr/key1')).toBe(true);
    expect(isDocumentPath('/ehr_ehr/a%2Fb')).toBe(true);
    expect(isDocumentPath('/ehr_ehr/_all_docs')).toBe(false);
    expect(isDocumentPath('/_users')).toBe(false);
    expect(isDocumentPath('/ehr_ehr/_design/idx')).toBe(false);
  });

  it('round-trips bookmarks and refuses forged ones', () => {
    expect(decodeBookmark(encodeBookmark(42))).toBe(42);
    expect(decodeBookmark('pdbc1-' + Buffer.from('{"offset":-1}').toString('base64url'))).toBeUndefined();
    expect(decodeBookmark('pdbc1-%%%')).toBeUndefined();
    expect(decodeBookmark('nil')).toBeUndefined();
  });
});
