/**
 * PHI never leaves its custodian (issue 16 §4). Run after every other suite of the run (see
 * test/integration/sequencer.js), this scan looks for the marker PHI the suites registered
 * (helpers/phi.ts), and for its own, in:
 *   - every block file of every peer and orderer, and every orderer's write-ahead log, read raw;
 *   - every LevelDB store of every peer and state database (history, transient store, public
 *     state and every CouchDB database and revision), except the custodian's own private
 *     collection (its private data store and its state DB's `$$p` databases);
 *   - every process log of the run (CAs, orderers, peers, state DBs, chaincode servers, gateways)
 *     and the gateways' own data folders;
 *   - every event payload each member's gateway streams, replayed from block 0.
 * It must find none. To show the scan reads what it claims to, it also finds there what must be
 * there: the patient's public id in blocks and events, and the PHI in the custodian's collection.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ORGS, paths } from '../../network/src/topology';
import { openStream, type StreamClient } from '../unit/gateway-api/live-events';
import { call, type Gateway, invite, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';
import { markPhi, type PhiMarker, registeredPhi } from './helpers/phi';
import { storeHits } from './helpers/stores';

const runId = Date.now().toString(36);
const DIAGNOSIS = markPhi(`phi-scan diagnosis ${runId}`, 'hospital-b');
const NAME = markPhi(`Phiscan Patient ${runId}`, 'hospital-b');

/** Every file below `dir`. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

/** A member's data folder, where its nodes keep their files. */
const dataOf = (member: string) => path.join(paths.runtime, member);

/**
 * Every file a member's nodes and the run's processes wrote, read raw: peer stores and blocks,
 * orderer blocks and write-ahead logs, the state DB's databases and log, the gateway's data, and
 * every process log. A LevelDB store's write-ahead log keeps values as written, so a raw read
 * finds what a store's reader would not show (compressed tables are read by `storeHits`).
 */
function rawFiles(): { member?: string; file: string }[] {
  const members = ORGS.flatMap((org) =>
    ['peer', 'orderer', 'statedb', 'gateway'].flatMap((node) =>
      filesUnder(path.join(dataOf(org.name), node)).map((file) => ({ member: org.name, file })),
    ),
  );
  return [...members, ...filesUnder(paths.logs).map((file) => ({ file }))].filter(
    ({ file }) => statSync(file).size > 0 && !file.includes(`${path.sep}externalbuilder${path.sep}`),
  );
}

/**
 * A custodian's own private collection on its disks: its peer's private data store and
 * transient store (endorsements of its private writes), and its state DB's private databases.
 */
function inPrivateCollection(member: string | undefined, place: string, marker: PhiMarker): boolean {
  if (!member || !marker.custodians.includes(member)) return false;
  const local = place.startsWith(path.sep) ? path.relative(dataOf(member), place) : place;
  return (
    local.startsWith(`peer${path.sep}ledgersData${path.sep}pvtdataStore`) ||
    local.startsWith(`peer${path.sep}transientstore`) ||
    (local.startsWith(`statedb${path.sep}db${path.sep}`) && local.includes('$$p'))
  );
}

/** `<file> holds <marker>` for each raw file holding a marker outside its custodians' private collections. */
function rawHits(markers: PhiMarker[]): string[] {
  return rawFiles().flatMap(({ member, file }) => {
    const bytes = readFileSync(file);
    return markers
      .filter((marker) => bytes.includes(Buffer.from(marker.text, 'utf8')))
      .filter((marker) => !inPrivateCollection(member, file, marker))
      .map((marker) => `${path.relative(paths.home, file)} holds "${marker.text}"`);
  });
}

