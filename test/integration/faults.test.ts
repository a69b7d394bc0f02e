/**
 * Faults under load on the real network (issue 16 §2): while patients at two members keep
 * granting consents through their REST gateways (each intent with its own Idempotency-Key,
 * retried like a good client: after Retry-After on a 503, at once after a 504 or a dropped
 * connection, always with the same key), one node after another is killed with SIGKILL and
 * restarted by the network's own launch specs: an orderer, another member's peer, a state DB, a
 * chaincode server, and finally a gateway in the middle of requests. Between faults the test
 * waits until the network is whole again (every node healthy, every peer at the same height,
 * discovery offering every member's peer), so the suites after it find it as it was.
 *
 * Afterwards: every answered success is committed, valid and identical on every member's peer
 * (same chain, same transaction, same world state), no intent is committed twice, every 503
 * carried Retry-After, no answer took longer than the commit deadline plus the endorsement and
 * submit deadlines, and nothing answered 500.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import { discoveredEndorsers, ordererChannel } from '../../network/src/admin';
import { session as gatewaySession } from '../../network/src/gateway';
import { chaincodeSpec, ordererSpec, peerSpec, stateDbSpec } from '../../network/src/nodes/fabric';
import { type NodeSpec, runningPid, startNode } from '../../network/src/process';
import { orgSecrets } from '../../network/src/secrets';
import { CHAINCODE, ORGS, type OrgSpec } from '../../network/src/topology';
import {
  type Gateway,
  gatewayPid,
  invite,
  type Person,
  restartGateway,
  startGateway,
  stopGateways,
} from './helpers/gateways';
import { eventually, network, orgSpec, settled, stateDb } from './helpers/network';

const runId = Date.now().toString(36);

/** The test gateways' commit deadline: shorter than the 60 s default, so a run stays short. */
const COMMIT_TIMEOUT_MS = 10_000;
/** What a write may take besides the commit: endorsement (15 s) and submit (5 s) deadlines, 5 s of endorsing again. */
const OTHER_DEADLINES_MS = 25_000;
/** The longest answer a client may wait for; a request still open after it counts as a hang. */
const LONGEST_ANSWER_MS = COMMIT_TIMEOUT_MS + OTHER_DEADLINES_MS;
/** How long each node stays dead under load. */
const OUTAGE_MS = 8_000;
/** How long a client keeps retrying one intent before it gives up on it. */
const INTENT_BUDGET_MS = 150_000;
const GATEWAY_ENV = { EHR_GATEWAY_COMMIT_TIMEOUT_MS: String(COMMIT_TIMEOUT_MS) };

const delay = (ms: number) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** One HTTP request a client sent, and what came back. */
interface Attempt {
  client: number;
  key: string;
  startedAt: number;
  ms: number;
  /** The HTTP status; 0 when the connection failed (gateway killed) or the client gave up waiting. */
  status: number;
  code?: string;
  retryAfter?: string;
  hang: boolean;
}

/** One client intent: a consent with its own key and its own validUntil (which names it on the ledger). */
interface Intent {
  client: number;
  patientId: string;
  key: string;
  validUntil: string;
  answer?: { consentId: string; txId: string; committedBlock: number };
}

interface Outage {
  name: string;
  from: number;
  to: number;
  /** From the restart until the network was whole again. */
  wholeAfterMs: number;
}

class Load {
  readonly attempts: Attempt[] = [];
  readonly intents: Intent[] = [];
  /** Requests waiting for an answer, per gateway URL. */
  readonly inFlight = new Map<string, number>();
  #stopping = false;
  #abandoned = false;
  #paused = false;
  #clients: Promise<void>[] = [];

  constructor(private readonly base: number) {}

  start(clients: { gateway: Gateway; patient: Person }[]): void {
    this.#clients = clients.map((c, i) => this.#run(i, c.gateway, c.patient));
  }

  /**
   * Starts no new intent until resumed (intents under way keep retrying). A peer restarted under
   * this machine's full load catches up no faster than the others add blocks, so the test waits
   * for a whole network with new intents held back, as an operator would drain a member.
   */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  /** Lets each client finish its intent (or, with `abandon`, drop it), and waits for them. */
  async stop(abandon = false): Promise<void> {
    this.#stopping = true;
    this.#abandoned ||= abandon;
    await Promise.all(this.#clients);
  }

  /** Whether a client may start a new intent, once any pause is over; false once stopping. */
  async #mayStart(): Promise<boolean> {
    while (this.#paused && !this.#stopping) await delay(100);
    return !this.#stopping;
  }

  async #run(client: number, gateway: Gateway, patient: Person): Promise<void> {
    for (let n = 0; await this.#mayStart(); n++) {
      const intent: Intent = {
        client,
        patientId: patient.attrs['ehr.patientId'] ?? '',
        key: `faults-${runId}-${String(client)}-${String(n)}`,
        // A distinct validUntil per intent tells the consents on the ledger apart by intent.
        validUntil: new Date(this.base + (client * 10_000 + n) * 1000).toISOString(),
      };
      this.intents.push(intent);
      await this.#finish(intent, gateway, patient);
    }
  }

