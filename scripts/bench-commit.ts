/**
 * Benchmark: latency from submit to commit of a single-key write (probe.Record), sequential,
 * through a member's own peer; and the resident memory of every network process.
 *
 *   npx tsx scripts/bench-commit.ts [count=50] [org=hospital-a]
 *
 * Needs a running network (`npm start`). Prints figures; asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { recordedNodes, runningPid } from '../network/src/process';
import { session } from '../network/src/gateway';
import { demoUsers, ORGS } from '../network/src/topology';

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
  const contract = s.contract('probe');
  const latencies: number[] = [];
  const runId = Date.now().toString(36);
  try {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await contract.submitTransaction('Record', `bench-${runId}-${i}`);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    s.close();
  }
  latencies.sort((a, b) => a - b);
  console.log(`submit-to-commit latency over ${count} sequential single-key writes via ${orgName}:`);
  console.log(
    `  p50 ${percentile(latencies, 50).toFixed(0)} ms  p95 ${percentile(latencies, 95).toFixed(0)} ms  max ${latencies.at(-1)?.toFixed(0)} ms`,
  );
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
