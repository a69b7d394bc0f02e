import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { addCareLink, getPatient, isThePatient } from './basis';
import { ChaincodeError, forbidden, invalid, notFound } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import {
  APPOINTMENT_STATUSES,
  appointmentKey,
  commentKey,
  feedbackIndexKey,
  feedbackKey,
  feedbackSummaryKey,
  getAppointment,
  MEMBER_SCHEDULE,
  memberScheduleKey,
  PRACTITIONER_FEEDBACK,
  PRACTITIONER_SCHEDULE,
  practitionerScheduleKey,
  reasonKey,
} from './appointments';
import { emit, getJson, key, listPage, putJson, putPrivate, txTime, transientJson } from './ledger';
import { createOnce, requestedId } from './requests';
import type { Appointment, AppointmentStatus, Feedback, FeedbackTally, Rating } from './types/appointment';
import type { Practitioner } from './types/directory';
import { dayFilter, filterOf, id, isoTime, MSP_PATTERN } from './validate';

const emptyTally = (mspId: string, practitionerId: string): FeedbackTally => ({
  mspId,
  practitionerId,
  count: 0,
  ratings: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
});

const slotKey = (ctx: Context, a: Appointment) =>
  key(ctx, 'slot', a.practitioner.mspId, a.practitioner.practitionerId, a.slot);

/**
 * Appointments and feedback: the patient requests a slot with a doctor; the practitioner's
 * member confirms or cancels; the practitioner completes; the patient may cancel their own
 * request and, once completed, rate it once. No practitioner is confirmed twice for one slot.
 */
@Info({ title: 'Appointments', description: 'Appointments and feedback' })
export class AppointmentContract extends Contract {
  constructor() {
    super(contractName('appointments'));
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
    // A booking makes a care link, a basis to read the patient's data: only a doctor treats.
    if (practitioner.role !== 'doctor') {
      throw invalid(`${practitionerId} is a ${practitioner.role}: appointments are with doctors`);
    }
    const slot = isoTime({ slot: slotTime }, 'slot');
    if (slot <= txTime(ctx)) throw invalid('the slot must be in the future');
    const now = txTime(ctx);
    const appointment: Appointment = {
      appointmentId: requestedId(ctx, 'appointments.Request'),
      patientId: who.patientId ?? '',
      practitioner: { mspId: practitionerMspId, practitionerId },
      slot,
      status: 'requested',
      createdAt: now,
      updatedAt: now,
    };
    await createOnce(ctx, 'appointment', appointment.appointmentId);
    await this.#save(ctx, appointment);
    const entry = { appointmentId: appointment.appointmentId };
    await putJson(ctx, key(ctx, 'patientAppointment', appointment.patientId, appointment.appointmentId), entry);
    await putJson(ctx, practitionerScheduleKey(ctx, appointment), entry);
    await putJson(ctx, memberScheduleKey(ctx, appointment), entry);
    await addCareLink(ctx, appointment.practitioner, appointment.patientId, {
      via: 'appointment',
      ref: appointment.appointmentId,
    });
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
    await putPrivate(ctx, [appointment.practitioner.mspId], appointment.patientId, reasonKey(ctx, appointmentId), {
      appointmentId,
      reason,
    });
  }

  @Transaction()
  async Confirm(ctx: Context, appointmentId: string): Promise<void> {
    const appointment = await this.#get(ctx, appointmentId);
    this.#practitionerSide(await callerWithRole(ctx, 'doctor', 'admin'), appointment);
    this.#expect(appointment, 'requested');
    const taken = await getJson<{ appointmentId: string }>(ctx, slotKey(ctx, appointment));
    if (taken) throw new ChaincodeError('CONFLICT', `the practitioner is already booked at ${appointment.slot}`);
    await putJson(ctx, slotKey(ctx, appointment), { appointmentId });
    await this.#save(ctx, { ...appointment, status: 'confirmed', updatedAt: txTime(ctx) });
  }

