/** Approving a patient's erasure on the real network, as the member's gateway does it. */
import type { ProposalOptions } from '@hyperledger/fabric-gateway';
import { type SessionContract, text } from '../../../network/src/gateway';

/**
 * An admin approves an erasure request: `Held` evaluated on the admin's member's own peer (only
 * it holds the member's collection), then `Approve` with its answer, which purges all of it.
 * Answers the committed request.
 */
export async function approveErasure(
  erasure: SessionContract,
  mspId: string,
  patientId: string,
  requestId: string,
  options: Pick<ProposalOptions, 'endorsingOrganizations'> = {},
): Promise<Uint8Array> {
  const held = await erasure.evaluate('Held', { arguments: [patientId], endorsingOrganizations: [mspId] });
  return erasure.submit('Approve', { ...options, arguments: [patientId, requestId, text(held)] });
}
