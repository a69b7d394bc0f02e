/**
 * The member admin's portal and the break-glass and erasure loops, in headless Chromium against
 * the real network (issue 14). Hospital A's admin registers a doctor and a patient in the
 * portal; they activate their accounts with the code sent to them and sign in. The doctor
 * breaks the glass on the patient with a reason and reads her record under it; the patient's
 * page, never reloaded, tells her at once; the admin reads the reason and reviews the window,
 * and the patient sees the outcome. The patient asks for erasure, the admin approves it, and the
 * patient sees it approved. A ward with more beds occupied than it has is refused with the API's
 * code and message, and the admin sees the member's nodes up with their heights. Every page is
 * checked with axe-core and for CSP violations; each test's last page is saved under
 * test-artifacts/portal/.
 *
 * The people's sign-up (they would use the code from their own mailbox) and the record the
 * patient's treating doctor wrote before the emergency are done through the API.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser';
import { call, enrolmentCode, type Gateway, invite, signUp, startGateway, stopGateways } from './helpers/gateways';
import { committedBlock, outcome, PortalBrowser, shows, signIn } from './helpers/portal';

const runId = Date.now().toString(36);
const DIAGNOSIS = `T78.2 anaphylaxis, penicillin (${runId})`;
const REASON = `brought in unconscious, no relative reachable (${runId})`;
const LIVE_MS = 60_000;

let a: Gateway;
let portal: PortalBrowser;

afterAll(async () => {
  await portal.close();
  await stopGateways();
});

describe("the member admin's portal", () => {
  let admin: Page;
  let patient: Page;
  let patientId = '';
  const doctorName = `bgdoc-${runId}`;
  const patientName = `bgpat-${runId}`;

  beforeAll(async () => {
    [a, portal] = await Promise.all([startGateway('hospital-a', 65), PortalBrowser.launch()]);
  }, 300_000);

  afterEach(() => {
    portal.expectClean();
  });

  /** The admin registers a person in the People view; answers the portal's outcome. */
  async function register(username: string, role: string, fill: () => Promise<void>): Promise<RegExpExecArray> {
    await admin.getByLabel(/^Username/).fill(username);
    await admin.getByLabel('Role').selectOption(role);
    await fill();
    await admin.getByRole('button', { name: 'Register and invite' }).click();
    return outcome(
      admin,
      new RegExp(
        `Invited ${username} as ${role}(?: \\(patient id (\\S+)\\))?: enrolment code sent via outbox; committed in block \\d+`,
      ),
    );
  }

  it('registers a doctor and a patient; the doctor breaks the glass and reads, the patient is told at once, the admin reviews', async () => {
    admin = await portal.open(a);
    await signIn(admin, { username: 'admin', secret: a.adminSecret });
    await register(doctorName, 'doctor', () => admin.getByLabel('Licence number').fill(`LIC-${runId}`));
    await portal.audit(admin, 'doctor registered');
    [, patientId = ''] = await register(patientName, 'patient', async () => {
      await admin.getByLabel(/^Full name/).fill('Glass Patient');
      await admin.getByLabel('Date of birth').fill('1971-02-03');
    });
    expect(patientId).toMatch(/^PAT-/);
    // What to hand over names the channel; the code itself is never on the admin's page.
    await admin.getByRole('heading', { name: `What to hand over to ${patientName}` }).waitFor();
    expect(await admin.locator('main').innerText()).not.toContain(enrolmentCode(a, patientName));
    for (const name of [doctorName, patientName])
      await admin.locator(`tr[data-user="${name}"] .user-status`).filter({ hasText: 'invited' }).waitFor();
    await portal.audit(admin, 'patient registered');

    // They sign up with the codes sent to them, as they would from their mailbox.
    const doctor = { username: doctorName, secret: await signUp(a.url, doctorName, enrolmentCode(a, doctorName)) };
    const person = { username: patientName, secret: await signUp(a.url, patientName, enrolmentCode(a, patientName)) };
    // Her treating doctor wrote her record before the emergency.
    const writer = await invite(a, `bgwriter-${runId}`, 'doctor');
    const record = await call(
      `${a.url}/v1/records`,
      'POST',
      { patientId, category: 'diagnosis', body: { diagnosis: DIAGNOSIS } },
      writer.token,
    );
    expect(record.status).toBe(201);
    const recordId = record.body.recordId as string;

    patient = await portal.open(a);
    await signIn(patient, person, 0);
    await patient.getByRole('link', { name: 'Emergency access' }).click();
    await shows(patient, 'No one has broken the glass on your records.');
    await portal.audit(patient, 'emergency access to my records, none');
    // From here the patient's page is never reloaded: a marker set now must survive to the end.
    await patient.evaluate('window.notReloaded = true');

    const doc = await portal.open(a);
    await signIn(doc, doctor, 0);
    await doc.getByRole('link', { name: 'Emergency access' }).click();
    await doc.getByLabel('Patient id').fill(patientId);
    await doc.getByLabel('Reason', { exact: true }).selectOption('unconscious');
    await doc.getByLabel(/^What happened/).fill(REASON);
    await doc.getByLabel(/^For how many minutes/).fill('30');
    await portal.audit(doc, 'break-glass form');
    await doc.getByRole('button', { name: 'Break the glass' }).click();
    const [, breakGlassId = ''] = await outcome(
      doc,
      new RegExp(`Break-glass window (\\S+) opened on patient ${patientId} until .*: committed in block \\d+`),
    );
    await doc.getByRole('button', { name: `Read under break-glass: diagnosis record ${recordId}` }).click();
    await shows(doc, DIAGNOSIS);
    await outcome(doc, /Access granted on the basis "break-glass" \(flagged for review\): recorded in block \d+/);
    await portal.audit(doc, 'record read under break-glass');

    // The patient is told at once, from the event stream.
    const told = patient.locator(`.breakglass-notice li[data-break-glass="${breakGlassId}"]`);
    await told.waitFor({ timeout: LIVE_MS });
    expect(await told.innerText()).toMatch(
      /^doctor \S+ of HospitalAMSP opened emergency access .*the patient is unconscious/,
    );
    const row = patient.locator(`tr[data-break-glass="${breakGlassId}"] .review-status`);
    await row.filter({ hasText: 'awaiting review' }).waitFor({ timeout: LIVE_MS });
    expect(await patient.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(patient, 'told of the break-glass');

    await admin.getByRole('link', { name: 'Break-glass review' }).click();
    await admin.getByRole('button', { name: `Read the reason for ${breakGlassId}` }).click();
    await shows(admin, REASON);
    await portal.audit(admin, 'break-glass reason read');
    await screenshot(admin, 'admin-1-break-glass-review');
    await admin.getByRole('button', { name: `Justified: ${breakGlassId}`, exact: true }).click();
    await outcome(admin, new RegExp(`Break-glass ${breakGlassId} reviewed as justified: committed in block \\d+`));
    await admin.locator(`tr[data-break-glass="${breakGlassId}"]`).waitFor({ state: 'detached' });
    await portal.audit(admin, 'break-glass reviewed');

    // No event announces a review: the patient's list re-reads it within 10 s.
    await row.filter({ hasText: /^justified, reviewed/ }).waitFor({ timeout: LIVE_MS });
    expect(await patient.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(patient, 'break-glass justified');
    await screenshot(patient, 'admin-1-patient-break-glass-justified');
  }, 600_000);

  it('carries an erasure request from the patient to the admin and its approval back', async () => {
    expect(patientId).not.toBe('');
    await patient.getByRole('link', { name: 'Erase my data' }).click();
    await portal.audit(patient, 'erase my data');
    await patient.getByLabel('I understand that erasure deletes my data for good').check();
    await patient.getByRole('button', { name: 'Request erasure' }).click();
    const [, requestId = ''] = await outcome(
      patient,
      /Erasure requested \(request (\S+), to be approved by HospitalAMSP\): committed in block \d+/,
    );
    const status = patient.locator(`tr[data-erasure="${requestId}"] .erasure-status`);
    await status.filter({ hasText: 'requested: waiting for HospitalAMSP' }).waitFor();
    await portal.audit(patient, 'erasure requested');

    await admin.getByRole('link', { name: 'Erasure requests' }).click();
    await admin.getByRole('button', { name: `Approve erasure request ${requestId}` }).click({ timeout: LIVE_MS });
    const [, purged = '0'] = await outcome(
      admin,
      new RegExp(
        `Erasure request ${requestId} approved \\((\\d+) private values purged here, request now approved\\): committed in block \\d+`,
      ),
    );
    // Her demographics, the record's body and the break-glass reason at least.
    expect(Number(purged)).toBeGreaterThanOrEqual(3);
    await portal.audit(admin, 'erasure approved');

    await status.filter({ hasText: 'approved: erased by every member' }).waitFor({ timeout: LIVE_MS });
    expect(await patient.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(patient, 'erasure approved, as the patient sees it');
    await screenshot(patient, 'admin-2-patient-erasure-approved');
  }, 600_000);

  it("refuses a ward with more beds occupied than it has, with the API's code and message, and shows the nodes' health", async () => {
    await admin.getByRole('link', { name: 'Beds and profile' }).click();
    await admin.getByLabel('Display name').fill(`Hospital A (${runId})`);
    await admin.getByLabel(/^Specialities/).fill('emergency\ncardiology');
    await admin.getByRole('button', { name: 'Publish the profile' }).click();
    await committedBlock(admin, new RegExp(`Profile of HospitalAMSP published as "Hospital A \\(${runId}\\)"`));

    const ward = `ER ${runId}`;
    await admin.getByLabel('Ward', { exact: true }).fill(ward);
    await admin.getByLabel('Specialty', { exact: true }).fill('emergency');
    await admin.getByLabel('Beds in total').fill('10');
    await admin.getByLabel('Beds occupied').fill('12');
    await admin.getByRole('button', { name: 'Publish the beds' }).click();
    const alert = admin.getByRole('alert');
    await alert.waitFor({ timeout: LIVE_MS });
    expect(await alert.innerText()).toMatch(/^INVALID_REQUEST\s+occupied beds cannot exceed total beds/);
    expect(await admin.locator(`tr[data-ward="${ward}"]`).count()).toBe(0);
    await portal.audit(admin, 'beds refused');

    await admin.getByLabel('Beds occupied').fill('7');
    await admin.getByRole('button', { name: 'Publish the beds' }).click();
    await committedBlock(admin, new RegExp(`Beds of ward ${ward} published`));
    await admin.locator(`tr[data-ward="${ward}"] .free-beds`).filter({ hasText: /^3$/ }).waitFor();
    await portal.audit(admin, 'beds published');

    await admin.getByRole('link', { name: 'Node health' }).click();
    const node = (name: string) => admin.locator(`tr[data-node="${name}"]`);
    await node('peer').waitFor({ timeout: LIVE_MS });
    for (const name of ['peer', 'orderer', 'ca', 'stateDb', 'chaincode'])
      expect(await node(name).locator('.node-status').innerText()).toBe('up');
    for (const name of ['peer', 'orderer'])
      expect(Number(await node(name).locator('td').nth(3).innerText())).toBeGreaterThan(0);
    await portal.audit(admin, 'node health');
    await screenshot(admin, 'admin-3-node-health');
  }, 600_000);
});
