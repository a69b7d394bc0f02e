import { RECORD_READER_ROLES, ROLES } from '@ehr/protocol';
import type { RouteSpec } from '../http';
import {
  AccessEvent,
  AccessTicketCommitted,
  CATEGORY,
  list,
  PURPOSE,
  RecordBody,
  RecordBodyInput,
  RecordCommitted,
  RecordHeader,
  RecordIntegrity,
  RecordVersion,
} from '../schemas';
import { ApiError } from '../errors';
import { signedIn } from '../http';
import { committed, ID, identity, listing, object, ok, param, type RouteDeps, lookup } from './common';

/** Doctors write clinical records; patients their own history (marked as patient-reported). */
const WRITERS = ['doctor', 'patient'] as const;

/** Records (create, amend, history, integrity) and audited reads. */
export function recordRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    {
      method: 'post',
      path: '/v1/records',
      operationId: 'createRecord',
      summary: 'Create a record',
      tag: 'records',
      roles: WRITERS,
      body: object(['patientId', 'category', 'body'], { patientId: ID, category: CATEGORY, body: RecordBodyInput }),
      responses: {
        201: { description: 'The record id, version and content hash, committed', schema: RecordCommitted },
      },
      handler: async (ctx) => {
        const { patientId, category, body } = ctx.body as {
          patientId: string;
          category: string;
          body: Record<string, unknown>;
        };
        const user = signedIn(ctx);
        if (user.role === 'patient' && user.attrs['ehr.patientId'] !== patientId) {
          throw new ApiError(403, 'FORBIDDEN', 'patients add records to their own history only');
        }
        return committed(201, await ledger.createRecord(identity(deps, ctx), { patientId, category, body }));
      },
    },
    {
      method: 'post',
      path: '/v1/records/:recordId/versions',
      operationId: 'amendRecord',
      summary: 'Amend a record',
      tag: 'records',
      roles: WRITERS,
      body: object(['body'], { body: RecordBodyInput }),
      responses: { 201: { description: 'The new version, committed', schema: RecordCommitted } },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.amendRecord(
            identity(deps, ctx),
            param(ctx, 'recordId'),
            ctx.body.body as Record<string, unknown>,
          ),
        ),
    },
    lookup(
      deps,
      {
        path: '/v1/records/:recordId',
        operationId: 'getRecord',
        summary: 'Read a record header',
        tag: 'records',
        roles: ROLES,
        description: 'The public header (no clinical content)',
        schema: RecordHeader,
      },
      (who, ctx) => ledger.getRecord(who, param(ctx, 'recordId')),
    ),
    lookup(
      deps,
      {
        path: '/v1/records/:recordId/versions',
        operationId: 'recordHistory',
        summary: 'List the versions of a record',
        tag: 'records',
        roles: ROLES,
        description: 'Every version with its hash and transaction',
        schema: list(RecordVersion),
      },
      (who, ctx) => ledger.recordHistory(who, param(ctx, 'recordId')),
    ),
    lookup(
      deps,
      {
        path: '/v1/records/:recordId/integrity',
        operationId: 'verifyRecord',
        summary: 'Check the integrity of a record',
        tag: 'records',
        roles: ROLES,
        description: "intact, mismatch or purged: the body's hash, recomputed on the custodian's peer",
        schema: RecordIntegrity,
      },
      (who, ctx) => ledger.verifyRecord(who, param(ctx, 'recordId')),
    ),
    listing(
      deps,
      {
        path: '/v1/patients/:patientId/records',
        operationId: 'patientRecords',
        summary: 'List the records of a patient',
        tag: 'records',
        roles: ROLES,
        description: 'Record headers, a page at a time',
        item: RecordHeader,
      },
      (who, ctx, page) => ledger.patientRecords(who, param(ctx, 'patientId'), page),
    ),
    {
      method: 'post',
      path: '/v1/records/:recordId/access',
      operationId: 'requestAccess',
      summary: 'Request access to a record',
      tag: 'access',
      roles: RECORD_READER_ROLES,
      body: object(['purpose'], { purpose: PURPOSE }),
      responses: { 201: { description: 'An access ticket, valid for 5 minutes', schema: AccessTicketCommitted } },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.requestAccess(identity(deps, ctx), param(ctx, 'recordId'), ctx.body.purpose as string),
        ),
    },
    {
      method: 'get',
      path: '/v1/records/:recordId/body/:ticketId',
      operationId: 'readRecordBody',
      summary: 'Read the clinical content of a record',
      tag: 'access',
      roles: RECORD_READER_ROLES,
      responses: { 200: { description: "The body, from the custodian's peer", schema: RecordBody } },
      handler: async (ctx) =>
        ok(await ledger.readRecordBody(identity(deps, ctx), param(ctx, 'recordId'), param(ctx, 'ticketId'))),
    },
    listing(
      deps,
      {
        path: '/v1/access-log',
        operationId: 'myAccessLog',
        summary: 'List who read my data',
        tag: 'access',
        roles: ['patient'],
        description: 'Access events, oldest first, a page at a time',
        item: AccessEvent,
      },
      (who, _ctx, page) => ledger.myAccessLog(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/access-log',
        operationId: 'orgAccessLog',
        summary: 'List reads of the data the member holds',
        tag: 'access',
        roles: ['admin'],
        description: 'Access events, oldest first, a page at a time',
        item: AccessEvent,
      },
      (who, _ctx, page) => ledger.orgAccessLog(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/flagged-reads',
        operationId: 'flaggedReads',
        summary: "List flagged reads of the member's patients",
        tag: 'access',
        roles: ['admin'],
        description:
          'Reads to review (under break-glass, or by staff without a care relationship) of the data of patients ' +
          'whose home member this is, wherever the data were held; oldest first',
        item: AccessEvent,
      },
      (who, _ctx, page) => ledger.flaggedReads(who, page),
    ),
  ];
}
