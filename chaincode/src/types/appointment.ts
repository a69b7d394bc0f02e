export type AppointmentStatus = 'requested' | 'confirmed' | 'cancelled' | 'completed';

/** Public: an appointment. The reason stays in the practitioner's member's collection. */
export interface Appointment {
  appointmentId: string;
  patientId: string;
  practitioner: { mspId: string; practitionerId: string };
  /** Start of the slot, ISO 8601 UTC. */
  slot: string;
  status: AppointmentStatus;
  cancelledBy?: 'patient' | 'practitioner';
  createdAt: string;
  updatedAt: string;
}

/** Public: the patient's rating of a completed appointment; any comment is private. */
export interface Feedback {
  appointmentId: string;
  practitioner: { mspId: string; practitionerId: string };
  rating: number;
  givenAt: string;
}

export type Rating = '1' | '2' | '3' | '4' | '5';

/** Public: how many of each rating a practitioner got, kept up to date as feedback is given. */
export interface FeedbackTally {
  mspId: string;
  practitionerId: string;
  count: number;
  ratings: Record<Rating, number>;
}
