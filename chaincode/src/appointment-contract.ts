import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { addCareLink, getPatient, isThePatient } from './basis';
import { ChaincodeError, forbidden, invalid, notFound } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson, marshal } from './json';
import { appointmentKey, commentKey, getAppointment, reasonKey } from './appointments';
import { emit, getJson, implicitCollection, key, listJson, putJson, txTime, transientJson } from './ledger';
import type { Appointment, AppointmentStatus, Feedback } from './types/appointment';
import type { Practitioner } from './types/directory';
import { id, isoTime, MSP_PATTERN } from './validate';

const slotKey = (ctx: Context, a: Appointment) =>
  key(ctx, 'slot', a.practitioner.mspId, a.practitioner.practitionerId, a.slot);

/**
 * Appointments and feedback: the patient requests a slot with a practitioner; the practitioner's
 * member confirms or cancels; the practitioner completes; the patient may cancel their own
 * request and, once completed, rate it once. No practitioner is confirmed twice for one slot.
 */
@Info({ title: 'Appointments', description: 'Appointments and feedback' })
export class AppointmentContract extends Contract {
  constructor() {
    super('appointments');
  }

  @Transaction()
  @Returns('string')
  async Request(ctx: Context, practitionerMspId: string, practitionerId: string, slotTime: string): Promise<string> {
    const who = await this.#patient(ctx);
    if (!MSP_PATTERN.test(practitionerMspId)) throw invalid('practitionerMspId must be an MSP ID');
    const practitioner = await getJson<Practitioner>(
      ctx,
      key(ctx, 'practitioner', practitionerMspId, id(practitionerId, 'practitionerId')),
    );
    if (practitioner?.status !== 'active')
      throw notFound(`no active practitioner ${practitionerId} at ${practitionerMspId}`);
    const slot = isoTime({ slot: slotTime }, 'slot');
    if (slot <= txTime(ctx)) throw invalid('the slot must be in the future');
    const now = txTime(ctx);
    const appointment: Appointment = {
      appointmentId: `APT-${ctx.stub.getTxID().slice(0, 32)}`,
      patientId: who.patientId ?? '',
      practitioner: { mspId: practitionerMspId, practitionerId },
      slot,
      status: 'requested',
      createdAt: now,
      updatedAt: now,
    };
    await this.#save(ctx, appointment);
    await putJson(ctx, key(ctx, 'patientAppointment', appointment.patientId, appointment.appointmentId), {
      appointmentId: appointment.appointmentId,
    });
    if (practitioner.role === 'doctor') {
      await addCareLink(ctx, appointment.practitioner, appointment.patientId, {
        via: 'appointment',
        ref: appointment.appointmentId,
      });
    }
    return canonicalJson(appointment);
  }

  /** The patient's reason (transient `reason`), held by the practitioner's member only. */
  @Transaction()
  async StoreReason(ctx: Context, appointmentId: string): Promise<void> {
    const who = await this.#patient(ctx);
    const appointment = await this.#get(ctx, appointmentId);
    if (appointment.patientId !== who.patientId) throw forbidden('only the patient states the reason');
    const reason = transientJson(ctx, 'reason');
    if (reason.length > 2000) throw invalid('the reason is longer than 2000 characters');
    await ctx.stub.putPrivateData(
      implicitCollection(appointment.practitioner.mspId),
      reasonKey(ctx, appointmentId),
      marshal({ appointmentId, reason }),
    );
  }

  @Transaction()
  async Confirm(ctx: Context, appointmentId: string): Promise<void> {
    const appointment = await this.#get(ctx, appointmentId);
    this.#practitionerSide(callerWithRole(ctx, 'doctor', 'admin'), appointment);
    this.#expect(appointment, 'requested');
    const taken = await getJson<{ appointmentId: string }>(ctx, slotKey(ctx, appointment));
    if (taken) throw new ChaincodeError('CONFLICT', `the practitioner is already booked at ${appointment.slot}`);
    await putJson(ctx, slotKey(ctx, appointment), { appointmentId });
    await this.#save(ctx, { ...appointment, status: 'confirmed', updatedAt: txTime(ctx) });
  }

  @Transaction()
  async Cancel(ctx: Context, appointmentId: string): Promise<void> {
    const who = callerWithRole(ctx, 'patient', 'doctor', 'admin');
    const appointment = await this.#get(ctx, appointmentId);
    let cancelledBy: Appointment['cancelledBy'] = 'practitioner';
    if (who.role === 'patient') {
      const patient = await getPatient(ctx, appointment.patientId);
      if (!isThePatient(who, patient)) throw forbidden('patients cancel only their own appointments');
      cancelledBy = 'patient';
    } else {
      this.#practitionerSide(who, appointment);
    }
    if (appointment.status !== 'requested' && appointment.status !== 'confirmed') {
      throw new ChaincodeError('CONFLICT', `appointment ${appointmentId} is ${appointment.status}`);
    }
    if (appointment.status === 'confirmed') await ctx.stub.deleteState(slotKey(ctx, appointment));
    await this.#save(ctx, { ...appointment, status: 'cancelled', cancelledBy, updatedAt: txTime(ctx) });
  }

