import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { CommitError, compositeKey, Ledger } from './fabric-stub';

const HA = 'HospitalAMSP';
const HB = 'HospitalBMSP';
const LAB = 'LabMSP';
const INS = 'InsurerMSP';
const COLL_A = `_implicit_org_${HA}`;
const COLL_LAB = `_implicit_org_${LAB}`;
const alice = { mspId: HA };

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function policyOf(...orgs: string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ...orgs);
  return policy.getPolicy();
}

const put = (key: string, value: string) => async (ctx: Context) => {
  await ctx.stub.putState(key, Buffer.from(value));
};
const putPrivate = (collection: string, key: string, value: string) => async (ctx: Context) => {
  await ctx.stub.putPrivateData(collection, key, Buffer.from(value));
};
/** Reads a counter and writes it back incremented, announcing the new value. */
const increment = async (ctx: Context) => {
  const next = Number(text(await ctx.stub.getState('counter')) || '0') + 1;
  await ctx.stub.putState('counter', Buffer.from(String(next)));
  ctx.stub.setEvent('Counted', Buffer.from(String(next)));
  return next;
};
const list = async (ctx: Context) => {
  const keys: string[] = [];
  const it = await ctx.stub.getStateByPartialCompositeKey('item', []);
  for (let next = await it.next(); !next.done; next = await it.next()) keys.push(next.value.key);
  await it.close();
  await ctx.stub.putState('count', Buffer.from(String(keys.length)));
  return keys.length;
};

async function failure(attempt: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof CommitError) return { code: error.code, message: error.message };
    if (error instanceof Error) return { message: error.message };
  }
  throw new Error('expected a failure');
}

