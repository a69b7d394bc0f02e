/**
 * Appointments. The patient books one (a hospital, one of its doctors, a time and a reason),
 * cancels it, follows its status and rates a completed visit; the doctor works the day's
 * schedule: reads the patient's reason, confirms, completes or cancels. Both views re-read on
 * the ledger's AppointmentStatus event, so a move made by the other side shows without a reload.
 */
import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { notice } from './state';
import { DataTable, field, MemberSelect, type TableProps, useRereads, when, TextField, TextArea } from './ui';

type Appointment = components['schemas']['Appointment'];
type OrgProfile = components['schemas']['OrgProfile'];
type Practitioner = components['schemas']['Practitioner'];
type Status = Appointment['status'];

const APPOINTMENT_EVENTS = ['AppointmentStatus'] as const;
const RATINGS = [1, 2, 3, 4, 5] as const;

/** Appointments this patient rated in this session, before the list is read again (then `feedbackGivenAt` says it). */
const rated = signal<string[]>([]);

/** A `datetime-local` value (the browser's time zone) as an ISO time, or undefined when it is not one. */
export function slotOf(local: string): string | undefined {
  const time = new Date(local);
  return local && !Number.isNaN(time.getTime()) ? time.toISOString() : undefined;
}

function AppointmentTable({
  who,
  actions,
  ...table
}: TableProps<Appointment> & {
  who: 'practitioner' | 'patient';
  actions: (appointment: Appointment) => preact.ComponentChildren;
}) {
  return (
    <DataTable
      {...table}
      columns={[
        { header: 'When', cell: (a) => when(a.slot) },
        who === 'practitioner'
          ? {
              header: 'With',
              cell: (a) => (
                <>
                  {a.practitioner.practitionerId} at {a.practitioner.mspId}
                </>
              ),
            }
          : { header: 'Patient', cell: (a) => <code>{a.patientId}</code> },
        {
          header: 'Status',
          cell: (a) => (
            <>
              {a.status}
              {a.cancelledBy && ` by the ${a.cancelledBy}`}
            </>
          ),
          class: 'appointment-status',
        },
      ]}
      rowKey={(a) => a.appointmentId}
      rowAttributes={(a) => ({ 'data-appointment': a.appointmentId })}
      actions={(a) => <div class="actions">{actions(a)}</div>}
      empty="No appointments."
    />
  );
}

