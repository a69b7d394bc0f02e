import { ROLES } from '@ehr/protocol';
import { ApiError } from '../errors';
import type { RouteSpec } from '../http';
import {
  CareAssignmentCommitted,
  CarePatient,
  Committed,
  Demographics,
  DemographicsHeld,
  FreeBeds,
  list,
  ORG_KIND,
  OrgProfile,
  OrgProfileInput,
  PatientEntry,
  Practitioner,
  PractitionerInput,
  WardInput,
  withTxId,
} from '../schemas';
import {
  auditedReadRoute,
  committed,
  ID,
  identity,
  listing,
  MSP_ID,
  object,
  ok,
  param,
  type RouteDeps,
  str,
  lookup,
} from './common';

const OrgProfilePublished = withTxId(
  object(['mspId', 'kind', 'displayName', 'specialities'], {
    mspId: MSP_ID,
    kind: ORG_KIND,
    displayName: str(120),
    specialities: list(str(128, undefined, 0)),
  }),
);

/** The org directory, the member's profile, practitioners, patients and bed capacity. */
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
        roles: ROLES,
        description: 'Member profiles',
        schema: list(OrgProfile),
      },
      (who) => ledger.orgDirectory(who),
    ),
    {
      method: 'put',
      path: '/v1/org/profile',
      operationId: 'publishOrgProfile',
      summary: "Publish the member's profile",
      tag: 'directory',
      roles: ['admin'],
      body: OrgProfileInput,
      responses: {
        200: {
          description: "Published, committed; the kind is this gateway's member kind",
          schema: OrgProfilePublished,
        },
      },
      handler: async (ctx) => {
        // Read when a request comes: the route table is also built without accounts (api-document.ts).
        const { member } = deps.accounts;
        const profile = {
          kind: member.kind,
          displayName: ctx.body.displayName as string,
          specialities: ctx.body.specialities as string[],
        };
        const { txId } = await ledger.publishOrgProfile(identity(deps, ctx), profile);
        return ok({ txId, mspId: member.mspId, ...profile });
      },
    },
    lookup(
      deps,
      {
        path: '/v1/orgs/:mspId',
        operationId: 'orgProfile',
        summary: "Read a member's profile",
        tag: 'directory',
        roles: ROLES,
        description: 'The profile',
        schema: OrgProfile,
      },
      (who, ctx) => ledger.orgProfile(who, param(ctx, 'mspId')),
    ),
    listing(
      deps,
      {
        path: '/v1/my-patients',
        operationId: 'myPatients',
        summary: 'List my patients',
        tag: 'patients',
        roles: ['doctor'],
        description:
          'Patients I care for now (appointment, lab order, consent to me, assignment by my member, open break-glass window)',
        item: CarePatient,
      },
      (who, _ctx, page) => ledger.myPatients(who, page),
    ),
    auditedReadRoute(deps, {
      path: '/v1/patients/:patientId/demographics/read',
      operationId: 'readDemographics',
      summary: 'Read who a patient is (name, date of birth, contact)',
      tag: 'patients',
      roles: ['doctor', 'admin', 'patient'],
      kind: 'demographics',
      idParam: 'patientId',
      value: DemographicsHeld,
    }),
    lookup(
      deps,
      {
        path: '/v1/orgs/:mspId/practitioners',
        operationId: 'listPractitioners',
        summary: 'List the practitioners of a member',
        tag: 'directory',
        roles: ROLES,
        description: 'Practitioners',
        schema: list(Practitioner),
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
      body: PractitionerInput,
      responses: { 201: { description: 'Registered (or updated), committed', schema: Committed } },
      handler: async (ctx) => committed(201, await ledger.registerPractitioner(identity(deps, ctx), ctx.body)),
    },
    {
      method: 'post',
      path: '/v1/patients',
      operationId: 'registerPatient',
      summary: 'Register a patient',
      tag: 'patients',
      roles: ['admin'],
      body: object(['patientId', 'demographics'], { patientId: ID, demographics: Demographics }),
      responses: {
        201: { description: 'Registered, committed; demographics held by this member only', schema: Committed },
      },
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
    {
      method: 'put',
      path: '/v1/patients/:patientId/care-team/:practitionerId',
      operationId: 'assignCare',
      summary: "Assign a doctor of the member to a patient's care",
      tag: 'patients',
      roles: ['admin'],
      responses: {
        200: {
          description:
            "The assignment, committed (the running one when the doctor is assigned already): the doctor's reads of " +
            'what this member holds of the patient are not flagged; no basis at other members',
          schema: CareAssignmentCommitted,
        },
      },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.assignCare(identity(deps, ctx), param(ctx, 'practitionerId'), param(ctx, 'patientId')),
        ),
    },
    {
      method: 'delete',
      path: '/v1/patients/:patientId/care-team/:practitionerId',
      operationId: 'unassignCare',
      summary: "End a doctor's assignment to a patient's care",
      tag: 'patients',
      roles: ['admin'],
      responses: { 200: { description: 'Ended, committed: the care link no longer holds', schema: Committed } },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.unassignCare(identity(deps, ctx), param(ctx, 'practitionerId'), param(ctx, 'patientId')),
        ),
    },
    lookup(
      deps,
      {
        path: '/v1/patients/:patientId',
        operationId: 'getPatient',
        summary: 'Read a patient entry',
        tag: 'patients',
        roles: ROLES,
        description: 'The public entry (no demographics)',
        schema: PatientEntry,
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
      body: WardInput,
      responses: { 200: { description: 'Published, committed', schema: Committed } },
      handler: async (ctx) => {
        if ((ctx.body.occupied as number) > (ctx.body.total as number))
          throw new ApiError(400, 'INVALID_REQUEST', 'occupied beds cannot exceed total beds');
        return committed(200, await ledger.publishBeds(identity(deps, ctx), ctx.body));
      },
    },
    {
      method: 'get',
      path: '/v1/beds',
      operationId: 'freeBeds',
      summary: 'List hospitals with free beds',
      tag: 'beds',
      roles: ['doctor', 'admin'],
      query: object([], {
        ward: { ...str(64), description: 'Only wards of this name' },
        specialty: { ...str(64), description: 'Only wards of this specialty' },
      }),
      responses: { 200: { description: 'Free beds by hospital and ward', schema: list(FreeBeds) } },
      handler: async (ctx) => ok(await ledger.freeBeds(identity(deps, ctx), ctx.query)),
    },
  ];
}
