/** Claims as ledger keys, shared by the claim contract and the readers. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key, refile } from './ledger';
import type { Claim } from './types/claim';
import { id } from './validate';

export const claimKey = (ctx: Context, claimId: string) => key(ctx, 'claim', claimId);
/** Private, in the provider's and the insurer's collections: the line descriptions. */
export const claimLinesKey = (ctx: Context, claimId: string) => key(ctx, 'claimLines', claimId);

export async function getClaim(ctx: Context, claimId: string): Promise<Claim> {
  const claim = await getJson<Claim>(ctx, claimKey(ctx, id(claimId, 'claimId')));
  if (!claim) throw notFound(`claim ${claimId} does not exist`);
  return claim;
}

export { CLAIM_STATUSES } from '@ehr/protocol';

/** Public index: the claims submitted to an insurer, by status, oldest first (the adjusters' queue). */
export const INSURER_CLAIMS = 'insurerClaim';
export const insurerClaimKey = (ctx: Context, claim: Claim) =>
  key(ctx, INSURER_CLAIMS, claim.insurer, claim.status, claim.submittedAt, claim.claimId);

/** Public index: a provider's claims, by status, oldest first (the billing clerks' list). */
export const PROVIDER_CLAIMS = 'providerClaim';
export const providerClaimKey = (ctx: Context, claim: Claim) =>
  key(ctx, PROVIDER_CLAIMS, claim.provider, claim.status, claim.submittedAt, claim.claimId);

/**
 * Public index: every claim of an insurer or a provider, newest first whatever its status (the
 * lists without a status filter). Written once, at submission: a status change does not move it.
 * Without it those lists ran by status, then oldest first, and a busy member's first page held
 * only old claims: a claim just submitted was not on it.
 */
export const LATEST_CLAIMS = 'latestClaim';

/** Milliseconds from the submission to the year 10000, zero-padded: ascending key order is newest first. */
const untilYear10000 = (iso: string) => String(253_402_300_800_000 - Date.parse(iso)).padStart(15, '0');

export const latestClaimKey = (ctx: Context, party: 'insurer' | 'provider', claim: Claim) =>
  key(ctx, LATEST_CLAIMS, party, claim[party], untilYear10000(claim.submittedAt), claim.claimId);

/**
 * Files a claim under its status for the insurer and the provider, moving it out of its previous
 * status in the same transaction. The entries carry the claim's policy: provider AND insurer.
 */
export async function fileClaim(ctx: Context, claim: Claim, previous: Claim | undefined): Promise<void> {
  const keys = (c: Claim) => [insurerClaimKey(ctx, c), providerClaimKey(ctx, c)];
  await refile(ctx, previous ? keys(previous) : [], keys(claim), { claimId: claim.claimId }, [
    claim.provider,
    claim.insurer,
  ]);
}