function BookForm({ onBooked }: { onBooked: () => void }) {
  const [hospitals, setHospitals] = useState<OrgProfile[]>([]);
  const [mspId, setMspId] = useState('');
  const [doctors, setDoctors] = useState<Practitioner[]>([]);
  const [practitionerId, setPractitionerId] = useState('');
  const [time, setTime] = useState('');
  const [reason, setReason] = useState('');
  useEffect(() => {
    void act('Loading the hospitals…', async () => {
      setHospitals((await answer(api.GET('/v1/orgs'))).filter((m) => m.kind === 'hospital'));
    });
  }, []);
  useEffect(() => {
    setPractitionerId('');
    setDoctors([]);
    if (!mspId) return;
    void act(`Loading the doctors of ${mspId}…`, async () => {
      const all = await answer(api.GET('/v1/orgs/{mspId}/practitioners', { params: { path: { mspId } } }));
      setDoctors(all.filter((p) => p.role === 'doctor' && p.status === 'active'));
    });
  }, [mspId]);
  const book = async (e: Event) => {
    e.preventDefault();
    const booked = await act('Booking the appointment: waiting for the ledger to commit it…', async () => {
      const slot = slotOf(time);
      if (!slot) throw new Error('choose the date and time of the appointment');
      return answer(
        api.POST('/v1/appointments', {
          body: { mspId, practitionerId, slot, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        }),
      );
    });
    if (!booked) return;
    notice.value = `Appointment ${booked.appointmentId} requested with ${booked.practitioner.practitionerId} for ${when(booked.slot)}: committed in block ${String(booked.committedBlock)}.`;
    setReason('');
    onBooked();
  };
  return (
    <form onSubmit={(e) => void book(e)} class="card" aria-labelledby="book-title">
      <h3 id="book-title">Book an appointment</h3>
      <label for="book-hospital">Hospital</label>
      <MemberSelect
        id="book-hospital"
        members={hospitals}
        value={mspId}
        onChange={setMspId}
        placeholder="Choose a hospital…"
      />
      <label for="book-doctor">Doctor</label>
      <select
        id="book-doctor"
        required
        value={practitionerId}
        onChange={(e) => {
          setPractitionerId(field(e));
        }}
      >
        <option value="">{mspId ? 'Choose a doctor…' : 'Choose a hospital first'}</option>
        {doctors.map((d) => (
          <option key={d.practitionerId} value={d.practitionerId}>
            {d.practitionerId}
            {d.specialty ? ` (${d.specialty})` : ''}
          </option>
        ))}
      </select>
      <TextField id="book-time" label="Date and time" value={time} onValue={setTime} type="datetime-local" />
      <TextArea
        id="book-reason"
        label="Reason (optional; only the hospital reads it)"
        value={reason}
        onValue={setReason}
        rows={2}
        maxLength={2000}
        required={false}
      />
      <button type="submit">Book the appointment</button>
    </form>
  );
}

function FeedbackForm({ appointment, onGiven }: { appointment: Appointment; onGiven: () => void }) {
  const [rating, setRating] = useState<number | undefined>(undefined);
  const [comment, setComment] = useState('');
  const give = async (e: Event) => {
    e.preventDefault();
    const given = await act('Sending your feedback: waiting for the ledger to commit it…', async () => {
      if (rating === undefined) throw new Error('choose a rating from 1 to 5');
      return answer(
        api.POST('/v1/appointments/{appointmentId}/feedback', {
          params: { path: { appointmentId: appointment.appointmentId } },
          body: { rating, ...(comment.trim() ? { comment: comment.trim() } : {}) },
        }),
      );
    });
    if (!given) return;
    rated.value = [...rated.value, appointment.appointmentId];
    notice.value = `Feedback on appointment ${appointment.appointmentId} given: committed in block ${String(given.committedBlock)}.`;
    onGiven();
  };
  return (
    <form onSubmit={(e) => void give(e)} class="card" aria-labelledby="feedback-title">
      <h3 id="feedback-title">
        Feedback on your visit to {appointment.practitioner.practitionerId} on {when(appointment.slot)}
      </h3>
      <fieldset>
        <legend>Rating (5 is best)</legend>
        {RATINGS.map((r) => (
          <label key={r} class="check">
            <input
              type="radio"
              name="rating"
              required
              value={r}
              checked={rating === r}
              onChange={() => {
                setRating(r);
              }}
            />
            {r}
          </label>
        ))}
      </fieldset>
      <TextArea
        id="feedback-comment"
        label="Comment (optional; only the hospital reads it)"
        value={comment}
        onValue={setComment}
        rows={3}
        maxLength={2000}
        required={false}
      />
      <button type="submit">Send the feedback</button>
    </form>
  );
}

/** A write on one appointment: the committed outcome is named after `done`. */
async function move(appointment: Appointment, action: 'confirm' | 'cancel' | 'complete', done: string) {
  const moved = await act(`Appointment ${appointment.appointmentId}: waiting for the ledger…`, () =>
    answer(
      api.POST('/v1/appointments/{appointmentId}/status', {
        params: { path: { appointmentId: appointment.appointmentId } },
        body: { action },
      }),
    ),
  );
  if (moved)
    notice.value = `Appointment ${appointment.appointmentId} ${done}: committed in block ${String(moved.committedBlock)}.`;
  return moved !== undefined;
}

const OPEN: readonly Status[] = ['requested', 'confirmed'];

/** The patient's appointments: book, cancel, follow each one's status live, rate a completed visit. */
function MyAppointments() {
  const [appointments, setAppointments] = useState<Appointment[] | undefined>(undefined);
  const [rating, setRating] = useState<Appointment | undefined>(undefined);
  const [version, reread] = useRereads(APPOINTMENT_EVENTS);
  useEffect(() => {
    void act('Loading your appointments…', async () => {
      const page = await answer(api.GET('/v1/appointments', { params: { query: { pageSize: 100 } } }));
      setAppointments([...page.items].sort((x, y) => y.slot.localeCompare(x.slot)));
    });
  }, [version]);
  const cancel = async (a: Appointment) => {
    if (await move(a, 'cancel', 'cancelled')) reread();
  };
  return (
    <section aria-labelledby="appointments-title">
      <h2 id="appointments-title">My appointments</h2>
      <BookForm onBooked={reread} />
      {appointments && (
        <AppointmentTable
          rows={appointments}
          who="practitioner"
          caption="Your appointments, latest first; statuses update live"
          actions={(a) => (
            <>
              {OPEN.includes(a.status) && (
                <button
                  type="button"
                  class="danger"
                  onClick={() => void cancel(a)}
                  aria-label={`Cancel appointment ${a.appointmentId}`}
                >
                  Cancel
                </button>
              )}
              {a.status === 'completed' &&
                a.feedbackGivenAt === undefined &&
                !rated.value.includes(a.appointmentId) && (
                  <button
                    type="button"
                    onClick={() => {
                      setRating(a);
                    }}
                    aria-label={`Give feedback on appointment ${a.appointmentId}`}
                  >
                    Give feedback
                  </button>
                )}
            </>
          )}
        />
      )}
      {rating && !rated.value.includes(rating.appointmentId) && (
        <FeedbackForm
          key={rating.appointmentId}
          appointment={rating}
          onGiven={() => {
            setRating(undefined);
          }}
        />
      )}
    </section>
  );
}

const today = () => new Date().toISOString().slice(0, 10);

/** The doctor's schedule, a day at a time: the patient's reason, confirm, complete, cancel. */
function Schedule() {
  const [day, setDay] = useState(today());
  const [appointments, setAppointments] = useState<Appointment[] | undefined>(undefined);
  const [reason, setReason] = useState<{ appointmentId: string; reason: string } | undefined>(undefined);
  const [version, reread] = useRereads(APPOINTMENT_EVENTS);
  useEffect(() => {
    void act('Loading your schedule…', async () => {
      const query = { pageSize: 100, ...(day ? { day } : {}) };
      setAppointments((await answer(api.GET('/v1/schedule', { params: { query } }))).items);
    });
  }, [day, version]);
  const readReason = async (a: Appointment) => {
    setReason(undefined);
    const read = await act("Reading the patient's reason (an audited read)…", () =>
      answer(
        api.POST('/v1/appointments/{appointmentId}/reason/read', {
          params: { path: { appointmentId: a.appointmentId } },
          body: { purpose: 'treatment' },
        }),
      ),
    );
    if (read) setReason(read.value);
  };
  const doMove = async (a: Appointment, action: 'confirm' | 'cancel' | 'complete', done: string) => {
    if (await move(a, action, done)) reread();
  };
  return (
    <section aria-labelledby="schedule-title">
      <h2 id="schedule-title">My schedule</h2>
      <div class="card">
        <TextField
          id="schedule-day"
          label="Day (UTC; empty for every day)"
          value={day}
          onValue={setDay}
          type="date"
          required={false}
        />
      </div>
      {appointments && (
        <AppointmentTable
          rows={appointments}
          who="patient"
          caption={`Appointments ${day ? `on ${day}` : 'on every day'}, by time; new requests appear live`}
          actions={(a) => (
            <>
              <button
                type="button"
                onClick={() => void readReason(a)}
                aria-label={`Read the reason for appointment ${a.appointmentId}`}
              >
                Reason
              </button>
              {a.status === 'requested' && (
                <button
                  type="button"
                  onClick={() => void doMove(a, 'confirm', 'confirmed')}
                  aria-label={`Confirm appointment ${a.appointmentId}`}
                >
                  Confirm
                </button>
              )}
              {a.status === 'confirmed' && (
                <button
                  type="button"
                  onClick={() => void doMove(a, 'complete', 'completed')}
                  aria-label={`Complete appointment ${a.appointmentId}`}
                >
                  Complete
                </button>
              )}
              {OPEN.includes(a.status) && (
                <button
                  type="button"
                  class="danger"
                  onClick={() => void doMove(a, 'cancel', 'cancelled')}
                  aria-label={`Cancel appointment ${a.appointmentId}`}
                >
                  Cancel
                </button>
              )}
            </>
          )}
        />
      )}
      {reason && (
        <div class="card" aria-labelledby="reason-title">
          <h3 id="reason-title">Reason for appointment {reason.appointmentId}</h3>
          <p class="appointment-reason">{reason.reason}</p>
        </div>
      )}
    </section>
  );
}

export const PATIENT_APPOINTMENT_VIEWS = {
  appointments: { label: 'Appointments', view: MyAppointments },
} as const;

export const DOCTOR_APPOINTMENT_VIEWS = {
  schedule: { label: 'Schedule', view: Schedule },
} as const;
