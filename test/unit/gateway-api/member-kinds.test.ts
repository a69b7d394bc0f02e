/**
 * Which kind a member is (and so which roles its CA may issue) takes admins of a majority of
 * members, each approving through their own member's gateway. The ledger runs the real
 * chaincode, founded with the four members' kinds (chaincode-port.ts).
 */
import type { ChaincodePort } from './chaincode-port';
import { consortium, type Harness } from './harness';

const NEWCOMER = '/v1/consortium/member-kinds/Lab2MSP/approval';

describe('member kinds over HTTP', () => {
  let gateways: { a: Harness; b: Harness; lab: Harness };
  let admins: { a: string; b: string; lab: string };
  let chain: ChaincodePort;

  beforeEach(async () => {
    const founded = consortium();
    chain = founded.chain;
    gateways = { a: founded.hospitalA, b: founded.hospitalB, lab: founded.lab };
    admins = {
      a: await gateways.a.adminToken(),
      b: await gateways.b.adminToken(),
      lab: await gateways.lab.adminToken(),
    };
  });

  const approve = (who: keyof typeof gateways, path = NEWCOMER, body: object = { kind: 'lab' }) =>
    gateways[who].as(admins[who]).post(path).send(body);
  const kinds = async () =>
    (await gateways.a.as(admins.a).get('/v1/consortium/member-kinds').expect(200)).body as {
      members: { mspId: string; kind: string; approvedBy: string[] }[];
      proposals: { mspId: string; kind: string; approvals: { mspId: string }[] }[];
      approvalsNeeded: number;
    };

  it('proposes a kind with the first approval and puts it into effect with the approval that makes a majority', async () => {
    const founded = await kinds();
    expect(founded.members.map((m) => [m.mspId, m.kind])).toEqual([
      ['HospitalAMSP', 'hospital'],
      ['HospitalBMSP', 'hospital'],
      ['InsurerMSP', 'insurer'],
      ['LabMSP', 'lab'],
    ]);
    expect(founded).toMatchObject({ proposals: [], approvalsNeeded: 3 });

    const first = await approve('a').expect(200);
    expect(first.body).toEqual({
      txId: expect.any(String),
      mspId: 'Lab2MSP',
      kind: 'lab',
      status: 'proposed',
      proposedAt: expect.any(String),
      approvals: [{ mspId: 'HospitalAMSP', approvedAt: expect.any(String) }],
      committedBlock: expect.any(Number),
    });
    expect((await approve('b').expect(200)).body).toMatchObject({ status: 'proposed', approvals: [{}, {}] });
    expect((await kinds()).proposals).toEqual([expect.objectContaining({ mspId: 'Lab2MSP', kind: 'lab' })]);

    const third = await approve('lab').expect(200);
    expect(third.body).toEqual({
      txId: expect.any(String),
      mspId: 'Lab2MSP',
      kind: 'lab',
      status: 'approved',
      approvedBy: ['HospitalAMSP', 'HospitalBMSP', 'LabMSP'],
      approvedAt: expect.any(String),
      committedBlock: expect.any(Number),
    });
    const after = await kinds();
    expect(after.members).toContainEqual(expect.objectContaining({ mspId: 'Lab2MSP', kind: 'lab' }));
    expect(after.proposals).toEqual([]);
  });

  it('answers a retried approval with the same Idempotency-Key again instead of refusing it as a second one', async () => {
    const send = () => approve('a').set('idempotency-key', 'kind-approval-0001');
    const first = await send().expect(200);
    const retry = await send().expect(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(chain.entries('memberKindProposal')).toEqual([
      expect.objectContaining({ approvals: [expect.objectContaining({ mspId: 'HospitalAMSP' })] }),
    ]);
    // Without the key, a second approval by the same member is the ledger's to refuse.
    const twice = await approve('a').expect(409);
    expect(twice.body.error.code).toBe('ALREADY_EXISTS');
  });

  it('refuses a kind already in effect, other roles, and a kind or member id the ledger does not know', async () => {
    const already = await approve('b', '/v1/consortium/member-kinds/HospitalAMSP/approval', { kind: 'hospital' });
    expect({ status: already.status, code: already.body.error.code }).toEqual({ status: 409, code: 'ALREADY_EXISTS' });

    const doctor = await gateways.a.user(admins.a, 'drwho', 'doctor');
    const patient = await gateways.a.user(admins.a, 'alice', 'patient');
    const mark = gateways.a.port.calls.length;
    for (const token of [doctor, patient]) {
      await gateways.a.as(token).get('/v1/consortium/member-kinds').expect(403);
      await gateways.a.as(token).post(NEWCOMER).send({ kind: 'lab' }).expect(403);
    }
    for (const body of [{}, { kind: 'pharmacy' }, { kind: 'lab', approvedBy: 'HospitalBMSP' }]) {
      const res = await approve('a', NEWCOMER, body);
      expect({ body, status: res.status, code: res.body.error.code }).toEqual({
        body,
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
    expect(gateways.a.port.calls.length).toBe(mark);
    const badId = await approve('a', '/v1/consortium/member-kinds/9-not-an-msp/approval').expect(400);
    expect(badId.body.error.code).toBe('INVALID_ARGUMENT');
    expect(chain.entries('memberKindProposal')).toEqual([]);
  });
});
