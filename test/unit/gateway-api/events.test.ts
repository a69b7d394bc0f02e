import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Cursor, type EventSource, type LedgerEvent, resumePoint, streamEvents } from '../../../gateway-api/src/events';
import type { UserRecord } from '../../../gateway-api/src/store';

const event = (block: number, txId: string, patientId: string, name = 'ClaimStatus'): LedgerEvent => ({
  blockNumber: BigInt(block),
  txId,
  name,
  payload: { patientId, status: `s-${txId}` },
});

const CHAIN = [
  event(5, 'aa01', 'PAT-1'),
  event(5, 'aa02', 'PAT-2'),
  event(6, 'aa03', 'PAT-1'),
  event(7, 'aa04', 'PAT-1'),
];

/** A stand-in of the peer's event stream: replays CHAIN from a block; can break once. */
class ChainSource implements EventSource {
  readonly opens: (bigint | undefined)[] = [];
  breakAfter: number | undefined;

  open(_identity: unknown, startBlock: bigint | undefined) {
    this.opens.push(startBlock);
    const breakAfter = this.breakAfter;
    this.breakAfter = undefined;
    async function* events() {
      let sent = 0;
      for (const e of CHAIN.filter((c) => startBlock === undefined || c.blockNumber >= startBlock)) {
        if (breakAfter !== undefined && sent === breakAfter) throw new Error('14 UNAVAILABLE: peer went away');
        sent++;
        yield await Promise.resolve(e);
      }
    }
    return Promise.resolve({ events: events(), close: () => undefined });
  }
}

const user = (role: 'patient' | 'doctor', patientId?: string): UserRecord => ({
  username: 'u',
  role,
  attrs: patientId ? { 'ehr.role': role, 'ehr.patientId': patientId } : { 'ehr.role': role },
  status: 'active',
  createdAt: '',
  createdBy: '',
  failures: [],
});

/** Serves the stream for one user and collects the SSE ids and names it sends. */
async function collect(source: EventSource, who: UserRecord, lastEventId?: string): Promise<string[]> {
  const app = express();
  app.get('/events', (req, res) => {
    void streamEvents(req, res, { source, identity: { mspId: 'M', certPem: '', keyPem: '' }, user: who, retryMs: 5 });
  });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/events`, {
      headers: lastEventId ? { 'last-event-id': lastEventId } : {},
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    return [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
  } finally {
    server.close();
  }
}

describe('ledger events as Server-Sent Events', () => {
  it('delivers a patient only their own events, staff all of them', async () => {
    expect(await collect(new ChainSource(), user('patient', 'PAT-1'))).toEqual(['5-aa01', '6-aa03', '7-aa04']);
    expect(await collect(new ChainSource(), user('doctor'))).toEqual(['5-aa01', '5-aa02', '6-aa03', '7-aa04']);
  });

  it('resumes after Last-Event-ID from its block, without duplicates or loss', async () => {
    const source = new ChainSource();
    expect(await collect(source, user('doctor'), '5-aa01')).toEqual(['5-aa02', '6-aa03', '7-aa04']);
    expect(source.opens).toEqual([5n]);
  });

  it('reconnects from the last position when the peer stream breaks, without loss or duplicates', async () => {
    const source = new ChainSource();
    source.breakAfter = 2;
    expect(await collect(source, user('doctor'))).toEqual(['5-aa01', '5-aa02', '6-aa03', '7-aa04']);
    expect(source.opens).toEqual([undefined, 5n]);
  });

  it('parses only well-formed resume points', () => {
    expect(resumePoint('12-abc0')).toEqual({ block: 12n, txId: 'abc0' });
    expect(resumePoint('x-1')).toBeUndefined();
    expect(resumePoint(undefined)).toBeUndefined();
  });

  it('skips events up to the position within its block only', () => {
    const cursor = new Cursor({ block: 5n, txId: 'aa02' });
    cursor.restart();
    expect(CHAIN.map((e) => cursor.advance(e))).toEqual([false, false, true, true]);
  });
});
