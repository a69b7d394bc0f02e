import type { RouteSpec } from '../http';
import {
  HEX64,
  MemberKindApproval,
  MemberKinds,
  ORG_KIND,
  PatientRecovery,
  PatientRecoveryCommitted,
} from '../schemas';
import { committed, identity, listing, lookup, object, param, type RouteDeps } from './common';

/**
 * Decisions no member takes alone (SPEC §2): which kind a member is, and binding a new
 * certificate to a patient who lost theirs. Each member's admin approves in a transaction of
 * their own; the approval that makes a majority puts the decision into effect.
 */
export function consortiumRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    lookup(
      deps,
      {
        path: '/v1/consortium/member-kinds',
        operationId: 'memberKinds',
        summary: 'List member kinds and the proposals awaiting approvals',
        tag: 'consortium',
        roles: ['admin'],
        description: 'The kinds in effect, the proposals, and how many approvals a decision needs now',
        schema: MemberKinds,
      },
      (who) => ledger.memberKinds(who),
    ),
    {
      method: 'post',
      path: '/v1/consortium/member-kinds/:mspId/approval',
      operationId: 'approveMemberKind',
      summary: 'Approve the kind of a member',
      tag: 'consortium',
      roles: ['admin'],
      body: object(['kind'], { kind: ORG_KIND }),
      responses: {
        200: {
          description:
            "This member's approval, committed (the first proposes the kind); the kind takes effect, replacing any " +
            'before, with the approval that makes a majority',
          schema: MemberKindApproval,
        },
      },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.approveMemberKind(identity(deps, ctx), param(ctx, 'mspId'), ctx.body.kind as string),
        ),
    },
    {
      method: 'post',
      path: '/v1/patients/:patientId/recovery-requests',
      operationId: 'requestPatientRecovery',
      summary: 'Ask to bind a new certificate to a patient who lost theirs',
      tag: 'patients',
      roles: ['admin'],
      body: object(['fingerprint'], {
        fingerprint: {
          ...HEX64,
          description: 'SHA-256 (hex) of the new certificate, as the patient will sign with it',
        },
      }),
      responses: {
        201: {
          description:
            "The request, committed; only the patient's home member asks, and that is its approval. The patient " +
            'hears of it by an event',
          schema: PatientRecoveryCommitted,
        },
      },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.requestPatientRecovery(
            identity(deps, ctx),
            param(ctx, 'patientId'),
            ctx.body.fingerprint as string,
          ),
        ),
    },
    listing(
      deps,
      {
        path: '/v1/consortium/recovery-requests',
        operationId: 'pendingRecoveries',
        summary: 'List certificate recoveries awaiting approvals',
        tag: 'patients',
        roles: ['admin'],
        description: "Every member's recoveries not completed, oldest first, with their approvals",
        item: PatientRecovery,
      },
      (who, _ctx, page) => ledger.pendingRecoveries(who, page),
    ),
    {
      method: 'post',
      path: '/v1/patients/:patientId/recovery-requests/:requestId/approval',
      operationId: 'approvePatientRecovery',
      summary: 'Approve a certificate recovery',
      tag: 'patients',
      roles: ['admin'],
      responses: {
        200: {
          description:
            "This member's approval, committed; the approval that makes a majority replaces the patient's bound " +
            'certificates with the new one (status completed)',
          schema: PatientRecoveryCommitted,
        },
      },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.approvePatientRecovery(identity(deps, ctx), param(ctx, 'patientId'), param(ctx, 'requestId')),
        ),
    },
  ];
}
