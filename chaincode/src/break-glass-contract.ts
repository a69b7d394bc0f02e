import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { addCareLink, getPatient, isThePatient, openBreakGlass } from './basis';
import {
  DOCTOR_DAY,
  doctorDayKey,
  getWindow,
  PENDING_REVIEW,
  pendingReviewKey,
  reasonKey,
  windowIndexKey,
  windowKey,
} from './break-glass';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import { emit, getJson, listJson, listPage, putJson, putPrivate, txMillis, txTime, transientJson } from './ledger';
import { createOnce, requestedId } from './requests';
import {
  type BreakGlass,
  BREAK_GLASS_REASONS,
  MAX_BREAK_GLASS_MINUTES,
  MAX_WINDOWS_PER_DOCTOR_PER_DAY,
} from './types/break-glass';
import { id } from './validate';

/**
 * Emergency access (SPEC §4): a doctor opens a time-boxed window with a reason code; the
 * patient gets an event; every read under it is flagged; the patient's home member reviews it.
 * Limits per doctor (types/break-glass.ts): 4 hours, one open window per patient, 3 a day.
 */
@Info({ title: 'BreakGlass', description: 'Emergency access windows' })
export class BreakGlassContract extends Contract {
  constructor() {
    super(contractName('breakglass'));
  }

