/** Which roles each kind of member has (SPEC §2). */
export const ROLES_BY_KIND = {
  hospital: ['patient', 'doctor', 'billing', 'admin'],
  lab: ['labtech', 'admin'],
  insurer: ['adjuster', 'admin'],
} as const;

export type OrgKind = keyof typeof ROLES_BY_KIND;
export type Role = 'patient' | 'doctor' | 'labtech' | 'billing' | 'adjuster' | 'admin';
export const ALL_ROLES: readonly Role[] = ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'];
