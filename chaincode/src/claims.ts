/** Claims as ledger keys, shared by the claim contract and the readers. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key } from './ledger';
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
