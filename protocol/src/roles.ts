/**
 * Who acts on the ledger: the roles a member's CA writes into certificates (`ehr.role`) and the
 * kinds of member a majority of the consortium approves (SPEC §2).
 */

export const ROLES = ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The kinds of member; a member's kind decides which roles its CA may issue. */
export const ORG_KINDS = ['hospital', 'lab', 'insurer'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/**
 * The kind of member whose CA may issue each role; an admin may come from any member. A member
 * controls its own CA: without this, any member could make itself doctors.
 */
export const ROLE_ISSUERS: Readonly<Record<Exclude<Role, 'admin'>, OrgKind>> = {
  patient: 'hospital',
  doctor: 'hospital',
  billing: 'hospital',
  labtech: 'lab',
  adjuster: 'insurer',
};

/** The roles each kind of member has: those its kind issues, and admin. */
export const ROLES_BY_KIND: Readonly<Record<OrgKind, readonly Role[]>> = {
  hospital: rolesOf('hospital'),
  lab: rolesOf('lab'),
  insurer: rolesOf('insurer'),
};

function rolesOf(kind: OrgKind): Role[] {
  return ROLES.filter((role) => role === 'admin' || ROLE_ISSUERS[role] === kind);
}

/** Roles of a member's practitioners, registered in its directory (and carrying `ehr.practitionerId`). */
export const PRACTITIONER_ROLES = ['doctor', 'labtech'] as const;
export type PractitionerRole = (typeof PRACTITIONER_ROLES)[number];

/** True for a value that is one of `values` (a closed vocabulary). */
export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export const isRole = (value: unknown): value is Role => isOneOf(ROLES, value);
export const isOrgKind = (value: unknown): value is OrgKind => isOneOf(ORG_KINDS, value);

/** The roles that may ask to read a record body at all (each read still needs its own basis). */
export const RECORD_READER_ROLES = ['patient', 'doctor', 'labtech', 'adjuster'] as const satisfies readonly Role[];
