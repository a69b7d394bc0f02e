export { type BreakGlass, BREAK_GLASS_REASONS } from '@ehr/protocol';

/**
 * Limits on emergency access, per doctor: a window lasts at most 4 hours (an emergency is dealt
 * with in that time, or the doctor states it again by opening another once this one ended, a
 * fresh event for the patient and a fresh review); one window at a time per doctor and patient;
 * at most 3 windows a day (UTC) per doctor, so that break-glass cannot be a way to browse
 * patients.
 */
export const MAX_BREAK_GLASS_MINUTES = 4 * 60;
export const MAX_WINDOWS_PER_DOCTOR_PER_DAY = 3;
