import {
  type OrgProfile,
  type Practitioner,
  PRACTITIONER_ROLES,
  PRACTITIONER_STATUSES,
  type Ward,
} from '@ehr/protocol';
import { invalid } from '../errors';
import { type Input, oneOf, optionalStr, str, stringList } from '../validate';
import { ORG_KINDS, type OrgKind } from './vocabulary';

export { type OrgProfile, type OrgProfileView, type Practitioner, PRACTITIONER_ROLES, type Ward } from '@ehr/protocol';

/**
 * The profile an admin publishes. A `kind` may be given (clients that send their member's kind),
 * but it is only checked against the one in effect, never taken: see `kind` in the result.
 */
export function parseOrgProfile(
  input: Input,
  mspId: string,
  updatedAt: string,
): { profile: OrgProfile; kind: OrgKind | undefined } {
  return {
    profile: {
      mspId,
      displayName: str(input, 'displayName', { max: 120 }),
      specialities: stringList(input, 'specialities'),
      updatedAt,
    },
    kind: input.kind === undefined ? undefined : oneOf(input, 'kind', ORG_KINDS),
  };
}

export function parsePractitioner(input: Input, mspId: string, updatedAt: string): Practitioner {
  const practitioner: Practitioner = {
    practitionerId: str(input, 'practitionerId', { max: 64, pattern: /^[A-Za-z0-9_-]+$/ }),
    mspId,
    role: oneOf(input, 'role', PRACTITIONER_ROLES),
    licenceNo: str(input, 'licenceNo', { max: 64 }),
    status: input.status === undefined ? 'active' : oneOf(input, 'status', PRACTITIONER_STATUSES),
    updatedAt,
  };
  const specialty = optionalStr(input, 'specialty', { max: 80 });
  if (specialty) practitioner.specialty = specialty;
  return practitioner;
}

function count(input: Input, field: string): number {
  const value = input[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100_000) {
    throw invalid(`${field} must be an integer from 0 to 100000`);
  }
  return value;
}

export function parseWard(input: Input, mspId: string, updatedAt: string): Ward {
  const ward: Ward = {
    mspId,
    ward: str(input, 'ward', { max: 64, pattern: /^[A-Za-z0-9 _-]+$/ }),
    specialty: str(input, 'specialty', { max: 64 }),
    total: count(input, 'total'),
    occupied: count(input, 'occupied'),
    updatedAt,
  };
  if (ward.occupied > ward.total) throw invalid('occupied beds cannot exceed total beds');
  return ward;
}
