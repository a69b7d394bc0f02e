export type { Appointment, AppointmentStatus, Feedback, FeedbackTally, Rating } from '@ehr/protocol';
