import { BILL_STATUSES, CLAIM_STATUSES } from '@ehr/protocol';
import { ApiError } from '../errors';
import { type RouteSpec, signedIn } from '../http';
import {
  Bill,
  BillCommitted,
  BillInput,
  BillIssuedCommitted,
  BillItemsHeld,
  BillPayment,
  Claim,
  ClaimCommitted,
  ClaimFromBill,
  ClaimInput,
  ClaimLineDetails,
  ClaimLinesHeld,
  Committed,
  oneOf,
  Policy,
  PolicyCommitted,
  PolicyTerms,
} from '../schemas';
import {
  auditedReadRoute,
  committed,
  filter,
  ID,
  identity,
  listing,
  object,
  param,
  type RouteDeps,
  str,
  lookup,
} from './common';

const invalid = (message: string) => new ApiError(400, 'INVALID_REQUEST', message);

/** Policies, claims and bills. */
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
    listing(
      deps,
      {
        path: '/v1/policies',
        operationId: 'myPolicies',
        summary: 'List my policies',
        tag: 'policies',
        roles: ['patient'],
        description: 'The policies',
        item: Policy,
      },
      (who, _ctx, page) => ledger.myPolicies(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/patients/:patientId/policies',
        operationId: 'patientPolicies',
        summary: 'List the policies of a patient',
        tag: 'policies',
        roles: ['patient', 'adjuster', 'billing'],
        description: "Adjusters see their insurer's; ?active=true: active and valid now",
        item: Policy,
        filters: { active: { type: 'boolean' } },
      },
      (who, ctx, page) => ledger.patientPolicies(who, param(ctx, 'patientId'), ctx.query.active === true, page),
    ),
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
    listing(
      deps,
      {
        path: '/v1/claims',
        operationId: 'listClaims',
        summary: 'List my claims',
        tag: 'claims',
        roles: ['patient'],
        description: 'The claims and their statuses',
        item: Claim,
      },
      (who, _ctx, page) => ledger.myClaims(who, page),
    ),
    // Static paths before /v1/claims/:claimId.
    listing(
      deps,
      {
        path: '/v1/claims/queue',
        operationId: 'insurerClaims',
        summary: "List claims submitted to the adjuster's insurer",
        tag: 'claims',
        roles: ['adjuster'],
        description: 'With a status: oldest first. Without one: every status, newest first',
        item: Claim,
        filters: { status: oneOf(CLAIM_STATUSES) },
      },
      (who, ctx, page) => ledger.insurerClaims(who, filter(ctx, 'status'), page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/claims',
        operationId: 'providerClaims',
        summary: "List the member's claims",
        tag: 'claims',
        roles: ['billing'],
        description: 'With a status: oldest first. Without one: every status, newest first',
        item: Claim,
        filters: { status: oneOf(CLAIM_STATUSES) },
      },
      (who, ctx, page) => ledger.providerClaims(who, filter(ctx, 'status'), page),
    ),
    auditedReadRoute(deps, {
      path: '/v1/claims/:claimId/lines/read',
      operationId: 'readClaimLines',
      summary: 'Read the line details of a claim',
      tag: 'claims',
      roles: ['adjuster', 'billing', 'patient'],
      kind: 'claimLines',
      idParam: 'claimId',
      value: ClaimLinesHeld,
    }),
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
    lookup(
      deps,
      {
        path: '/v1/claims/:claimId/adjudication',
        operationId: 'previewAdjudication',
        summary: "Compute a claim's adjudication without committing it",
        tag: 'claims',
        roles: ['adjuster'],
        description:
          "The claim as adjudicating it now would leave it (status, approved amounts, reason codes), computed by the insurer's own peer; nothing is committed",
        schema: Claim,
      },
      (who, ctx) => ledger.previewAdjudication(who, param(ctx, 'claimId')),
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
    {
      method: 'post',
      path: '/v1/bills',
      operationId: 'issueBill',
      summary: 'Bill a patient for completed care',
      tag: 'bills',
      roles: ['billing'],
      body: BillInput,
      responses: {
        201: { description: 'The bill, committed; the items in words stay here', schema: BillIssuedCommitted },
      },
      handler: async (ctx) => {
        const input = ctx.body as {
          patientId: string;
          basis: { kind: string; id: string };
          items: Record<string, unknown>[];
        };
        return committed(201, await ledger.issueBill(identity(deps, ctx), input));
      },
    },
    listing(
      deps,
      {
        path: '/v1/bills',
        operationId: 'myBills',
        summary: 'List my bills',
        tag: 'bills',
        roles: ['patient'],
        description: 'With what the insurer covers, what was paid and what remains',
        item: Bill,
      },
      (who, _ctx, page) => ledger.myBills(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/bills',
        operationId: 'providerBills',
        summary: "List the member's bills",
        tag: 'bills',
        roles: ['billing', 'admin'],
        description: 'By status, then oldest first',
        item: Bill,
        filters: { status: oneOf(BILL_STATUSES) },
      },
      (who, ctx, page) => ledger.providerBills(who, filter(ctx, 'status'), page),
    ),
    lookup(
      deps,
      {
        path: '/v1/bills/:billId',
        operationId: 'getBill',
        summary: 'Read a bill',
        tag: 'bills',
        roles: ['patient', 'billing', 'admin'],
        description: 'The bill as of now',
        schema: Bill,
      },
      (who, ctx) => ledger.bill(who, param(ctx, 'billId')),
    ),
    auditedReadRoute(deps, {
      path: '/v1/bills/:billId/items/read',
      operationId: 'readBillItems',
      summary: 'Read the items of a bill',
      tag: 'bills',
      roles: ['patient', 'billing', 'admin'],
      kind: 'billItems',
      idParam: 'billId',
      value: BillItemsHeld,
    }),
    {
      method: 'post',
      path: '/v1/bills/:billId/payments',
      operationId: 'recordBillPayment',
      summary: "Record the patient's payment of a bill",
      tag: 'bills',
      roles: ['billing'],
      body: BillPayment,
      responses: { 201: { description: 'The bill after the payment, committed', schema: BillCommitted } },
      handler: async (ctx) => {
        const { amount, paymentRef } = ctx.body as { amount: number; paymentRef: string };
        return committed(
          201,
          await ledger.recordBillPayment(identity(deps, ctx), param(ctx, 'billId'), amount, paymentRef),
        );
      },
    },
    {
      method: 'post',
      path: '/v1/bills/:billId/settlement',
      operationId: 'settleBill',
      summary: 'Mark a bill paid once nothing remains (the insurer covered it)',
      tag: 'bills',
      roles: ['billing'],
      responses: { 200: { description: 'The bill, paid, committed', schema: BillCommitted } },
      handler: async (ctx) => committed(200, await ledger.settleBill(identity(deps, ctx), param(ctx, 'billId'))),
    },
    {
      method: 'post',
      path: '/v1/bills/:billId/claims',
      operationId: 'claimFromBill',
      summary: 'Claim a bill from the patient’s insurer',
      tag: 'bills',
      roles: ['billing'],
      body: ClaimFromBill,
      responses: {
        201: { description: "A claim of the bill's lines that cite a record, committed", schema: ClaimCommitted },
      },
      handler: async (ctx) => {
        const input = ctx.body as { policyId: string; lineDetails?: Record<string, unknown> };
        return committed(201, await ledger.claimFromBill(identity(deps, ctx), param(ctx, 'billId'), input));
      },
    },
  ];
}
