/**
 * `npm run bench`: throughput and latency of five workloads through the members' REST gateways
 * (autocannon) and through the Fabric Gateway SDK directly, at a sweep of concurrencies, with
 * the CPU each kind of process spent per committed transaction. Starts the network when none
 * runs (and stops it again at the end). Writes bench-results/<time>-<statedb>.{json,md}; when the
 * folder holds a run on the other state DB, prints the state-DB ratio too.
 *
 *   BENCH_SECONDS=15 BENCH_CONCURRENCY=4,16,64 BENCH_WORKLOADS=a,b,c,d,e npm run bench
 *
 * EHR_PORT_BASE, EHR_NETWORK_HOME and EHR_STATEDB (couchdb or leveldb) choose the network, as for
 * the integration tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { status } from '../../network/src/network';
import { paths } from '../../network/src/topology';
import { stopGateways } from '../../test/integration/helpers/gateways';
import { height, orgSpec } from '../../test/integration/helpers/network';
import { session as gatewaySession, type Session } from '../../network/src/gateway';
import type { PointResult } from './drivers';
import { machine, sampleNetwork, ticksPerSecond } from './proc';
import { type RestSide, type SdkSide, setUpRest, setUpSdk } from './setup';
import {
  costByKind,
  fmt,
  type KindCost,
  type LatencySummary,
  machineLine,
  type MachineInfo,
  markdownTable,
  ratio,
  summarize,
} from './stats';
import { type WorkloadId, WORKLOADS } from './workloads';

interface Point {
  workload: WorkloadId;
  path: 'rest' | 'sdk';
  concurrency: number;
  seconds: number;
  ops: number;
  opsPerSecond: number;
  /** Committed transactions per second (evaluations per second for a pure evaluate). */
  txPerSecond: number;
  latencyMs: LatencySummary;
  errors: number;
  errorKinds: Record<string, number>;
  /** Blocks hospital A's peer committed during the point: committed transactions per block show the batching. */
  blocks: number;
  costs: KindCost[];
  machine: MachineInfo;
}

interface Run {
  startedAt: string;
  /** BENCH_LABEL: what set this run apart (a configuration tried), in the file name too. */
  label: string;
  stateDb: string;
  machine: MachineInfo;
  seconds: number;
  concurrencies: number[];
  points: Point[];
}

const RESULTS = path.join(paths.root, 'bench-results');

/** A session on hospital A's peer that reads the ledger height (blocks per point). */
let observer: Session;

function listOption(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function options() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const concurrencies = listOption('BENCH_CONCURRENCY', '4,16,64').map(Number);
  const workloads = listOption('BENCH_WORKLOADS', 'a,b,c,d,e');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('BENCH_SECONDS must be a positive number');
  if (concurrencies.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('BENCH_CONCURRENCY must list positive integers');
  const unknown = workloads.filter((w) => !WORKLOADS.some((k) => k.id === w));
  if (unknown.length > 0) throw new Error(`BENCH_WORKLOADS: no workload ${unknown.join(', ')} (a–e)`);
  return { seconds, concurrencies, workloads: WORKLOADS.filter((w) => workloads.includes(w.id)) };
}

/** Brings the network up unless all its nodes run; answers whether it did. */
async function ensureNetwork(): Promise<boolean> {
  const nodes = await status();
  if (nodes.length > 0 && nodes.every((n) => n.pid !== undefined && n.healthy)) return false;
  console.log('[bench] no running network: bringing it up (npx tsx network/src/cli.ts up)');
  // EHR_STATEDB chooses the state DB as it does for the integration tests.
  const stateDb = process.env.EHR_STATEDB === 'leveldb' ? ['--statedb', 'leveldb'] : [];
  const up = spawnSync('npx', ['tsx', path.join(paths.root, 'network', 'src', 'cli.ts'), 'up', ...stateDb], {
    stdio: 'inherit',
    cwd: paths.root,
  });
  if (up.status !== 0) throw new Error(`network up failed (exit ${String(up.status)})`);
  return true;
}

function stateDbOfNetwork(): string {
  try {
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8')) as {
      stateDb?: string;
    };
    if (state.stateDb) return state.stateDb;
  } catch {
    // Fall through to the variable the network was started with.
  }
  return process.env.EHR_STATEDB ?? 'couchdb';
}

