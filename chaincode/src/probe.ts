import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { ChaincodeError } from './errors';
import { canonicalJson, marshal, unmarshal } from './json';
import { key, txTime } from './ledger';

/** A liveness record: which member wrote it, in which transaction, when. */
export interface Probe {
  id: string;
  mspId: string;
  txId: string;
  /** ISO 8601 transaction timestamp. */
  recordedAt: string;
}

const PROBE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PROBE_KEY_TYPE = 'probe';

function validProbeId(probeId: string): string {
  if (!PROBE_ID.test(probeId)) {
    throw new ChaincodeError('INVALID_ARGUMENT', 'probeId must be 1-64 letters, digits, "-" or "_"');
  }
  return probeId;
}

/**
 * Network liveness checks: any member's user records a probe and every member's peer reads it
 * back. The value comes from the transaction itself (creator MSP, tx id, tx time), never from
 * arguments, so a probe cannot carry data.
 */
@Info({ title: 'Probe', description: 'Network liveness checks' })
export class ProbeContract extends Contract {
  constructor() {
    super(contractName('probe'));
  }

  @Transaction()
  @Returns('string')
  async Record(ctx: Context, probeId: string): Promise<string> {
    const probeKey = key(ctx, PROBE_KEY_TYPE, validProbeId(probeId));
    const existing = await ctx.stub.getState(probeKey);
    if (existing.length > 0) throw new ChaincodeError('ALREADY_EXISTS', `probe ${probeId} exists`);
    const probe: Probe = {
      id: probeId,
      mspId: ctx.clientIdentity.getMSPID(),
      txId: ctx.stub.getTxID(),
      recordedAt: txTime(ctx),
    };
    await ctx.stub.putState(probeKey, marshal(probe));
    return canonicalJson(probe);
  }

  @Transaction(false)
  @Returns('string')
  async Read(ctx: Context, probeId: string): Promise<string> {
    const bytes = await ctx.stub.getState(key(ctx, PROBE_KEY_TYPE, validProbeId(probeId)));
    if (bytes.length === 0) throw new ChaincodeError('NOT_FOUND', `probe ${probeId} does not exist`);
    return canonicalJson(unmarshal(bytes));
  }

  /** Answers with the caller's MSP ID: shows the chaincode is reachable. */
  @Transaction(false)
  @Returns('string')
  Ping(ctx: Context): Promise<string> {
    return Promise.resolve(canonicalJson({ mspId: ctx.clientIdentity.getMSPID() }));
  }
}
