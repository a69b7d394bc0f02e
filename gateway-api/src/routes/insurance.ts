import { ApiError } from '../errors';
import { type RouteSpec, signedIn } from '../http';
import {
  Claim,
  ClaimCommitted,
  ClaimInput,
  ClaimLineDetails,
  Committed,
  list,
  Policy,
  PolicyCommitted,
  PolicyTerms,
} from '../schemas';
import { committed, ID, identity, object, param, type RouteDeps, str, lookup } from './common';

const invalid = (message: string) => new ApiError(400, 'INVALID_REQUEST', message);

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
      body: object(['patientId', 'terms'], { patientId: ID, terms: PolicyTerms }),
      responses: { 201: { description: 'The policy, committed', schema: PolicyCommitted } },
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
      body: object(['terms'], { terms: PolicyTerms }),
      responses: { 200: { description: 'Updated, committed', schema: Committed } },
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
      responses: { 200: { description: 'Ended, committed', schema: Committed } },
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
        schema: Policy,
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
      body: object(['claim'], { claim: ClaimInput, lineDetails: ClaimLineDetails }),
      responses: { 201: { description: 'The claim, committed', schema: ClaimCommitted } },
      handler: async (ctx) => {
        const claim = ctx.body.claim as Record<string, unknown>;
        const lineDetails = ctx.body.lineDetails as Record<string, unknown> | undefined;
        // Refused here rather than after the claim is committed: the chaincode takes line details
        // from the provider's billing staff only, and needs the provider of a patient's claim.
        if (signedIn(ctx).role === 'patient') {
          if (lineDetails) throw invalid("line details are sent by the provider's billing staff");
          if (claim.provider === undefined) throw invalid('a patient names the provider (claim.provider)');
        }
        return committed(201, await ledger.submitClaim(identity(deps, ctx), claim, lineDetails));
      },
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
        schema: list(Claim),
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
        schema: Claim,
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
      responses: { 200: { description: 'The claim with its adjudication, committed', schema: ClaimCommitted } },
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
      responses: { 200: { description: 'Paid, committed', schema: Committed } },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.recordPayment(identity(deps, ctx), param(ctx, 'claimId'), ctx.body.paymentRef as string),
        ),
    },
  ];
}
