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
