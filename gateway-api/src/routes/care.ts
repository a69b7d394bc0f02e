import { APPOINTMENT_STATUSES, BREAK_GLASS_REASONS, LAB_ORDER_STATUSES, LAB_PRIORITIES } from '@ehr/protocol';
import { ApiError, chaincodeErrorCode } from '../errors';
import type { RouteSpec } from '../http';
import {
  AppointmentCommitted,
  Appointment,
  AppointmentReason,
  BreakGlass,
  BreakGlassCommitted,
  BreakGlassReason,
  Committed,
  DATE,
  ErasureCommitted,
  ErasureRequest,
  FeedbackComment,
  FeedbackEntry,
  FeedbackSummary,
  int,
  LabOrder,
  LabOrderDetails,
  LabOrderDetailsHeld,
  oneOf,
  PRACTITIONER_ID,
  RecordBodyInput,
  withTxId,
} from '../schemas';
import {
  auditedReadRoute,
  committed,
  filter,
  ID,
  identity,
  ISO_TIME,
  listing,
  MSP_ID,
  object,
  param,
  type RouteDeps,
  str,
  lookup,
} from './common';

const LAB_ORDER_STATUS = oneOf(LAB_ORDER_STATUSES);
const APPOINTMENT_FILTERS = {
  day: { ...DATE, description: 'The day of the slot (UTC)' },
  status: oneOf(APPOINTMENT_STATUSES),
};

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
        minutes: int(1, 240),
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
    listing(
      deps,
      {
        path: '/v1/patients/:patientId/break-glass',
        operationId: 'listBreakGlass',
        summary: 'List break-glass windows of a patient',
        tag: 'break-glass',
        roles: ['patient', 'admin'],
        description: 'The windows and their reviews',
        item: BreakGlass,
      },
      (who, ctx, page) => ledger.breakGlassWindows(who, param(ctx, 'patientId'), page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/break-glass/pending',
        operationId: 'pendingBreakGlassReviews',
        summary: "List break-glass windows on the member's patients awaiting review",
        tag: 'break-glass',
        roles: ['admin'],
        description: 'The windows awaiting review, oldest first',
        item: BreakGlass,
      },
      (who, _ctx, page) => ledger.pendingBreakGlassReviews(who, page),
    ),
    auditedReadRoute(deps, {
      path: '/v1/break-glass/:breakGlassId/reason/read',
      operationId: 'readBreakGlassReason',
      summary: 'Read the free-text reason of a break-glass window (to review it)',
      tag: 'break-glass',
      roles: ['admin', 'doctor'],
      kind: 'breakGlassReason',
      idParam: 'breakGlassId',
      value: BreakGlassReason,
    }),
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
    listing(
      deps,
      {
        path: '/v1/erasure-requests',
        operationId: 'myErasureRequests',
        summary: 'List my erasure requests',
        tag: 'erasure',
        roles: ['patient'],
        description: 'The requests with their status and approvals',
        item: ErasureRequest,
      },
      (who, _ctx, page) => ledger.myErasureRequests(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/erasure-requests',
        operationId: 'pendingErasureRequests',
        summary: "List erasure requests awaiting the member's approval",
        tag: 'erasure',
        roles: ['admin'],
        description: 'The requests this member has yet to approve, oldest first',
        item: ErasureRequest,
      },
      (who, _ctx, page) => ledger.pendingErasureRequests(who, page),
    ),
    {
      method: 'post',
      path: '/v1/patients/:patientId/erasure-requests/:requestId/approval',
      operationId: 'approveErasure',
      summary: 'Approve an erasure request',
      tag: 'erasure',
      roles: ['admin'],
      responses: {
        200: {
          description:
            "The member's data of the patient purged, committed; the secure messages this gateway hosts of the " +
            'patient are deleted with it',
          schema: ErasureCommitted,
        },
      },
      handler: async (ctx) => {
        const patientId = param(ctx, 'patientId');
        let approved;
        try {
          approved = await ledger.approveErasure(identity(deps, ctx), patientId, param(ctx, 'requestId'));
        } catch (error) {
          // Approved already (a retry after a crash between the commit and the deletion): delete now.
          if (chaincodeErrorCode(error) === 'ALREADY_EXISTS') await deps.messages.erasePatient(patientId);
          throw error;
        }
        // The member's approval purged what it holds of the patient on the ledger; the messages it
        // hosts (its patients', kept by this gateway) go with it.
        await deps.messages.erasePatient(patientId);
        return committed(200, approved);
      },
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
        priority: oneOf(LAB_PRIORITIES),
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
    // Static paths before /v1/lab-orders/:orderId, which would take them as an id.
    listing(
      deps,
      {
        path: '/v1/lab-orders/queue',
        operationId: 'labQueue',
        summary: "List the lab's work queue",
        tag: 'lab-orders',
        roles: ['labtech', 'admin'],
        description: "Orders for the caller's lab, by status then oldest first",
        item: LabOrder,
        filters: { status: LAB_ORDER_STATUS },
      },
      (who, ctx, page) => ledger.labQueue(who, filter(ctx, 'status'), page),
    ),
    listing(
      deps,
      {
        path: '/v1/lab-orders/open',
        operationId: 'myOpenLabOrders',
        summary: 'List my open lab orders',
        tag: 'lab-orders',
        roles: ['doctor'],
        description: 'Orders I placed that are not completed or rejected, oldest first',
        item: LabOrder,
      },
      (who, _ctx, page) => ledger.myOpenLabOrders(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/patients/:patientId/lab-orders',
        operationId: 'patientLabOrders',
        summary: 'List the lab orders of a patient',
        tag: 'lab-orders',
        roles: ['patient', 'doctor', 'labtech', 'admin'],
        description: "The patient's own, or those of the caller's member",
        item: LabOrder,
      },
      (who, ctx, page) => ledger.patientLabOrders(who, param(ctx, 'patientId'), page),
    ),
    auditedReadRoute(deps, {
      path: '/v1/lab-orders/:orderId/details/read',
      operationId: 'readLabOrderDetails',
      summary: 'Read the tests a lab order asks for',
      tag: 'lab-orders',
      roles: ['labtech', 'doctor', 'patient'],
      kind: 'labOrderDetails',
      idParam: 'orderId',
      value: LabOrderDetailsHeld,
    }),
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
    listing(
      deps,
      {
        path: '/v1/appointments',
        operationId: 'listAppointments',
        summary: 'List my appointments',
        tag: 'appointments',
        roles: ['patient'],
        description: 'The appointments',
        item: Appointment,
      },
      (who, _ctx, page) => ledger.myAppointments(who, page),
    ),
    listing(
      deps,
      {
        path: '/v1/schedule',
        operationId: 'mySchedule',
        summary: 'List my appointments as a practitioner',
        tag: 'appointments',
        roles: ['doctor'],
        description: 'By day, then slot',
        item: Appointment,
        filters: APPOINTMENT_FILTERS,
      },
      (who, ctx, page) => ledger.practitionerSchedule(who, filter(ctx, 'day'), filter(ctx, 'status'), page),
    ),
    listing(
      deps,
      {
        path: '/v1/org/appointments',
        operationId: 'memberAppointments',
        summary: "List the member's appointments (schedule and history)",
        tag: 'appointments',
        roles: ['admin'],
        description: 'By day, then slot',
        item: Appointment,
        filters: APPOINTMENT_FILTERS,
      },
      (who, ctx, page) => ledger.memberAppointments(who, filter(ctx, 'day'), filter(ctx, 'status'), page),
    ),
    auditedReadRoute(deps, {
      path: '/v1/appointments/:appointmentId/reason/read',
      operationId: 'readAppointmentReason',
      summary: 'Read the reason the patient gave for an appointment',
      tag: 'appointments',
      roles: ['doctor', 'admin', 'patient'],
      kind: 'appointmentReason',
      idParam: 'appointmentId',
      value: AppointmentReason,
    }),
    auditedReadRoute(deps, {
      path: '/v1/appointments/:appointmentId/feedback/comment/read',
      operationId: 'readFeedbackComment',
      summary: "Read a patient's feedback comment",
      tag: 'appointments',
      roles: ['admin', 'doctor', 'patient'],
      kind: 'feedbackComment',
      idParam: 'appointmentId',
      value: FeedbackComment,
    }),
    listing(
      deps,
      {
        path: '/v1/practitioners/:practitionerId/feedback',
        operationId: 'practitionerFeedback',
        summary: "List the ratings of one of the member's practitioners",
        tag: 'appointments',
        roles: ['admin', 'doctor'],
        description: 'Ratings, oldest first (comments: read each with its audited read)',
        item: FeedbackEntry,
      },
      (who, ctx, page) => ledger.feedback(who, param(ctx, 'practitionerId'), page),
    ),
    lookup(
      deps,
      {
        path: '/v1/practitioners/:practitionerId/feedback/summary',
        operationId: 'practitionerFeedbackSummary',
        summary: "Summarise the ratings of one of the member's practitioners",
        tag: 'appointments',
        roles: ['admin', 'doctor'],
        description: 'How many of each rating, and the average',
        schema: FeedbackSummary,
      },
      (who, ctx) => ledger.feedbackSummary(who, param(ctx, 'practitionerId')),
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
      body: object(['rating'], {
        rating: int(1, 5),
        comment: { ...str(2000), description: "Held by the practitioner's member only" },
      }),
      responses: { 201: { description: 'The feedback, committed', schema: Committed } },
      handler: async (ctx) => {
        const body = ctx.body as { rating: number; comment?: string };
        return committed(
          201,
          await ledger.giveFeedback(identity(deps, ctx), { appointmentId: param(ctx, 'appointmentId'), ...body }),
        );
      },
    },
  ];
}