  @Transaction()
  async Cancel(ctx: Context, appointmentId: string): Promise<void> {
    const who = await callerWithRole(ctx, 'patient', 'doctor', 'admin');
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
    const doctor = await callerWithRole(ctx, 'doctor');
    const appointment = await this.#get(ctx, appointmentId);
    const { mspId, practitionerId } = appointment.practitioner;
    if (doctor.mspId !== mspId || doctor.practitionerId !== practitionerId)
      throw forbidden('only the practitioner completes it');
    this.#expect(appointment, 'confirmed');
    await this.#save(ctx, { ...appointment, status: 'completed', updatedAt: txTime(ctx) });
  }

  /**
   * The patient rates a completed appointment, once (1 to 5). Answers the feedback, which names
   * the practitioner's member: the one to hold a comment (`StoreFeedbackComment`).
   */
  @Transaction()
  @Returns('string')
  async GiveFeedback(ctx: Context, appointmentId: string, ratingText: string): Promise<string> {
    const who = await this.#patient(ctx);
    const appointment = await this.#get(ctx, appointmentId);
    if (appointment.patientId !== who.patientId) throw forbidden('only the patient of the appointment gives feedback');
    this.#expect(appointment, 'completed');
    if (!/^[1-5]$/.test(ratingText)) throw invalid('rating must be an integer from 1 to 5');
    if (await getJson<Feedback>(ctx, feedbackKey(ctx, appointmentId)))
      throw new ChaincodeError('ALREADY_EXISTS', 'feedback was given already');
    const feedback: Feedback = {
      appointmentId,
      practitioner: appointment.practitioner,
      rating: Number(ratingText),
      givenAt: txTime(ctx),
    };
    await putJson(ctx, feedbackKey(ctx, appointmentId), feedback);
    await putJson(ctx, feedbackIndexKey(ctx, feedback), { appointmentId });
    // The appointment says it was rated, so whoever lists it (the patient after a reload too)
    // knows; not a status change, so no AppointmentStatus event.
    await putJson(ctx, appointmentKey(ctx, appointmentId), {
      ...appointment,
      feedbackGivenAt: feedback.givenAt,
      updatedAt: feedback.givenAt,
    });
    await this.#tally(ctx, appointment.practitioner, ratingText as Rating);
    return canonicalJson(feedback);
  }

