/**
 * Who is calling, derived only from the transaction creator: MSP ID and certificate attributes
 * issued by the member's CA. Arguments never name the caller's role, ids or org.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { forbidden } from './errors';

export const ROLES = ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'] as const;
export type Role = (typeof ROLES)[number];

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

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The caller as the certificate says; FORBIDDEN when it carries no usable role. */
export function caller(ctx: Context): Caller {
  const ci = ctx.clientIdentity;
  const role = ci.getAttributeValue('ehr.role');
  if (!role || !isRole(role)) throw forbidden('the certificate carries no ehr.role this ledger knows');
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

/** The caller, who must hold one of the roles. */
export function callerWithRole(ctx: Context, ...roles: Role[]): Caller {
  const who = caller(ctx);
  if (!roles.includes(who.role)) throw forbidden(`only ${roles.join(' or ')} may do this, not ${who.role}`);
  return who;
}
