/**
 * Starting, watching and stopping the network's processes. Every process has a name, a log
 * file and a PID file; it is stopped by that PID only, after checking that the PID still
 * belongs to the program we started (PIDs are reused).
 */
import { spawn, execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { paths } from './topology';

const execFileAsync = promisify(execFile);

export type HealthCheck =
  /** The URL answers 2xx. */
  | { kind: 'http'; url: string }
  /** The port accepts a TCP connection. */
  | { kind: 'tcp'; host: string; port: number }
  /**
   * The port completes a TLS handshake with a certificate from the given CA. A gRPC server
   * handshakes only once it serves: a Fabric node's operations endpoint answers /healthz
   * before its gRPC listener exists, so /healthz alone does not mean clients can connect.
   */
  | { kind: 'tls'; host: string; port: number; caFile: string; servername: string };

export interface NodeSpec {
  /** Unique process name, e.g. `hospital-a.peer`; names the log and PID files. */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** The address the process listens on: its member's. */
  host: string;
  /** Ports the process listens on (at `host`); each must be free before it starts. */
  ports: number[];
  /** Checks that must all pass for the process to count as ready. */
  health: HealthCheck[];
  /** How long to wait for the health check after starting. */
  readyTimeoutMs?: number;
}

export function logFile(name: string): string {
  return path.join(paths.logs, `${name}.log`);
}

function pidFile(name: string): string {
  return path.join(paths.pids, `${name}.pid`);
}

interface PidRecord {
  pid: number;
  /** The start of the process's argv, to tell our process from a later one with the same PID. */
  argv: string[];
}

function readPidRecord(name: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(name), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** True when the PID is alive and its argv starts as recorded. */
function alive(record: PidRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return record.argv.every((arg, i) => cmdline[i] === arg);
  } catch {
    return false;
  }
}

/** The PID of the named process when it is running, else undefined. */
export function runningPid(name: string): number | undefined {
  const record = readPidRecord(name);
  return record && alive(record) ? record.pid : undefined;
}

/** Raised when a process cannot start; names the process and its log. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/** Resolves true when something already listens on the port at the address. */
export function portInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => {
      resolve(true);
    });
    server.once('listening', () => {
      server.close(() => {
        resolve(false);
      });
    });
    server.listen(port, host);
  });
}

/** How long a port may take to be released by a node that was just stopped. */
const PORT_RELEASE_MS = 5000;

/**
 * Whether the port stays in use for PORT_RELEASE_MS. A stopped node's process can look gone
 * (its /proc entry has no command line once its memory is released) a moment before the kernel
 * closes its sockets: `down` then `up` found a CA's port still bound.
 */
export async function portStaysInUse(port: number, host: string, releaseMs = PORT_RELEASE_MS): Promise<boolean> {
  const deadline = Date.now() + releaseMs;
  while (await portInUse(port, host)) {
    if (Date.now() >= deadline) return true;
    await delay(100);
  }
  return false;
}

const PROBE_TIMEOUT_MS = 2000;

/** Whether the socket reaches `event` (and then `ok()`) before an error or the probe timeout. */
function reaches(socket: net.Socket, event: 'connect' | 'secureConnect', ok: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once(event, () => {
      done(ok());
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

async function passes(check: HealthCheck): Promise<boolean> {
  switch (check.kind) {
    case 'http':
      try {
        const res = await fetch(check.url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        return res.ok;
      } catch {
        return false;
      }
    case 'tcp':
      return reaches(
        net.connect({ host: check.host, port: check.port, timeout: PROBE_TIMEOUT_MS }),
        'connect',
        () => true,
      );
    case 'tls': {
      const socket = tls.connect({
        host: check.host,
        port: check.port,
        ca: readFileSync(check.caFile),
        // Node certificates name their member's host name and address; gRPC negotiates HTTP/2.
        servername: check.servername,
        ALPNProtocols: ['h2'],
        timeout: PROBE_TIMEOUT_MS,
      });
      return reaches(socket, 'secureConnect', () => socket.authorized);
    }
  }
}

async function healthy(checks: HealthCheck[]): Promise<boolean> {
  const results = await Promise.all(checks.map(passes));
  return results.every(Boolean);
}

/**
 * Polls `probe` until it answers true; a string answer says why it is not ready yet, and the
 * last one is named when the wait times out (StartError).
 */
export async function waitUntil(
  probe: () => Promise<boolean | string>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = '';
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    const answer = await probe();
    if (answer === true) return;
    if (typeof answer === 'string') reason = answer;
    if (Date.now() > deadline) {
      throw new StartError(`${what} did not become ready within ${timeoutMs / 1000} s${reason ? ` (${reason})` : ''}`);
    }
    await delay(wait);
  }
}

/**
 * Starts a process unless it already runs. Returns false when it was running already.
 * Throws StartError when a port is taken or the process does not become healthy.
 */
export async function startNode(spec: NodeSpec): Promise<boolean> {
  if (runningPid(spec.name) !== undefined) return false;
  for (const port of spec.ports) {
    if (await portStaysInUse(port, spec.host)) {
      throw new StartError(`cannot start ${spec.name}: port ${port} on ${spec.host} is already in use`);
    }
  }
  if (!existsSync(spec.command)) throw new StartError(`cannot start ${spec.name}: ${spec.command} does not exist`);
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.pids, { recursive: true });
  const log = openSync(logFile(spec.name), 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? paths.root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  if (child.pid === undefined) throw new StartError(`cannot start ${spec.name}: spawn failed`);
  const record: PidRecord = { pid: child.pid, argv: [spec.command, ...spec.args.slice(0, 3)] };
  writeFileSync(pidFile(spec.name), JSON.stringify(record) + '\n');
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    await waitUntil(
      async () => {
        if (exited) throw new StartError(`${spec.name} exited during start-up`);
        return healthy(spec.health);
      },
      spec.readyTimeoutMs ?? 60_000,
      spec.name,
    );
  } catch (error) {
    await stopNode(spec.name);
    if (error instanceof StartError) error.message += `; see ${logFile(spec.name)}`;
    throw error;
  }
  return true;
}

/** Stops the named process by its recorded PID: SIGTERM, then SIGKILL after a grace period. */
export async function stopNode(name: string, graceMs = 15_000): Promise<boolean> {
  const record = readPidRecord(name);
  rmSync(pidFile(name), { force: true });
  if (!record || !alive(record)) return false;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(record) && Date.now() < deadline) await delay(100);
  if (alive(record)) process.kill(record.pid, 'SIGKILL');
  while (alive(record)) await delay(50);
  return true;
}

/** Names of all processes with a PID file. */
export function recordedNodes(): string[] {
  if (!existsSync(paths.pids)) return [];
  return readdirSync(paths.pids)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -'.pid'.length));
}

/** True when the process is running and its health check passes. */
export async function nodeHealthy(spec: NodeSpec): Promise<boolean> {
  return runningPid(spec.name) !== undefined && (await healthy(spec.health));
}

/** Runs a command to completion; rejects with its output on failure. Secrets go in `env`. */
export async function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd ?? paths.root,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    const output = (failure.stderr ?? '') + (failure.stdout ?? '');
    throw new Error(`${path.basename(command)} ${args[0] ?? ''} failed: ${output.trim() || failure.message}`);
  }
}
