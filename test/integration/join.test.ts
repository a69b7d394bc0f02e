/**
 * A hospital joins the running consortium and later leaves it (issue 15, parts 2 and 3), on a
 * network of its own (`npm run test:integration:join`), each step run as its party runs it:
 * the network CLI, one command per party, the update and the signatures passing as files.
 * Writes keep going through the founding members during the whole join and none may be lost.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { peer } from '@hyperledger/fabric-protos';
import { discoveredEndorsers, ordererChannel, peerHeight } from '../../network/src/admin';
import { fetchConfig } from '../../network/src/channel-config';
import type { Session } from '../../network/src/gateway';
import { applicationMembers, type ChannelConfigJson, consenters } from '../../network/src/membership';
import { ordererSpec } from '../../network/src/nodes/fabric';
import { startNode, stopNode } from '../../network/src/process';
import { findMember, ORGS, paths, type PrivateAccess, servingMembers } from '../../network/src/topology';
import { as, createRecord, failure, json } from './helpers/calls';
import { eventually, freshPatient, height, session, text, user } from './helpers/network';

const execFileAsync = promisify(execFile);
const runId = Date.now().toString(36);
const HA = 'HospitalAMSP';
const HB = 'HospitalBMSP';
const LAB = 'LabMSP';
const HC = 'HospitalCMSP';
const HD = 'HospitalDMSP';
const work = mkdtempSync(path.join(tmpdir(), 'join-test-'));
const file = (name: string) => path.join(work, name);

/**
 * Runs a network CLI command as its party would, in a process of its own, recording which
 * member's step used which private folder; answers its output and those uses.
 */
