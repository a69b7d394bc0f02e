import { ProbeContract } from '../../../chaincode/src/probe';
import { attempt, evaluate, Ledger, submit } from './fixture';

describe('probe contract', () => {
  const contract = new ProbeContract();
  let ledger: Ledger;

  beforeEach(() => {
    ledger = new Ledger();
  });

  async function record(mspId: string, probeId: string) {
    const { result } = await submit(ledger, { mspId }, (c) => contract.Record(c, probeId));
    return JSON.parse(result) as Record<string, string>;
  }

  it('records the creator MSP, transaction id and transaction time, not caller-supplied data', async () => {
    const probe = await record('LabMSP', 'p-1');
    expect(probe).toEqual({ id: 'p-1', mspId: 'LabMSP', txId: 'tx000001', recordedAt: '2026-01-15T09:00:00.000Z' });
    const read = JSON.parse(await evaluate(ledger, { mspId: 'InsurerMSP' }, (c) => contract.Read(c, 'p-1'))) as unknown;
    expect(read).toEqual(probe);
  });

  it('writes canonical JSON with sorted keys', async () => {
    await record('HospitalAMSP', 'p-1');
    const [stored] = [...ledger.state.values()];
    expect(Buffer.from(stored!).toString()).toBe(
      '{"id":"p-1","mspId":"HospitalAMSP","recordedAt":"2026-01-15T09:00:00.000Z","txId":"tx000001"}',
    );
  });

  const reader = async (probeId: string) =>
    JSON.parse(await evaluate(ledger, { mspId: 'LabMSP' }, (c) => contract.Read(c, probeId))) as { mspId: string };

  it('refuses to record the same probe twice, even concurrently, and keeps the first', async () => {
    await record('HospitalAMSP', 'p-1');
    expect(await attempt(ledger, { mspId: 'HospitalBMSP' }, (c) => contract.Record(c, 'p-1'))).toEqual({
      error: expect.stringMatching(/^ALREADY_EXISTS: /),
      changes: [],
    });
    expect((await reader('p-1')).mspId).toBe('HospitalAMSP');

    const first = await ledger.endorse({ mspId: 'HospitalAMSP' }, (c) => contract.Record(c, 'p-2'));
    const second = await ledger.endorse({ mspId: 'HospitalBMSP' }, (c) => contract.Record(c, 'p-2'));
    ledger.commit(first);
    expect(() => ledger.commit(second)).toThrow('(MVCC_READ_CONFLICT)');
    expect((await reader('p-2')).mspId).toBe('HospitalAMSP');
  });

  it.each(['', 'has space', 'a'.repeat(65), 'semi;colon'])(
    'rejects the malformed probe id %p and writes nothing',
    async (id) => {
      expect(await attempt(ledger, { mspId: 'HospitalAMSP' }, (c) => contract.Record(c, id))).toEqual({
        error: expect.stringMatching(/^INVALID_ARGUMENT: /),
        changes: [],
      });
    },
  );

  it('needs a majority of members to endorse a probe', async () => {
    const endorse = (...endorsingOrganizations: string[]) =>
      attempt(ledger, { mspId: 'HospitalAMSP' }, (c) => contract.Record(c, 'p-1'), { endorsingOrganizations });
    expect(await endorse('HospitalAMSP')).toEqual({
      error: expect.stringContaining('(ENDORSEMENT_POLICY_FAILURE)'),
      changes: [],
    });
    expect(await endorse('HospitalAMSP', 'LabMSP', 'InsurerMSP')).toEqual({ changes: ['state probe/p-1: added'] });
  });

  it('answers INVALID_ARGUMENT for reading a malformed probe id', async () => {
    await expect(evaluate(ledger, { mspId: 'LabMSP' }, (c) => contract.Read(c, ''))).rejects.toThrow(
      /^INVALID_ARGUMENT: /,
    );
  });

  it('reports an unknown probe as NOT_FOUND', async () => {
    await expect(evaluate(ledger, { mspId: 'LabMSP' }, (c) => contract.Read(c, 'nope'))).rejects.toThrow(
      /^NOT_FOUND: /,
    );
  });

  it('answers a ping with the caller MSP', async () => {
    expect(JSON.parse(await evaluate(ledger, { mspId: 'InsurerMSP' }, (c) => contract.Ping(c)))).toEqual({
      mspId: 'InsurerMSP',
    });
  });
});
