/**
 * The care screens of the web portal in headless Chromium against the real network (issue 14):
 * a patient at hospital A books an appointment with one of its doctors (a booking in the past is
 * first refused with the ledger's code), the doctor's schedule shows it without a reload, the
 * doctor confirms and completes it, the patient's page follows each status and she rates the
 * visit; a doctor adds a record and amends it, and the patient opens the amended version. Each
 * view has its own address: pages open at a view's URL, and the back button and a reload (with
 * a new sign-in) keep the person on that view. One pass signs in and writes a record with the
 * keyboard only. Every page is checked with axe-core and for CSP violations; the last page of
 * each test is saved under test-artifacts/portal/.
 *
 * Inviting the patients and doctors is done through the API, as the member admin would.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser';
import { type Gateway, invite, PASSWORD, startGateway, stopGateways } from './helpers/gateways';
import { outcome, PortalBrowser, shows, signIn, view } from './helpers/portal';
import { totp } from '../../gateway-api/src/auth/totp';
import { markPhi } from './helpers/phi';

const runId = Date.now().toString(36);
const REASON = markPhi(`wheeze at night (${runId})`, 'hospital-a');
const FIRST = markPhi(`asthma, mild (${runId})`, 'hospital-a');
const AMENDED = markPhi(`asthma, moderate persistent (${runId})`, 'hospital-a');

let a: Gateway;
let portal: PortalBrowser;

afterAll(async () => {
  await portal.close();
  await stopGateways();
});

const statusOf = (page: Page, appointmentId: string) =>
  page.locator(`tr[data-appointment="${appointmentId}"] .appointment-status`);

/** A `datetime-local` value: `days` from today at `hour`, in this machine's (and the browser's) time zone. */
function localTime(days: number, hour: number): { local: string; utcDay: string } {
  const t = new Date();
  t.setDate(t.getDate() + days);
  t.setHours(hour, 0, 0, 0);
  const two = (n: number) => String(n).padStart(2, '0');
  const local = `${String(t.getFullYear())}-${two(t.getMonth() + 1)}-${two(t.getDate())}T${two(hour)}:00`;
  return { local, utcDay: t.toISOString().slice(0, 10) };
}

/** The view's address in the page's URL. */
const viewOf = (page: Page) => new URL(page.url()).hash;

/**
 * Waits until the TOTP step after the one `signedInAt` took has begun: a sign-in took that step's
 * next code, and the gateway takes each step once, in order.
 */
async function nextTotpStep(signedInAt: number): Promise<void> {
  const step = (t: number) => Math.floor(t / 30_000);
  while (step(Date.now()) <= step(signedInAt)) await new Promise((resolve) => setTimeout(resolve, 500));
}

