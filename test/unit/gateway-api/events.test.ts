import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { type HomeOf, KINDS_BY_ROLE, sees, type Viewer } from '../../../gateway-api/src/audience';
import { Cursor, type EventSource, type LedgerEvent, resumePoint, streamEvents } from '../../../gateway-api/src/events';
import type { UserRecord } from '../../../gateway-api/src/store';

const event = (block: number, txId: string, patientId: string, name = 'ClaimStatus'): LedgerEvent => ({
  blockNumber: BigInt(block),
  txId,
  name,
  // A claim hospital M provided care for: M's billing staff need to know of it.
  payload: { patientId, provider: 'M', insurer: 'I', status: `s-${txId}` },
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

  height() {
    return Promise.resolve(8n);
  }

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

const user = (role: 'patient' | 'doctor' | 'billing', patientId?: string): UserRecord => ({
  username: 'u',
  role,
  attrs: patientId ? { 'ehr.role': role, 'ehr.patientId': patientId } : { 'ehr.role': role },
  status: 'active',
  createdAt: '',
  createdBy: '',
  failures: [],
});

/** Serves the stream for one user and collects the SSE ids and names it sends. */
async function collect(source: EventSource, who: UserRecord, lastEventId?: string, mspId = 'M'): Promise<string[]> {
  const app = express();
  app.get('/events', (req, res) => {
    void streamEvents(req, res, { source, identity: { mspId, certPem: '', keyPem: '' }, user: who, retryMs: 5 });
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
  it("delivers a patient only their own events, staff only their own member's of their role's kinds", async () => {
    expect(await collect(new ChainSource(), user('patient', 'PAT-1'))).toEqual(['5-aa01', '6-aa03', '7-aa04']);
    expect(await collect(new ChainSource(), user('billing'))).toEqual(['5-aa01', '5-aa02', '6-aa03', '7-aa04']);
    expect(await collect(new ChainSource(), user('billing'), undefined, 'OtherMSP')).toEqual([]);
    expect(await collect(new ChainSource(), user('doctor'))).toEqual([]);
  });

  it('resumes after Last-Event-ID from its block, without duplicates or loss', async () => {
    const source = new ChainSource();
    expect(await collect(source, user('billing'), '5-aa01')).toEqual(['5-aa02', '6-aa03', '7-aa04']);
    expect(source.opens).toEqual([5n]);
  });

  it('reconnects from the last position when the peer stream breaks, without loss or duplicates', async () => {
    const source = new ChainSource();
    source.breakAfter = 2;
    expect(await collect(source, user('billing'))).toEqual(['5-aa01', '5-aa02', '6-aa03', '7-aa04']);
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

describe('need to know, event kind by event kind', () => {
  // Payloads as the chaincode emits them; PAT-A is hospital A's patient, PAT-B hospital B's.
  const A = 'HospitalAMSP';
  const EVENTS: Record<string, Record<string, unknown>> = {
    ConsentGranted: {
      consentId: 'C1',
      patientId: 'PAT-B',
      grantee: { mspId: A },
      categories: [],
      purpose: 'treatment',
    },
    ConsentRevoked: { consentId: 'C1', patientId: 'PAT-B', grantee: { mspId: A } },
    AppointmentStatus: { appointmentId: 'AP1', patientId: 'PAT-B', practitioner: { mspId: A, practitionerId: 'D1' } },
    LabOrderStatus: {
      orderId: 'O1',
      patientId: 'PAT-B',
      orderingOrg: 'HospitalBMSP',
      lab: 'LabMSP',
      status: 'ordered',
    },
    ResultReady: { orderId: 'O1', patientId: 'PAT-B', orderingOrg: 'HospitalBMSP', lab: 'LabMSP', status: 'completed' },
    RecordAdded: { recordId: 'R1', patientId: 'PAT-A', custodian: 'HospitalBMSP', category: 'diagnosis', version: 1 },
    BreakGlassOpened: {
      breakGlassId: 'BG1',
      patientId: 'PAT-A',
      doctor: { mspId: 'HospitalBMSP', practitionerId: 'D9' },
    },
    ErasureRequested: { requestId: 'E1', patientId: 'PAT-B', required: ['HospitalBMSP', A] },
    ClaimStatus: {
      claimId: 'CL1',
      patientId: 'PAT-B',
      provider: 'HospitalBMSP',
      insurer: 'InsurerMSP',
      status: 'paid',
    },
    BillStatus: { billId: 'B1', patientId: 'PAT-B', provider: A, status: 'issued', total: 1, paid: 0 },
    CareAssignment: { assignmentId: 'CA1', mspId: A, practitionerId: 'D1', patientId: 'PAT-A', status: 'assigned' },
    MemberKind: { mspId: 'LabMSP', kind: 'lab', status: 'proposed', approvals: 1 },
    PatientRecovery: { patientId: 'PAT-B', requestId: 'RCV-1', status: 'requested' },
    SomethingNew: { patientId: 'PAT-B', provider: A },
    constructor: { patientId: 'PAT-B' },
  };
  const homeOf: HomeOf = (patientId) => Promise.resolve(patientId === 'PAT-A' ? A : 'HospitalBMSP');
  const kindsSeenBy = async (viewer: Viewer) => {
    const seen: string[] = [];
    for (const [name, payload] of Object.entries(EVENTS))
      if (await sees(viewer, { name, payload }, homeOf)) seen.push(name);
    return seen;
  };

  it.each([
    [
      'doctor',
      ['ConsentGranted', 'ConsentRevoked', 'AppointmentStatus', 'RecordAdded', 'BreakGlassOpened', 'CareAssignment'],
    ],
    ['billing', ['AppointmentStatus', 'BillStatus']],
    [
      'admin',
      ['AppointmentStatus', 'BreakGlassOpened', 'ErasureRequested', 'CareAssignment', 'MemberKind', 'PatientRecovery'],
    ],
    ['adjuster', []],
    ['labtech', []],
  ] as const)("shows hospital A's %s only the kinds of its work that involve hospital A", async (role, kinds) => {
    expect(await kindsSeenBy({ mspId: A, role })).toEqual(kinds);
  });

  it("shows a lab its orders, an insurer its claims, and another member's staff nothing of A's", async () => {
    expect(await kindsSeenBy({ mspId: 'LabMSP', role: 'labtech' })).toEqual(['LabOrderStatus', 'ResultReady']);
    expect(await kindsSeenBy({ mspId: 'InsurerMSP', role: 'adjuster' })).toEqual(['ClaimStatus']);
    expect(await kindsSeenBy({ mspId: 'HospitalCMSP', role: 'doctor' })).toEqual([]);
    // Every member's admin takes part in deciding a member's kind and a patient's recovery.
    expect(await kindsSeenBy({ mspId: 'HospitalCMSP', role: 'admin' })).toEqual(['MemberKind', 'PatientRecovery']);
  });

  it('shows a patient the events about them and nothing about anyone else', async () => {
    expect(await kindsSeenBy({ mspId: A, role: 'patient', patientId: 'PAT-A' })).toEqual([
      'RecordAdded',
      'BreakGlassOpened',
      'CareAssignment',
    ]);
    expect(await kindsSeenBy({ mspId: A, role: 'patient' })).toEqual([]);
  });

  it("does not show staff an event about their member's patient when the patient's home cannot be told", async () => {
    const unknownHome: HomeOf = () => Promise.resolve(undefined);
    const record = { name: 'RecordAdded', payload: EVENTS.RecordAdded ?? {} };
    expect(await sees({ mspId: A, role: 'doctor' }, record, homeOf)).toBe(true);
    expect(await sees({ mspId: A, role: 'doctor' }, record, unknownHome)).toBe(false);
  });

  it('names, for every staff role, only event kinds the chaincode emits', () => {
    const dir = path.join(__dirname, '../../../chaincode/src');
    const chaincode = readdirSync(dir)
      .filter((file) => file.endsWith('-contract.ts'))
      .map((file) => readFileSync(path.join(dir, file), 'utf8'))
      .join('\n');
    const kinds = [...new Set(Object.values(KINDS_BY_ROLE).flat())];
    expect(kinds.filter((kind) => !chaincode.includes(`'${kind}'`))).toEqual([]);
  });
});