  @Transaction()
  @Returns('string')
  async Open(ctx: Context, patientId: string, reasonCode: string, minutesText: string): Promise<string> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    if (!(BREAK_GLASS_REASONS as readonly string[]).includes(reasonCode)) {
      throw invalid(`reasonCode must be one of ${BREAK_GLASS_REASONS.join(', ')}`);
    }
    const minutes = Number(minutesText);
    if (!/^\d{1,4}$/.test(minutesText) || minutes < 1 || minutes > MAX_BREAK_GLASS_MINUTES) {
      throw invalid(`a break-glass window lasts 1 to ${MAX_BREAK_GLASS_MINUTES} minutes`);
    }
    // A retried request meets its own window as ALREADY_EXISTS, not as the one open window allowed.
    const breakGlassId = requestedId(ctx, 'breakglass.Open');
    await createOnce(ctx, 'break-glass window', breakGlassId);
    await this.#withinLimits(ctx, doctor, patient.patientId);
    const window: BreakGlass = {
      breakGlassId,
      patientId: patient.patientId,
      doctor: { mspId: doctor.mspId, practitionerId: doctor.practitionerId ?? '' },
      reasonCode,
      openedAt: txTime(ctx),
      expiresAt: new Date(txMillis(ctx) + minutes * 60_000).toISOString(),
      review: { status: 'pending' },
    };
    await putJson(ctx, windowKey(ctx, patient.patientId, window.breakGlassId), window);
    await putJson(ctx, windowIndexKey(ctx, window.breakGlassId), { patientId: patient.patientId });
    await putJson(ctx, doctorDayKey(ctx, window), { patientId: patient.patientId, breakGlassId: window.breakGlassId });
    await putJson(ctx, pendingReviewKey(ctx, patient.homeOrg, window), {
      patientId: patient.patientId,
      breakGlassId: window.breakGlassId,
    });
    await addCareLink(ctx, window.doctor, patient.patientId, { via: 'break-glass', ref: window.breakGlassId });
    emit(ctx, 'BreakGlassOpened', {
      breakGlassId: window.breakGlassId,
      patientId: window.patientId,
      doctor: window.doctor,
      reasonCode,
      expiresAt: window.expiresAt,
    });
    return canonicalJson(window);
  }

  /**
   * A doctor opens no second window on a patient while one is open, and at most
   * MAX_WINDOWS_PER_DOCTOR_PER_DAY a day. Both are range reads: a window opened concurrently by
   * the same doctor makes this one fail on commit (phantom read), so the limits hold.
   */
  async #withinLimits(ctx: Context, doctor: Caller, patientId: string): Promise<void> {
    if (await openBreakGlass(ctx, doctor, patientId)) {
      throw new ChaincodeError('CONFLICT', `a break-glass window of yours on patient ${patientId} is open`);
    }
    const today = txTime(ctx).slice(0, 10);
    const opened = await listJson(ctx, DOCTOR_DAY, doctor.mspId, doctor.practitionerId ?? '', today);
    if (opened.length >= MAX_WINDOWS_PER_DOCTOR_PER_DAY) {
      throw forbidden(`a doctor opens at most ${MAX_WINDOWS_PER_DOCTOR_PER_DAY} break-glass windows a day`);
    }
  }

  /**
   * The free-text reason (transient `reason`), kept by the doctor's member and by the patient's
   * home member, whose admin reviews the window: endorsed by those two members only.
   */
  @Transaction()
  async StoreReason(ctx: Context, patientId: string, breakGlassId: string): Promise<void> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const window = await getWindow(ctx, patientId, breakGlassId);
    if (window.doctor.mspId !== doctor.mspId || window.doctor.practitionerId !== doctor.practitionerId) {
      throw forbidden('only the doctor who opened the window states its reason');
    }
    const reason = transientJson(ctx, 'reason');
    if (reason.length > 4000) throw invalid('the reason is longer than 4000 characters');
    const patient = await getPatient(ctx, window.patientId);
    await putPrivate(ctx, [doctor.mspId, patient.homeOrg], patient.patientId, reasonKey(ctx, breakGlassId), {
      breakGlassId,
      patientId: window.patientId,
      reason,
    });
  }

  /**
   * The patient's home member reviews a window, once: justified or not. A review is the record
   * of an oversight decision; rewriting it later would let a member clear a doctor after the fact.
   */
  @Transaction()
  async Review(ctx: Context, patientId: string, breakGlassId: string, outcome: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    if (patient.homeOrg !== admin.mspId)
      throw forbidden(`break-glass for ${patientId} is reviewed by ${patient.homeOrg}`);
    if (outcome !== 'justified' && outcome !== 'unjustified') throw invalid('outcome must be justified or unjustified');
    const window = await getWindow(ctx, patientId, breakGlassId);
    if (window.review.status !== 'pending') {
      throw new ChaincodeError('CONFLICT', `break-glass ${breakGlassId} was reviewed already: ${window.review.status}`);
    }
    await ctx.stub.deleteState(pendingReviewKey(ctx, patient.homeOrg, window));
    window.review = { status: outcome, reviewer: admin.id, reviewedAt: txTime(ctx) };
    await putJson(ctx, windowKey(ctx, patientId, breakGlassId), window);
  }

  /** A patient's windows, for the patient and their home member's admins. */
  @Transaction(false)
  @Returns('string')
  async ListForPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'admin');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    const allowed = who.role === 'patient' ? isThePatient(who, patient) : who.mspId === patient.homeOrg;
    if (!allowed) throw forbidden('break-glass windows are seen by the patient and their home member');
    return listPage(ctx, 'breakglass', [patientId], { pageSize, bookmark }, (window) =>
      Promise.resolve(window as BreakGlass),
    );
  }

  /** The windows the admin's member has yet to review (its patients'), oldest first. */
  @Transaction(false)
  @Returns('string')
  async ListPendingReview(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    return listPage(ctx, PENDING_REVIEW, [admin.mspId], { pageSize, bookmark }, async (entry, entryKey) => {
      const { patientId, breakGlassId } = entry as { patientId: string; breakGlassId: string };
      const window = await getJson<BreakGlass>(ctx, windowKey(ctx, patientId, breakGlassId));
      const pending = window?.review.status === 'pending' && pendingReviewKey(ctx, admin.mspId, window) === entryKey;
      return pending && (await getPatient(ctx, patientId)).homeOrg === admin.mspId ? window : undefined;
    });
  }
}