/** Everything a member's gateway streams to a user, replayed from block 0 until it falls quiet. */
async function replayedEvents(gateway: Gateway, token: string): Promise<string> {
  const stream: StreamClient = await openStream(gateway.url, token, '0-0');
  try {
    expect(stream.status).toBe(200);
    let seen = -1;
    const deadline = Date.now() + 60_000;
    while (stream.text().length !== seen && Date.now() < deadline) {
      seen = stream.text().length;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    return stream.text();
  } finally {
    stream.close();
  }
}

describe('PHI never leaves its custodian', () => {
  let b: Gateway;
  let patientId = '';
  /** This suite's patient and doctor at hospital B (their streams carry their records' events). */
  const people: { org: string; token: string }[] = [];
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    const replay = { EHR_GATEWAY_EVENT_RESUME_BLOCKS: '1000000' };
    gateways.push(
      ...(await Promise.all(
        (
          [
            ['hospital-a', 78],
            ['hospital-b', 79],
            ['lab', 80],
            ['insurer', 85],
          ] as const
        ).map(([org, spare]) => startGateway(org, spare, replay)),
      )),
    );
    b = gateways[1]!;
    // This suite's own PHI, so the scan never runs on nothing: a patient and a record at hospital B.
    const patient = await invite(b, `phiscan-${runId}`, 'patient', NAME);
    patientId = patient.attrs['ehr.patientId'] ?? '';
    const doctor = await invite(b, `phiscan-doc-${runId}`, 'doctor');
    people.push({ org: 'hospital-b', token: patient.token }, { org: 'hospital-b', token: doctor.token });
    const record = await call(
      `${b.url}/v1/records`,
      'POST',
      { patientId, category: 'diagnosis', body: { diagnosis: DIAGNOSIS } },
      doctor.token,
    );
    expect(record.status).toBe(201);
    await settled();
  }, 300_000);

  afterAll(async () => {
    await stopGateways();
  });

  const markers = () => registeredPhi();

  it("finds no marker PHI in any block, store file, write-ahead log, process log or gateway data outside its custodians' private collections", () => {
    const all = markers();
    expect(all.map((m) => m.text)).toEqual(expect.arrayContaining([DIAGNOSIS, NAME]));
    const files = rawFiles();
    // What the scan reads: every member's blocks (where it finds the public ids) and this
    // suite's PHI in hospital B's private collection.
    expect(files.filter(({ file }) => /blockfile_\d+$/.test(file)).length).toBeGreaterThanOrEqual(2 * ORGS.length);
    const id: PhiMarker = { text: patientId, custodians: [] };
    expect(rawHits([id]).some((hit) => hit.includes('blockfile'))).toBe(true);
    const hits = rawHits(all);
    const size = files.reduce((n, { file }) => n + statSync(file).size, 0);
    console.log(
      `PHI scan of files: ${String(all.length)} markers in ${String(files.length)} files (${String(Math.round(size / 1e6))} MB): ${String(hits.length)} outside the custodians' private collections`,
    );
    expect(hits).toEqual([]);
  });

  it("finds marker PHI in no state database or peer store but the custodian's private collection", async () => {
    const all = markers();
    const hits = await storeHits(all.map((m) => m.text));
    const misplaced = hits.filter((hit) => {
      const marker = all.find((m) => m.text === hit.marker);
      return !marker || !inPrivateCollection(hit.member, hit.store, marker);
    });
    // The scan does read the private collections: this suite's record rests at hospital B's.
    expect(hits.some((hit) => hit.marker === DIAGNOSIS && hit.member === 'hospital-b')).toBe(true);
    console.log(
      `PHI scan of stores: ${String(all.length)} markers, ${String(hits.length)} keys in custodians' private collections, ${String(misplaced.length)} elsewhere`,
    );
    expect(misplaced.map((h) => `${h.member} ${h.store} ${h.key}: "${h.marker}"`)).toEqual([]);
  }, 300_000);

  it("finds no marker PHI in any event payload a member's gateway streams", async () => {
    const texts = markers().map((m) => m.text);
    // Each member's admin, and the patient and the doctor of this suite's record.
    const readers = [...gateways.map((g) => ({ org: g.org, token: g.admin })), ...people];
    let all = '';
    for (const reader of readers) {
      const gateway = gateways.find((g) => g.org === reader.org) ?? b;
      const events = await replayedEvents(gateway, reader.token);
      expect(events).toMatch(/^id: \d+-/m);
      all += events;
      expect(texts.filter((text) => events.includes(text)).map((text) => `${reader.org}: "${text}"`)).toEqual([]);
    }
    // The replays reach this suite's own writes.
    expect(all).toContain(patientId);
    console.log(
      `PHI scan of events: ${String(readers.length)} streams replayed from block 0, ${String(all.length)} bytes`,
    );
  }, 300_000);
});
