import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  logFile,
  type NodeSpec,
  nodeHealthy,
  portInUse,
  portStaysInUse,
  runningPid,
  StartError,
  startNode,
  stopNode,
} from '../../../network/src/process';
import { paths } from '../../../network/src/topology';

// A stand-in service of a member on its own loopback address: an HTTP server answering
// /healthz, or a process that exits at once.
const HOST = '127.0.1.9';
const SERVER = `require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), process.env.HOST)`;

function serviceSpec(name: string, port: number, script = SERVER): NodeSpec {
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    env: { PORT: String(port), HOST },
    host: HOST,
    ports: [port],
    health: [{ kind: 'http', url: `http://${HOST}:${port}/healthz` }],
    readyTimeoutMs: 10_000,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

describe('process launcher', () => {
  const name = `unit-${process.pid}.service`;

  afterEach(async () => {
    await stopNode(name);
  });

  it('starts a process once, records its PID, and reports it healthy', async () => {
    const spec = serviceSpec(name, await freePort());
    expect(await startNode(spec)).toBe(true);
    const pid = runningPid(name);
    expect(pid).toBeGreaterThan(0);
    expect(await nodeHealthy(spec)).toBe(true);
    expect(await startNode(spec)).toBe(false);
    expect(runningPid(name)).toBe(pid);
  });

  it('stops the process by its PID and frees its port', async () => {
    const port = await freePort();
    await startNode(serviceSpec(name, port));
    expect(await stopNode(name)).toBe(true);
    expect(runningPid(name)).toBeUndefined();
    expect(await portInUse(port, HOST)).toBe(false);
    expect(await stopNode(name)).toBe(false);
  });

  it('starts on a port another address has taken: each member has its own address', async () => {
    const port = await freePort();
    const other = net.createServer().listen(port, '127.0.1.8');
    try {
      await new Promise((resolve) => other.once('listening', resolve));
      expect(await portInUse(port, HOST)).toBe(false);
      expect(await startNode(serviceSpec(name, port))).toBe(true);
    } finally {
      other.close();
    }
  });

  it('waits for a port a just-stopped node is still releasing', async () => {
    const port = await freePort();
    const releasing = net.createServer().listen(port, HOST);
    await new Promise((resolve) => releasing.once('listening', resolve));
    setTimeout(() => releasing.close(), 300);
    expect(await portStaysInUse(port, HOST, 3000)).toBe(false);
    const kept = net.createServer().listen(port, HOST);
    try {
      await new Promise((resolve) => kept.once('listening', resolve));
      const started = Date.now();
      expect(await portStaysInUse(port, HOST, 300)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      kept.close();
    }
  });

  it('refuses to start on a taken port, naming the port and address', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, HOST);
    try {
      await expect(startNode(serviceSpec(name, port))).rejects.toThrow(
        `cannot start ${name}: port ${port} on ${HOST} is already in use`,
      );
      expect(runningPid(name)).toBeUndefined();
    } finally {
      blocker.close();
    }
  }, 15_000);

  it('reports a process that exits during start-up, pointing at its log', async () => {
    const spec = serviceSpec(name, await freePort(), 'console.error("boom"); process.exit(3)');
    const error: unknown = await startNode(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as Error).message).toContain(`${name} exited during start-up; see ${logFile(name)}`);
  });

  it('does not treat an unrelated process with a recorded PID as ours', async () => {
    // A stale PID file naming this test runner (alive, but not the recorded program).
    mkdirSync(paths.pids, { recursive: true });
    writeFileSync(
      path.join(paths.pids, `${name}.pid`),
      JSON.stringify({ pid: process.pid, argv: ['/not/the/program'] }),
    );
    expect(runningPid(name)).toBeUndefined();
    expect(await stopNode(name)).toBe(false);
  });
});
