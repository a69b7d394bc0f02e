/**
 * The member's node health as its admin sees it: whether the peer, the orderer, the CA, the
 * state database and the chaincode server answer, and the block heights of the peer and the
 * orderer. Fabric nodes answer on their operations endpoint (`/healthz`, and Prometheus
 * `/metrics` for `ledger_blockchain_height`); the peer's height is asked of the peer itself
 * (qscc) and the chaincode is asked through the peer, as every request goes. Each probe is
 * bounded by a deadline, so one node that hangs makes the page say "down", not wait.
 */
import { connect } from 'node:net';

export const NODE_NAMES = ['peer', 'orderer', 'ca', 'stateDb', 'chaincode'] as const;
export type NodeName = (typeof NODE_NAMES)[number];
export const NODE_STATUSES = ['up', 'down', 'not-configured'] as const;

export interface NodeStatus {
  node: NodeName;
  /** Where the gateway reached (or tried to reach) the node; never with credentials. */
  endpoint: string;
  status: (typeof NODE_STATUSES)[number];
  /** Why it is down, or what was found (e.g. the Fabric checks that failed). */
  detail: string;
  /** The node's ledger height on the channel: the number of its next block. */
  blockHeight?: number;
}

export interface MemberHealth {
  checkedAt: string;
  /** `up` when every configured node is up. */
  status: 'up' | 'degraded';
  nodes: NodeStatus[];
}

/** Where the member's nodes are, from network.json (absent parts: an older network.json). */
export interface HealthTargets {
  channel: string;
  peer: { endpoint: string; operations?: string };
  orderer?: { endpoint: string; operations: string };
  ca: { url: string; operations?: string };
  stateDb?: { type: 'couchdb'; url: string } | { type: 'leveldb' };
  chaincode?: { address: string };
}

/** What only the ledger connection can tell. */
export interface LedgerProbes {
  /** The peer's height on the channel (qscc GetChainInfo). */
  peerHeight(): Promise<bigint>;
  /** Resolves when the chaincode answers a read through the peer. */
  chaincodeAnswers(): Promise<unknown>;
}

const DEFAULT_TIMEOUT_MS = 2000;

// fetch rejects with a DOMException named TimeoutError when its deadline passes.
const reasonOf = (error: unknown) =>
  (error as { name?: unknown } | undefined)?.name === 'TimeoutError' ? 'no answer in time' : 'unreachable';

/** A URL as shown to the admin: without user and password. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'invalid URL';
  }
}

interface Probe {
  ok: boolean;
  detail: string;
}

/** A Fabric operations endpoint's /healthz: 200 is up; 503 names the failed checks. */
async function operationsHealth(base: string, timeoutMs: number): Promise<Probe> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return { ok: true, detail: 'healthy' };
    const body = (await res.json().catch(() => ({}))) as { failed_checks?: { component?: unknown }[] };
    const failed = (body.failed_checks ?? []).map((check) => String(check.component)).join(', ');
    return { ok: false, detail: failed ? `failed checks: ${failed}` : `health check answered ${String(res.status)}` };
  } catch (error) {
    return { ok: false, detail: reasonOf(error) };
  }
}

/** `ledger_blockchain_height` of the channel from Prometheus metrics text, if there. */
export function heightFromMetrics(metrics: string, channel: string): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^ledger_blockchain_height\{([^}]*)\}\s+(\d+(?:\.\d+)?(?:e\+?\d+)?)\s*$/.exec(line);
    if (match && (match[1] ?? '').split(',').includes(`channel="${channel}"`)) return Math.round(Number(match[2]));
  }
  return undefined;
}

async function metricHeight(base: string, channel: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? heightFromMetrics(await res.text(), channel) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a TCP connection to `host:port` opens within the deadline. */
export function tcpReachable(address: string, timeoutMs: number): Promise<Probe> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535)
    return Promise.resolve({ ok: false, detail: 'invalid address' });
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (probe: Probe) => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(timeoutMs, () => {
      done({ ok: false, detail: 'no answer in time' });
    });
    socket.once('connect', () => {
      done({ ok: true, detail: 'accepts connections' });
    });
    socket.once('error', () => {
      done({ ok: false, detail: 'unreachable' });
    });
  });
}

async function within<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const status = (probe: Probe): NodeStatus['status'] => (probe.ok ? 'up' : 'down');

