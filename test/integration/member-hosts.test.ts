/**
 * Each member on its own host (issue 15, part 1), shown on one machine: every node of a member
 * listens on that member's own loopback address and nowhere else, and the orchestrator's steps
 * each act as one member, using its own folder and only what the others published.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readPublished } from '../../network/src/member-definition';
import { status, up } from '../../network/src/network';
import {
  asConsortium,
  ORGS,
  paths,
  port,
  type PortName,
  type PrivateAccess,
  watchPrivateAccess,
} from '../../network/src/topology';
import { SETUP_ACCESSES } from './global-setup';

const quiet = () => undefined;

/** `a.b.c.d` from /proc/net/tcp's little-endian hex form of an IPv4 address. */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** Every listening TCP socket of the machine: its inode, address and port (IPv6 ones as `[hex]`). */
function listeningSockets(): Map<string, { host: string; port: number }> {
  const sockets = new Map<string, { host: string; port: number }>();
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, state, inode] = [cols[1], cols[3], cols[9]];
      if (!local || state !== '0A' || !inode) continue;
      const [hexHost = '', hexPort = ''] = local.split(':');
      sockets.set(inode, { host: v6 ? `[${hexHost}]` : ipv4(hexHost), port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

/** The listening sockets a process holds open (by the socket inodes among its file descriptors). */
function listenersOf(pid: number, sockets: Map<string, { host: string; port: number }>): string[] {
  const fdDir = `/proc/${String(pid)}/fd`;
  const held = readdirSync(fdDir).flatMap((fd) => {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${fdDir}/${fd}`))?.[1];
      const socket = inode === undefined ? undefined : sockets.get(inode);
      return socket ? [`${socket.host}:${String(socket.port)}`] : [];
    } catch {
      return []; // the descriptor closed while we looked
    }
  });
  return [...new Set(held)].sort();
}

// Each node kind and the listeners it has, as the port plan names them.
const LISTENERS: Record<string, PortName[]> = {
  ca: ['ca', 'caOperations'],
  orderer: ['orderer', 'ordererCluster', 'ordererAdmin', 'ordererOperations'],
  peer: ['peer', 'peerChaincode', 'peerOperations'],
  statedb: ['stateDb'],
  chaincode: ['chaincode'],
  gateway: ['gateway'],
};

describe('each member on its own host', () => {
  it("runs every node of a member on that member's own address, on the planned ports and no others", async () => {
    const nodes = await status();
    const sockets = listeningSockets();
    const kinds = new Set<string>();
    for (const org of ORGS) {
      for (const node of nodes.filter((n) => n.name.startsWith(`${org.name}.`))) {
        const kind = node.name.slice(org.name.length + 1);
        const planned = LISTENERS[kind];
        if (!planned) throw new Error(`no listeners planned for ${node.name}`);
        expect(node.pid).toBeDefined();
        kinds.add(kind);
        const expected = planned.map((name) => `${org.host}:${String(port(org, name))}`).sort();
        expect({ node: node.name, listens: listenersOf(node.pid!, sockets) }).toEqual({
          node: node.name,
          listens: expected,
        });
      }
    }
    // Every kind of node was looked at (the state DB only with CouchDB).
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['ca', 'chaincode', 'gateway', 'orderer', 'peer'].sort()));
  });

  it("makes the genesis configuration from the members' published files alone", () => {
    // A consortium step may use no member's private folder: reading what they published suffices.
    const members = asConsortium(() => ORGS.map(readPublished));
    for (const [i, member] of members.entries()) {
      const org = ORGS[i]!;
      expect(member.endpoints).toMatchObject({ mspId: org.mspId, hostname: org.hostname });
      expect(member.msp.startsWith(paths.published(org).base)).toBe(true);
      expect(readFileSync(member.ordererTls, 'utf8')).toBe(
        readFileSync(`${paths.org(org).orderer}/tls/server.crt`, 'utf8'),
      );
    }
  });

  /** Every use of a private folder happened inside a member's step, and it was that member's own. */
  const expectOwnFoldersOnly = (accesses: PrivateAccess[]) => {
    expect(accesses.filter((a) => a.actor === undefined)).toEqual([]);
    expect(accesses.filter((a) => a.actor !== a.owner)).toEqual([]);
    expect([...new Set(accesses.map((a) => a.actor))].sort()).toEqual(ORGS.map((o) => o.name).sort());
  };

  it("founded the consortium (or restarted it) in steps that each used one member's own folder only", () => {
    // Recorded by the global setup's `up`: when the network was new, that run made the
    // identities, the genesis block, the joins, the chaincode approvals and commit, the seeding.
    const setup = JSON.parse(readFileSync(SETUP_ACCESSES, 'utf8')) as { founding: boolean; accesses: PrivateAccess[] };
    expectOwnFoldersOnly(setup.accesses);
  });

  it("brings a running consortium up again in steps that each use one member's own folder only", async () => {
    const stop = watchPrivateAccess();
    let accesses: PrivateAccess[];
    try {
      await up({}, quiet);
    } finally {
      accesses = stop();
    }
    expectOwnFoldersOnly(accesses);
  });
});