  /**
   * Counts a rating in the practitioner's tally. Every rating of one practitioner reads and writes
   * this one key, so of two concurrent ratings the later to commit fails on MVCC and its client
   * retries it (a conflict, as the gateway answers 409): the tally never loses a rating.
   */
  async #tally(ctx: Context, practitioner: Appointment['practitioner'], rating: Rating): Promise<void> {
    const { mspId, practitionerId } = practitioner;
    const tallyKey = feedbackSummaryKey(ctx, mspId, practitionerId);
    const tally = (await getJson<FeedbackTally>(ctx, tallyKey)) ?? emptyTally(mspId, practitionerId);
    tally.count += 1;
    tally.ratings[rating] += 1;
    await putJson(ctx, tallyKey, tally);
  }

  /** The feedback comment (transient `comment`), held by the practitioner's member only. */
  @Transaction()
  async StoreFeedbackComment(ctx: Context, appointmentId: string): Promise<void> {
    const who = await this.#patient(ctx);
    const appointment = await this.#get(ctx, appointmentId);
    if (appointment.patientId !== who.patientId) throw forbidden('only the patient of the appointment comments');
    if (!(await getJson<Feedback>(ctx, feedbackKey(ctx, appointmentId)))) throw notFound('give a rating first');
    const comment = transientJson(ctx, 'comment');
    if (comment.length > 2000) throw invalid('the comment is longer than 2000 characters');
    await putPrivate(ctx, [appointment.practitioner.mspId], appointment.patientId, commentKey(ctx, appointmentId), {
      appointmentId,
      comment,
    });
  }

  /** The calling patient's appointments. */
  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await this.#patient(ctx);
    return listPage(ctx, 'patientAppointment', [who.patientId ?? ''], { pageSize, bookmark }, (entry) =>
      this.#indexed(ctx, entry),
    );
  }

  /**
   * The calling doctor's own appointments, a day's in slot order: `day` YYYY-MM-DD (UTC) or ''
   * for every day, `status` one of the statuses or '' for all.
   */
  @Transaction(false)
  @Returns('string')
  async ListForPractitioner(
    ctx: Context,
    day: string,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const filter = this.#filter(day, status);
    const parts = [doctor.mspId, doctor.practitionerId ?? '', ...filter.days];
    return listPage(ctx, PRACTITIONER_SCHEDULE, parts, { pageSize, bookmark }, async (entry, entryKey) => {
      const appointment = await this.#indexed(ctx, entry);
      return appointment && practitionerScheduleKey(ctx, appointment) === entryKey && filter.keeps(appointment)
        ? appointment
        : undefined;
    });
  }

  /** The admin's member's schedule and history: every appointment with its practitioners, by day and slot. */
  @Transaction(false)
  @Returns('string')
  async ListForMember(ctx: Context, day: string, status: string, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const filter = this.#filter(day, status);
    return listPage(
      ctx,
      MEMBER_SCHEDULE,
      [admin.mspId, ...filter.days],
      { pageSize, bookmark },
      async (entry, entryKey) => {
        const appointment = await this.#indexed(ctx, entry);
        return appointment && memberScheduleKey(ctx, appointment) === entryKey && filter.keeps(appointment)
          ? appointment
          : undefined;
      },
    );
  }

  /**
   * A practitioner's ratings, oldest first, for the admins of their member and the practitioner:
   * the public part only (a comment is read through the access contract, audited).
   */
  @Transaction(false)
  @Returns('string')
  async ListFeedback(ctx: Context, practitionerId: string, pageSize: string, bookmark: string): Promise<string> {
    const mspId = await this.#feedbackAudience(ctx, practitionerId);
    return listPage(ctx, PRACTITIONER_FEEDBACK, [mspId, practitionerId], { pageSize, bookmark }, async (entry) => {
      const { appointmentId } = entry as { appointmentId: string };
      const feedback = await getJson<Feedback>(ctx, feedbackKey(ctx, appointmentId));
      return feedback && { appointmentId, rating: feedback.rating, givenAt: feedback.givenAt };
    });
  }

  /** How a practitioner is rated: the count, the average (two decimals; null without ratings) and each rating's count. */
  @Transaction(false)
  @Returns('string')
  async FeedbackSummary(ctx: Context, practitionerId: string): Promise<string> {
    const mspId = await this.#feedbackAudience(ctx, practitionerId);
    const tally =
      (await getJson<FeedbackTally>(ctx, feedbackSummaryKey(ctx, mspId, practitionerId))) ??
      emptyTally(mspId, practitionerId);
    const total = Object.entries(tally.ratings).reduce((sum, [rating, count]) => sum + Number(rating) * count, 0);
    const average = tally.count === 0 ? null : Math.round((total * 100) / tally.count) / 100;
    return canonicalJson({ mspId, practitionerId, count: tally.count, average, ratings: tally.ratings });
  }

  /** The member whose practitioner's feedback the caller may see: the admin's, or the doctor's own. */
  async #feedbackAudience(ctx: Context, practitionerId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'doctor', 'admin');
    id(practitionerId, 'practitionerId');
    if (who.role === 'doctor' && who.practitionerId !== practitionerId)
      throw forbidden('a doctor sees only their own feedback');
    if (!(await getJson<Practitioner>(ctx, key(ctx, 'practitioner', who.mspId, practitionerId))))
      throw notFound(`practitioner ${practitionerId} is not registered at ${who.mspId}`);
    return who.mspId;
  }

  #filter(day: string, status: string): { days: string[]; keeps: (a: Appointment) => boolean } {
    const wantedDay = dayFilter(day, 'day');
    const wanted = filterOf(status, 'status', APPOINTMENT_STATUSES);
    return { days: wantedDay === '' ? [] : [wantedDay], keeps: (a) => wanted === '' || a.status === wanted };
  }

  async #indexed(ctx: Context, entry: unknown): Promise<Appointment | undefined> {
    return getJson<Appointment>(ctx, appointmentKey(ctx, (entry as { appointmentId: string }).appointmentId));
  }

  async #patient(ctx: Context): Promise<Caller> {
    const who = await callerWithRole(ctx, 'patient');
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