/** The element that has focus: its id or tag and accessible text, and whether its focus is visibly drawn. */
async function focused(page: Page): Promise<{ what: string; visible: boolean }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { what: 'body', visible: false };
    const style = getComputedStyle(el);
    const drawn = el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const tag = el.tagName.toLowerCase();
    const what = el.id ? '#' + el.id : tag === 'main' ? tag : tag + ':' + (el.textContent || '').trim();
    return { what, visible: drawn };
  })()`);
}

/** Presses Tab until `target` has focus (at most `max` times); answers what got focus on the way. */
async function tabTo(page: Page, target: string, max = 12): Promise<string[]> {
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    // Every stop on the way shows where the focus is.
    expect(now).toEqual({ what: now.what, visible: true });
    path.push(now.what);
    if (now.what === target) return path;
  }
  throw new Error(`Tab did not reach ${target} in ${String(max)} presses: ${path.join(' → ')}`);
}

describe('care screens of the web portal', () => {
  beforeAll(async () => {
    [a, portal] = await Promise.all([startGateway('hospital-a', 68), PortalBrowser.launch()]);
  }, 300_000);

  afterEach(() => {
    portal.expectClean();
  });

  it('carries an appointment from booking to feedback, each side seeing the other live', async () => {
    const [patient, doctor] = await Promise.all([
      invite(a, `carepat-${runId}`, 'patient'),
      invite(a, `caredoc-${runId}`, 'doctor'),
    ]);
    const practitionerId = doctor.attrs['ehr.practitionerId'] ?? '';
    expect(practitionerId).not.toBe('');
    const slot = localTime(2, 10);

    // The doctor opens the schedule's address and, once signed in, is on that view.
    const doc = await portal.open(a, 'schedule');
    await signIn(doc, doctor);
    await doc.getByRole('heading', { name: 'My schedule' }).waitFor();
    expect(viewOf(doc)).toBe('#/schedule');
    await doc.getByLabel('Day (UTC; empty for every day)').fill(slot.utcDay);
    await shows(doc, 'No appointments.');
    await portal.audit(doc, 'empty schedule');
    await doc.evaluate('window.notReloaded = true');

    const pat = await portal.open(a, 'appointments');
    await signIn(pat, patient);
    const patientSignedInAt = Date.now();
    await pat.getByRole('heading', { name: 'My appointments' }).waitFor();
    await pat.getByLabel('Hospital', { exact: true }).selectOption('HospitalAMSP');
    await pat.getByLabel('Doctor', { exact: true }).selectOption(practitionerId);
    await pat.getByLabel('Reason (optional; only the hospital reads it)').fill(REASON);
    // A time in the past: the ledger refuses it, and the portal says so with the API's code.
    await pat.getByLabel('Date and time').fill(localTime(-1, 10).local);
    await pat.getByRole('button', { name: 'Book the appointment' }).click();
    const alert = pat.getByRole('alert');
    await alert.waitFor({ timeout: 90_000 });
    expect(await alert.innerText()).toMatch(/^INVALID_ARGUMENT\s+the slot must be in the future/);
    await portal.audit(pat, 'booking refused');

    await pat.getByLabel('Date and time').fill(slot.local);
    await pat.getByRole('button', { name: 'Book the appointment' }).click();
    const [, appointmentId = ''] = await outcome(
      pat,
      /Appointment (\S+) requested with \S+ for .+: committed in block \d+/,
    );
    await statusOf(pat, appointmentId).filter({ hasText: 'requested' }).waitFor();
    await portal.audit(pat, 'appointment requested');
    await pat.evaluate('window.notReloaded = true');

    // The doctor's page, never reloaded, shows the request; the reason is an audited read.
    await statusOf(doc, appointmentId).filter({ hasText: 'requested' }).waitFor({ timeout: 60_000 });
    await doc.getByRole('button', { name: `Read the reason for appointment ${appointmentId}` }).click();
    await shows(doc, REASON);
    await portal.audit(doc, 'schedule with a request and its reason');
    await doc.getByRole('button', { name: `Confirm appointment ${appointmentId}` }).click();
    await outcome(doc, new RegExp(`Appointment ${appointmentId} confirmed: committed in block \\d+`));
    await statusOf(pat, appointmentId).filter({ hasText: 'confirmed' }).waitFor({ timeout: 60_000 });
    await doc.getByRole('button', { name: `Complete appointment ${appointmentId}` }).click();
    await outcome(doc, new RegExp(`Appointment ${appointmentId} completed: committed in block \\d+`));
    await statusOf(doc, appointmentId).filter({ hasText: 'completed' }).waitFor();
    expect(await doc.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(doc, 'schedule with a completed visit');

    await statusOf(pat, appointmentId).filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    expect(await pat.evaluate('window.notReloaded')).toBe(true);

    // Each view has its address: another view, then Back, returns to the appointments.
    await pat.getByRole('link', { name: 'My records', exact: true }).click();
    await pat.getByRole('heading', { name: 'My records' }).waitFor();
    expect(viewOf(pat)).toBe('#/records');
    // What the browser's Back button does; the address must come back first, then the view.
    await pat.evaluate('history.back()');
    await pat.waitForURL(/#\/appointments$/);
    await view(pat, 'My appointments');
    expect(viewOf(pat)).toBe('#/appointments');
    // A reload asks her to sign in again (the session is in memory only), then shows the same view.
    await pat.reload();
    await nextTotpStep(patientSignedInAt);
    await signIn(pat, patient);
    const patientSignedInAgainAt = Date.now();
    await pat.getByRole('heading', { name: 'My appointments' }).waitFor();
    await statusOf(pat, appointmentId).filter({ hasText: 'completed' }).waitFor();

    await pat.getByRole('button', { name: `Give feedback on appointment ${appointmentId}` }).click();
    await pat.getByRole('radio', { name: '4' }).check();
    await pat.getByLabel('Comment (optional; only the hospital reads it)').fill('kind and thorough');
    await portal.audit(pat, 'feedback form');
    await pat.getByRole('button', { name: 'Send the feedback' }).click();
    await outcome(pat, new RegExp(`Feedback on appointment ${appointmentId} given: committed in block \\d+`));
    expect(await pat.getByRole('button', { name: `Give feedback on appointment ${appointmentId}` }).count()).toBe(0);
    await portal.audit(pat, 'feedback given');
    await screenshot(pat, 'care-1-patient-feedback-given');
    // After another reload she is not offered to rate it again: the appointment says it was rated.
    await pat.reload();
    await nextTotpStep(patientSignedInAgainAt);
    await signIn(pat, patient);
    await statusOf(pat, appointmentId).filter({ hasText: 'completed' }).waitFor();
    expect(await pat.getByRole('button', { name: `Give feedback on appointment ${appointmentId}` }).count()).toBe(0);

    // She books another visit and cancels it; a cancelled visit offers neither cancel nor feedback.
    await pat.getByLabel('Hospital', { exact: true }).selectOption('HospitalAMSP');
    await pat.getByLabel('Doctor', { exact: true }).selectOption(practitionerId);
    await pat.getByLabel('Date and time').fill(localTime(3, 11).local);
    await pat.getByRole('button', { name: 'Book the appointment' }).click();
    const [, secondId = ''] = await outcome(pat, /Appointment (\S+) requested with \S+ for .+: committed in block \d+/);
    expect(secondId).not.toBe(appointmentId);
    await statusOf(pat, secondId).filter({ hasText: 'requested' }).waitFor();
    await pat.getByRole('button', { name: `Cancel appointment ${secondId}` }).click();
    await outcome(pat, new RegExp(`Appointment ${secondId} cancelled: committed in block \\d+`));
    await statusOf(pat, secondId).filter({ hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    expect(await pat.getByRole('button', { name: `Cancel appointment ${secondId}` }).count()).toBe(0);
    expect(await pat.getByRole('button', { name: `Give feedback on appointment ${secondId}` }).count()).toBe(0);
    await portal.audit(pat, 'appointment cancelled');
  }, 600_000);

  it('lets a doctor add a record with the keyboard only and amend it, and the patient reads the amended version', async () => {
    const [patient, doctor] = await Promise.all([
      invite(a, `recpat-${runId}`, 'patient'),
      invite(a, `recdoc-${runId}`, 'doctor'),
    ]);
    const patientId = patient.attrs['ehr.patientId'] ?? '';
    expect(patientId).not.toBe('');

    // Keyboard only from here to the committed record: Tab, Enter and Space, and typing into fields.
    const doc = await portal.open(a, 'write-records');
    await portal.audit(doc, 'sign-in at a view address');
    const keys = doc.keyboard;
    expect(await tabTo(doc, '#signin-username')).toEqual(['#signin-username']);
    await keys.type(doctor.username);
    expect(await tabTo(doc, '#signin-password')).toEqual(['#signin-password']);
    await keys.type(PASSWORD);
    expect(await tabTo(doc, '#signin-code')).toEqual(['#signin-code']);
    await keys.type(totp(doctor.secret, Date.now() + 30_000));
    await keys.press('Enter');
    await doc.getByRole('button', { name: 'Sign out' }).waitFor();
    await doc.getByRole('heading', { name: 'Write records' }).waitFor();
    // The view from the address opens with the focus at its start, not back at the top of the page.
    expect((await focused(doc)).what).toBe('main');
    expect(await tabTo(doc, '#write-patient')).toEqual(['#write-patient']);
    await keys.type(patientId);
    expect(await tabTo(doc, 'button:Show the records')).toEqual(['button:Show the records']);
    await keys.press('Space');
    await doc.getByRole('heading', { name: `Add a record for patient ${patientId}` }).waitFor();
    expect(await tabTo(doc, '#add-diagnosis')).toEqual(['#add-category', '#add-diagnosis']);
    await keys.type(FIRST);
    await keys.press('Enter');
    const [, recordId = ''] = await outcome(doc, /Record (\S+) added \(version 1\): committed in block \d+/);
    await doc.locator(`tr[data-record="${recordId}"]`).waitFor();
    await portal.audit(doc, 'record added with the keyboard');

    // Amending starts from the current content and adds version 2; the versions list shows both.
    await doc.getByRole('button', { name: `Amend diagnosis record ${recordId}` }).click();
    const diagnosis = doc.getByRole('form', { name: `Amend diagnosis record ${recordId}` }).getByLabel('Diagnosis');
    await diagnosis.waitFor({ timeout: 90_000 });
    expect(await diagnosis.inputValue()).toBe(FIRST);
    await diagnosis.fill(AMENDED);
    await doc
      .getByRole('form', { name: `Amend diagnosis record ${recordId}` })
      .getByLabel('Medication, one a line')
      .fill('salbutamol inhaler\nbeclometasone 100 mcg');
    await portal.audit(doc, 'amending a record');
    await doc.getByRole('button', { name: 'Save as a new version' }).click();
    await outcome(doc, new RegExp(`Record ${recordId} amended: version 2 committed in block \\d+`));
    await doc.locator('.record-versions tr[data-version="2"]').waitFor({ timeout: 30_000 });
    expect(await doc.locator('.record-versions tbody tr').count()).toBe(2);
    await portal.audit(doc, 'versions of the amended record');

    const pat = await portal.open(a, 'records');
    await signIn(pat, patient);
    await pat.getByRole('button', { name: `Open diagnosis record ${recordId}` }).click();
    await shows(pat, AMENDED);
    await pat.getByRole('heading', { name: `diagnosis record ${recordId} (version 2)` }).waitFor();
    expect(await pat.getByText('salbutamol inhaler, beclometasone 100 mcg').count()).toBe(1);
    await portal.audit(pat, 'amended record read by the patient');
    await screenshot(pat, 'care-2-patient-amended-record');
  }, 600_000);
});