describe('the Fabric channel stub', () => {
  let ledger: Ledger;

  beforeEach(() => {
    ledger = new Ledger();
  });

  describe('simulation', () => {
    it('does not show a transaction its own writes, public or private (no read-your-own-writes)', async () => {
      const { result } = await ledger.submit(
        alice,
        async (ctx) => {
          await ctx.stub.putState('k', Buffer.from('new'));
          await ctx.stub.putPrivateData(COLL_A, 'p', Buffer.from('secret'));
          return [
            text(await ctx.stub.getState('k')),
            text(await ctx.stub.getPrivateData(COLL_A, 'p')),
            text(await ctx.stub.getPrivateDataHash(COLL_A, 'p')),
          ];
        },
        { endorsingOrganizations: [HA, HB, LAB] },
      );
      expect(result).toEqual(['', '', '']);
      expect(text(ledger.state.get('k')!)).toBe('new');
    });

    it('answers GetPrivateDataHash with the hash of the committed value, not of an uncommitted write', async () => {
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'v1'));
      const { result } = await ledger.submit(alice, async (ctx) => {
        await ctx.stub.putPrivateData(COLL_A, 'p', Buffer.from('v2'));
        return Buffer.from(await ctx.stub.getPrivateDataHash(COLL_A, 'p')).toString('hex');
      });
      expect(result).toBe(sha256('v1'));
      expect(ledger.privateDataHash(COLL_A, 'p')?.toString('hex')).toBe(sha256('v2'));
    });

    it('treats an empty value as a delete and keeps the last event of a transaction only', async () => {
      await ledger.submit(alice, put('k', 'v'));
      const { tx } = await ledger.submit(alice, async (ctx) => {
        await ctx.stub.putState('k', Buffer.alloc(0));
        ctx.stub.setEvent('First', Buffer.from('1'));
        ctx.stub.setEvent('Second', Buffer.from('2'));
      });
      expect(ledger.state.has('k')).toBe(false);
      expect(tx.event?.name).toBe('Second');
      expect(ledger.committedEvents.map((e) => e.name)).toEqual(['Second']);
    });

    it('refuses composite keys with empty attributes and collections that are not defined', async () => {
      expect(() => compositeKey('patient', [''])).toThrow('object type or attribute not a non-zero length string');
      expect(await failure(ledger.submit(alice, putPrivate('_implicit_org_NoSuchMSP', 'p', 'v')))).toEqual({
        message: 'collection [_implicit_org_NoSuchMSP] not defined in the collection config for chaincode [ehr]',
      });
    });
  });

  describe('private data', () => {
    beforeEach(async () => {
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'secret'));
    });

    it("keeps values on the member's peers and hashes on every peer", async () => {
      const read = (peerMspId: string) =>
        ledger.evaluate(alice, async (ctx) => text(await ctx.stub.getPrivateData(COLL_A, 'p')), { peerMspId });
      const hash = (peerMspId: string) =>
        ledger.evaluate(
          alice,
          async (ctx) => Buffer.from(await ctx.stub.getPrivateDataHash(COLL_A, 'p')).toString('hex'),
          {
            peerMspId,
          },
        );
      expect(await read(HA)).toBe('secret');
      await expect(read(HB)).rejects.toThrow(
        'private data matching public hash version is not available. Public hash version = {BlockNum: 1, TxNum: 0}, Private data version = <nil>',
      );
      expect(await hash(HB)).toBe(sha256('secret'));
      const absent = await ledger.evaluate(alice, async (ctx) => text(await ctx.stub.getPrivateData(COLL_A, 'none')), {
        peerMspId: HB,
      });
      expect(absent).toBe('');
    });

    it('purges the value and its hash', async () => {
      await ledger.submit(alice, async (ctx) => {
        await ctx.stub.purgePrivateData(COLL_A, 'p');
      });
      expect(ledger.collection(COLL_A).has('p')).toBe(false);
      expect(ledger.privateDataHash(COLL_A, 'p')).toBeUndefined();
    });

    it("fails a proposal when one endorser's simulation fails there; nothing is ordered", async () => {
      const height = ledger.height;
      const readAndPublish = async (ctx: Context) => {
        await ctx.stub.putState('copy', await ctx.stub.getPrivateData(COLL_A, 'p'));
      };
      const endorsingOrganizations = [HA, HB, LAB];
      expect(await failure(ledger.submit(alice, readAndPublish, { endorsingOrganizations }))).toEqual({
        message: expect.stringMatching(/^private data matching public hash version is not available/),
      });
      expect(ledger.height).toBe(height);
      expect(ledger.state.has('copy')).toBe(false);
    });

    it('refuses endorsements whose results differ between peers', async () => {
      const peek = async (ctx: Context) => {
        try {
          return text(await ctx.stub.getPrivateData(COLL_A, 'p'));
        } catch {
          return 'not held here';
        }
      };
      expect(await failure(ledger.submit(alice, peek, { endorsingOrganizations: [HA, HB] }))).toEqual({
        message: `ProposalResponsePayloads do not match: ${HA} and ${HB}`,
      });
    });
  });

  describe('endorsement policies at commit', () => {
    it('requires a majority of the channel orgs for a public write', async () => {
      for (const endorsers of [[HA], [HA, HB]]) {
        expect(await failure(ledger.submit(alice, put('k', 'v'), { endorsingOrganizations: endorsers }))).toEqual({
          code: 'ENDORSEMENT_POLICY_FAILURE',
          message: expect.stringContaining('validation of endorsement policy for chaincode ehr'),
        });
      }
      expect(ledger.state.has('k')).toBe(false);
      await ledger.submit(alice, put('k', 'v'), { endorsingOrganizations: [HA, HB, LAB] });
      expect(text(ledger.state.get('k')!)).toBe('v');
    });

    it("requires the collection's own org for a private write, and that org alone suffices", async () => {
      expect(
        await failure(ledger.submit(alice, putPrivate(COLL_A, 'p', 'v'), { endorsingOrganizations: [HB, LAB, INS] })),
      ).toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
      expect(ledger.privateDataHash(COLL_A, 'p')).toBeUndefined();
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'v'), { endorsingOrganizations: [HA] });
      expect(text(ledger.collection(COLL_A).get('p')!)).toBe('v');
    });

    it('requires the majority and the collection org for a transaction writing both', async () => {
      const both = async (ctx: Context) => {
        await put('k', 'v')(ctx);
        await putPrivate(COLL_A, 'p', 'v')(ctx);
      };
      for (const endorsers of [[HA], [HB, LAB, INS]]) {
        expect(await failure(ledger.submit(alice, both, { endorsingOrganizations: endorsers }))).toMatchObject({
          code: 'ENDORSEMENT_POLICY_FAILURE',
        });
      }
      await ledger.submit(alice, both, { endorsingOrganizations: [HA, HB, LAB] });
    });

    it('applies a key-level policy from the next transaction on, in place of the majority', async () => {
      const create = async (ctx: Context) => {
        await ctx.stub.putState('order', Buffer.from('ordered'));
        await ctx.stub.setStateValidationParameter('order', policyOf(HA, LAB));
      };
      // The transaction that sets the policy is validated against the chaincode policy.
      await ledger.submit(alice, create, { endorsingOrganizations: [HA, HB, INS] });
      expect(ledger.keyPolicy('order')).toEqual([HA, LAB]);
      expect(
        await failure(ledger.submit(alice, put('order', 'accepted'), { endorsingOrganizations: [HA, HB, INS] })),
      ).toMatchObject({
        code: 'ENDORSEMENT_POLICY_FAILURE',
        message: expect.stringContaining('validation of key order'),
      });
      await ledger.submit(alice, put('order', 'accepted'), { endorsingOrganizations: [HA, LAB] });
      expect(text(ledger.state.get('order')!)).toBe('accepted');
      // A value write keeps the policy.
      expect(ledger.keyPolicy('order')).toEqual([HA, LAB]);
    });

    it('validates a policy change against the policy in force', async () => {
      await ledger.submit(alice, async (ctx) => {
        await ctx.stub.putState('claim', Buffer.from('submitted'));
        await ctx.stub.setStateValidationParameter('claim', policyOf(HA, INS));
      });
      const drop = async (ctx: Context) => ctx.stub.setStateValidationParameter('claim', policyOf(HA));
      expect(await failure(ledger.submit(alice, drop, { endorsingOrganizations: [HA, HB, LAB] }))).toMatchObject({
        code: 'ENDORSEMENT_POLICY_FAILURE',
      });
      expect(ledger.keyPolicy('claim')).toEqual([HA, INS]);
    });

    it('checks the chaincode policy for a transaction that writes nothing', async () => {
      const read = async (ctx: Context) => text(await ctx.stub.getState('k'));
      expect(await failure(ledger.submit(alice, read, { endorsingOrganizations: [HA] }))).toMatchObject({
        code: 'ENDORSEMENT_POLICY_FAILURE',
      });
    });
  });

  describe('MVCC at commit', () => {
    it('invalidates the later of two transactions that read the same key; it writes nothing and emits no event', async () => {
      const first = await ledger.endorse(alice, increment);
      const second = await ledger.endorse({ mspId: HB }, increment);
      ledger.commit(first);
      expect(await failure(Promise.resolve().then(() => ledger.commit(second)))).toEqual({
        code: 'MVCC_READ_CONFLICT',
        message: expect.stringMatching(
          /^Transaction tx000002 failed to commit with status code 11 \(MVCC_READ_CONFLICT\)/,
        ),
      });
      expect(text(ledger.state.get('counter')!)).toBe('1');
      expect(ledger.committedEvents.map((e) => e.txId)).toEqual([first.txId]);
    });

    it('invalidates a transaction whose range read gained a key (phantom)', async () => {
      const counting = await ledger.endorse(alice, list);
      await ledger.submit(alice, put(compositeKey('item', ['1']), 'x'));
      expect(await failure(Promise.resolve().then(() => ledger.commit(counting)))).toMatchObject({
        code: 'PHANTOM_READ_CONFLICT',
      });
      expect(ledger.state.has('count')).toBe(false);
    });

    it('invalidates a private hash read that another transaction changed', async () => {
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'v1'));
      const check = await ledger.endorse(alice, async (ctx) => {
        const hash = Buffer.from(await ctx.stub.getPrivateDataHash(COLL_A, 'p')).toString('hex');
        await ctx.stub.putState('checked', Buffer.from(hash));
      });
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'v2'));
      expect(await failure(Promise.resolve().then(() => ledger.commit(check)))).toMatchObject({
        code: 'MVCC_READ_CONFLICT',
      });
    });

    it('commits a transaction once', async () => {
      const tx = await ledger.endorse(alice, put('k', 'v'));
      ledger.commit(tx);
      expect(await failure(Promise.resolve().then(() => ledger.commit(tx)))).toMatchObject({ code: 'DUPLICATE_TXID' });
    });
  });

  describe('default endorsers, planned as the Fabric Gateway does', () => {
    it('asks every org for a public write and only the org for a write to its own collection', async () => {
      expect((await ledger.submit(alice, put('k', 'v'))).tx.endorsers).toEqual([HA, HB, LAB, INS]);
      expect((await ledger.submit(alice, putPrivate(COLL_A, 'p', 'v'))).tx.endorsers).toEqual([HA]);
    });

    it("asks a key's policy orgs only when every written key has a key-level policy", async () => {
      await ledger.submit(alice, async (ctx) => {
        await ctx.stub.putState('order', Buffer.from('ordered'));
        await ctx.stub.setStateValidationParameter('order', policyOf(HA, LAB));
      });
      expect((await ledger.submit(alice, put('order', 'accepted'))).tx.endorsers).toEqual([HA, LAB]);
    });

    it('refuses to spread transient data beyond the members of every collection it writes', async () => {
      const both = async (ctx: Context) => {
        await putPrivate(COLL_A, 'p', 'v')(ctx);
        await putPrivate(COLL_LAB, 'p', 'v')(ctx);
      };
      const transient = { secret: 'x' };
      expect(await failure(ledger.submit(alice, both, { transient }))).toEqual({
        message: expect.stringMatching(
          /^requires endorsement from organisation\(s\) that are not in the distribution policy/,
        ),
      });
      const { tx } = await ledger.submit(alice, both, { transient, endorsingOrganizations: [HA, LAB] });
      expect(tx.endorsers).toEqual([HA, LAB]);
    });

    it('cannot plan a public write that depends on one org’s private values', async () => {
      await ledger.submit(alice, putPrivate(COLL_A, 'p', 'secret'));
      const publish = async (ctx: Context) => {
        await ctx.stub.putState('copy', await ctx.stub.getPrivateData(COLL_A, 'p'));
      };
      expect(await failure(ledger.submit(alice, publish))).toEqual({
        message: 'no peer combination can satisfy the endorsement policy',
      });
    });
  });
});
