import type { RouteSpec } from '../http';
import { anyObject, committed, ID, identity, object, param, type RouteDeps, str, lookup } from './common';

/** Policies and claims. */
export function insuranceRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    {
      method: 'post',
      path: '/v1/policies',
      operationId: 'issuePolicy',
      summary: 'Issue a policy',
      tag: 'policies',
      roles: ['adjuster'],
      body: object(['patientId', 'terms'], { patientId: ID, terms: anyObject }),
      responses: { 201: { description: 'The policy, committed' } },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.issuePolicy(
            identity(deps, ctx),
            ctx.body.patientId as string,
            ctx.body.terms as Record<string, unknown>,
          ),
        ),
    },
    {
      method: 'put',
      path: '/v1/policies/:policyId',
      operationId: 'updatePolicy',
      summary: 'Update a policy',
      tag: 'policies',
      roles: ['adjuster'],
      body: object(['terms'], { terms: anyObject }),
      responses: { 200: { description: 'Updated, committed' } },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.updatePolicy(
            identity(deps, ctx),
            param(ctx, 'policyId'),
            ctx.body.terms as Record<string, unknown>,
          ),
        ),
    },
    {
      method: 'delete',
      path: '/v1/policies/:policyId',
      operationId: 'endPolicy',
      summary: 'End a policy',
      tag: 'policies',
      roles: ['adjuster'],
      responses: { 200: { description: 'Ended, committed' } },
      handler: async (ctx) => committed(200, await ledger.endPolicy(identity(deps, ctx), param(ctx, 'policyId'))),
    },
    lookup(
      deps,
      {
        path: '/v1/policies/:policyId',
        operationId: 'getPolicy',
        summary: 'Read a policy',
        tag: 'policies',
        roles: ['patient', 'adjuster', 'billing', 'admin'],
        description: 'The policy',
      },
      (who, ctx) => ledger.policy(who, param(ctx, 'policyId')),
    ),
    {
      method: 'post',
      path: '/v1/claims',
      operationId: 'submitClaim',
      summary: 'Submit a claim',
      tag: 'claims',
      roles: ['billing', 'patient'],
      body: object(['claim'], { claim: anyObject, lineDetails: anyObject }),
      responses: { 201: { description: 'The claim, committed' } },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.submitClaim(
            identity(deps, ctx),
            ctx.body.claim as Record<string, unknown>,
            ctx.body.lineDetails as Record<string, unknown> | undefined,
          ),
        ),
    },
    lookup(
      deps,
      {
        path: '/v1/claims',
        operationId: 'listClaims',
        summary: 'List my claims',
        tag: 'claims',
        roles: ['patient'],
        description: 'The claims and their statuses',
      },
      (who) => ledger.myClaims(who),
    ),
    lookup(
      deps,
      {
        path: '/v1/claims/:claimId',
        operationId: 'getClaim',
        summary: 'Read a claim',
        tag: 'claims',
        roles: ['patient', 'billing', 'adjuster', 'admin'],
        description: 'The claim',
      },
      (who, ctx) => ledger.claim(who, param(ctx, 'claimId')),
    ),
    {
      method: 'post',
      path: '/v1/claims/:claimId/adjudication',
      operationId: 'adjudicateClaim',
      summary: 'Adjudicate a claim',
      tag: 'claims',
      roles: ['adjuster'],
      responses: { 200: { description: 'The decision, committed' } },
      handler: async (ctx) => committed(200, await ledger.adjudicateClaim(identity(deps, ctx), param(ctx, 'claimId'))),
    },
    {
      method: 'post',
      path: '/v1/claims/:claimId/payment',
      operationId: 'recordPayment',
      summary: 'Record a claim payment',
      tag: 'claims',
      roles: ['adjuster'],
      body: object(['paymentRef'], { paymentRef: str(64, '^[A-Za-z0-9_-]+$') }),
      responses: { 200: { description: 'Paid, committed' } },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.recordPayment(identity(deps, ctx), param(ctx, 'claimId'), ctx.body.paymentRef as string),
        ),
    },
  ];
}
