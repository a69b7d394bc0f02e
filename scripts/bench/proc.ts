/** What the bench reads from the machine: its size and load, and the network's processes. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { recordedNodes, runningPid } from '../../network/src/process';
import { cpuTicks, type MachineInfo, type ProcessSample, residentKiB } from './stats';

export function machine(): MachineInfo {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 1024 ** 3,
    loadavg: [one, five, fifteen],
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux unless told otherwise). */
export function ticksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

function sample(name: string, pid: number): ProcessSample | undefined {
  try {
    const ticks = cpuTicks(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
    const rssKiB = residentKiB(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return { name, pid, ticks, rssKiB };
  } catch {
    return undefined; // Gone between the PID file and /proc.
  }
}

/**
 * CPU time and memory of every process the network's PID files name (the bench's own gateways
 * included, they are recorded there too), and of this bench process as `bench.client`.
 */
export function sampleNetwork(): ProcessSample[] {
  const samples = recordedNodes().flatMap((name) => {
    const pid = runningPid(name);
    const s = pid === undefined ? undefined : sample(name, pid);
    return s ? [s] : [];
  });
  const self = sample('bench.client', process.pid);
  return self ? [...samples, self] : samples;
}