  @Transaction()
  async Complete(ctx: Context, appointmentId: string): Promise<void> {
    const doctor = callerWithRole(ctx, 'doctor');
    const appointment = await this.#get(ctx, appointmentId);
    const { mspId, practitionerId } = appointment.practitioner;
    if (doctor.mspId !== mspId || doctor.practitionerId !== practitionerId)
      throw forbidden('only the practitioner completes it');
    this.#expect(appointment, 'confirmed');
    await this.#save(ctx, { ...appointment, status: 'completed', updatedAt: txTime(ctx) });
  }

  /** The patient rates a completed appointment, once (1 to 5). */
  @Transaction()
  async GiveFeedback(ctx: Context, appointmentId: string, ratingText: string): Promise<void> {
    const who = await this.#patient(ctx);
    const appointment = await this.#get(ctx, appointmentId);
    if (appointment.patientId !== who.patientId) throw forbidden('only the patient of the appointment gives feedback');
    this.#expect(appointment, 'completed');
    if (!/^[1-5]$/.test(ratingText)) throw invalid('rating must be an integer from 1 to 5');
    const feedbackKey = key(ctx, 'feedback', appointmentId);
    if (await getJson<Feedback>(ctx, feedbackKey))
      throw new ChaincodeError('ALREADY_EXISTS', 'feedback was given already');
    const feedback: Feedback = {
      appointmentId,
      practitioner: appointment.practitioner,
      rating: Number(ratingText),
      givenAt: txTime(ctx),
    };
    await putJson(ctx, feedbackKey, feedback);
  }

  /** The feedback comment (transient `comment`), held by the practitioner's member only. */
  @Transaction()
  async StoreFeedbackComment(ctx: Context, appointmentId: string): Promise<void> {
    const who = await this.#patient(ctx);
    const appointment = await this.#get(ctx, appointmentId);
    if (appointment.patientId !== who.patientId) throw forbidden('only the patient of the appointment comments');
    if (!(await getJson<Feedback>(ctx, key(ctx, 'feedback', appointmentId)))) throw notFound('give a rating first');
    const comment = transientJson(ctx, 'comment');
    if (comment.length > 2000) throw invalid('the comment is longer than 2000 characters');
    await ctx.stub.putPrivateData(
      implicitCollection(appointment.practitioner.mspId),
      commentKey(ctx, appointmentId),
      marshal({ appointmentId, comment }),
    );
  }

  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context): Promise<string> {
    const who = await this.#patient(ctx);
    const index = await listJson<{ appointmentId: string }>(ctx, 'patientAppointment', who.patientId ?? '');
    return canonicalJson(await Promise.all(index.map((a) => this.#get(ctx, a.appointmentId))));
  }

  async #patient(ctx: Context): Promise<Caller> {
    const who = callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient) || patient.status !== 'active')
      throw forbidden('a registered patient of their home member only');
    return who;
  }

  async #get(ctx: Context, appointmentId: string): Promise<Appointment> {
    return getAppointment(ctx, appointmentId);
  }

  #practitionerSide(who: Caller, appointment: Appointment): void {
    const { mspId, practitionerId } = appointment.practitioner;
    const isPractitioner = who.role === 'doctor' && who.mspId === mspId && who.practitionerId === practitionerId;
    const isAdmin = who.role === 'admin' && who.mspId === mspId;
    if (!isPractitioner && !isAdmin) throw forbidden(`only ${practitionerId} or an admin of ${mspId} may do this`);
  }

  #expect(appointment: Appointment, status: AppointmentStatus): void {
    if (appointment.status !== status) {
      throw new ChaincodeError(
        'CONFLICT',
        `appointment ${appointment.appointmentId} is ${appointment.status}, not ${status}`,
      );
    }
  }

  async #save(ctx: Context, appointment: Appointment): Promise<void> {
    await putJson(ctx, appointmentKey(ctx, appointment.appointmentId), appointment);
    emit(ctx, 'AppointmentStatus', {
      appointmentId: appointment.appointmentId,
      patientId: appointment.patientId,
      practitioner: appointment.practitioner,
      slot: appointment.slot,
      status: appointment.status,
    });
  }
}
