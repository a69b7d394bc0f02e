import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { getPatient, isThePatient } from './basis';
import { forbidden, invalid, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson, marshal } from './json';
import { emit, getJson, implicitCollection, key, listJson, putJson, txMillis, txTime, transientJson } from './ledger';
import { type BreakGlass, BREAK_GLASS_REASONS, MAX_BREAK_GLASS_MINUTES } from './types/break-glass';
import { id } from './validate';

/**
 * Emergency access (SPEC §4): a doctor opens a time-boxed window with a reason code; the
 * patient gets an event; every read under it is flagged; the patient's home member reviews it.
 */
@Info({ title: 'BreakGlass', description: 'Emergency access windows' })
export class BreakGlassContract extends Contract {
  constructor() {
    super('breakglass');
  }

  @Transaction()
  @Returns('string')
  async Open(ctx: Context, patientId: string, reasonCode: string, minutesText: string): Promise<string> {
    const doctor = callerWithRole(ctx, 'doctor');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    if (!(BREAK_GLASS_REASONS as readonly string[]).includes(reasonCode)) {
      throw invalid(`reasonCode must be one of ${BREAK_GLASS_REASONS.join(', ')}`);
    }
    const minutes = Number(minutesText);
    if (!/^\d{1,4}$/.test(minutesText) || minutes < 1 || minutes > MAX_BREAK_GLASS_MINUTES) {
      throw invalid(`a break-glass window lasts 1 to ${MAX_BREAK_GLASS_MINUTES} minutes`);
    }
    const window: BreakGlass = {
      breakGlassId: `BG-${ctx.stub.getTxID().slice(0, 32)}`,
      patientId: patient.patientId,
      doctor: { mspId: doctor.mspId, practitionerId: doctor.practitionerId ?? '' },
      reasonCode,
      openedAt: txTime(ctx),
      expiresAt: new Date(txMillis(ctx) + minutes * 60_000).toISOString(),
      review: { status: 'pending' },
    };
    await putJson(ctx, key(ctx, 'breakglass', patient.patientId, window.breakGlassId), window);
    emit(ctx, 'BreakGlassOpened', {
      breakGlassId: window.breakGlassId,
      patientId: window.patientId,
      doctor: window.doctor,
      reasonCode,
      expiresAt: window.expiresAt,
    });
    return canonicalJson(window);
  }

  /** The free-text reason (transient `reason`), kept in the doctor's member's collection only. */
  @Transaction()
  async StoreReason(ctx: Context, patientId: string, breakGlassId: string): Promise<void> {
    const doctor = callerWithRole(ctx, 'doctor');
    const window = await this.#window(ctx, patientId, breakGlassId);
    if (window.doctor.mspId !== doctor.mspId || window.doctor.practitionerId !== doctor.practitionerId) {
      throw forbidden('only the doctor who opened the window states its reason');
    }
    const reason = transientJson(ctx, 'reason');
    if (reason.length > 4000) throw invalid('the reason is longer than 4000 characters');
    await ctx.stub.putPrivateData(
      implicitCollection(doctor.mspId),
      key(ctx, 'breakglassReason', breakGlassId),
      marshal({ breakGlassId, reason }),
    );
  }

  /** The patient's home member reviews a window: justified or not. */
  @Transaction()
  async Review(ctx: Context, patientId: string, breakGlassId: string, outcome: string): Promise<void> {
    const admin = callerWithRole(ctx, 'admin');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    if (patient.homeOrg !== admin.mspId)
      throw forbidden(`break-glass for ${patientId} is reviewed by ${patient.homeOrg}`);
    if (outcome !== 'justified' && outcome !== 'unjustified') throw invalid('outcome must be justified or unjustified');
    const window = await this.#window(ctx, patientId, breakGlassId);
    window.review = { status: outcome, reviewer: admin.id, reviewedAt: txTime(ctx) };
    await putJson(ctx, key(ctx, 'breakglass', patientId, breakGlassId), window);
  }

  @Transaction(false)
  @Returns('string')
  async ListForPatient(ctx: Context, patientId: string): Promise<string> {
    const who = callerWithRole(ctx, 'patient', 'admin');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    const allowed = who.role === 'patient' ? isThePatient(who, patient) : who.mspId === patient.homeOrg;
    if (!allowed) throw forbidden('break-glass windows are seen by the patient and their home member');
    return canonicalJson(await listJson<BreakGlass>(ctx, 'breakglass', patientId));
  }

  async #window(ctx: Context, patientId: string, breakGlassId: string): Promise<BreakGlass> {
    const window = await getJson<BreakGlass>(
      ctx,
      key(ctx, 'breakglass', id(patientId, 'patientId'), id(breakGlassId, 'breakGlassId')),
    );
    if (!window) throw notFound(`break-glass ${breakGlassId} of patient ${patientId} does not exist`);
    return window;
  }
}
