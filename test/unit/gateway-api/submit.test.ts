/**
 * submitEndorsed: a submit the peer's Gateway reports as failed is looked up on the ledger
 * before the failure is believed. The Fabric objects are stand-ins that record what they are
 * asked; the path itself runs on the real network in the integration suites.
 */
import { status as grpcStatus, Metadata } from '@grpc/grpc-js';
import { type Gateway, type Network, type Status, StatusCode, type Transaction } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { gateway as gatewayProtos, msp } from '@hyperledger/fabric-protos';
import { submitEndorsed } from '../../../gateway-api/src/fabric';

const TX = 'c0ffee';
const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n');

const committed = (code: Status['code']): Status => ({
  blockNumber: 7n,
  code,
  successful: code === StatusCode.VALID,
  transactionId: TX,
});

/** What the peer's Gateway answers for a transaction its BFT orderers had already received. */
function alreadyProcessed(): SubmitError {
  const cause = Object.assign(new Error('14 UNAVAILABLE: insufficient number of orderers'), {
    code: grpcStatus.UNAVAILABLE,
    details: 'insufficient number of orderers could successfully process transaction to satisfy quorum requirement',
    metadata: new Metadata(),
  });
  return new SubmitError({
    code: grpcStatus.UNAVAILABLE,
    details: [{ address: '127.0.0.1:7200', mspId: 'HospitalBMSP', message: 'request already processed' }],
    cause,
    transactionId: TX,
    message: cause.message,
  });
}

interface Fakes {
  gateway: Gateway;
  network: Network;
  transaction: Transaction;
  /** Commit-status requests the client built, decoded. */
  lookups: gatewayProtos.CommitStatusRequest[];
}

function fakes(submit: () => Promise<unknown>, lookup: () => Promise<Status>): Fakes {
  const lookups: gatewayProtos.CommitStatusRequest[] = [];
  const gateway = {
    getIdentity: () => ({ mspId: 'HospitalAMSP', credentials: CERT }),
    newCommit: (bytes: Uint8Array) => {
      const signed = gatewayProtos.SignedCommitStatusRequest.deserializeBinary(bytes);
      lookups.push(gatewayProtos.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8()));
      return { getStatus: lookup };
    },
  } as unknown as Gateway;
  const network = { getName: () => 'ehr' } as unknown as Network;
  const transaction = { submit, getTransactionId: () => TX } as unknown as Transaction;
  return { gateway, network, transaction, lookups };
}

describe('submitEndorsed', () => {
  it('returns the commit status of a transaction the orderers took', async () => {
    const f = fakes(
      () => Promise.resolve({ getStatus: () => Promise.resolve(committed(StatusCode.VALID)) }),
      () => Promise.reject(new Error('not asked')),
    );
    expect(await submitEndorsed(f.gateway, f.network, f.transaction)).toEqual(committed(StatusCode.VALID));
    expect(f.lookups).toEqual([]);
  });

  it('reports a transaction as committed when the submit failed but the ledger has it', async () => {
    const f = fakes(
      () => Promise.reject(alreadyProcessed()),
      () => Promise.resolve(committed(StatusCode.VALID)),
    );
    expect(await submitEndorsed(f.gateway, f.network, f.transaction)).toEqual(committed(StatusCode.VALID));
    const [request] = f.lookups;
    expect(request?.getChannelId()).toBe('ehr');
    expect(request?.getTransactionId()).toBe(TX);
    const creator = msp.SerializedIdentity.deserializeBinary(request?.getIdentity_asU8() ?? new Uint8Array());
    expect(creator.getMspid()).toBe('HospitalAMSP');
    expect(Buffer.from(creator.getIdBytes_asU8())).toEqual(CERT);
  });

  it('reports the validation code the ledger gives, e.g. an MVCC conflict, after a failed submit', async () => {
    const f = fakes(
      () => Promise.reject(alreadyProcessed()),
      () => Promise.resolve(committed(StatusCode.MVCC_READ_CONFLICT)),
    );
    expect((await submitEndorsed(f.gateway, f.network, f.transaction)).code).toBe(StatusCode.MVCC_READ_CONFLICT);
  });

  it('reports the submit failure when the ledger does not know the transaction either', async () => {
    const failure = alreadyProcessed();
    const f = fakes(
      () => Promise.reject(failure),
      () => Promise.reject(new Error('4 DEADLINE_EXCEEDED')),
    );
    await expect(submitEndorsed(f.gateway, f.network, f.transaction)).rejects.toBe(failure);
    expect(f.lookups).toHaveLength(1);
  });

  it('does not look up failures that are not submit failures', async () => {
    const failure = new Error('not connected');
    const f = fakes(
      () => Promise.reject(failure),
      () => Promise.resolve(committed(StatusCode.VALID)),
    );
    await expect(submitEndorsed(f.gateway, f.network, f.transaction)).rejects.toBe(failure);
    expect(f.lookups).toEqual([]);
  });
});
