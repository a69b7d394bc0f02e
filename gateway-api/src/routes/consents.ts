import type { RouteSpec } from '../http';
import { anyObject, committed, identity, ok, param, type RouteDeps } from './common';

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
      body: anyObject,
      responses: { 201: { description: 'The consent, committed' } },
      handler: async (ctx) => committed(201, await ledger.grantConsent(identity(deps, ctx), ctx.body)),
    },
    {
      method: 'get',
      path: '/v1/consents',
      operationId: 'listConsents',
      summary: 'List my consents',
      tag: 'consents',
      roles: ['patient'],
      responses: { 200: { description: 'The consents' } },
      handler: async (ctx) => ok(await ledger.listMyConsents(identity(deps, ctx))),
    },
    {
      method: 'delete',
      path: '/v1/consents/:consentId',
      operationId: 'revokeConsent',
      summary: 'Revoke a consent',
      tag: 'consents',
      roles: ['patient'],
      responses: { 200: { description: 'Revoked, committed' } },
      handler: async (ctx) => committed(200, await ledger.revokeConsent(identity(deps, ctx), param(ctx, 'consentId'))),
    },
  ];
}
