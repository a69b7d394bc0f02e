import { ApiError } from '../errors';
import type { RouteSpec } from '../http';
import {
  AppointmentCommitted,
  Appointment,
  BREAK_GLASS_REASONS,
  BreakGlass,
  BreakGlassCommitted,
  Committed,
  ErasureCommitted,
  int,
  LabOrder,
  LabOrderDetails,
  list,
  oneOf,
  PRACTITIONER_ID,
  RecordBodyInput,
  withTxId,
} from '../schemas';
import { committed, ID, identity, ISO_TIME, MSP_ID, object, param, type RouteDeps, str, lookup } from './common';

const LabOrderCreated = withTxId(object(['orderId'], { orderId: ID }));
const LabResultPosted = withTxId(object(['orderId', 'recordId'], { orderId: ID, recordId: ID }));

/** Break-glass, erasure, lab orders, appointments and feedback. */
export function careRoutes(deps: RouteDeps): RouteSpec[] {
  const { ledger } = deps;
  return [
    {
      method: 'post',
      path: '/v1/break-glass',
      operationId: 'openBreakGlass',
      summary: 'Open a break-glass window',
      tag: 'break-glass',
      roles: ['doctor'],
      body: object(['patientId', 'reasonCode', 'minutes'], {
        patientId: ID,
        reasonCode: oneOf(BREAK_GLASS_REASONS),
        minutes: int(1, 1440),
        reason: str(4000),
      }),
      responses: { 201: { description: 'The window, committed', schema: BreakGlassCommitted } },
      handler: async (ctx) => {
        const body = ctx.body as { patientId: string; reasonCode: string; minutes: number; reason?: string };
        return committed(201, await ledger.openBreakGlass(identity(deps, ctx), body));
      },
    },
    {
      method: 'post',
      path: '/v1/patients/:patientId/break-glass/:breakGlassId/review',
      operationId: 'reviewBreakGlass',
      summary: 'Review a break-glass window',
      tag: 'break-glass',
      roles: ['admin'],
      body: object(['outcome'], { outcome: oneOf(['justified', 'unjustified']) }),
      responses: { 200: { description: 'Reviewed, committed', schema: Committed } },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.reviewBreakGlass(
            identity(deps, ctx),
            param(ctx, 'patientId'),
            param(ctx, 'breakGlassId'),
            ctx.body.outcome as string,
          ),
        ),
    },
    lookup(
      deps,
      {
        path: '/v1/patients/:patientId/break-glass',
        operationId: 'listBreakGlass',
        summary: 'List break-glass windows of a patient',
        tag: 'break-glass',
        roles: ['patient', 'admin'],
        description: 'The windows and their reviews',
        schema: list(BreakGlass),
      },
      (who, ctx) => ledger.breakGlassWindows(who, param(ctx, 'patientId')),
    ),
    {
      method: 'post',
      path: '/v1/erasure-requests',
      operationId: 'requestErasure',
      summary: 'Request erasure of my data',
      tag: 'erasure',
      roles: ['patient'],
      responses: { 201: { description: 'The request, committed', schema: ErasureCommitted } },
      handler: async (ctx) => committed(201, await ledger.requestErasure(identity(deps, ctx))),
    },
    {
      method: 'post',
      path: '/v1/patients/:patientId/erasure-requests/:requestId/approval',
      operationId: 'approveErasure',
      summary: 'Approve an erasure request',
      tag: 'erasure',
      roles: ['admin'],
      responses: {
        200: { description: "The member's data of the patient purged, committed", schema: ErasureCommitted },
      },
      handler: async (ctx) =>
        committed(
          200,
          await ledger.approveErasure(identity(deps, ctx), param(ctx, 'patientId'), param(ctx, 'requestId')),
        ),
    },
    {
      method: 'post',
      path: '/v1/lab-orders',
      operationId: 'orderLabTests',
      summary: 'Order lab tests',
      tag: 'lab-orders',
      roles: ['doctor'],
      body: object(['patientId', 'labMspId', 'priority', 'details'], {
        patientId: ID,
        labMspId: MSP_ID,
        priority: oneOf(['routine', 'urgent', 'stat']),
        details: LabOrderDetails,
      }),
      responses: { 201: { description: 'The order, committed', schema: LabOrderCreated } },
      handler: async (ctx) => {
        const body = ctx.body as {
          patientId: string;
          labMspId: string;
          priority: string;
          details: Record<string, unknown>;
        };
        return committed(201, await ledger.orderLabTests(identity(deps, ctx), body));
      },
    },
    lookup(
      deps,
      {
        path: '/v1/lab-orders/:orderId',
        operationId: 'getLabOrder',
        summary: 'Read a lab order',
        tag: 'lab-orders',
        roles: ['patient', 'doctor', 'labtech', 'admin'],
        description: 'The order and its status',
        schema: LabOrder,
      },
      (who, ctx) => ledger.labOrder(who, param(ctx, 'orderId')),
    ),
    {
      method: 'post',
      path: '/v1/lab-orders/:orderId/status',
      operationId: 'moveLabOrder',
      summary: 'Accept, start or reject a lab order',
      tag: 'lab-orders',
      roles: ['labtech'],
      body: object(['action'], { action: oneOf(['accept', 'start', 'reject']), reason: str(200) }),
      responses: { 200: { description: 'The new status, committed', schema: Committed } },
      handler: async (ctx) => {
        if (ctx.body.action === 'reject' && ctx.body.reason === undefined)
          throw new ApiError(400, 'INVALID_REQUEST', 'a rejection needs a reason');
        const action = ({ accept: 'Accept', start: 'Start', reject: 'Reject' } as const)[
          ctx.body.action as 'accept' | 'start' | 'reject'
        ];
        return committed(
          200,
          await ledger.moveLabOrder(
            identity(deps, ctx),
            param(ctx, 'orderId'),
            action,
            ctx.body.reason as string | undefined,
          ),
        );
      },
    },
    {
      method: 'post',
      path: '/v1/lab-orders/:orderId/result',
      operationId: 'postLabResult',
      summary: 'Post a lab result',
      tag: 'lab-orders',
      roles: ['labtech'],
      body: object(['body'], { body: RecordBodyInput }),
      responses: {
        201: { description: 'The result record, committed; the result is ready', schema: LabResultPosted },
      },
      handler: async (ctx) =>
        committed(
          201,
          await ledger.postLabResult(
            identity(deps, ctx),
            param(ctx, 'orderId'),
            ctx.body.body as Record<string, unknown>,
          ),
        ),
    },
    {
      method: 'post',
      path: '/v1/appointments',
      operationId: 'requestAppointment',
      summary: 'Request an appointment',
      tag: 'appointments',
      roles: ['patient'],
      body: object(['mspId', 'practitionerId', 'slot'], {
        mspId: MSP_ID,
        practitionerId: PRACTITIONER_ID,
        slot: ISO_TIME,
        reason: str(2000),
      }),
      responses: { 201: { description: 'The appointment, committed', schema: AppointmentCommitted } },
      handler: async (ctx) => {
        const body = ctx.body as { mspId: string; practitionerId: string; slot: string; reason?: string };
        return committed(201, await ledger.requestAppointment(identity(deps, ctx), body));
      },
    },
    lookup(
      deps,
      {
        path: '/v1/appointments',
        operationId: 'listAppointments',
        summary: 'List my appointments',
        tag: 'appointments',
        roles: ['patient'],
        description: 'The appointments',
        schema: list(Appointment),
      },
      (who) => ledger.myAppointments(who),
    ),
    {
      method: 'post',
      path: '/v1/appointments/:appointmentId/status',
      operationId: 'moveAppointment',
      summary: 'Confirm, cancel or complete an appointment',
      tag: 'appointments',
      roles: ['patient', 'doctor', 'admin'],
      body: object(['action'], { action: oneOf(['confirm', 'cancel', 'complete']) }),
      responses: { 200: { description: 'The new status, committed', schema: Committed } },
      handler: async (ctx) => {
        const action = ({ confirm: 'Confirm', cancel: 'Cancel', complete: 'Complete' } as const)[
          ctx.body.action as 'confirm' | 'cancel' | 'complete'
        ];
        return committed(200, await ledger.moveAppointment(identity(deps, ctx), param(ctx, 'appointmentId'), action));
      },
    },
    {
      method: 'post',
      path: '/v1/appointments/:appointmentId/feedback',
      operationId: 'giveFeedback',
      summary: 'Rate a completed appointment',
      tag: 'appointments',
      roles: ['patient'],
      body: object(['practitionerMspId', 'rating'], {
        practitionerMspId: MSP_ID,
        rating: int(1, 5),
        comment: str(2000),
      }),
      responses: { 201: { description: 'The feedback, committed', schema: Committed } },
      handler: async (ctx) => {
        const body = ctx.body as { practitionerMspId: string; rating: number; comment?: string };
        return committed(
          201,
          await ledger.giveFeedback(identity(deps, ctx), { appointmentId: param(ctx, 'appointmentId'), ...body }),
        );
      },
    },
  ];
}
