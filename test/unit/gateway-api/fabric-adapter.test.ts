/**
 * The Fabric adapter (fabricLedger) over stand-ins of fabric-gateway's connection: what a submit
 * answers and throws. The adapter knows nothing of HTTP: it throws domain errors, which the one
 * error edge (errors.ts) maps to HTTP. The adapter runs on the real network in the integration
 * suites.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { EndorseError, type Status, StatusCode } from '@hyperledger/fabric-gateway';
import { ApiError, toApiError } from '../../../gateway-api/src/errors';
import { common } from '@hyperledger/fabric-protos';
import { fabricLedger, type LedgerCall, type UserIdentity } from '../../../gateway-api/src/fabric';
import { requiringBlock } from '../../../gateway-api/src/read-your-writes';

jest.mock('@hyperledger/fabric-gateway', () => {
  const actual = jest.requireActual<typeof import('@hyperledger/fabric-gateway')>('@hyperledger/fabric-gateway');
  return { ...actual, connect: jest.fn() };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the mocked module, as the adapter sees it
const gatewayModule = require('@hyperledger/fabric-gateway') as { connect: jest.Mock };

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
const WHO: UserIdentity = { mspId: 'HospitalAMSP', certPem: 'CERT', keyPem: KEY.toString() };
const CALL: LedgerCall = { contract: 'consent', fn: 'Grant', args: ['{}'] };

/** A peer whose commits end with the given validation codes, one per attempt, each in the next block. */
function peerCommitting(...codes: Status['code'][]) {
  let attempt = 0;
  const proposal = () => {
    attempt += 1;
    const txId = `tx${String(attempt)}`;
    const code = codes[Math.min(attempt, codes.length) - 1] ?? StatusCode.VALID;
    const status: Status = {
      blockNumber: BigInt(40 + attempt),
      code,
      successful: code === StatusCode.VALID,
      transactionId: txId,
    };
    const transaction = {
      getResult: () => Buffer.from('{"consentId":"CON-1"}'),
      getTransactionId: () => txId,
      submit: () => Promise.resolve({ getStatus: () => Promise.resolve(status) }),
    };
    return { endorse: () => Promise.resolve(transaction) };
  };
  const network = { getName: () => 'ehr', getContract: () => ({ newProposal: proposal }) };
  gatewayModule.connect.mockReturnValue({ getNetwork: () => network, close: () => undefined });
  return () => attempt;
}

describe('the Fabric adapter', () => {
  const adapter = () => fabricLedger({ endpoint: '127.0.0.1:1', tlsRootPem: 'ROOT', channel: 'ehr', chaincode: 'ehr' });

  it('answers the payload and transaction id of a valid commit', async () => {
    peerCommitting(StatusCode.VALID);
    const ledger = adapter();
    const answer = await ledger.submit(WHO, CALL);
    expect(Buffer.from(answer.payload).toString()).toBe('{"consentId":"CON-1"}');
    expect(answer.txId).toBe('tx1');
    ledger.close();
  });

  it('throws a domain error for a transaction the peers marked invalid, which the error edge maps to 422', async () => {
    const attempts = peerCommitting(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    const ledger = adapter();
    const error = (await ledger.submit(WHO, CALL).catch((e: unknown) => e)) as Error;
    ledger.close();
    expect(attempts()).toBe(1);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'TRANSACTION_INVALID', txId: 'tx1' });
    expect(error.message).toContain('ENDORSEMENT_POLICY_FAILURE');
    expect(toApiError(error)).toMatchObject({ status: 422, code: 'TRANSACTION_INVALID', txId: 'tx1' });
  });

  it('retries an MVCC conflict as new transactions, then throws a domain error the edge maps to 409', async () => {
    const attempts = peerCommitting(StatusCode.MVCC_READ_CONFLICT);
    const ledger = adapter();
    const error = (await ledger.submit(WHO, CALL).catch((e: unknown) => e)) as Error;
    ledger.close();
    expect(attempts()).toBe(4);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error.message).toContain('MVCC_READ_CONFLICT');
    expect(toApiError(error)).toMatchObject({ status: 409, code: 'TRANSACTION_INVALID', txId: 'tx4' });
  });

  it('commits an MVCC conflict retried in time', async () => {
    const attempts = peerCommitting(StatusCode.MVCC_READ_CONFLICT, StatusCode.VALID);
    const ledger = adapter();
    expect((await ledger.submit(WHO, CALL)).txId).toBe('tx2');
    ledger.close();
    expect(attempts()).toBe(2);
  });
});

