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
import { type StoreHit, storeHits } from './helpers/stores';

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

/** The files read raw: blocks, orderers' write-ahead logs, process logs, the gateways' data. */
function rawFiles(): string[] {
  const home = paths.runtime;
  const members = ORGS.flatMap((org) => {
    const data = path.join(home, org.name);
    return [
      ...filesUnder(path.join(data, 'peer', 'ledgersData', 'chains', 'chains')),
      ...filesUnder(path.join(data, 'orderer')),
      ...filesUnder(path.join(data, 'gateway')),
      ...filesUnder(path.join(data, 'statedb')).filter((file) => file.endsWith('.log')),
    ];
  });
  return [...members, ...filesUnder(paths.logs)].filter((file) => statSync(file).size > 0);
}

/** `<file> holds <marker>` for each raw file holding a marker. */
function rawHits(markers: string[]): string[] {
  const needles = markers.map((m) => Buffer.from(m, 'utf8'));
  return rawFiles().flatMap((file) => {
    const bytes = readFileSync(file);
    return needles.flatMap((needle, i) =>
      bytes.includes(needle) ? [`${path.relative(paths.home, file)} holds "${markers[i] ?? ''}"`] : [],
    );
  });
}

/** The custodian's own private collection: its private data store and its state DB's private databases. */
const custodiansOwn = (hit: StoreHit, marker: PhiMarker) =>
  hit.member === marker.custodian &&
  (hit.store.startsWith('peer/ledgersData/pvtdataStore') || hit.store.includes('$$p'));

/** Everything a member's gateway streams to its admin, replayed from block 0 until it falls quiet. */
async function replayedEvents(gateway: Gateway): Promise<string> {
  const stream: StreamClient = await openStream(gateway.url, gateway.admin, '0-0');
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

  it('finds no marker PHI in any block file, write-ahead log, process log or gateway data folder', () => {
    const texts = markers().map((m) => m.text);
    expect(texts).toEqual(expect.arrayContaining([DIAGNOSIS, NAME]));
    const files = rawFiles();
    // What the scan reads: every member's blocks and logs (and it finds public ids there).
    expect(files.filter((f) => f.includes(`${path.sep}chains${path.sep}`)).length).toBeGreaterThanOrEqual(
      2 * ORGS.length,
    );
    expect(rawHits([patientId]).some((hit) => hit.includes('blockfile'))).toBe(true);
    const hits = rawHits(texts);
    console.log(
      `PHI scan of files: ${String(texts.length)} markers in ${String(files.length)} files (${String(Math.round(files.reduce((n, f) => n + statSync(f).size, 0) / 1e6))} MB): ${String(hits.length)} hits`,
    );
    expect(hits).toEqual([]);
  });

  it("finds marker PHI in no state database or peer store but the custodian's private collection", async () => {
    const all = markers();
    const hits = await storeHits(all.map((m) => m.text));
    const misplaced = hits.filter((hit) => {
      const marker = all.find((m) => m.text === hit.marker);
      return !marker || !custodiansOwn(hit, marker);
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
    for (const gateway of gateways) {
      const events = await replayedEvents(gateway);
      // The replay streams the member's events, at hospital B up to this suite's own writes.
      expect(events).toMatch(/^id: \d+-/m);
      if (gateway === b) expect(events).toContain(patientId);
      expect(texts.filter((text) => events.includes(text)).map((text) => `${gateway.org}: "${text}"`)).toEqual([]);
    }
  }, 300_000);
});
