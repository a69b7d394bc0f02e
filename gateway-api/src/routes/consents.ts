import type { RouteSpec } from '../http';
import { Committed, Consent, ConsentCommitted, ConsentGrant } from '../schemas';
import { committed, identity, listing, param, type RouteDeps } from './common';

/** The patient's consents. */
export function consentRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    {
      method: 'post',
      path: '/v1/consents',
      operationId: 'grantConsent',
      summary: 'Grant a consent',
      tag: 'consents',
      roles: ['patient'],
      body: ConsentGrant,
      responses: { 201: { description: 'The consent, committed', schema: ConsentCommitted } },
      handler: async (ctx) => committed(201, await ledger.grantConsent(identity(deps, ctx), ctx.body)),
    },
    listing(
      deps,
      {
        path: '/v1/consents',
        operationId: 'listConsents',
        summary: 'List my consents',
        tag: 'consents',
        roles: ['patient'],
        description: 'The consents',
        item: Consent,
      },
      (who, _ctx, page) => ledger.listMyConsents(who, page),
    ),
    {
      method: 'delete',
      path: '/v1/consents/:consentId',
      operationId: 'revokeConsent',
      summary: 'Revoke a consent',
      tag: 'consents',
      roles: ['patient'],
      responses: { 200: { description: 'Revoked, committed', schema: Committed } },
      handler: async (ctx) => committed(200, await ledger.revokeConsent(identity(deps, ctx), param(ctx, 'consentId'))),
    },
  ];
}
