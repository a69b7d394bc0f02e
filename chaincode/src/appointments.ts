/** Appointments and their feedback as ledger keys, shared by the appointment contract and the readers. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key } from './ledger';
import type { Appointment } from './types/appointment';
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