  /** Sends the intent until it succeeds, is refused for good, or its budget runs out. */
  async #finish(intent: Intent, gateway: Gateway, patient: Person): Promise<void> {
    const body = {
      grantee: { mspId: 'InsurerMSP' },
      categories: ['diagnosis'],
      purpose: 'treatment',
      validUntil: intent.validUntil,
    };
    const giveUp = Date.now() + INTENT_BUDGET_MS;
    while (Date.now() < giveUp && !this.#abandoned) {
      const attempt = await this.#send(intent, gateway, patient, body);
      this.attempts.push(attempt);
      if (attempt.status === 201) return;
      // A 4xx other than a conflict will not change on a retry; a 500 is recorded and retried.
      if (attempt.status >= 400 && attempt.status < 500 && attempt.status !== 409) return;
      const retryAfter = Number(attempt.retryAfter ?? '1');
      await delay(attempt.status === 503 ? Math.min(retryAfter, 5) * 1000 : 250);
    }
  }

  async #send(intent: Intent, gateway: Gateway, patient: Person, body: object): Promise<Attempt> {
    const startedAt = Date.now();
    const base = { client: intent.client, key: intent.key, startedAt };
    const flying = (change: number) => this.inFlight.set(gateway.url, (this.inFlight.get(gateway.url) ?? 0) + change);
    flying(1);
    try {
      const res = await fetch(`${gateway.url}/v1/consents`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${patient.token}`,
          'idempotency-key': intent.key,
        },
        body: JSON.stringify(body),
        // Past it the request hangs: counted as such, not waited for.
        signal: AbortSignal.timeout(LONGEST_ANSWER_MS + 15_000),
      });
      const text = await res.text();
      const answer = (text ? JSON.parse(text) : {}) as {
        consentId?: string;
        txId?: string;
        committedBlock?: number;
        error?: { code: string };
      };
      if (res.status === 201) {
        intent.answer = {
          consentId: answer.consentId ?? '',
          txId: answer.txId ?? '',
          committedBlock: answer.committedBlock ?? -1,
        };
      }
      const retryAfter = res.headers.get('retry-after') ?? undefined;
      return {
        ...base,
        ms: Date.now() - startedAt,
        status: res.status,
        hang: false,
        ...(answer.error ? { code: answer.error.code } : {}),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      };
    } catch (error) {
      const hang = error instanceof DOMException && error.name === 'TimeoutError';
      return { ...base, ms: Date.now() - startedAt, status: 0, hang, code: hang ? 'HANG' : 'CONNECTION' };
    } finally {
      flying(-1);
    }
  }
}

/** Kills the node's process with SIGKILL (no chance to clean up) and waits until it is gone. */
async function kill(name: string): Promise<void> {
  const pid = runningPid(name);
  if (pid === undefined) throw new Error(`${name} does not run`);
  process.kill(pid, 'SIGKILL');
  await eventually(() => Promise.resolve(runningPid(name) === undefined || Promise.reject(new Error(name))), 10_000);
}

const MSP_IDS = ORGS.map((o) => o.mspId).sort();

/**
 * Waits until the network is whole: every member's nodes healthy, every orderer at the same
 * height, every peer at the same height and offering every member's peer as an endorser.
 */
async function whole(load?: Load): Promise<void> {
  // A restarted BFT orderer one block behind syncs when the next block comes: under the load.
  await eventually(async () => {
    const heights = await Promise.all(ORGS.map(async (o) => (await ordererChannel(o))?.height));
    if (new Set(heights).size !== 1) throw new Error(`orderers at heights ${heights.join(', ')}`);
  }, 90_000);
  load?.pause();
  await settled(90_000);
  for (const org of ORGS) {
    await eventually(async () => {
      const endorsers = await discoveredEndorsers(org, CHAINCODE);
      if (endorsers.join() !== MSP_IDS.join()) throw new Error(`${org.name} offers ${endorsers.join(', ')}`);
    }, 90_000);
  }
}

/** The channel's height and tip hash as the member's peer has them. */
async function chainTip(org: OrgSpec): Promise<string> {
  const s = gatewaySession(org, 'admin');
  try {
    const info = common.BlockchainInfo.deserializeBinary(
      await s.network.getContract('qscc').evaluateTransaction('GetChainInfo', network().channel),
    );
    return `${String(info.getHeight())}:${Buffer.from(info.getCurrentblockhash_asU8()).toString('hex')}`;
  } finally {
    s.close();
  }
}

/** Each transaction's validation code and block number at the member's peer (undefined when unknown there). */
async function transactionsAt(org: OrgSpec, txIds: string[]): Promise<Map<string, string>> {
  const s = gatewaySession(org, 'admin');
  const found = new Map<string, string>();
  try {
    const qscc = s.network.getContract('qscc');
    for (const txId of txIds) {
      const bytes = await qscc
        .evaluateTransaction('GetTransactionByID', network().channel, txId)
        .catch(() => undefined);
      if (!bytes) {
        found.set(txId, 'missing');
        continue;
      }
      const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
      const envelope = Buffer.from(processed.getTransactionenvelope()?.serializeBinary() ?? []).toString('base64');
      found.set(txId, `${String(processed.getValidationcode())}:${envelope}`);
    }
  } finally {
    s.close();
  }
  return found;
}

/** The consents of the patients as the member's state DB holds them, by consent id (CouchDB-mode only). */
async function consentsAt(org: OrgSpec, patientIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  const db = stateDb(org.name).use<Record<string, unknown>>(`${network().channel}_${CHAINCODE}`);
  const found = new Map<string, Record<string, unknown>>();
  for (const patientId of patientIds) {
    const prefix = `\u0000consent\u0000${patientId}\u0000`;
    const rows = await db.list({ startkey: prefix, endkey: `${prefix}\uffff`, include_docs: true });
    for (const row of rows.rows) {
      // The revision is the state DB's own bookkeeping, not the ledger's.
      const doc: Record<string, unknown> = { ...row.doc, _rev: undefined };
      found.set(String(doc.consentId), doc);
    }
  }
  return found;
}

/** What the clients saw while the node was down (requests started between its kill and its restart). */
function outageFigures(o: Outage, attempts: Attempt[]) {
  const during = attempts.filter((t) => t.startedAt >= o.from && t.startedAt <= o.to);
  return {
    outage: o.name,
    requests: during.length,
    answered503: during.filter((t) => t.status === 503).length,
    succeeded: during.filter((t) => t.status === 201).length,
    connectionFailures: during.filter((t) => t.status === 0).length,
    maxLatencyMs: Math.max(0, ...during.map((t) => t.ms)),
    wholeAfterMs: o.wholeAfterMs,
  };
}

/** How many requests got each status (and error code). */
function statusCounts(attempts: Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of attempts) {
    const label = `${String(t.status)} ${t.code ?? ''}`.trim();
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/**
 * What every member's peer holds of the intents: its chain tip, each answered transaction
 * (validation code and envelope), and with CouchDB the patients' consents in its world state,
 * told apart by intent through their validUntil. Answered intents whose transaction is not
 * valid or whose consent is missing are lost; intents with more than one consent duplicated;
 * consents that match no intent unknown.
 */
async function ledgerView(intents: Intent[], withStateDb: boolean) {
  const succeeded = intents.filter((i) => i.answer);
  const txIds = succeeded.map((i) => i.answer?.txId ?? '');
  const tips = await Promise.all(ORGS.map(chainTip));
  const transactions = await Promise.all(ORGS.map((o) => transactionsAt(o, txIds)));
  const patientIds = [...new Set(intents.map((i) => i.patientId))];
  const states = withStateDb ? await Promise.all(ORGS.map((o) => consentsAt(o, patientIds))) : [];
  const [reference] = states;
  const consents = [...(reference?.values() ?? [])];
  const perIntent = new Map<string, number>();
  const unknown: string[] = [];
  for (const consent of consents) {
    const intent = intents.find((i) => i.patientId === consent.patientId && i.validUntil === consent.validUntil);
    if (intent) perIntent.set(intent.key, (perIntent.get(intent.key) ?? 0) + 1);
    else unknown.push(String(consent.consentId));
  }
  const lost = succeeded
    .filter((i) => {
      const tx = transactions[0]?.get(i.answer?.txId ?? '');
      return !tx?.startsWith('0:') || (reference !== undefined && !reference.has(i.answer?.consentId ?? ''));
    })
    .map((i) => i.key);
  return {
    tips,
    transactions,
    states,
    committed: reference ? consents.length : succeeded.length - lost.length,
    lost,
    duplicated: [...perIntent.entries()].filter(([, count]) => count > 1).map(([key]) => key),
    unknown,
  };
}

describe('faults under load', () => {
  let a: Gateway;
  let b: Gateway;
  const clients: { gateway: Gateway; patient: Person }[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startGateway('hospital-a', 56, GATEWAY_ENV),
      startGateway('hospital-b', 57, GATEWAY_ENV),
    ]);
    for (const gateway of [a, b]) {
      const patients = await Promise.all(
        [0, 1, 2].map((i) => invite(gateway, `fpat-${String(i)}-${runId}`, 'patient')),
      );
      for (const patient of patients) clients.push({ gateway, patient });
    }
  }, 300_000);

  afterAll(stopGateways);

  it('answers every client within its deadline through five node kills, commits each intent once on every peer, and recovers', async () => {
    const stateDbType = network().stateDb;
    const chaincodePackageId = network().chaincodePackageId;
    const load = new Load(Date.now() + 86_400_000);
    const outages: Outage[] = [];

    const killed: NodeSpec[] = [];
    /** Kills the node under load, keeps it dead for OUTAGE_MS, restarts it and waits for a whole network. */
    const outage = async (name: string, spec: NodeSpec) => {
      const from = Date.now();
      killed.push(spec);
      await kill(spec.name);
      await delay(OUTAGE_MS);
      await startNode(spec);
      const to = Date.now();
      await whole(load);
      load.resume();
      outages.push({ name, from, to, wholeAfterMs: Date.now() - to });
    };

    load.start(clients);
    try {
      await delay(5_000);
      const [hospitalA, hospitalB, lab, insurer] = ['hospital-a', 'hospital-b', 'lab', 'insurer'].map(orgSpec);
      if (!hospitalA || !hospitalB || !lab || !insurer) throw new Error('the topology lacks a member');
      await outage('orderer of hospital-a', ordererSpec(hospitalA));
      await outage('peer of hospital-b', peerSpec(hospitalB, stateDbType, orgSecrets(hospitalB)));
      if (stateDbType === 'couchdb') await outage('state DB of lab', stateDbSpec(lab, orgSecrets(lab)));
      await outage('chaincode server of insurer', chaincodeSpec(insurer, chaincodePackageId));

      // The gateway dies while requests are in flight at it; restarted on its data folder.
      await eventually(async () => {
        if ((load.inFlight.get(a.url) ?? 0) === 0) throw new Error('no request in flight at the gateway');
        await Promise.resolve();
      });
      const gatewayFrom = Date.now();
      process.kill(gatewayPid(a), 'SIGKILL');
      await restartGateway(a, GATEWAY_ENV);
      outages.push({ name: 'gateway of hospital-a', from: gatewayFrom, to: Date.now(), wholeAfterMs: 0 });
      await delay(5_000);
      await load.stop();
    } finally {
      // Whatever failed, the suites after this one get every node back.
      await load.stop(true);
      for (const spec of killed) await startNode(spec);
    }
    await whole();

    const { attempts, intents } = load;
    const succeeded = intents.filter((i) => i.answer);
    const ledger = await ledgerView(intents, stateDbType === 'couchdb');
    const perOutage = outages.map((o) => outageFigures(o, attempts));
    const figures = {
      requestsSent: attempts.length,
      requestsSucceeded: attempts.filter((t) => t.status === 201).length,
      requestsFailed: attempts.filter((t) => t.status !== 201).length,
      intents: intents.length,
      intentsSucceeded: succeeded.length,
      committed: ledger.committed,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      statuses: statusCounts(attempts),
      maxLatencyMs: Math.max(...attempts.map((t) => t.ms)),
      perOutage,
    };
    console.log(`faults under load: ${JSON.stringify(figures, null, 2)}`);

    expect(succeeded.length).toBeGreaterThan(0);
    expect(ledger.lost).toEqual([]);
    expect(ledger.duplicated).toEqual([]);
    expect(ledger.unknown).toEqual([]);
    // Every intent ended committed: none was given up on.
    expect(intents.filter((i) => !i.answer).map((i) => i.key)).toEqual([]);
    // Same chain, same transactions, same world state on every member's peer.
    expect(new Set(ledger.tips).size).toBe(1);
    for (const found of ledger.transactions) expect(found).toEqual(ledger.transactions[0]);
    for (const state of ledger.states) expect(state).toEqual(ledger.states[0]);
    // Clients were answered, never left hanging, never told 500, and every 503 said when to retry.
    expect(attempts.filter((t) => t.hang)).toEqual([]);
    expect(attempts.filter((t) => t.ms > LONGEST_ANSWER_MS)).toEqual([]);
    expect(attempts.filter((t) => t.status >= 500 && t.status !== 503 && t.status !== 504)).toEqual([]);
    expect(attempts.filter((t) => t.status === 503 && t.retryAfter === undefined)).toEqual([]);
    for (const o of perOutage) expect(o.answered503 + o.succeeded).toBeGreaterThan(0);
  }, 900_000);
});