async function peerStatus(targets: HealthTargets, ledger: LedgerProbes, timeoutMs: number): Promise<NodeStatus> {
  const { endpoint, operations } = targets.peer;
  let height: number | undefined;
  let reached: Probe;
  try {
    height = Number(await within(ledger.peerHeight(), timeoutMs));
    reached = { ok: true, detail: 'answers' };
  } catch (error) {
    reached = { ok: false, detail: reasonOf(error) };
  }
  // The peer's own checks (e.g. its CouchDB) when its operations endpoint is known.
  const checks = operations ? await operationsHealth(operations, timeoutMs) : reached;
  const probe = reached.ok ? checks : reached;
  return {
    node: 'peer',
    endpoint,
    status: status(probe),
    detail: probe.detail,
    ...(height ? { blockHeight: height } : {}),
  };
}

async function ordererStatus(targets: HealthTargets, timeoutMs: number): Promise<NodeStatus> {
  const { orderer, channel } = targets;
  if (!orderer)
    return { node: 'orderer', endpoint: '', status: 'not-configured', detail: 'no orderer in network.json' };
  const [probe, height] = await Promise.all([
    operationsHealth(orderer.operations, timeoutMs),
    metricHeight(orderer.operations, channel, timeoutMs),
  ]);
  const base = { node: 'orderer' as const, endpoint: orderer.endpoint, status: status(probe), detail: probe.detail };
  return height ? { ...base, blockHeight: height } : base;
}

async function caStatus(targets: HealthTargets, timeoutMs: number): Promise<NodeStatus> {
  const { url, operations } = targets.ca;
  const endpoint = shown(url);
  if (!operations) return { node: 'ca', endpoint, status: 'not-configured', detail: 'no operations endpoint known' };
  const probe = await operationsHealth(operations, timeoutMs);
  return { node: 'ca', endpoint, status: status(probe), detail: probe.detail };
}

async function stateDbStatus(targets: HealthTargets, timeoutMs: number): Promise<NodeStatus> {
  const db = targets.stateDb;
  if (!db) return { node: 'stateDb', endpoint: '', status: 'not-configured', detail: 'no state DB in network.json' };
  if (db.type === 'leveldb')
    return { node: 'stateDb', endpoint: 'in the peer', status: 'up', detail: 'LevelDB, inside the peer process' };
  const endpoint = shown(db.url);
  try {
    const res = await fetch(`${endpoint}/_up`, { signal: AbortSignal.timeout(timeoutMs) });
    const detail = res.ok ? 'CouchDB API answers' : `answered ${String(res.status)}`;
    return { node: 'stateDb', endpoint, status: res.ok ? 'up' : 'down', detail };
  } catch (error) {
    return { node: 'stateDb', endpoint, status: 'down', detail: reasonOf(error) };
  }
}

async function chaincodeStatus(targets: HealthTargets, ledger: LedgerProbes, timeoutMs: number): Promise<NodeStatus> {
  const endpoint = targets.chaincode?.address ?? '';
  const [listening, answers] = await Promise.all([
    endpoint ? tcpReachable(endpoint, timeoutMs) : Promise.resolve(undefined),
    within(ledger.chaincodeAnswers(), timeoutMs).then(
      () => ({ ok: true, detail: 'answers through the peer' }),
      (error: unknown) => ({ ok: false, detail: `does not answer through the peer (${reasonOf(error)})` }),
    ),
  ]);
  const probe = listening && !listening.ok ? { ok: false, detail: `server ${listening.detail}` } : answers;
  return { node: 'chaincode', endpoint, status: status(probe), detail: probe.detail };
}

/**
 * A check of the member's nodes: every node probed at once, each within `timeoutMs`. Answers
 * `degraded` when any configured node is down.
 */
export function memberHealth(
  targets: HealthTargets,
  ledger: LedgerProbes,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  now: () => Date = () => new Date(),
): () => Promise<MemberHealth> {
  return async () => {
    const nodes = await Promise.all([
      peerStatus(targets, ledger, timeoutMs),
      ordererStatus(targets, timeoutMs),
      caStatus(targets, timeoutMs),
      stateDbStatus(targets, timeoutMs),
      chaincodeStatus(targets, ledger, timeoutMs),
    ]);
    const degraded = nodes.some((n) => n.status === 'down');
    return { checkedAt: now().toISOString(), status: degraded ? 'degraded' : 'up', nodes };
  };
}
