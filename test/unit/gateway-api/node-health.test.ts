import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { heightFromMetrics, type HealthTargets, memberHealth, tcpReachable } from '../../../gateway-api/src/health';
import { Harness } from './harness';

/** A node's operations endpoint (or a CouchDB API) on a free port, answering by path. */
async function serve(answers: Record<string, { status: number; body: string }>): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = answers[req.url ?? ''];
    if (answer?.status === 0) return; // hangs: never answers
    res.writeHead(answer?.status ?? 404, { 'content-type': 'text/plain' }).end(answer?.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const url = (server: Server) => `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
const address = (server: Server | TcpServer) => `127.0.0.1:${String((server.address() as AddressInfo).port)}`;

const METRICS = [
  '# HELP ledger_blockchain_height Height of the chain in blocks.',
  '# TYPE ledger_blockchain_height gauge',
  'ledger_blockchain_height{channel="other"} 3',
  'ledger_blockchain_height{channel="ehr"} 42',
].join('\n');

const healthy = { status: 200, body: '{"status":"OK"}' };

/** A port nothing listens on (one just closed). */
async function closedPort(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const free = address(server);
  await new Promise((resolve) => server.close(resolve));
  return free;
}

describe("the member's node health", () => {
  const servers: (Server | TcpServer)[] = [];
  let chaincode: TcpServer;

  beforeAll(async () => {
    chaincode = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => chaincode.listen(0, '127.0.0.1', resolve));
    servers.push(chaincode);
  });

  afterAll(async () => {
    for (const server of servers) {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const started = async (answers: Record<string, { status: number; body: string }>) => {
    const server = await serve(answers);
    servers.push(server);
    return server;
  };

  const ledger = { peerHeight: () => Promise.resolve(41n), chaincodeAnswers: () => Promise.resolve({ pong: true }) };

  it('reports every node up with the peer and orderer heights when each answers', async () => {
    const [peerOps, ordererOps, caOps, couch] = await Promise.all([
      started({ '/healthz': healthy }),
      started({ '/healthz': healthy, '/metrics': { status: 200, body: METRICS } }),
      started({ '/healthz': healthy }),
      started({ '/_up': { status: 200, body: '{"status":"ok"}' } }),
    ]);
    const targets: HealthTargets = {
      channel: 'ehr',
      peer: { endpoint: '127.0.0.1:7051', operations: url(peerOps) },
      orderer: { endpoint: '127.0.0.1:7050', operations: url(ordererOps) },
      ca: { url: 'https://127.0.0.1:7054', operations: url(caOps) },
      // Credentials in the URL are never shown.
      stateDb: { type: 'couchdb', url: url(couch).replace('http://', 'http://admin:secret@') },
      chaincode: { address: address(chaincode) },
    };
    const health = await memberHealth(targets, ledger, 1000, () => new Date('2026-05-01T10:00:00Z'))();
    expect(health).toEqual({
      checkedAt: '2026-05-01T10:00:00.000Z',
      status: 'up',
      nodes: [
        { node: 'peer', endpoint: '127.0.0.1:7051', status: 'up', detail: 'healthy', blockHeight: 41 },
        { node: 'orderer', endpoint: '127.0.0.1:7050', status: 'up', detail: 'healthy', blockHeight: 42 },
        { node: 'ca', endpoint: 'https://127.0.0.1:7054', status: 'up', detail: 'healthy' },
        { node: 'stateDb', endpoint: url(couch), status: 'up', detail: 'CouchDB API answers' },
        { node: 'chaincode', endpoint: address(chaincode), status: 'up', detail: 'answers through the peer' },
      ],
    });
    expect(JSON.stringify(health)).not.toContain('secret');
  });

  it('says which node is down and why: a failed Fabric check, no answer in time, a closed port, a chaincode that does not answer', async () => {
    const [peerOps, ordererOps] = await Promise.all([
      started({
        '/healthz': {
          status: 503,
          body: '{"status":"Service Unavailable","failed_checks":[{"component":"couchdb","reason":"x"}]}',
        },
      }),
      // The orderer hangs: the check ends at its deadline.
      started({ '/healthz': { status: 0, body: '' }, '/metrics': { status: 0, body: '' } }),
    ]);
    const targets: HealthTargets = {
      channel: 'ehr',
      peer: { endpoint: '127.0.0.1:7051', operations: url(peerOps) },
      orderer: { endpoint: '127.0.0.1:7050', operations: url(ordererOps) },
      ca: { url: 'https://127.0.0.1:7054', operations: `http://${await closedPort()}` },
      stateDb: { type: 'leveldb' },
      chaincode: { address: await closedPort() },
    };
    const silent = { peerHeight: () => Promise.resolve(9n), chaincodeAnswers: () => Promise.reject(new Error('x')) };
    const began = Date.now();
    const health = await memberHealth(targets, silent, 300)();
    expect(Date.now() - began).toBeLessThan(2000);
    expect(health.status).toBe('degraded');
    const byNode = Object.fromEntries(health.nodes.map((n) => [n.node, n]));
    expect(byNode.peer).toMatchObject({ status: 'down', detail: 'failed checks: couchdb', blockHeight: 9 });
    expect(byNode.orderer).toEqual({
      node: 'orderer',
      endpoint: '127.0.0.1:7050',
      status: 'down',
      detail: 'no answer in time',
    });
    expect(byNode.ca).toMatchObject({ status: 'down', detail: 'unreachable' });
    expect(byNode.stateDb).toMatchObject({ status: 'up', detail: 'LevelDB, inside the peer process' });
    expect(byNode.chaincode).toMatchObject({ status: 'down', detail: 'server unreachable' });
  });

  it('counts a peer that does not answer as down, and nodes network.json does not name as not configured', async () => {
    const targets: HealthTargets = { channel: 'ehr', peer: { endpoint: '127.0.0.1:7051' }, ca: { url: 'https://ca' } };
    const down = {
      peerHeight: () => Promise.reject(new Error('14 UNAVAILABLE')),
      chaincodeAnswers: () => Promise.resolve(),
    };
    const health = await memberHealth(targets, down, 300)();
    expect(health.status).toBe('degraded');
    expect(health.nodes.map((n) => [n.node, n.status, n.detail])).toEqual([
      ['peer', 'down', 'unreachable'],
      ['orderer', 'not-configured', 'no orderer in network.json'],
      ['ca', 'not-configured', 'no operations endpoint known'],
      ['stateDb', 'not-configured', 'no state DB in network.json'],
      ['chaincode', 'up', 'answers through the peer'],
    ]);
  });

  it("reads the channel's height from Prometheus metrics, and nothing from a malformed address", async () => {
    expect(heightFromMetrics(METRICS, 'ehr')).toBe(42);
    expect(heightFromMetrics(METRICS, 'absent')).toBeUndefined();
    expect(heightFromMetrics('ledger_blockchain_height{channel="ehr"} 1.2e+06', 'ehr')).toBe(1_200_000);
    expect(await tcpReachable('no-port', 100)).toEqual({ ok: false, detail: 'invalid address' });
  });
});

describe('GET /v1/org/health', () => {
  const report = {
    checkedAt: '2026-05-01T10:00:00.000Z',
    status: 'up' as const,
    nodes: [
      { node: 'peer' as const, endpoint: '127.0.0.1:7051', status: 'up' as const, detail: 'healthy', blockHeight: 7 },
    ],
  };

  it("answers the member's admin with the check", async () => {
    const h = new Harness({ health: () => Promise.resolve(report) });
    const res = await h
      .as(await h.adminToken())
      .get('/v1/org/health')
      .expect(200);
    expect(res.body).toEqual(report);
  });

  it('refuses everyone but the admin', async () => {
    let checked = 0;
    const h = new Harness({
      health: () => {
        checked += 1;
        return Promise.resolve(report);
      },
    });
    const doctor = await h.user(await h.adminToken(), 'dora', 'doctor');
    const res = await h.as(doctor).get('/v1/org/health').expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(checked).toBe(0);
  });

  it('answers 503 UNAVAILABLE from a gateway started without node probes', async () => {
    const h = new Harness();
    const res = await h
      .as(await h.adminToken())
      .get('/v1/org/health')
      .expect(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
  });
});
