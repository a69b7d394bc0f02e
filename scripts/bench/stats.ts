/**
 * The pure parts of the benchmark: percentiles, CPU time from /proc/<pid>/stat lines, and the
 * markdown tables. Nothing here reads a file or the clock, so the unit tests can pin them down.
 */

/** The p-th percentile (0–100) of ascending `sorted` by the nearest-rank method; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0] ?? NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] ?? NaN;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max of latencies in ms (any order). */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

/** CPU ticks a process has used (user + system), from one line of /proc/<pid>/stat. */
export function cpuTicks(statLine: string): number {
  // The command name (field 2) is in parentheses and may hold spaces and ')': fields are counted
  // after its LAST ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after it.
  const close = statLine.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name in parentheses');
  const fields = statLine
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error('not a /proc/<pid>/stat line: utime and stime are not integers');
  return utime + stime;
}

/** Resident memory in KiB from the text of /proc/<pid>/status; 0 when absent (a zombie). */
export function residentKiB(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) : 0;
}

/** A network node's kind from its process name (`hospital-a.peer` → `peer`, a bench gateway → `gateway`). */
export function kindOf(nodeName: string): string {
  return nodeName.slice(nodeName.lastIndexOf('.') + 1);
}

export interface ProcessSample {
  name: string;
  pid: number;
  ticks: number;
  rssKiB: number;
}

export interface KindCost {
  kind: string;
  processes: number;
  /** CPU seconds used by all processes of the kind between the samples. */
  cpuSeconds: number;
  /** CPU milliseconds per committed transaction (NaN when none committed). */
  cpuMsPerTx: number;
  /** Resident memory of all processes of the kind at the second sample, in MiB. */
  rssMiB: number;
}

/**
 * CPU per committed transaction and memory for each kind of process, from samples taken before
 * and after a run. A process present only after (restarted: another PID) counts from zero, one
 * present only before is left out: its CPU since the first sample is lost with it.
 */
export function costByKind(
  before: readonly ProcessSample[],
  after: readonly ProcessSample[],
  committed: number,
  ticksPerSecond: number,
): KindCost[] {
  const kinds = new Map<string, KindCost>();
  for (const sample of after) {
    const earlier = before.find((b) => b.name === sample.name && b.pid === sample.pid);
    const seconds = Math.max(0, sample.ticks - (earlier?.ticks ?? 0)) / ticksPerSecond;
    const kind = kindOf(sample.name);
    const entry = kinds.get(kind) ?? { kind, processes: 0, cpuSeconds: 0, cpuMsPerTx: NaN, rssMiB: 0 };
    entry.processes += 1;
    entry.cpuSeconds += seconds;
    entry.rssMiB += sample.rssKiB / 1024;
    kinds.set(kind, entry);
  }
  return [...kinds.values()]
    .map((k) => ({ ...k, cpuMsPerTx: committed > 0 ? (k.cpuSeconds * 1000) / committed : NaN }))
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
}

/** A figure for a table cell: fixed decimals, '–' for NaN or undefined. */
export function fmt(value: number | undefined, decimals = 0): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(decimals);
}

/** A ratio a/b for a table cell ('–' when b is 0 or either is missing). */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b)) return '–';
  return a / b >= 10 ? (a / b).toFixed(0) : (a / b).toFixed(2);
}

/** A GitHub-flavoured markdown table; a '|' inside a cell is escaped. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  for (const row of rows) {
    if (row.length !== headers.length)
      throw new Error(`a row has ${String(row.length)} cells, the table ${String(headers.length)} columns`);
  }
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  loadavg: [number, number, number];
}

/** The line printed beside every table: the machine and how busy it was. */
export function machineLine(m: MachineInfo): string {
  const [one, five, fifteen] = m.loadavg.map((l) => l.toFixed(2));
  return `machine: ${String(m.cores)} cores (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB RAM, load average ${one ?? ''} / ${five ?? ''} / ${fifteen ?? ''} (1/5/15 min)`;
}
