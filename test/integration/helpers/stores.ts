/**
 * What a member's disks hold, read as an auditor checking an erasure would: every LevelDB store
 * of each member's peer (private data store, transient store, state and history databases,
 * CouchDB redo log, block index, ...) and every database of its CouchDB-mode state DB
 * (pouchdb-server keeps each database, every revision it still has included, in LevelDB files).
 *
 * The stores are open in their nodes, which hold LevelDB's lock: each is copied (without its
 * LOCK file) and the copy opened, replaying its write-ahead log as LevelDB does on start-up. A
 * copy taken while the node writes can be torn; it is taken again.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ORGS, paths } from '../../../network/src/topology';

/** Every LevelDB directory (one with a CURRENT file) under `root`. */
function levelDbDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  const entries = readdirSync(root, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'CURRENT') ? [root] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => levelDbDirs(path.join(root, e.name)))];
}

/** Printable form of a key: its text where readable, with other bytes as dots. */
const printable = (bytes: Buffer) => bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.');

/** The keys holding a marker, each with the first marker it holds. */
async function matching(
  db: ClassicLevel<Buffer, Buffer>,
  markers: Buffer[],
): Promise<{ key: string; marker: number }[]> {
  const found: { key: string; marker: number }[] = [];
  for await (const [key, value] of db.iterator()) {
    const marker = markers.findIndex((m) => key.includes(m) || value.includes(m));
    if (marker >= 0) found.push({ key: printable(key), marker });
  }
  return found;
}

/** The keys of the store at `dir` (read from a copy) whose key or value holds one of `markers`. */
async function keysHolding(dir: string, markers: Buffer[]): Promise<{ key: string; marker: number }[]> {
  for (let attempt = 1; ; attempt++) {
    const copy = mkdtempSync(path.join(tmpdir(), 'ehr-store-'));
    try {
      cpSync(dir, copy, { recursive: true, filter: (source) => path.basename(source) !== 'LOCK' });
      const db = new ClassicLevel<Buffer, Buffer>(copy, {
        keyEncoding: 'buffer',
        valueEncoding: 'buffer',
        createIfMissing: false,
      });
      await db.open();
      try {
        return await matching(db, markers);
      } finally {
        await db.close();
      }
    } catch (error) {
      if (attempt === 3) throw error;
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
}

/** The stores every member's peer and state DB keep on disk. */
export function memberStores(): { member: string; store: string; dir: string }[] {
  return ORGS.flatMap((org) => {
    const dirs = paths.org(org);
    const home = path.dirname(dirs.peerData);
    return [dirs.peerData, dirs.stateDbData]
      .flatMap(levelDbDirs)
      .map((dir) => ({ member: org.name, store: path.relative(home, dir), dir }));
  });
}

/** A key of a member's store that holds one of the markers looked for. */
export interface StoreHit {
  member: string;
  /** The store's folder below the member's data folder, e.g. peer/ledgersData/pvtdataStore. */
  store: string;
  key: string;
  marker: string;
}

/** Every key of every member's peer stores and state DB that holds one of `markers`. */
export async function storeHits(markers: string[]): Promise<StoreHit[]> {
  const needles = markers.map((m) => Buffer.from(m, 'utf8'));
  const hits: StoreHit[] = [];
  for (const { member, store, dir } of memberStores()) {
    for (const { key, marker } of await keysHolding(dir, needles))
      hits.push({ member, store, key, marker: markers[marker] ?? '' });
  }
  return hits;
}

/**
 * Where any of `markers` rests in any member's peer stores or state DB: one line per key,
 * `<member> <store> <key>`; empty when nowhere.
 */
export async function placesHolding(markers: string[]): Promise<string[]> {
  return (await storeHits(markers)).map(({ member, store, key }) => `${member} ${store} ${key}`);
}
