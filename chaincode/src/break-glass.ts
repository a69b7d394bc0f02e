/** Break-glass windows as ledger keys, shared by the break-glass contract, the basis rules and the readers. */
import type { Context } from 'fabric-contract-api';
import { notFound } from './errors';
import { getJson, key } from './ledger';
import type { BreakGlass } from './types/break-glass';
import { id } from './validate';

export const windowKey = (ctx: Context, patientId: string, breakGlassId: string) =>
  key(ctx, 'breakglass', patientId, breakGlassId);
/** Public: which patient a window is about, so that the window can be found by its id alone. */
export const windowIndexKey = (ctx: Context, breakGlassId: string) => key(ctx, 'breakglassId', breakGlassId);
/**
 * Public index: the windows awaiting review by the patient's home member, oldest first. Written
 * when a window opens, deleted when it is reviewed.
 */
export const PENDING_REVIEW = 'breakglassPending';
export const pendingReviewKey = (ctx: Context, homeOrg: string, window: BreakGlass) =>
  key(ctx, PENDING_REVIEW, homeOrg, window.openedAt, window.breakGlassId);
/** Public index: the windows a doctor opened on a day (UTC), to hold the day's limit. */
export const DOCTOR_DAY = 'breakglassDoctorDay';
export const doctorDayKey = (ctx: Context, window: BreakGlass) =>
  key(
    ctx,
    DOCTOR_DAY,
    window.doctor.mspId,
    window.doctor.practitionerId,
    window.openedAt.slice(0, 10),
    window.breakGlassId,
  );
/** Private, in the doctor's member's and the patient's home member's collections: the free-text reason. */
export const reasonKey = (ctx: Context, breakGlassId: string) => key(ctx, 'breakglassReason', breakGlassId);

export async function getWindow(ctx: Context, patientId: string, breakGlassId: string): Promise<BreakGlass> {
  const window = await getJson<BreakGlass>(
    ctx,
    windowKey(ctx, id(patientId, 'patientId'), id(breakGlassId, 'breakGlassId')),
  );
  if (!window) throw notFound(`break-glass ${breakGlassId} of patient ${patientId} does not exist`);
  return window;
}

/** A window found by its id alone. */
export async function getWindowById(ctx: Context, breakGlassId: string): Promise<BreakGlass> {
  const entry = await getJson<{ patientId: string }>(ctx, windowIndexKey(ctx, id(breakGlassId, 'breakGlassId')));
  if (!entry) throw notFound(`break-glass ${breakGlassId} does not exist`);
  return getWindow(ctx, entry.patientId, breakGlassId);
}