async function measure(
  workload: (typeof WORKLOADS)[number],
  pathName: 'rest' | 'sdk',
  concurrency: number,
  run: () => Promise<PointResult>,
): Promise<Point> {
  const heightBefore = await height(observer);
  const before = sampleNetwork();
  const result = await run();
  const after = sampleNetwork();
  const blocks = (await height(observer)) - heightBefore;
  const committed = result.ok * Math.max(1, workload.txPerOp);
  const point: Point = {
    workload: workload.id,
    path: pathName,
    concurrency,
    seconds: result.seconds,
    ops: result.ok,
    opsPerSecond: result.ok / result.seconds,
    txPerSecond: committed / result.seconds,
    latencyMs: summarize(result.latenciesMs),
    errors: result.errors,
    errorKinds: result.errorKinds,
    blocks,
    costs: costByKind(before, after, committed, ticksPerSecond()),
    machine: machine(),
  };
  const perBlock = blocks > 0 && workload.txPerOp > 0 ? `  ${fmt(committed / blocks, 1)} tx/block` : '';
  const errors = point.errors > 0 ? `  errors ${String(point.errors)} ${JSON.stringify(point.errorKinds)}` : '';
  console.log(
    `[bench] (${workload.id}) ${pathName.padEnd(4)} c=${String(concurrency).padEnd(3)} ${fmt(point.txPerSecond, 1).padStart(6)} tx/s  p50 ${fmt(point.latencyMs.p50)} p95 ${fmt(point.latencyMs.p95)} p99 ${fmt(point.latencyMs.p99)} ms${perBlock}${errors}  load ${point.machine.loadavg[0].toFixed(2)}`,
  );
  return point;
}

const KINDS = ['peer', 'orderer', 'chaincode', 'statedb', 'gateway', 'ca', 'client'];

function tables(run: Run): string {
  const title = (id: WorkloadId) => WORKLOADS.find((w) => w.id === id)?.title ?? id;
  const rate = (p: Point) => (WORKLOADS.find((w) => w.id === p.workload)?.txPerOp === 0 ? 'eval/s' : 'tx/s');
  const main = markdownTable(
    [
      'workload',
      'path',
      'conc.',
      'committed tx/s',
      'ops/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'tx/block',
      'load 1 min',
    ],
    run.points.map((p) => [
      `(${p.workload}) ${title(p.workload)}`,
      p.path.toUpperCase(),
      String(p.concurrency),
      `${fmt(p.txPerSecond, 1)}${rate(p) === 'eval/s' ? ' eval/s' : ''}`,
      fmt(p.opsPerSecond, 1),
      fmt(p.latencyMs.p50),
      fmt(p.latencyMs.p95),
      fmt(p.latencyMs.p99),
      String(p.errors),
      p.blocks > 0 && p.txPerSecond > 0 && p.workload !== 'e' ? fmt((p.txPerSecond * p.seconds) / p.blocks, 1) : '–',
      p.machine.loadavg[0].toFixed(2),
    ]),
  );
  const pairs = run.points.filter((p) => p.path === 'rest');
  const sdkOf = (p: Point) =>
    run.points.find((q) => q.path === 'sdk' && q.workload === p.workload && q.concurrency === p.concurrency);
  const ratios = markdownTable(
    ['workload', 'conc.', 'REST tx/s', 'SDK tx/s', 'REST/SDK'],
    pairs.map((p) => [
      `(${p.workload})`,
      String(p.concurrency),
      fmt(p.txPerSecond, 1),
      fmt(sdkOf(p)?.txPerSecond, 1),
      ratio(p.txPerSecond, sdkOf(p)?.txPerSecond),
    ]),
  );
  // Where the time goes: each workload's busiest point on each path.
  const busiest = [...new Set(run.points.map((p) => `${p.workload}/${p.path}`))].flatMap((key) => {
    const best = run.points
      .filter((p) => `${p.workload}/${p.path}` === key)
      .sort((x, y) => y.txPerSecond - x.txPerSecond)[0];
    return best ? [best] : [];
  });
  const cost = (p: Point, kind: string) => p.costs.find((c) => c.kind === kind);
  const cpu = markdownTable(
    ['workload', 'path', 'conc.', ...KINDS.map((k) => `${k} ms`), 'all ms'],
    busiest.map((p) => [
      `(${p.workload})`,
      p.path.toUpperCase(),
      String(p.concurrency),
      ...KINDS.map((k) => fmt(cost(p, k)?.cpuMsPerTx, 1)),
      fmt(
        p.costs.reduce((sum, c) => sum + (Number.isNaN(c.cpuMsPerTx) ? 0 : c.cpuMsPerTx), 0),
        1,
      ),
    ]),
  );
  const last = run.points.at(-1);
  const memory = markdownTable(
    ['kind', 'processes', 'resident MiB (all of the kind)'],
    (last?.costs ?? []).map((c) => [c.kind, String(c.processes), fmt(c.rssMiB)]),
  );
  return [
    `### Throughput and latency (state DB: ${run.stateDb}, ${String(run.seconds)} s per point${run.label ? `, ${run.label}` : ''})`,
    machineLine(run.machine),
    '',
    main,
    '',
    '### REST / SDK throughput',
    machineLine(last?.machine ?? run.machine),
    '',
    ratios,
    '',
    '### CPU per committed transaction (per evaluation for (e)), by kind of process, at each workload’s busiest point',
    machineLine(last?.machine ?? run.machine),
    '',
    cpu,
    '',
    '### Resident memory at the end of the run',
    '',
    memory,
  ].join('\n');
}

