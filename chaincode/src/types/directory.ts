import { invalid } from '../errors';
import { type Input, oneOf, optionalStr, str, stringList } from '../validate';
import { ORG_KINDS, type OrgKind } from './vocabulary';

/**
 * Public profile of a member, published by its admin: what the member says of itself. Its kind
 * is not among it: a majority of members decides that (members.ts), and readers see it added.
 */
export interface OrgProfile {
  mspId: string;
  displayName: string;
  specialities: string[];
  updatedAt: string;
}

/** A profile as readers see it: with the kind in effect (none while no majority approved one). */
export interface OrgProfileView extends OrgProfile {
  kind?: OrgKind;
}

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

export const PRACTITIONER_ROLES = ['doctor', 'labtech'] as const;

/** Public: a practitioner of a member, registered by its admin. */
export interface Practitioner {
  practitionerId: string;
  mspId: string;
  role: (typeof PRACTITIONER_ROLES)[number];
  specialty?: string;
  licenceNo: string;
  status: 'active' | 'suspended';
  updatedAt: string;
}

export function parsePractitioner(input: Input, mspId: string, updatedAt: string): Practitioner {
  const practitioner: Practitioner = {
    practitionerId: str(input, 'practitionerId', { max: 64, pattern: /^[A-Za-z0-9_-]+$/ }),
    mspId,
    role: oneOf(input, 'role', PRACTITIONER_ROLES),
    licenceNo: str(input, 'licenceNo', { max: 64 }),
    status: input.status === undefined ? 'active' : oneOf(input, 'status', ['active', 'suspended'] as const),
    updatedAt,
  };
  const specialty = optionalStr(input, 'specialty', { max: 80 });
  if (specialty) practitioner.specialty = specialty;
  return practitioner;
}

/** Public: bed capacity of one ward of a hospital. */
export interface Ward {
  mspId: string;
  ward: string;
  specialty: string;
  total: number;
  occupied: number;
  updatedAt: string;
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
