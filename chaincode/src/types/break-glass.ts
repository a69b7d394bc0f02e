/** Public: an emergency access window a doctor opened for a patient. */
export interface BreakGlass {
  breakGlassId: string;
  patientId: string;
  doctor: { mspId: string; practitionerId: string };
  reasonCode: string;
  openedAt: string;
  expiresAt: string;
  review: { status: 'pending' | 'justified' | 'unjustified'; reviewer?: string; reviewedAt?: string };
}

export const BREAK_GLASS_REASONS = ['unconscious', 'life-threatening', 'patient-unable-to-consent', 'other'] as const;
export const MAX_BREAK_GLASS_MINUTES = 24 * 60;
