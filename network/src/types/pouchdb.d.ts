// Minimal declarations for the untyped pouchdb-server engine and PouchDB plugins we load.
declare module 'express-pouchdb' {
  import type { Express } from 'express';
  interface CouchConfig {
    get(section: string, key: string): unknown;
    set(section: string, key: string, value: unknown, callback?: (err?: Error) => void): void;
  }
  interface ExpressPouchDBApp extends Express {
    couchConfig: CouchConfig;
    setPouchDB(pouchDB: unknown): Promise<void>;
  }
  interface Options {
    mode?: 'fullCouchDB' | 'minimumForPouchDB' | 'custom';
    configPath?: string;
    logPath?: string;
    inMemoryConfig?: boolean;
    overrideMode?: { include?: string[]; exclude?: string[] };
  }
  function expressPouchDB(options?: Options): ExpressPouchDBApp;
  export = expressPouchDB;
}

declare module 'pouchdb-core' {
  interface Database {
    /** Drops the bodies of non-leaf revisions (a deleted document's earlier values). */
    compact(): Promise<unknown>;
    get(id: string): Promise<Record<string, unknown> & { _id: string; _rev: string }>;
    put(doc: Record<string, unknown> & { _id: string }): Promise<{ ok: boolean; rev: string }>;
  }
  interface PouchDBStatic {
    new (name: string): Database;
    /** The names of every database (pouchdb-all-dbs, which express-pouchdb installs). */
    allDbs(): Promise<string[]>;
    plugin(plugin: unknown): PouchDBStatic;
    defaults(options: Record<string, unknown>): PouchDBStatic;
  }
  const PouchDB: PouchDBStatic;
  export = PouchDB;
}

declare module 'pouchdb-adapter-leveldb';
declare module 'pouchdb-adapter-memory';
declare module 'pouchdb-mapreduce';
declare module 'pouchdb-adapter-http';
declare module 'pouchdb-replication';