/**
 * The state-DB comparison with the latest saved run on the other state DB with the same label
 * (the same configuration otherwise), if there is one.
 */
function stateDbComparison(run: Run): string | undefined {
  const other = run.stateDb === 'couchdb' ? 'leveldb' : 'couchdb';
  const earlier = readdirSync(RESULTS)
    .filter((f) => f.endsWith(`-${other}.json`))
    .sort()
    .reverse()
    // Runs saved before labels existed have none.
    .map((f) => JSON.parse(readFileSync(path.join(RESULTS, f), 'utf8')) as Partial<Run> & Run)
    .find((r) => ((r.label as string | undefined) === undefined ? run.label === '' : r.label === run.label));
  if (!earlier) return undefined;
  const [couch, level] = run.stateDb === 'couchdb' ? [run, earlier] : [earlier, run];
  const rows = couch.points.flatMap((p) => {
    const q = level.points.find(
      (l) => l.workload === p.workload && l.path === p.path && l.concurrency === p.concurrency,
    );
    return q
      ? [
          [
            `(${p.workload})`,
            p.path.toUpperCase(),
            String(p.concurrency),
            fmt(p.txPerSecond, 1),
            fmt(q.txPerSecond, 1),
            ratio(q.txPerSecond, p.txPerSecond),
            `${fmt(p.latencyMs.p50)} / ${fmt(q.latencyMs.p50)}`,
          ],
        ]
      : [];
  });
  if (rows.length === 0) return undefined;
  return [
    `### State DB: CouchDB-API (${couch.startedAt}) vs LevelDB (${level.startedAt})`,
    `CouchDB-API run: ${machineLine(couch.machine)}`,
    `LevelDB run: ${machineLine(level.machine)}`,
    '',
    markdownTable(
      ['workload', 'path', 'conc.', 'CouchDB-API tx/s', 'LevelDB tx/s', 'LevelDB/CouchDB', 'p50 ms C / L'],
      rows,
    ),
  ].join('\n');
}

/** One workload at each concurrency on both paths; a point that fails as a whole is reported and skipped. */
async function sweep(
  workload: (typeof WORKLOADS)[number],
  rest: RestSide,
  sdk: SdkSide,
  concurrencies: number[],
  seconds: number,
): Promise<Point[]> {
  const points: Point[] = [];
  const attempt = async (name: 'rest' | 'sdk', concurrency: number, drive: () => Promise<PointResult>) => {
    try {
      points.push(await measure(workload, name, concurrency, drive));
    } catch (error) {
      console.error(`[bench] (${workload.id}) ${name} c=${String(concurrency)} failed:`, error);
    }
  };
  for (const concurrency of concurrencies) {
    await attempt('rest', concurrency, () => workload.rest(rest, concurrency, seconds));
    await attempt('sdk', concurrency, () => workload.sdk(sdk, concurrency, seconds));
  }
  return points;
}

async function main(): Promise<void> {
  const { seconds, concurrencies, workloads } = options();
  const started = await ensureNetwork();
  const runId = Date.now().toString(36);
  const run: Run = {
    startedAt: new Date().toISOString(),
    label: process.env.BENCH_LABEL ?? '',
    stateDb: stateDbOfNetwork(),
    machine: machine(),
    seconds,
    concurrencies,
    points: [],
  };
  console.log(`[bench] ${machineLine(run.machine)}`);
  try {
    console.log('[bench] setting up users, a policy and a record through the REST gateways and the SDK');
    observer = gatewaySession(orgSpec('hospital-a'), 'admin');
    const rest = await setUpRest(runId);
    const sdk = await setUpSdk(runId, rest);
    try {
      for (const workload of workloads) run.points.push(...(await sweep(workload, rest, sdk, concurrencies, seconds)));
    } finally {
      for (const s of sdk.sessions) s.close();
      observer.close();
    }
  } finally {
    await stopGateways();
    if (started && process.env.BENCH_KEEP_NETWORK !== '1') {
      spawnSync('npx', ['tsx', path.join(paths.root, 'network', 'src', 'cli.ts'), 'down'], {
        stdio: 'inherit',
        cwd: paths.root,
      });
    }
  }
  mkdirSync(RESULTS, { recursive: true });
  const stem = path.join(
    RESULTS,
    `${run.startedAt.replace(/[:.]/g, '-')}${run.label ? `-${run.label}` : ''}-${run.stateDb}`,
  );
  writeFileSync(`${stem}.json`, JSON.stringify(run, null, 2) + '\n');
  const markdown = [tables(run), stateDbComparison(run)].filter(Boolean).join('\n\n') + '\n';
  writeFileSync(`${stem}.md`, markdown);
  console.log(`\n${markdown}`);
  console.log(`[bench] written: ${path.relative(process.cwd(), stem)}.{json,md}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
