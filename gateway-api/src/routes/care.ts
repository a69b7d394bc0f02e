import type { RouteSpec } from '../http';
import { anyObject, committed, ID, identity, ISO_TIME, object, param, type RouteDeps, str, lookup } from './common';

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
        reasonCode: { type: 'string', enum: ['unconscious', 'life-threatening', 'patient-unable-to-consent', 'other'] },
        minutes: { type: 'integer', minimum: 1, maximum: 1440 },
        reason: str(4000),
      }),
      responses: { 201: { description: 'The window, committed' } },
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
      body: object(['outcome'], { outcome: { type: 'string', enum: ['justified', 'unjustified'] } }),
      responses: { 200: { description: 'Reviewed, committed' } },
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
      responses: { 201: { description: 'The request, committed' } },
      handler: async (ctx) => committed(201, await ledger.requestErasure(identity(deps, ctx))),
    },
    {
      method: 'post',
      path: '/v1/patients/:patientId/erasure-requests/:requestId/approval',
      operationId: 'approveErasure',
      summary: 'Approve an erasure request',
      tag: 'erasure',
      roles: ['admin'],
      responses: { 200: { description: "The member's data of the patient purged, committed" } },
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
        labMspId: str(64, '^[A-Za-z][A-Za-z0-9.-]*$'),
        priority: { type: 'string', enum: ['routine', 'urgent', 'stat'] },
        details: anyObject,
      }),
      responses: { 201: { description: 'The order, committed' } },
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
      body: object(['action'], { action: { type: 'string', enum: ['accept', 'start', 'reject'] }, reason: str(200) }),
      responses: { 200: { description: 'The new status, committed' } },
      handler: async (ctx) => {
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
      body: object(['body'], { body: anyObject }),
      responses: { 201: { description: 'The result record, committed; the result is ready' } },
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
        mspId: str(64),
        practitionerId: ID,
        slot: ISO_TIME,
        reason: str(2000),
      }),
      responses: { 201: { description: 'The appointment, committed' } },
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
      body: object(['action'], { action: { type: 'string', enum: ['confirm', 'cancel', 'complete'] } }),
      responses: { 200: { description: 'The new status, committed' } },
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
        practitionerMspId: str(64),
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        comment: str(2000),
      }),
      responses: { 201: { description: 'The feedback, committed' } },
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