async function cli(...args: string[]): Promise<{ out: string; accesses: PrivateAccess[] }> {
  const record = file(`accesses-${String(Date.now())}-${String(Math.random()).slice(2)}.json`);
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', path.join(paths.root, 'network', 'src', 'cli.ts'), ...args],
      { cwd: paths.root, env: { ...process.env, EHR_RECORD_PRIVATE_ACCESS: record }, maxBuffer: 16 * 1024 * 1024 },
    );
    return { out: stdout, accesses: JSON.parse(readFileSync(record, 'utf8')) as PrivateAccess[] };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${args.join(' ')} failed: ${failed.stderr ?? ''}${failed.stdout ?? ''}`.trim());
  }
}

/** Every private folder the command used was its own party's, used inside that party's step. */
function expectOnlyOwnFolder(accesses: PrivateAccess[], party: string): void {
  expect(accesses.length).toBeGreaterThan(0);
  expect(accesses.filter((a) => a.actor !== party || a.owner !== party)).toEqual([]);
}

/** Everything a failed call says: its message and every peer's detail. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const details = (error as { details?: { message?: string }[] }).details ?? [];
    return [error instanceof Error ? error.message : String(error), ...details.map((d) => d.message ?? '')].join(' | ');
  }
  throw new Error('expected the call to fail');
}

const readBody = async (reader: Session, custodian: string, recordId: string, ticketId: string) =>
  text(
    await reader
      .contract('access')
      .evaluate('ReadBody', { arguments: [recordId, ticketId], endorsingOrganizations: [custodian] }),
  );

/**
 * Probes written one after another through the founding members' users, each waited for on
 * every serving peer, until stopped: what must keep committing while the consortium changes.
 */
class Trickle {
  readonly written: string[] = [];
  readonly failed: string[] = [];
  #running = true;
  #done: Promise<void>;

  constructor(tag: string) {
    const writers = ORGS.map((org) => as(org.name, 'admin'));
    this.#done = (async () => {
      for (let i = 0; this.#running; i++) {
        const writer = writers[i % writers.length]!;
        const probeId = `${tag}-${runId}-${String(i)}`;
        try {
          await writer.contract('probe').submitTransaction('Record', probeId);
          this.written.push(probeId);
        } catch (error) {
          this.failed.push(`${probeId}: ${error instanceof Error ? error.message : String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      for (const w of writers) w.close();
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

/** The channel config as the member's orderer serves it. */
async function channelConfig(memberName: string): Promise<ChannelConfigJson> {
  const dir = mkdtempSync(path.join(work, 'config-'));
  const { config } = await fetchConfig(findMember(memberName), dir);
  return config as unknown as ChannelConfigJson;
}

describe('a hospital joins the running consortium, then leaves it', () => {
  const sessions: Session[] = [];
  const open = (s: Session) => {
    sessions.push(s);
    return s;
  };
  let trickle: Trickle;
  let patientA: Session;
  let recordBeforeJoin: string;
  let startedAt: number;
  let firstTransactionAt: number;
  let caughtUpFrom: number;

  beforeAll(async () => {
    // A record of hospital A's patient, created before anyone spoke of hospital C.
    const patient = await freshPatient('hospital-a', 'JOIN');
    patientA = open(session('hospital-a', patient));
    recordBeforeJoin = await createRecord(open(as('hospital-a', 'doctor1')), HA, patient.patientId, {
      diagnosis: `I10 ${runId}`,
    });
    // Each test continues from the previous one: the steps of one join.
    startedAt = Date.now();
    trickle = new Trickle('during-join');
  });

  afterAll(async () => {
    await trickle.stop();
    for (const s of sessions) s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lets the newcomer start its CA, make its identities and publish its definition, in its own step', async () => {
    const { accesses } = await cli('member', 'init', 'hospital-c');
    expectOnlyOwnFolder(accesses, 'hospital-c');
    const published = paths.published(findMember('hospital-c'));
    const orgGroup = JSON.parse(readFileSync(published.orgGroup, 'utf8')) as { values: Record<string, unknown> };
    expect(Object.keys(orgGroup.values).sort()).toEqual(['Endpoints', 'MSP']);
    expect(JSON.parse(readFileSync(published.endpoints, 'utf8'))).toMatchObject({
      mspId: HC,
      hostname: 'hospital-c.ehr.internal',
      peer: { host: '127.0.1.5' },
    });
  });

  it('admits hospital C only once a majority of members signed, each signature its own admin’s file', async () => {
    const update = file('join.pb');
    expectOnlyOwnFolder(
      (await cli('join', 'propose', 'hospital-c', '--as', 'hospital-a', '--orderer', '--out', update)).accesses,
      'hospital-a',
    );
    const signedB = await cli('join', 'sign', 'hospital-b', update, '--out', file('join-b.json'));
    expectOnlyOwnFolder(signedB.accesses, 'hospital-b');
    expect(signedB.out).toContain(`admits ${HC} as a member`);
    expect(signedB.out).toContain(`sets the BFT consenters to ${HA}, ${HB}, ${LAB}, InsurerMSP, ${HC}`);
    // The newcomer cannot sign its own admission.
    await expect(cli('join', 'sign', 'hospital-c', update, '--out', file('join-c.json'))).rejects.toThrow(
      `${HC} is not a member of channel ehr: only members' admins sign its updates`,
    );
    // Two of four is no majority: the submitter says whose signature is missing and submits nothing.
    await expect(cli('join', 'submit', update, '--as', 'hospital-a', file('join-b.json'))).rejects.toThrow(
      /needs the signatures of 3 of the channel's 4 members' admins \(a majority\), counting the submitter's; it has 2 \(HospitalAMSP, HospitalBMSP\)\. Ask InsurerMSP or LabMSP to run `join sign`.*Nothing was submitted/,
    );
    expect(applicationMembers(await channelConfig('hospital-a'))).not.toContain(HC);

    expectOnlyOwnFolder((await cli('join', 'sign', 'lab', update, '--out', file('join-lab.json'))).accesses, 'lab');
    const submitted = await cli(
      'join',
      'submit',
      update,
      '--as',
      'hospital-a',
      file('join-b.json'),
      file('join-lab.json'),
    );
    expectOnlyOwnFolder(submitted.accesses, 'hospital-a');
    expect(submitted.out).toContain(`committed, signed by ${HA}, ${HB}, ${LAB} (3 needed)`);
    const config = await channelConfig('hospital-b');
    expect(applicationMembers(config)).toEqual([HA, HB, HC, 'InsurerMSP', LAB]);
    expect(consenters(config).map((c) => c.msp_id)).toEqual([HA, HB, LAB, 'InsurerMSP', HC]);
  });

  it("brings hospital C's orderer and peer onto the channel, each member approving its kind in its own step", async () => {
    for (const approver of ['hospital-a', 'hospital-b', 'lab']) {
      expectOnlyOwnFolder((await cli('join', 'approve-kind', approver, 'hospital-c')).accesses, approver);
    }
    const up = await cli('member', 'up', 'hospital-c');
    expectOnlyOwnFolder(up.accesses, 'hospital-c');
    const caughtUp = /its peer caught up from height (\d+)/.exec(up.out);
    const first = /first transaction committed at (\S+)/.exec(up.out);
    expect(caughtUp && first).toBeTruthy();
    caughtUpFrom = Number(caughtUp?.[1]);
    firstTransactionAt = Date.parse(first?.[1] ?? '');
    console.log(
      `hospital-c joined: ${((firstTransactionAt - startedAt) / 1000).toFixed(1)} s from \`member init\` to its first ` +
        `committed transaction; its peer caught up from ledger height ${String(caughtUpFrom)}\n${up.out}`,
    );
    expect(caughtUpFrom).toBeGreaterThan(1);
    expect(servingMembers().map((o) => o.name)).toContain('hospital-c');
  });

  it('lost none of the writes the founding members made during the join', async () => {
    await trickle.stop();
    expect(trickle.failed).toEqual([]);
    expect(trickle.written.length).toBeGreaterThan(5);
    // Hospital C's peer has every one of them too: it caught up from before the join.
    const reader = open(as('hospital-c', 'admin'));
    for (const probeId of trickle.written) {
      const probe = await json<{ id: string }>(reader.contract('probe').evaluateTransaction('Read', probeId));
      expect(probe.id).toBe(probeId);
    }
  });

  it('needs three of the five members to endorse a write, and counts hospital C among them', async () => {
    const writer = open(as('hospital-a', 'admin'));
    const two = writer
      .contract('probe')
      .submit('Record', { arguments: [`two-of-five-${runId}`], endorsingOrganizations: [HA, HB] });
    expect(await failure(two)).toBe(`COMMIT_${String(StatusCode.ENDORSEMENT_POLICY_FAILURE)}`);
    const three = await json<{ id: string; mspId: string }>(
      writer
        .contract('probe')
        .submit('Record', { arguments: [`three-of-five-${runId}`], endorsingOrganizations: [HA, LAB, HC] }),
    );
    expect(three).toMatchObject({ id: `three-of-five-${runId}`, mspId: HA });
    expect(await discoveredEndorsers(findMember('hospital-a'), 'ehr')).toEqual([HA, HB, HC, 'InsurerMSP', LAB]);
  });

  it("lets hospital C's doctor read a record made before the join only once the patient consents", async () => {
    const doctorC = open(as('hospital-c', 'doctor1'));
    const doctorCviaA = open(as('hospital-c', 'doctor1', 'hospital-a'));
    const requestAccess = () =>
      json<{ ticketId: string; basis: string }>(
        doctorC.contract('access').submitTransaction('RequestAccess', recordBeforeJoin, 'treatment'),
      );
    expect(await failure(requestAccess())).toBe('CONSENT_REQUIRED');
    const validUntil = new Date(Date.now() + 3_600_000).toISOString();
    const grant = { grantee: { mspId: HC }, categories: ['diagnosis'], purpose: 'treatment', validUntil };
    await patientA.contract('consent').submitTransaction('Grant', JSON.stringify(grant));
    const ticket = await requestAccess();
    expect(ticket.basis).toBe('consent');
    expect(await readBody(doctorCviaA, HA, recordBeforeJoin, ticket.ticketId)).toContain(`I10 ${runId}`);
  });

  it("keeps hospital C's patients, records and claims as every member's", async () => {
    const doctor = open(as('hospital-c', 'doctor1'));
    const patientId = user('hospital-c', 'patient1').attrs['ehr.patientId']!;
    const recordId = await createRecord(doctor, HC, patientId, { diagnosis: `E11 ${runId}` });
    // The patient reads their own record at their hospital's peer, the custodian's.
    const patient = open(as('hospital-c', 'patient1'));
    const own = await json<{ ticketId: string; basis: string }>(
      patient.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'),
    );
    expect(await readBody(patient, HC, recordId, own.ticketId)).toContain(`E11 ${runId}`);
    // Billed to the consortium's insurer, adjudicated on the insurer's own peer.
    const header = await json<{ contentHash: string }>(doctor.contract('records').evaluateTransaction('Get', recordId));
    const year = new Date().getUTCFullYear();
    const terms = {
      plan: 'silver',
      coverage: { diagnosis: 50 },
      copayPercent: 0,
      annualLimit: 5_000,
      validFrom: `${String(year - 1)}-01-01T00:00:00Z`,
      validUntil: `${String(year + 1)}-01-01T00:00:00Z`,
    };
    const adjuster = open(as('insurer', 'adjuster1'));
    const { policyId } = await json<{ policyId: string }>(
      adjuster.contract('policies').submitTransaction('Issue', patientId, JSON.stringify(terms)),
    );
    const claim = {
      policyId,
      patientId,
      serviceDate: new Date().toISOString(),
      lines: [{ recordId, contentHash: header.contentHash, category: 'diagnosis', amount: 400 }],
    };
    const billing = open(as('hospital-c', 'billing1'));
    const { claimId } = await json<{ claimId: string }>(
      billing.contract('claims').submitTransaction('Submit', JSON.stringify(claim)),
    );
    expect(await json(adjuster.contract('claims').submitTransaction('Adjudicate', claimId))).toMatchObject({
      status: 'approved',
      adjudication: { approvedAmount: 200 },
    });
  });

  it('orders with five BFT consenters and keeps ordering with one of them stopped', async () => {
    const members = ['hospital-a', 'hospital-b', 'lab', 'insurer', 'hospital-c'].map(findMember);
    for (const member of members) {
      expect(await ordererChannel(member)).toMatchObject({ consensusRelation: 'consenter', status: 'active' });
    }
    // With hospital A's orderer down, the other four are exactly a quorum of five: hospital C's must take part.
    const stopped = ordererSpec(findMember('hospital-a'));
    expect(await stopNode(stopped.name)).toBe(true);
    try {
      const writer = open(as('hospital-b', 'admin'));
      const probe = await json<{ id: string }>(
        writer.contract('probe').submitTransaction('Record', `four-of-five-${runId}`),
      );
      expect(probe.id).toBe(`four-of-five-${runId}`);
    } finally {
      await startNode(stopped);
    }
    await eventually(async () => {
      const heights = await Promise.all(members.map(async (member) => (await ordererChannel(member))?.height));
      expect(new Set(heights).size).toBe(1);
    }, 60_000);
  });

  it('removes hospital C by a majority-signed update: its peer gets no more blocks, its identities act no more', async () => {
    const update = file('leave.pb');
    expectOnlyOwnFolder(
      (await cli('leave', 'propose', 'hospital-c', '--as', 'hospital-b', '--out', update)).accesses,
      'hospital-b',
    );
    const signed = await cli('join', 'sign', 'insurer', update, '--out', file('leave-insurer.json'));
    expect(signed.out).toContain(`removes ${HC} from the members`);
    await cli('join', 'sign', 'lab', update, '--out', file('leave-lab.json'));
    const submitted = await cli(
      'leave',
      'submit',
      'hospital-c',
      update,
      '--as',
      'hospital-b',
      file('leave-insurer.json'),
      file('leave-lab.json'),
    );
    expect(submitted.out).toContain(`committed, signed by ${HB}, InsurerMSP, ${LAB} (3 needed)`);
    expectOnlyOwnFolder((await cli('member', 'leave', 'hospital-c')).accesses, 'hospital-c');
    const config = await channelConfig('hospital-a');
    expect(applicationMembers(config)).toEqual([HA, HB, 'InsurerMSP', LAB]);
    expect(consenters(config).map((c) => c.msp_id)).toEqual([HA, HB, LAB, 'InsurerMSP']);
    expect(servingMembers().map((o) => o.name)).not.toContain('hospital-c');

    // The remaining members keep working, and hospital C's peer sees none of it.
    const hospitalC = findMember('hospital-c');
    const frozen = await peerHeight(hospitalC);
    const writer = open(as('hospital-a', 'admin'));
    for (const i of [1, 2])
      await writer.contract('probe').submitTransaction('Record', `after-leave-${runId}-${String(i)}`);
    expect(await height(writer)).toBeGreaterThan(frozen + 1);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await peerHeight(hospitalC)).toBe(frozen);

    // Its users cannot submit through a remaining member's peer: the peer no longer knows their MSP.
    const viaA = open(as('hospital-c', 'doctor1', 'hospital-a'));
    expect(await refusal(viaA.contract('probe').submitTransaction('Record', `c-via-a-${runId}`))).toContain(
      'access denied: channel [ehr] creator org unknown',
    );
    // Nor through their own peer: the other members' peers refuse to endorse for them.
    const viaC = open(as('hospital-c', 'doctor1'));
    expect(await refusal(viaC.contract('probe').submitTransaction('Record', `c-via-c-${runId}`))).toContain(
      'access denied: channel [ehr] creator org unknown',
    );
    // Its peer endorses for nobody: discovery no longer offers it, and a gateway asked for it finds none.
    expect(await discoveredEndorsers(findMember('hospital-a'), 'ehr')).toEqual([HA, HB, 'InsurerMSP', LAB]);
    const endorsedByC = writer
      .contract('probe')
      .submit('Record', { arguments: [`endorsed-by-c-${runId}`], endorsingOrganizations: [HA, HB, HC] });
    expect(await refusal(endorsedByC)).toContain(`failed to find any endorsing peers for org(s): ${HC}`);
    // An endorsement its peer still makes counts for nothing: hospital A's admin, through hospital
    // C's peer (which has not heard it left), gets A's, B's and C's endorsements ordered, and every
    // remaining peer invalidates the transaction: A and B alone are no majority of four.
    const aViaC = open(as('hospital-a', 'admin', 'hospital-c'));
    const endorsed = await aViaC.network
      .getContract('ehr', 'probe')
      .newProposal('Record', { arguments: [`c-endorsed-${runId}`], endorsingOrganizations: [HA, HB, HC] })
      .endorse();
    await endorsed.submit();
    const validation = await eventually(async () => {
      const processed = await writer.network
        .getContract('qscc')
        .evaluateTransaction('GetTransactionByID', 'ehr', endorsed.getTransactionId());
      return peer.ProcessedTransaction.deserializeBinary(processed).getValidationcode();
    }, 30_000);
    expect(validation).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    for (const probeId of [`c-via-a-${runId}`, `c-via-c-${runId}`, `endorsed-by-c-${runId}`, `c-endorsed-${runId}`]) {
      expect(await failure(writer.contract('probe').evaluateTransaction('Read', probeId))).toBe('NOT_FOUND');
    }
  });

  it('admits a hospital without an orderer: its admin and clients use the consortium’s orderers, the consenters stay four', async () => {
    // This newcomer's definition is a file of its own, as a hospital would write it.
    const definition = file('hospital-d.json');
    writeFileSync(
      definition,
      JSON.stringify({
        name: 'hospital-d',
        mspId: HD,
        kind: 'hospital',
        displayName: 'Hospital D',
        code: 'HD',
        index: 5,
      }),
    );
    expectOnlyOwnFolder((await cli('member', 'init', definition)).accesses, 'hospital-d');
    const update = file('join-d.pb');
    await cli('join', 'propose', 'hospital-d', '--as', 'lab', '--out', update);
    const signed = await cli('join', 'sign', 'insurer', update, '--out', file('join-d-insurer.json'));
    expect(signed.out).toContain(`admits ${HD} as a member`);
    expect(signed.out).not.toContain('consenters');
    await cli('join', 'sign', 'hospital-b', update, '--out', file('join-d-b.json'));
    await cli('join', 'submit', update, '--as', 'lab', file('join-d-insurer.json'), file('join-d-b.json'));
    // The chaincode still counts hospital C's kind: a majority decision now needs four approvals.
    for (const approver of ['hospital-a', 'hospital-b', 'lab', 'insurer']) {
      await cli('join', 'approve-kind', approver, 'hospital-d');
    }
    const up = await cli('member', 'up', 'hospital-d');
    expectOnlyOwnFolder(up.accesses, 'hospital-d');
    expect(up.out).toContain('no orderer of its own on the channel');
    const config = await channelConfig('hospital-a');
    expect(applicationMembers(config)).toEqual([HA, HB, HD, 'InsurerMSP', LAB]);
    expect(consenters(config).map((c) => c.msp_id)).toEqual([HA, HB, LAB, 'InsurerMSP']);
    // Its doctor writes a record of its patient, ordered by the consortium's orderers.
    const patientId = user('hospital-d', 'patient1').attrs['ehr.patientId']!;
    const recordId = await createRecord(open(as('hospital-d', 'doctor1')), HD, patientId, {
      diagnosis: `K21 ${runId}`,
    });
    const patient = open(as('hospital-d', 'patient1'));
    const own = await json<{ ticketId: string }>(
      patient.contract('access').submitTransaction('RequestAccess', recordId, 'treatment'),
    );
    expect(await readBody(patient, HD, recordId, own.ticketId)).toContain(`K21 ${runId}`);
  });
});
