/**
 * The consortium of SPEC §1 running as native processes: channel membership, BFT ordering,
 * the chaincode definition, endorsement by MAJORITY, fault tolerance, the state DB, restart.
 */
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import { ordererChannel, peerHeight } from '../../network/src/admin';
import { committedDefinition } from '../../network/src/chaincode';
import { down, up } from '../../network/src/network';
import { ordererSpec } from '../../network/src/nodes/fabric';
import { runningPid, startNode, stopNode } from '../../network/src/process';
import { ORGS } from '../../network/src/topology';
import { eventually, network, session, someUser, stateDb, text } from './helpers/network';

const runId = Date.now().toString(36);
const quiet = () => undefined;

interface Probe {
  id: string;
  mspId: string;
  txId: string;
}

/** Records a probe as a member's user through the member's own peer. */
async function recordProbe(orgName: string, probeId: string): Promise<Probe> {
  const s = session(orgName, someUser(orgName));
  try {
    return JSON.parse(text(await s.contract('probe').submitTransaction('Record', probeId))) as Probe;
  } finally {
    s.close();
  }
}

/** Reads a probe through another member's peer. */
async function readProbe(orgName: string, peerOrg: string, probeId: string): Promise<Probe> {
  const s = session(orgName, someUser(orgName), peerOrg);
  try {
    return JSON.parse(text(await s.contract('probe').evaluateTransaction('Read', probeId))) as Probe;
  } finally {
    s.close();
  }
}

describe('the consortium network', () => {
  it('has every peer joined to ehr, agreeing on the height', async () => {
    await recordProbe('hospital-a', `height-${runId}`);
    await eventually(async () => {
      const heights = await Promise.all(ORGS.map(peerHeight));
      expect(new Set(heights).size).toBe(1);
      expect(heights[0]).toBeGreaterThan(1);
    });
  });

  it('has every orderer participating in ehr as an active consenter', async () => {
    for (const org of ORGS) {
      expect(await ordererChannel(org)).toMatchObject({
        status: 'active',
        consensusRelation: 'consenter',
      });
    }
  });

  it('has the chaincode built from chaincode/ committed on every peer', async () => {
    const { chaincodePackageId } = network();
    const version = chaincodePackageId.split(':')[0]!.replace(/^ehr_/, '');
    for (const org of ORGS) {
      const definition = await committedDefinition(org);
      expect(definition?.version).toBe(version);
    }
  });

  it.each(ORGS.map((o) => o.name))(
    'commits a transaction by a user of %s that every other member reads back',
    async (orgName) => {
      const probeId = `each-${orgName}-${runId}`;
      const recorded = await recordProbe(orgName, probeId);
      expect(recorded.mspId).toBe(ORGS.find((o) => o.name === orgName)!.mspId);
      for (const reader of ORGS) {
        const read = await eventually(() => readProbe(reader.name, reader.name, probeId));
        expect(read).toEqual(recorded);
      }
    },
  );

  it('commits every one of many concurrent writes through one peer, as every member reads back', async () => {
    // Under load the peer's Gateway may report a transaction its BFT orderers took as failed
    // ("request already processed"); clients confirm with the commit status instead.
    const s = session('hospital-a', someUser('hospital-a'));
    try {
      const ids = Array.from({ length: 24 }, (_, i) => `burst-${runId}-${String(i)}`);
      const recorded = await Promise.all(
        ids.map(async (id) => JSON.parse(text(await s.contract('probe').submitTransaction('Record', id))) as Probe),
      );
      expect(new Set(recorded.map((p) => p.txId)).size).toBe(ids.length);
      for (const reader of ORGS) {
        for (const [i, id] of ids.entries()) expect(await readProbe(reader.name, reader.name, id)).toEqual(recorded[i]);
      }
    } finally {
      s.close();
    }
  });

  it('invalidates a transaction endorsed by only one member and changes nothing', async () => {
    const probeId = `single-endorser-${runId}`;
    const s = session('hospital-a', someUser('hospital-a'));
    try {
      const error: unknown = await s
        .contract('probe')
        .submit('Record', { arguments: [probeId], endorsingOrganizations: ['HospitalAMSP'] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(CommitError);
      expect((error as CommitError).code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    } finally {
      s.close();
    }
    for (const reader of ORGS) {
      await expect(readProbe(reader.name, reader.name, probeId)).rejects.toThrow(/NOT_FOUND/);
    }
  });

  it('keeps committing transactions with one orderer stopped', async () => {
    const stopped = ORGS[0]!;
    const spec = ordererSpec(stopped);
    expect(await stopNode(spec.name)).toBe(true);
    try {
      const probeId = `one-orderer-down-${runId}`;
      const recorded = await recordProbe('hospital-b', probeId);
      const read = await eventually(() => readProbe('insurer', 'insurer', probeId));
      expect(read).toEqual(recorded);
    } finally {
      await startNode(spec);
    }
    // The restarted orderer catches up with the others.
    await eventually(async () => {
      const heights = await Promise.all(ORGS.map(async (org) => (await ordererChannel(org))?.height));
      expect(new Set(heights).size).toBe(1);
    }, 60_000);
  });

  it('keeps the channel databases in each CouchDB-mode peer state DB', async () => {
    const net = network();
    if (net.stateDb !== 'couchdb') return;
    const probeId = `statedb-${runId}`;
    await recordProbe('lab', probeId);
    for (const member of net.orgs) {
      const couch = stateDb(member.name);
      const dbs = await couch.db.list();
      expect(dbs).toEqual(expect.arrayContaining(['ehr_', 'ehr__lifecycle', 'ehr_ehr']));
      await eventually(async () => {
        const result = await couch.use('ehr_ehr').list({ include_docs: true });
        const ids = result.rows.map((row) => row.id);
        expect(ids.some((id) => id.includes(probeId))).toBe(true);
      });
    }
  });

  it('restarts on the same ledgers after down and up: same keys, same values', async () => {
    const probeId = `restart-${runId}`;
    const recorded = await recordProbe('insurer', probeId);
    await eventually(() => readProbe('hospital-a', 'hospital-a', probeId));
    await down(quiet);
    for (const org of ORGS) expect(runningPid(`${org.name}.peer`)).toBeUndefined();
    await up({}, quiet);
    for (const reader of ORGS) {
      expect(await eventually(() => readProbe(reader.name, reader.name, probeId))).toEqual(recorded);
    }
  });
});
