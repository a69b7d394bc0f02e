/**
 * A peer's state database: pouchdb-server's engine (express-pouchdb, on LevelDB files) behind
 * our CouchDB compatibility layer, listening on its member's address only. Production members run Apache
 * CouchDB 3.x instead; this server exists because CouchDB cannot be installed here.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb-core';
import httpAdapter from 'pouchdb-adapter-http';
import leveldbAdapter from 'pouchdb-adapter-leveldb';
import memoryAdapter from 'pouchdb-adapter-memory';
import mapreduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';
import { couchCompat } from './compat';

export interface StateDbOptions {
  /** Folder for the LevelDB files and the log; undefined keeps everything in memory. */
  dataDir?: string;
  admin: { username: string; password: string };
  /** Largest request body accepted, in bytes (CouchDB 3 refuses documents over 8 MB). */
  maxBodyBytes?: number;
}

// Plugins change the PouchDB constructor for the whole process, so they are loaded once. These
// are the ones pouchdb-server loads: express-pouchdb's system databases need them all.
const BasePouchDB = PouchDB.plugin(httpAdapter)
  .plugin(replication)
  .plugin(mapreduce)
  .plugin(leveldbAdapter)
  .plugin(memoryAdapter);

/**
 * Parts of a full CouchDB we do not offer. The web UI and replication. And what costs CPU on
 * every request of a peer without serving it (profiled under write load, one state DB: 38 % of
 * its busy time): users and sessions (the compatibility layer admits the admin alone, so
 * express-pouchdb's cookie sessions only ever said "admin"; building one read the `_users`
 * database's info, and with it...) the disk size, found by walking the database's folder on
 * every info; gzip for a peer on the same host; and the per-request log line.
 */
const EXCLUDED_PARTS = [
  'routes/fauxton',
  'replicator',
  'routes/replicate',
  'routes/authentication',
  'routes/authorization',
  'routes/session',
  'routes/special-test-auth',
  'disk-size',
  'compression',
  'routes/http-log',
  // Its route read the database's security object before every request to the database; the
  // two calls a peer makes (`PUT /{db}/_security` when it creates a database) are served by
  // `securityObjects` below, stored where it kept them.
  'routes/security',
];

/** Where express-pouchdb's security plugin kept a database's security object (so both read the same). */
const SECURITY_DOC = '_local/_security';

/**
 * `GET` and `PUT /{db}/_security`, as CouchDB answers them: the object, `{}` when none was set,
 * 404 for a database that does not exist. With the admin alone admitted they restrict no one;
 * Fabric sets them, and an operator may read them back.
 */
function securityObjects(pouch: typeof BasePouchDB): express.Router {
  const router = express.Router();
  type Database = InstanceType<typeof BasePouchDB>;
  const withDb = async (res: express.Response, name: string): Promise<Database | undefined> => {
    if ((await pouch.allDbs()).includes(name)) return new pouch(name);
    res.status(404).json({ error: 'not_found', reason: 'Database does not exist.' });
    return undefined;
  };
  const stored = (db: Database) => db.get(SECURITY_DOC).catch(() => undefined);
  router.get('/:db/_security', (req, res, next) => {
    void (async () => {
      const db = await withDb(res, req.params.db);
      if (db) res.json((await stored(db))?.security ?? {});
    })().catch(next);
  });
  router.put('/:db/_security', express.json(), (req, res, next) => {
    void (async () => {
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        res.status(400).json({ error: 'bad_request', reason: 'the security object must be a JSON object' });
        return;
      }
      const db = await withDb(res, req.params.db);
      if (!db) return;
      const current = await stored(db);
      await db.put({ ...(current ?? {}), _id: SECURITY_DOC, security: body });
      res.json({ ok: true });
    })().catch(next);
  });
  return router;
}

/**
 * Compacts databases one at a time per database: a request while one runs makes it run once
 * more when done (the deletes it follows may have come after that run started).
 */
function compactor(pouch: typeof BasePouchDB): (db: string) => void {
  const running = new Set<string>();
  const again = new Set<string>();
  const run = (db: string): void => {
    if (running.has(db)) {
      again.add(db);
      return;
    }
    running.add(db);
    new pouch(db)
      .compact()
      .catch((error: unknown) => {
        console.error(JSON.stringify({ msg: 'compaction failed', db, error: String(error) }));
      })
      .finally(() => {
        running.delete(db);
        if (again.delete(db)) run(db);
      });
  };
  return run;
}

/** Builds the state DB app; it does not listen. */
export async function createStateDbApp(options: StateDbOptions): Promise<express.Express> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  let pouch: typeof BasePouchDB;
  let engineOptions: Parameters<typeof expressPouchDB>[0];
  if (options.dataDir === undefined) {
    // The memory adapter shares one store per process; a prefix keeps each app's databases apart.
    pouch = BasePouchDB.defaults({ adapter: 'memory', prefix: `mem-${randomUUID()}-` });
    engineOptions = { inMemoryConfig: true, logPath: '/dev/null' };
  } else {
    const dbDir = path.join(options.dataDir, 'db');
    mkdirSync(dbDir, { recursive: true });
    pouch = BasePouchDB.defaults({ prefix: dbDir + path.sep, adapter: 'leveldb' });
    // The engine's settings are made anew at every start (below), so none is kept on disk:
    // express-pouchdb saves its config file through one fixed temp name, and two settings
    // saved at once made the second rename fail and the server exit during start-up.
    engineOptions = { inMemoryConfig: true, logPath: path.join(options.dataDir, 'couch.log') };
  }
  const engine = expressPouchDB({
    mode: 'fullCouchDB',
    overrideMode: { exclude: EXCLUDED_PARTS },
    ...engineOptions,
  });
  const configure = (section: string, key: string, value: unknown) =>
    new Promise<void>((resolve, reject) => {
      engine.couchConfig.set(section, key, value, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  await configure('log', 'level', 'warning');
  await configure('couchdb', 'max_document_size', maxBodyBytes);
  // As pouchdb-server does: configure first, then hand over the PouchDB (starts its daemons).
  await engine.setPouchDB(pouch);

  const app = express();
  app.disable('x-powered-by');
  app.use(couchCompat({ admin: options.admin, maxBodyBytes, compact: compactor(pouch) }));
  app.use(securityObjects(pouch));
  app.use(engine);
  return app;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/** Starts the server from STATEDB_* environment variables; used by the network orchestrator. */
export async function main(): Promise<Server> {
  const host = requiredEnv('STATEDB_HOST');
  const port = Number(requiredEnv('STATEDB_PORT'));
  const app = await createStateDbApp({
    dataDir: requiredEnv('STATEDB_DATA_DIR'),
    admin: { username: requiredEnv('STATEDB_ADMIN_USER'), password: requiredEnv('STATEDB_ADMIN_PASSWORD') },
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => {
      console.log(JSON.stringify({ msg: 'state db listening', address: `${host}:${port}` }));
      resolve(server);
    });
    server.on('error', reject);
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
