/** Appointments and their feedback as ledger keys, shared by the appointment contract and the readers. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key } from './ledger';
import type { Appointment, Feedback } from './types/appointment';
import { id } from './validate';

export const appointmentKey = (ctx: Context, appointmentId: string) => key(ctx, 'appointment', appointmentId);
/** Private, in the practitioner's member's collection: the reason the patient gave. */
export const reasonKey = (ctx: Context, appointmentId: string) => key(ctx, 'appointmentReason', appointmentId);
/** Private, in the practitioner's member's collection: the patient's feedback comment. */
export const commentKey = (ctx: Context, appointmentId: string) => key(ctx, 'feedbackComment', appointmentId);

export async function getAppointment(ctx: Context, appointmentId: string): Promise<Appointment> {
  const appointment = await getJson<Appointment>(ctx, appointmentKey(ctx, id(appointmentId, 'appointmentId')));
  if (!appointment) throw notFound(`appointment ${appointmentId} does not exist`);
  return appointment;
}

export { APPOINTMENT_STATUSES } from '@ehr/protocol';

/** Public: the patient's rating of an appointment. */
export const feedbackKey = (ctx: Context, appointmentId: string) => key(ctx, 'feedback', appointmentId);

/** The day (UTC) of a slot, YYYY-MM-DD: schedules are listed a day at a time. */
const dayOf = (slot: string) => slot.slice(0, 10);

/** Public index: a practitioner's appointments by day, in slot order. The slot never changes. */
export const PRACTITIONER_SCHEDULE = 'practitionerAppointment';
export const practitionerScheduleKey = (ctx: Context, a: Appointment) =>
  key(
    ctx,
    PRACTITIONER_SCHEDULE,
    a.practitioner.mspId,
    a.practitioner.practitionerId,
    dayOf(a.slot),
    a.slot,
    a.appointmentId,
  );

/** Public index: every appointment with a member's practitioners, by day, in slot order. */
export const MEMBER_SCHEDULE = 'memberAppointment';
export const memberScheduleKey = (ctx: Context, a: Appointment) =>
  key(ctx, MEMBER_SCHEDULE, a.practitioner.mspId, dayOf(a.slot), a.slot, a.appointmentId);

/** Public index: a practitioner's ratings, oldest first. */
export const PRACTITIONER_FEEDBACK = 'practitionerFeedback';
export const feedbackIndexKey = (ctx: Context, f: Feedback) =>
  key(ctx, PRACTITIONER_FEEDBACK, f.practitioner.mspId, f.practitioner.practitionerId, f.givenAt, f.appointmentId);

/** Public: the running tally of a practitioner's ratings. */
export const feedbackSummaryKey = (ctx: Context, mspId: string, practitionerId: string) =>
  key(ctx, 'feedbackSummary', mspId, practitionerId);
