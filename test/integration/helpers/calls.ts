/**
 * Calls the integration suites make straight through the Fabric Gateway SDK, as a member's own
 * client would: a demo user's session, a JSON answer, the code a refused call fails with, and a
 * record written the way clients must (body to the custodian alone, then the header).
 */
import { CommitError } from '@hyperledger/fabric-gateway';
import { chaincodeErrorCode, type Session } from '../../../network/src/gateway';
import { salted, session, text, user } from './network';

/** A demo user of `orgName` connected to `peerOrg`'s peer (their own member's by default). */
export function as(orgName: string, userName: string, peerOrg = orgName): Session {
  return session(orgName, user(orgName, userName), peerOrg);
}

export async function json<T>(bytes: Promise<Uint8Array>): Promise<T> {
  return JSON.parse(text(await bytes)) as T;
}

/** The chaincode error code (or `COMMIT_<status code>`) a call fails with; throws when it succeeds. */
export async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return chaincodeErrorCode(error) ?? (error instanceof CommitError ? `COMMIT_${String(error.code)}` : String(error));
  }
  throw new Error('expected the call to fail');
}

/** Writes a record the way clients must: body to the custodian alone, then the header. */
export async function createRecord(
  doctor: Session,
  custodian: string,
  patientId: string,
  body: object,
): Promise<string> {
  const records = doctor.contract('records');
  const stored = await json<{ recordId: string; contentHash: string }>(
    records.submit('CreateBody', {
      arguments: [patientId, 'diagnosis'],
      transientData: salted({ body: JSON.stringify(body) }),
      endorsingOrganizations: [custodian],
    }),
  );
  await records.submitTransaction('Publish', stored.recordId, patientId, 'diagnosis', '1', stored.contentHash);
  return stored.recordId;
}
