/**
 * Cutting a departing identity off at the channel (issue 12, attack 8): the member revokes a
 * certificate at its own CA, and a channel config update carries the CA's new CRL in the
 * member's MSP definition. From that block on, peers refuse the revoked user's proposals,
 * orderers refuse a transaction it had endorsed before, and a revoked peer certificate's
 * endorsements no longer count towards an endorsement policy.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Contract, StatusCode, signers } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, msp, peer } from '@hyperledger/fabric-protos';
import { publishRevocations } from '../../network/src/channel-config';
import type { Session } from '../../network/src/gateway';
import { certFile, ensureIdentity, keyFile, revokeIdentity } from '../../network/src/identities';
import { CHAINCODE, paths } from '../../network/src/topology';
import { freshPatient, orgSpec, session, settled, someUser } from './helpers/network';

const HA = 'HospitalAMSP';
const MAJORITY_WITH_HA = [HA, 'HospitalBMSP', 'LabMSP'];

/** A second peer identity of hospital A, from hospital A's own CA, that runs no peer. */
interface PeerIdentity {
  serialized: Uint8Array;
  sign(digest: Uint8Array): Promise<Uint8Array>;
}

async function extraPeerIdentity(name: string): Promise<PeerIdentity> {
  const dir = paths.org(orgSpec('hospital-a')).user(name);
  await ensureIdentity(orgSpec('hospital-a'), { name, type: 'peer', dir });
  const mspDir = path.join(dir, 'msp');
  const identity = new msp.SerializedIdentity();
  identity.setMspid(HA);
  identity.setIdBytes(readFileSync(certFile(mspDir)));
  return {
    serialized: identity.serializeBinary(),
    sign: signers.newPrivateKeySigner(createPrivateKey(readFileSync(keyFile(mspDir)))),
  };
}

/** What a refused call says: the gateway's message and the details of each peer or orderer. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const details = (error as { details?: { message?: string }[] }).details ?? [];
    return [error instanceof Error ? error.message : String(error), ...details.map((d) => d.message ?? '')].join('\n');
  }
  throw new Error('expected the call to be refused');
}

function grantArgs(): string[] {
  const validUntil = new Date(Date.now() + 3_600_000).toISOString();
  return [
    JSON.stringify({ grantee: { mspId: 'HospitalBMSP' }, categories: ['diagnosis'], purpose: 'treatment', validUntil }),
  ];
}

/**
 * Endorses a consent grant on a majority that includes hospital A, then swaps hospital A's
 * peer's endorsement for one signed by `endorser` over the same proposal response, and submits
 * it. Answers the transaction's validation code.
 */
async function submitEndorsedBy(client: Session, endorser: PeerIdentity): Promise<number> {
  const contract: Contract = client.network.getContract(CHAINCODE, 'consent');
  const endorsed = await contract
    .newProposal('Grant', { arguments: grantArgs(), endorsingOrganizations: MAJORITY_WITH_HA })
    .endorse();
  const prepared = gatewayProtos.PreparedTransaction.deserializeBinary(endorsed.getBytes());
  const envelope = prepared.getEnvelope();
  if (!envelope) throw new Error('the prepared transaction has no envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const [action] = transaction.getActionsList();
  if (!action) throw new Error('the transaction has no action');
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsedAction = actionPayload.getAction();
  if (!endorsedAction) throw new Error('the transaction has no endorsed action');
  const responsePayload = endorsedAction.getProposalResponsePayload_asU8();
  const endorsements = endorsedAction.getEndorsementsList();
  const mspOf = (e: peer.Endorsement) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid();
  const index = endorsements.findIndex((e) => mspOf(e) === HA);
  expect(index).toBeGreaterThanOrEqual(0);
  const forged = new peer.Endorsement();
  forged.setEndorser(endorser.serialized);
  const digest = createHash('sha256').update(responsePayload).update(endorser.serialized).digest();
  forged.setSignature(await endorser.sign(digest));
  endorsements[index] = forged;
  endorsedAction.setEndorsementsList(endorsements);
  actionPayload.setAction(endorsedAction);
  action.setPayload(actionPayload.serializeBinary());
  transaction.setActionsList([action]);
  payload.setData(transaction.serializeBinary());
  envelope.setPayload(payload.serializeBinary());
  envelope.setSignature(new Uint8Array());
  prepared.setEnvelope(envelope);
  const rebuilt = client.gateway.newTransaction(prepared.serializeBinary());
  const commit = await rebuilt.submit();
  return (await commit.getStatus()).code;
}

describe('a revoked certificate is cut off at the channel (attack 8)', () => {
  const sessions: Session[] = [];
  const open = (s: Session) => {
    sessions.push(s);
    return s;
  };

  afterAll(() => {
    for (const s of sessions) s.close();
  });

  it('refuses a revoked user and a revoked peer certificate once the CRL is in the channel config', async () => {
    const suffix = Date.now().toString(36);
    const leaver = await freshPatient('hospital-a', 'CRLU');
    const client = open(session('hospital-a', await freshPatient('hospital-a', 'CRLC')));
    const departing = open(session('hospital-a', leaver));
    const rogueName = `peer-rogue-${suffix}`;
    const rogue = await extraPeerIdentity(rogueName);
    const consent = (s: Session) => s.network.getContract(CHAINCODE, 'consent');

    // Before: the leaver reads and writes; the second peer identity's endorsement counts.
    await consent(departing).evaluateTransaction('ListMine', '10', '');
    const endorsedBefore = await consent(departing).newProposal('Grant', { arguments: grantArgs() }).endorse();
    expect(await submitEndorsedBy(client, rogue)).toBe(StatusCode.VALID);

    await revokeIdentity(orgSpec('hospital-a'), leaver.name, 'cessationofoperation');
    await revokeIdentity(orgSpec('hospital-a'), rogueName, 'keycompromise');
    await publishRevocations(orgSpec('hospital-a'));
    await settled();

    // After: the peers refuse the leaver's proposals, evaluations included.
    const accessDenied = /error validating proposal: access denied: channel \[ehr\] creator org \[HospitalAMSP\]/;
    expect(await refusal(consent(departing).evaluateTransaction('ListMine', '10', ''))).toMatch(accessDenied);
    expect(await refusal(consent(departing).submitTransaction('Grant', ...grantArgs()))).toMatch(accessDenied);
    // A transaction the leaver had endorsed before the revocation: the orderers refuse it.
    expect(await refusal(endorsedBefore.submit())).toMatch(/status=FORBIDDEN.*'Writers' sub-policies/);
    // The revoked peer certificate's endorsement no longer satisfies the policy.
    expect(await submitEndorsedBy(client, rogue)).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    // Everyone else at the member carries on: the client patient and a staff user.
    await consent(client).evaluateTransaction('ListMine', '10', '');
    const staff = open(session('hospital-a', someUser('hospital-a')));
    await staff.network.getContract(CHAINCODE, 'directory').evaluateTransaction('ListOrgProfiles');
  });
});
