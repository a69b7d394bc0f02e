/**
 * Patient-controlled records on the real network (issue 3): consent-gated audited reads across
 * members, PHI confined to the custodian, MAJORITY endorsement of public objects, roles from
 * certificates, break-glass, erasure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import type { Session, SessionContract } from '../../network/src/gateway';
import { ORGS, paths } from '../../network/src/topology';
import { as, createRecord, failure, json } from './helpers/calls';
import { approveErasure } from './helpers/erasure';
import { freshDoctor, freshPatient, height, network, salted, session, stateDb, text } from './helpers/network';

const runId = Date.now().toString(36);
const marker = `PHI-MARKER-${runId}`;
const HA = 'HospitalAMSP';
const HB = 'HospitalBMSP';

const readBody = (reader: Session, custodian: string, recordId: string, ticketId: string) =>
  reader
    .contract('access')
    .evaluate('ReadBody', { arguments: [recordId, ticketId], endorsingOrganizations: [custodian] });

async function requestAccess(
  reader: SessionContract,
  recordId: string,
): Promise<{ ticketId: string; basis: string; flagged: boolean }> {
  return json(reader.submitTransaction('RequestAccess', recordId, 'treatment'));
}

describe('patient-controlled records', () => {
  const sessions: Session[] = [];
  const open = (s: Session) => {
    sessions.push(s);
    return s;
  };
  let doctorA: Session;
  let doctorB: Session;
  let doctorBviaA: Session;
  // A patient of hospital A of this run's own: consents and break-glass windows from earlier
  // runs or other suites must not decide what these tests see.
  let PATIENT_A: string;
  let patientA: Session;
  let recordId: string;

  beforeAll(async () => {
    doctorA = open(as('hospital-a', 'doctor1'));
    doctorB = open(as('hospital-b', 'doctor1'));
    doctorBviaA = open(as('hospital-b', 'doctor1', 'hospital-a'));
    const patient = await freshPatient('hospital-a', 'REC');
    PATIENT_A = patient.patientId;
    patientA = open(session('hospital-a', patient));
    recordId = await createRecord(doctorA, HA, PATIENT_A, { diagnosis: `J45.20 ${marker}`, notes: 'asthma review' });
  });

  afterAll(() => {
    for (const s of sessions) s.close();
  });

  it("lets a hospital B doctor read hospital A's record only after consent and RequestAccess, through A's peer", async () => {
    expect(await failure(requestAccess(doctorB.contract('access'), recordId))).toBe('CONSENT_REQUIRED');
    const validUntil = new Date(Date.now() + 3_600_000).toISOString();
    const grant = { grantee: { mspId: HB }, categories: ['diagnosis'], purpose: 'treatment', validUntil };
    const consent = await json<{ consentId: string }>(
      patientA.contract('consent').submitTransaction('Grant', JSON.stringify(grant)),
    );
    expect(await failure(readBody(doctorBviaA, HA, recordId, 'no-ticket'))).toBe('TICKET_REQUIRED');
    const ticket = await requestAccess(doctorB.contract('access'), recordId);
    expect(ticket.basis).toBe('consent');
    expect(text(await readBody(doctorBviaA, HA, recordId, ticket.ticketId))).toContain(marker);
    expect(await failure(readBody(doctorB, HB, recordId, ticket.ticketId))).toBe('WRONG_PEER');

    await patientA.contract('consent').submitTransaction('Revoke', consent.consentId);
    expect(await failure(readBody(doctorBviaA, HA, recordId, ticket.ticketId))).toBe('CONSENT_REQUIRED');
    expect(await failure(requestAccess(doctorB.contract('access'), recordId))).toBe('CONSENT_REQUIRED');
  });

  it('denies the next access once a consent has expired', async () => {
    const validUntil = new Date(Date.now() + 15_000).toISOString();
    const grant = { grantee: { mspId: HB }, categories: ['diagnosis'], purpose: 'second-opinion', validUntil };
    await patientA.contract('consent').submitTransaction('Grant', JSON.stringify(grant));
    await json(doctorB.contract('access').submitTransaction('RequestAccess', recordId, 'second-opinion'));
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    expect(
      await failure(doctorB.contract('access').submitTransaction('RequestAccess', recordId, 'second-opinion')),
    ).toBe('CONSENT_EXPIRED');
  });

  it('invalidates a consent endorsed by one member only, and it changes nothing', async () => {
    const before = await json<{ items: unknown[] }>(
      patientA.contract('consent').evaluateTransaction('ListMine', '100', ''),
    );
    const grant = {
      grantee: { mspId: 'LabMSP' },
      categories: ['lab-result'],
      purpose: 'treatment',
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    };
    const error: unknown = await patientA
      .contract('consent')
      .submit('Grant', { arguments: [JSON.stringify(grant)], endorsingOrganizations: [HA] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitError);
    expect((error as CommitError).code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    expect(
      await json<{ items: unknown[] }>(patientA.contract('consent').evaluateTransaction('ListMine', '100', '')),
    ).toEqual(before);
  });

  it('takes identities from certificates: forged arguments change nothing, a lab technician writes no record', async () => {
    const grant = {
      patientId: 'PAT-HB-0001',
      grantee: { mspId: HB },
      categories: ['note'],
      purpose: 'research',
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    };
    const granted = await json<{ patientId: string }>(
      patientA.contract('consent').submitTransaction('Grant', JSON.stringify(grant)),
    );
    expect(granted.patientId).toBe(PATIENT_A);
    const lab = open(as('lab', 'labtech1'));
    const attempt = lab.contract('records').submit('CreateBody', {
      arguments: [PATIENT_A, 'diagnosis'],
      transientData: salted({ body: JSON.stringify({ notes: 'x' }) }),
      endorsingOrganizations: ['LabMSP'],
    });
    expect(await failure(attempt)).toBe('FORBIDDEN');
  });

  it('flags a break-glass read and tells the patient by an event', async () => {
    // A doctor of this run: break-glass windows are limited per doctor and day.
    const emergency = await freshDoctor('hospital-b', 'BG');
    const emergencyDoctor = open(session('hospital-b', emergency));
    const emergencyViaA = open(session('hospital-b', emergency, 'hospital-a'));
    const checkpoint = await patientA.network.getChaincodeEvents(network().chaincode);
    try {
      const opened = await json<{ breakGlassId: string }>(
        emergencyDoctor.contract('breakglass').submitTransaction('Open', PATIENT_A, 'unconscious', '30'),
      );
      const ticket = await requestAccess(emergencyDoctor.contract('access'), recordId);
      expect(ticket).toMatchObject({ basis: 'break-glass', flagged: true });
      expect(text(await readBody(emergencyViaA, HA, recordId, ticket.ticketId))).toContain(marker);
      for await (const event of checkpoint) {
        if (event.eventName !== 'BreakGlassOpened') continue;
        const payload = JSON.parse(text(event.payload)) as { breakGlassId: string; patientId: string };
        if (payload.breakGlassId !== opened.breakGlassId) continue;
        expect(payload.patientId).toBe(PATIENT_A);
        break;
      }
    } finally {
      checkpoint.close();
    }
  });

  it('keeps the marker out of every block, every other member’s state DB and all channel state', async () => {
    const admin = open(as('hospital-a', 'admin'));
    const directory = admin.contract('directory');
    const patientId = `PAT-HA-${runId}`;
    const stored = await json<{ demographicsHash: string }>(
      directory.submit('StoreDemographics', {
        arguments: [patientId],
        transientData: salted({
          demographics: JSON.stringify({ name: `Marker ${marker}`, dateOfBirth: '1970-05-05' }),
        }),
        endorsingOrganizations: [HA],
      }),
    );
    await directory.submitTransaction('RegisterPatient', patientId, stored.demographicsHash);

    expect(await ledgerHolds(admin, 'blocks', marker)).toBe(false);
    expect(await ledgerHolds(admin, 'private data', marker)).toBe(true);
    // The block files on disk of every peer and orderer: the ids are there (in one of each node's
    // files: a long-lived ledger has rolled over to a new file), the PHI is in none.
    const files = blockFiles();
    expect(files.length).toBeGreaterThanOrEqual(2 * network().orgs.length);
    const idIn = new Map<string, boolean>();
    for (const file of files) {
      const bytes = readFileSync(file);
      expect({ file, phi: bytes.includes(marker) }).toEqual({ file, phi: false });
      const node = path.dirname(file);
      idIn.set(node, (idIn.get(node) ?? false) || bytes.includes(patientId));
    }
    expect([...idIn].filter(([, found]) => !found)).toEqual([]);

    if (network().stateDb !== 'couchdb') return;
    let heldByCustodian = false;
    for (const member of network().orgs) {
      const couch = stateDb(member.name);
      for (const db of await couch.db.list()) {
        const docs = await couch.use(db).list({ include_docs: true, attachments: true } as never);
        const holds = JSON.stringify(docs).includes(marker);
        // Only hospital A's private database of the ehr chaincode may hold it.
        if (member.mspId === HA && db.startsWith('ehr_ehr$$p')) heldByCustodian ||= holds;
        else expect({ member: member.name, db, holds }).toEqual({ member: member.name, db, holds: false });
      }
    }
    expect(heldByCustodian).toBe(true);
  });

  it("after erasure the body is gone from the custodian's store and the hash check reports it", async () => {
    const erasedMarker = `${marker}-erased`;
    const erased = await freshPatient('hospital-b', 'ERA', { name: erasedMarker, dateOfBirth: '1990-01-01' });
    const patientId = erased.patientId;
    const adminB = open(as('hospital-b', 'admin'));
    const erasedRecord = await createRecord(doctorB, HB, patientId, { diagnosis: erasedMarker });

    const patient = open(session('hospital-b', erased));
    // Before erasure the custodian's peer serves the body with its block; the check can fail.
    expect(await ledgerHolds(adminB, 'private data', erasedMarker)).toBe(true);
    const request = await json<{ requestId: string }>(patient.contract('erasure').submitTransaction('Request'));
    await approveErasure(adminB.contract('erasure'), HB, patientId, request.requestId, {
      endorsingOrganizations: [HB, HA, 'LabMSP'],
    });

    // PurgePrivateData: gone from the private data store of the peer that held it, and its
    // hash gone on every member's peer.
    expect(await ledgerHolds(adminB, 'private data', erasedMarker)).toBe(false);
    for (const member of network().orgs) {
      const reader = open(as('hospital-b', 'doctor1', member.name));
      const onPeer = await json<{ status: string }>(
        reader.contract('records').evaluateTransaction('Verify', erasedRecord),
      );
      expect({ peer: member.name, status: onPeer.status }).toEqual({ peer: member.name, status: 'purged' });
    }
    const verify = await json<{ status: string }>(
      doctorB.contract('records').evaluateTransaction('Verify', erasedRecord),
    );
    expect(verify.status).toBe('purged');
    expect(await failure(requestAccess(patient.contract('access'), erasedRecord))).toBe('PURGED');
    if (network().stateDb === 'couchdb') {
      const couch = stateDb('hospital-b');
      for (const db of (await couch.db.list()).filter((d) => d.includes('$$p'))) {
        const docs = await couch.use(db).list({ include_docs: true, attachments: true } as never);
        expect(JSON.stringify(docs)).not.toContain(erasedMarker);
      }
    }
  });
});

/**
 * Whether the text appears in any block the session's peer delivers from the genesis block to
 * the current height: blocks alone, or blocks with the private data the peer holds for them
 * (what it serves to members of the collections).
 */
async function ledgerHolds(s: Session, what: 'blocks' | 'private data', text: string): Promise<boolean> {
  const last = (await height(s)) - 1;
  const events =
    what === 'blocks'
      ? await s.network.getBlockEvents({ startBlock: 0n })
      : await s.network.getBlockAndPrivateDataEvents({ startBlock: 0n });
  let found = false;
  let seen = 0;
  try {
    for await (const event of events) {
      found ||= Buffer.from(event.serializeBinary()).includes(text);
      seen++;
      if (seen > last) break;
    }
  } finally {
    events.close();
  }
  expect(seen).toBe(last + 1);
  return found;
}

/** The block files on disk: every member's peer's and orderer's ledger of the channel. */
function blockFiles(): string[] {
  return ORGS.flatMap((org) => [
    path.join(paths.org(org).peerData, 'ledgersData', 'chains', 'chains', network().channel),
    path.join(paths.org(org).ordererData, 'ledger', 'chains', network().channel),
  ]).flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => file.startsWith('blockfile_'))
      .map((file) => path.join(dir, file)),
  );
}
