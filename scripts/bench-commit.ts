/**
 * Benchmark: latency from submit to commit of a single-key write (probe.Record), sequential,
 * through a member's own peer: committed on that peer (what the member's users wait for), and
 * committed on every member's peer (what the orchestrator's sessions wait for); and the
 * resident memory of every network process.
 *
 *   npx tsx scripts/bench-commit.ts [count=50] [org=hospital-a]
 *
 * Needs a running network (`npm start`). Prints figures; asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { recordedNodes, runningPid } from '../network/src/process';
import { session } from '../network/src/gateway';
import { CHAINCODE, demoUsers, ORGS } from '../network/src/topology';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function residentKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50);
  const orgName = process.argv[3] ?? 'hospital-a';
  const org = ORGS.find((o) => o.name === orgName);
  const writer = org && demoUsers(org).find((u) => u.role !== 'admin');
  if (!org || !writer) throw new Error(`unknown member ${orgName}`);
  const s = session(org, writer.name);
  const ownPeer = s.network.getContract(CHAINCODE, 'probe');
  const everyPeer = s.contract('probe');
  const runId = Date.now().toString(36);
  const measure = async (write: (id: string) => Promise<unknown>, tag: string) => {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await write(`bench-${runId}-${tag}-${i}`);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    const ms = (p: number) => percentile(latencies, p).toFixed(0);
    return `p50 ${ms(50)} ms  p95 ${ms(95)} ms  max ${latencies.at(-1)?.toFixed(0) ?? '-'} ms`;
  };
  try {
    console.log(`submit-to-commit latency over ${count} sequential single-key writes via ${orgName}:`);
    console.log(
      `  committed on its own peer:      ${await measure((id) => ownPeer.submitTransaction('Record', id), 'own')}`,
    );
    console.log(
      `  committed on every member peer: ${await measure((id) => everyPeer.submitTransaction('Record', id), 'all')}`,
    );
  } finally {
    s.close();
  }
  let totalKiB = 0;
  for (const name of recordedNodes().sort()) {
    const pid = runningPid(name);
    if (pid === undefined) continue;
    const kib = residentKiB(pid);
    totalKiB += kib;
    console.log(`  ${name.padEnd(24)} ${(kib / 1024).toFixed(0).padStart(5)} MiB`);
  }
  console.log(`resident memory of all network processes: ${(totalKiB / 1024).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