describe("endorsement while other members' peers lag", () => {
  const adapter = () => fabricLedger({ endpoint: '127.0.0.1:1', tlsRootPem: 'ROOT', channel: 'ehr', chaincode: 'ehr' });
  const refusal = (mspId: string, message: string) =>
    new EndorseError({
      code: grpcStatus.ABORTED,
      details: [{ address: `peer.${mspId}`, mspId, message }],
      cause: Object.assign(new Error('10 ABORTED'), {
        code: grpcStatus.ABORTED,
        details: '',
        metadata: new Metadata(),
      }),
      transactionId: 'tx-refused',
      message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
    });

  /** A peer whose first endorsements fail with `failures`, then endorse; answers how many were asked. */
  function peerEndorsingAfter(...failures: Error[]) {
    let asked = 0;
    const status: Status = { blockNumber: 7n, code: StatusCode.VALID, successful: true, transactionId: 'tx-ok' };
    const transaction = {
      getResult: () => Buffer.from('{}'),
      getTransactionId: () => 'tx-ok',
      submit: () => Promise.resolve({ getStatus: () => Promise.resolve(status) }),
    };
    const proposal = () => ({
      endorse: () => {
        const failure = failures[asked];
        asked += 1;
        return failure ? Promise.reject(failure) : Promise.resolve(transaction);
      },
    });
    const network = { getName: () => 'ehr', getContract: () => ({ newProposal: proposal }) };
    gatewayModule.connect.mockReturnValue({ getNetwork: () => network, close: () => undefined });
    return () => asked;
  }

  it("endorses again when only another member's peer refused, until it has caught up", async () => {
    const asked = peerEndorsingAfter(
      refusal('LabMSP', 'chaincode response 409, CONFLICT: lab order LAB-1 is ordered, not accepted'),
      refusal('HospitalBMSP', 'ProposalResponsePayloads do not match'),
    );
    const ledger = adapter();
    expect((await ledger.submit(WHO, CALL)).blockNumber).toBe(7n);
    expect(asked()).toBe(3);
    ledger.close();
  });

  it("does not endorse again when this member's own peer refused (a real refusal)", async () => {
    const asked = peerEndorsingAfter(refusal(WHO.mspId, 'chaincode response 404, NOT_FOUND: no such order'));
    const ledger = adapter();
    const error = await ledger.submit(WHO, CALL).catch((e: unknown) => e);
    expect(toApiError(error)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(asked()).toBe(1);
    ledger.close();
  });

  it('does not endorse again when the call names endorsers without this member (their answer is the answer)', async () => {
    const asked = peerEndorsingAfter(refusal('LabMSP', 'chaincode response 404, NOT_FOUND: no such order'));
    const ledger = adapter();
    await expect(ledger.submit(WHO, { ...CALL, orgs: ['LabMSP'] })).rejects.toBeInstanceOf(EndorseError);
    expect(asked()).toBe(1);
    ledger.close();
  });

  it('answers 503 ENDORSERS_DISAGREE with Retry-After when they still disagree', () => {
    const mapped = toApiError(refusal('HospitalBMSP', 'ProposalResponsePayloads do not match'));
    expect(mapped).toMatchObject({ status: 503, code: 'ENDORSERS_DISAGREE', retryAfterSeconds: 1 });
  });
});

describe("a read served by another member's peer, for a request that requires a block", () => {
  /** Another member's peer whose height grows by one at each question; answers what was asked, in order. */
  function laggingPeer(startHeight: number) {
    const asked: string[] = [];
    let height = startHeight;
    const qscc = {
      evaluateTransaction: () => {
        asked.push(`height ${String(height)}`);
        const info = new common.BlockchainInfo();
        info.setHeight(height++);
        return Promise.resolve(info.serializeBinary());
      },
    };
    const ehr = {
      evaluate: () => {
        asked.push(`read at height ${String(height)}`);
        return Promise.resolve(Buffer.from('{}'));
      },
    };
    const network = { getName: () => 'ehr', getContract: (name: string) => (name === 'qscc' ? qscc : ehr) };
    gatewayModule.connect.mockReturnValue({ getNetwork: () => network, close: () => undefined });
    return asked;
  }
  const ledgerWithOthers = () =>
    fabricLedger({
      endpoint: '127.0.0.1:1',
      tlsRootPem: 'ROOT',
      channel: 'ehr',
      chaincode: 'ehr',
      otherPeers: [{ mspId: 'HospitalBMSP', endpoint: '127.0.0.1:2', tlsRootPem: 'ROOT' }],
    });
  const READ: LedgerCall = { contract: 'access', fn: 'ReadBody', args: ['REC-1', 'T-1'], orgs: ['HospitalBMSP'] };

  it('waits until that peer holds the block before reading there', async () => {
    const asked = laggingPeer(8);
    const ledger = ledgerWithOthers();
    await requiringBlock(9n, () => ledger.evaluate(WHO, READ));
    expect(asked).toEqual(['height 8', 'height 9', 'height 10', 'read at height 11']);
    ledger.close();
  });

  it('reads at once without a required block, or on its own member', async () => {
    const asked = laggingPeer(8);
    const ledger = ledgerWithOthers();
    await ledger.evaluate(WHO, READ);
    await requiringBlock(9n, () => ledger.evaluate(WHO, { ...READ, orgs: [WHO.mspId] }));
    expect(asked).toEqual(['read at height 8', 'read at height 8']);
    ledger.close();
  });
});
