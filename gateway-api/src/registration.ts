/**
 * What an invitation registers on the ledger, as the inviting admin: a patient (demographics
 * in the member's own collection, then the public entry) or a practitioner. Both are safe to
 * run again for the same ids: a patient found on the ledger is not registered twice, and a
 * practitioner's registration replaces the entry with the same values.
 */
import { isOneOf, PRACTITIONER_ROLES, type Role } from '@ehr/protocol';
import { ApiError, chaincodeErrorCode } from './errors';
import type { UserIdentity } from './fabric';
import type { Json, Ledger } from './ledger';

/** The details an invitation carries for the ledger: demographics, or a practitioner's licence. */
export interface InviteDetails {
  demographics?: Json;
  practitioner?: { licenceNo: string; specialty?: string };
}

/** The details a role needs, or a 400 naming what is missing or out of place. */
export function checkDetails(role: Role, details: InviteDetails): void {
  const invalid = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message);
  const practitioner = isOneOf(PRACTITIONER_ROLES, role);
  if (role === 'patient' && !details.demographics)
    throw invalid("a patient's invitation carries their demographics (name, dateOfBirth)");
  if (role !== 'patient' && details.demographics) throw invalid(`a ${role} has no demographics`);
  if (practitioner && !details.practitioner)
    throw invalid(`a ${role}'s invitation carries their practitioner entry (licenceNo, specialty)`);
  if (!practitioner && details.practitioner) throw invalid(`a ${role} is not a practitioner`);
}

async function patientExists(ledger: Ledger, who: UserIdentity, patientId: string): Promise<boolean> {
  try {
    await ledger.getPatient(who, patientId);
    return true;
  } catch (error) {
    if (chaincodeErrorCode(error) === 'NOT_FOUND') return false;
    throw error;
  }
}

/** True when the member already has a practitioner with this id on the ledger. */
export async function practitionerExists(ledger: Ledger, who: UserIdentity, practitionerId: string): Promise<boolean> {
  const practitioners = await ledger.practitioners(who, who.mspId);
  return practitioners.some((p) => p.practitionerId === practitionerId);
}

/**
 * Registers the invitee on the ledger; returns the id of the transaction that did it, or
 * undefined when an earlier attempt registered the patient and its answer was lost (`again`).
 */
export async function registerOnLedger(
  ledger: Ledger,
  who: UserIdentity,
  invitee: { role: Role; attrs: Record<string, string> },
  details: InviteDetails,
  again: boolean,
): Promise<string | undefined> {
  const patientId = invitee.attrs['ehr.patientId'];
  if (patientId && details.demographics) {
    if (again && (await patientExists(ledger, who, patientId))) return undefined;
    return (await ledger.registerPatient(who, patientId, details.demographics)).txId;
  }
  const practitionerId = invitee.attrs['ehr.practitionerId'];
  if (practitionerId && details.practitioner) {
    const practitioner = { practitionerId, role: invitee.role, ...details.practitioner };
    return (await ledger.registerPractitioner(who, practitioner)).txId;
  }
  return undefined;
}
