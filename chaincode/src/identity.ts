/**
 * Who is calling, derived only from the transaction creator: MSP ID and certificate attributes
 * issued by the member's CA. Arguments never name the caller's role, ids or org.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { isRole, type Role, ROLE_ISSUERS } from '@ehr/protocol';
import { forbidden } from './errors';
import { memberKind } from './members';

export { type Role, ROLE_ISSUERS, ROLES } from '@ehr/protocol';

export interface Caller {
  mspId: string;
  role: Role;
  /** The certificate's subject and issuer, unique per identity. */
  id: string;
  /** SHA-256 of the creator certificate, hex. */
  fingerprint: string;
  patientId?: string;
  practitionerId?: string;
}

/** The caller as the certificate says; FORBIDDEN when it carries no usable role. */
export function caller(ctx: Context): Caller {
  const ci = ctx.clientIdentity;
  const role = ci.getAttributeValue('ehr.role');
  if (!isRole(role)) throw forbidden('the certificate carries no ehr.role this ledger knows');
  const result: Caller = {
    mspId: ci.getMSPID(),
    role,
    id: ci.getID(),
    fingerprint: createHash('sha256').update(ci.getIDBytes()).digest('hex'),
  };
  if (role === 'patient') {
    const patientId = ci.getAttributeValue('ehr.patientId');
    if (!patientId) throw forbidden('a patient certificate must carry ehr.patientId');
    result.patientId = patientId;
  }
  if (role === 'doctor' || role === 'labtech') {
    const practitionerId = ci.getAttributeValue('ehr.practitionerId');
    if (!practitionerId) throw forbidden(`a ${role} certificate must carry ehr.practitionerId`);
    result.practitionerId = practitionerId;
  }
  return result;
}

/**
 * FORBIDDEN unless `mspId` is of the kind that may issue `role` (always, for admin). The kind is
 * the one a majority of members approved (members.ts), read at this transaction.
 */
export async function requireIssuer(ctx: Context, mspId: string, role: Role): Promise<void> {
  if (role === 'admin') return;
  const issuer = ROLE_ISSUERS[role];
  const kind = await memberKind(ctx, mspId);
  if (kind !== issuer) {
    const is = kind === undefined ? 'of no kind a majority approved' : `of kind ${kind}`;
    throw forbidden(`the role ${role} counts only when issued by a member of kind ${issuer}, and ${mspId} is ${is}`);
  }
}

/**
 * The caller, who must hold one of the roles, issued by a member of a kind that may issue it:
 * a member with no approved kind has no roles but admin.
 */
export async function callerWithRole(ctx: Context, ...roles: Role[]): Promise<Caller> {
  const who = caller(ctx);
  if (!roles.includes(who.role)) throw forbidden(`only ${roles.join(' or ')} may do this, not ${who.role}`);
  await requireIssuer(ctx, who.mspId, who.role);
  return who;
}
