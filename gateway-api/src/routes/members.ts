import type { RouteSpec } from '../http';
import { anyObject, committed, ID, identity, ok, param, type RouteDeps, lookup } from './common';

/** The org directory, practitioners, patients and bed capacity. */
export function memberRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    lookup(
      deps,
      {
        path: '/v1/orgs',
        operationId: 'orgDirectory',
        summary: 'List the members',
        tag: 'directory',
        roles: ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'],
        description: 'Member profiles',
      },
      (who) => ledger.orgDirectory(who),
    ),
    lookup(
      deps,
      {
        path: '/v1/orgs/:mspId/practitioners',
        operationId: 'listPractitioners',
        summary: 'List the practitioners of a member',
        tag: 'directory',
        roles: ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'],
        description: 'Practitioners',
      },
      (who, ctx) => ledger.practitioners(who, param(ctx, 'mspId')),
    ),
    {
      method: 'post',
      path: '/v1/practitioners',
      operationId: 'registerPractitioner',
      summary: 'Register a practitioner',
      tag: 'directory',
      roles: ['admin'],
      body: anyObject,
      responses: { 201: { description: 'Registered, committed' } },
      handler: async (ctx) => committed(201, await ledger.registerPractitioner(identity(deps, ctx), ctx.body)),
    },
    {
      method: 'post',
      path: '/v1/patients',
      operationId: 'registerPatient',
      summary: 'Register a patient',
      tag: 'patients',
      roles: ['admin'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['patientId', 'demographics'],
        properties: { patientId: ID, demographics: anyObject },
      },
      responses: { 201: { description: 'Registered, committed; demographics held by this member only' } },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.registerPatient(
            identity(deps, ctx),
            ctx.body.patientId as string,
            ctx.body.demographics as Record<string, unknown>,
          ),
        ),
    },
    lookup(
      deps,
      {
        path: '/v1/patients/:patientId',
        operationId: 'getPatient',
        summary: 'Read a patient entry',
        tag: 'patients',
        roles: ['patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin'],
        description: 'The public entry (no demographics)',
      },
      (who, ctx) => ledger.getPatient(who, param(ctx, 'patientId')),
    ),
    {
      method: 'put',
      path: '/v1/beds',
      operationId: 'publishBeds',
      summary: 'Publish the beds of a ward',
      tag: 'beds',
      roles: ['admin'],
      body: anyObject,
      responses: { 200: { description: 'Published, committed' } },
      handler: async (ctx) => committed(200, await ledger.publishBeds(identity(deps, ctx), ctx.body)),
    },
    {
      method: 'get',
      path: '/v1/beds',
      operationId: 'freeBeds',
      summary: 'List hospitals with free beds',
      tag: 'beds',
      roles: ['doctor', 'admin'],
      responses: { 200: { description: 'Free beds by hospital and ward' } },
      handler: async (ctx) => {
        const filter: Record<string, string> = {};
        for (const key of ['ward', 'specialty']) {
          const value = ctx.req.query[key];
          if (typeof value === 'string') filter[key] = value;
        }
        return ok(await ledger.freeBeds(identity(deps, ctx), filter));
      },
    },
  ];
}
