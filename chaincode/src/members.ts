/**
 * Decisions only a majority of members can take (SPEC §2, §5): which kind a member is, and
 * other acts no single member may do alone (recovering a patient's certificate). A member runs
 * its own CA and could issue itself any role, so the kind that says which roles it may issue is
 * never the member's own word: admins of a majority of members approve it, each approval in a
 * transaction of its own, signed by that admin (the creator is the only thing a chaincode can
 * trust about who agreed).
 */
import type { Context } from 'fabric-contract-api';
import type { Approval, MemberKind } from '@ehr/protocol';
import { ChaincodeError } from './errors';
import { getJson, key, listJson } from './ledger';
import type { OrgKind } from './types/vocabulary';

export type { Approval, MemberKind, MemberKindProposal } from '@ehr/protocol';

export const MEMBER_KIND = 'memberKind';
export const MEMBER_KIND_PROPOSAL = 'memberKindProposal';
export const memberKindKey = (ctx: Context, mspId: string) => key(ctx, MEMBER_KIND, mspId);
export const proposalKey = (ctx: Context, mspId: string, kind: OrgKind) => key(ctx, MEMBER_KIND_PROPOSAL, mspId, kind);

/** The kind of a member in effect; undefined while a majority has approved none. */
export async function memberKind(ctx: Context, mspId: string): Promise<OrgKind | undefined> {
  return (await getJson<MemberKind>(ctx, memberKindKey(ctx, mspId)))?.kind;
}

/**
 * Never fewer approvals than this. The chaincode cannot read the channel's member list, so it
 * counts the members whose kind is in effect; while the consortium is being founded that count
 * is small, and without a floor the first member to ask would approve its own kind alone. With
 * three, a dishonest member needs two honest ones to agree, as the channel's 3-of-4 endorsement
 * policy does.
 */
export const MIN_APPROVALS = 3;

/**
 * How many members must approve a majority decision: more than half of the members whose kind
 * is in effect (counting `newcomer`, the member a kind is proposed for, when it is not one yet),
 * and at least MIN_APPROVALS. The range read makes an approval fail on commit (phantom read)
 * when a kind takes effect meanwhile, so the count is never stale.
 */
export async function approvalsNeeded(ctx: Context, newcomer?: string): Promise<number> {
  const members = new Set((await listJson<MemberKind>(ctx, MEMBER_KIND)).map((m) => m.mspId));
  if (newcomer !== undefined) members.add(newcomer);
  return Math.max(MIN_APPROVALS, Math.floor(members.size / 2) + 1);
}

/** The approvals with this member's added; ALREADY_EXISTS when it approved already. */
export function withApproval(approvals: readonly Approval[], mspId: string, approvedAt: string): Approval[] {
  if (approvals.some((a) => a.mspId === mspId)) {
    throw new ChaincodeError('ALREADY_EXISTS', `${mspId} approved this already`);
  }
  return [...approvals, { mspId, approvedAt }].sort((a, b) => (a.mspId < b.mspId ? -1 : 1));
}
