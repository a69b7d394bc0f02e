import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { invalid, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson } from './json';
import { pageRequest } from './ledger';
import { listPending, settlePending } from './pending';
import { CREATES, type CreatingTransaction, receiptOf, requestedId, requestKeyOf } from './requests';

/**
 * Requests and what they left behind: which object a request created (a client that lost the
 * answer and the transaction id finds it again), and the private values of two-step writes that
 * never got their public part, which each member settles for itself.
 */
@Info({ title: 'Requests', description: 'Created objects by request key; unfinished two-step writes' })
export class RequestContract extends Contract {
  constructor() {
    super(contractName('requests'));
  }

  /**
   * The object a request of the caller created with `transaction` (transient `requestKey`) and
   * the transaction that created it (made it public, for two-step writes); NOT_FOUND when none.
   */
  @Transaction(false)
  @Returns('string')
  async Find(ctx: Context, transaction: string): Promise<string> {
    if (!Object.hasOwn(CREATES, transaction)) {
      throw invalid(`transaction must be one of ${Object.keys(CREATES).join(', ')}`);
    }
    if (requestKeyOf(ctx) === undefined) throw invalid("the transient map must carry the request's 'requestKey'");
    const id = requestedId(ctx, transaction as CreatingTransaction);
    const receipt = await receiptOf(ctx, id);
    if (!receipt) throw notFound(`no object of this request exists (yet): ${id}`);
    return canonicalJson(receipt);
  }

  /**
   * The admin's member's pending private writes (see pending.ts), on its own peer, a page at a
   * time: `{ items, bookmark }`. Every one must be reachable: a waiting write cannot be settled
   * for 25 hours, so a member can hold many more than a page of them.
   */
  @Transaction(false)
  @Returns('string')
  async ListPending(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return canonicalJson(await listPending(ctx, admin.mspId, pageRequest(pageSize, bookmark)));
  }

  /**
   * The admin settles one of the member's pending writes: drops the marker of a finished one,
   * purges a stale one. Endorsed by the member alone (it touches the member's collection only).
   */
  @Transaction()
  @Returns('string')
  async SettlePending(ctx: Context, kind: string, id: string, version: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return canonicalJson(await settlePending(ctx, admin.mspId, { kind, id, versionText: version }));
  }
}
