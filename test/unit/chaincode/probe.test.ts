import { ProbeContract } from '../../../chaincode/src/probe';
import { evaluate, Ledger, submit } from './fixture';

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

  it('refuses to record the same probe twice and keeps the first', async () => {
    await record('HospitalAMSP', 'p-1');
    await expect(record('HospitalBMSP', 'p-1')).rejects.toThrow(/^ALREADY_EXISTS: /);
    const read = JSON.parse(await evaluate(ledger, { mspId: 'LabMSP' }, (c) => contract.Read(c, 'p-1'))) as {
      mspId: string;
    };
    expect(read.mspId).toBe('HospitalAMSP');
  });

  it.each(['', 'has space', 'a'.repeat(65), 'semi;colon'])(
    'rejects the malformed probe id %p and writes nothing',
    async (id) => {
      await expect(record('HospitalAMSP', id)).rejects.toThrow(/^INVALID_ARGUMENT: /);
      expect(ledger.state.size).toBe(0);
    },
  );

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
