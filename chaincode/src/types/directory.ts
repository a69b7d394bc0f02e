import { type Input, oneOf, optionalStr, str, stringList } from '../validate';
import { ORG_KINDS, type OrgKind } from './vocabulary';

/** Public profile of a member, published by its admin. */
export interface OrgProfile {
  mspId: string;
  kind: OrgKind;
  displayName: string;
  specialities: string[];
  updatedAt: string;
}

export function parseOrgProfile(input: Input, mspId: string, updatedAt: string): OrgProfile {
  return {
    mspId,
    kind: oneOf(input, 'kind', ORG_KINDS),
    displayName: str(input, 'displayName', { max: 120 }),
    specialities: stringList(input, 'specialities'),
    updatedAt,
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
