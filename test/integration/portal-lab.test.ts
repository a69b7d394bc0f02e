/**
 * The lab order flow of the web portal in headless Chromium against the real network (issue
 * 14): a doctor at hospital A orders tests from the lab in the portal hospital A's gateway
 * serves; a lab technician, in the portal of the lab's own gateway, reads what the order asks
 * for, accepts it, starts it and posts the result; the doctor's page follows each move from the
 * event stream, without a reload, and the doctor reads the result. Every page is checked with
 * axe-core (no serious or critical violation) and for CSP violations; the last pages are saved
 * under test-artifacts/portal/.
 *
 * Inviting the patient and the staff is done through the API, as the member admins would.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser';
import { type Gateway, invite, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';
import { outcome, PortalBrowser, reach, signIn } from './helpers/portal';

const runId = Date.now().toString(36);
const FINDINGS = `IgE 410 kU/L, raised (${runId})`;

let a: Gateway;
let lab: Gateway;
let portal: PortalBrowser;

const statusOf = (page: Page, orderId: string) => page.locator(`tr[data-order="${orderId}"] .order-status`);

afterAll(async () => {
  await portal.close();
  await stopGateways();
});

describe('lab orders in the web portal', () => {
  beforeAll(async () => {
    [a, lab, portal] = await Promise.all([
      startGateway('hospital-a', 61),
      startGateway('lab', 62),
      PortalBrowser.launch(),
    ]);
  }, 300_000);

  afterEach(() => {
    portal.expectClean();
  });

  it("carries an order from the doctor to the lab and its result back to the doctor's page without a reload", async () => {
    const [patient, doctorA, labtech] = await Promise.all([
      invite(a, `labpat-${runId}`, 'patient'),
      invite(a, `labdoc-${runId}`, 'doctor'),
      invite(lab, `labtech-${runId}`, 'labtech'),
    ]);
    const patientId = patient.attrs['ehr.patientId'] ?? '';
    expect(patientId).not.toBe('');

    const doctor = await portal.open(a);
    await signIn(doctor, doctorA);
    await doctor.getByRole('link', { name: 'Lab orders', exact: true }).click();
    await doctor.getByLabel('Patient id').fill(patientId);
    await doctor.getByLabel('Lab', { exact: true }).selectOption('LabMSP');
    // A test without a name is refused with a message naming it, and nothing is ordered.
    await doctor.getByLabel(/^Tests, one a line/).fill('IGE total IgE\nCBC');
    await doctor.getByRole('button', { name: 'Place the order' }).click();
    const alert = doctor.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^PORTAL_ERROR\s+test 2 \("CBC"\) needs a code and a name/);
    await portal.audit(doctor, 'lab order refused');

    await doctor.getByLabel(/^Tests, one a line/).fill('IGE total IgE\nCBC full blood count');
    await doctor.getByLabel('Priority').selectOption('urgent');
    await doctor.getByLabel('Notes for the lab (optional)').fill('wheeze for three weeks');
    await doctor.getByRole('button', { name: 'Place the order' }).click();
    const [, orderId = '', block] = await outcome(doctor, /Lab order (\S+) placed: committed in block (\d+)/);
    await statusOf(doctor, orderId).filter({ hasText: 'ordered' }).waitFor();
    await portal.audit(doctor, 'lab order placed');
    // From here the doctor's page is never reloaded: a marker set now must survive to the end.
    await doctor.evaluate('window.notReloaded = true');

    await settled();
    await reach(lab, Number(block));
    const tech = await portal.open(lab);
    await signIn(tech, labtech);
    await statusOf(tech, orderId).filter({ hasText: 'ordered' }).waitFor({ timeout: 30_000 });
    await tech.getByRole('button', { name: `Read the tests of lab order ${orderId}` }).click();
    await tech.getByText('full blood count').waitFor({ timeout: 90_000 });
    expect(await tech.locator('.lab-notes').innerText()).toBe('Notes: wheeze for three weeks');
    await portal.audit(tech, 'lab queue with the tests of an order');

    await tech.getByRole('button', { name: `Accept lab order ${orderId}` }).click();
    await outcome(tech, new RegExp(`Lab order ${orderId} accepted: committed in block`));
    await statusOf(doctor, orderId).filter({ hasText: 'accepted' }).waitFor({ timeout: 60_000 });

    await tech.getByRole('button', { name: `Start lab order ${orderId}` }).click();
    await outcome(tech, new RegExp(`Lab order ${orderId} started: committed in block`));
    await statusOf(doctor, orderId).filter({ hasText: 'in-progress' }).waitFor({ timeout: 60_000 });

    await tech.getByRole('button', { name: `Post the result of lab order ${orderId}` }).click();
    await tech.getByLabel('Findings').fill(FINDINGS);
    await portal.audit(tech, 'posting a lab result');
    await tech.getByRole('button', { name: 'Post the result', exact: true }).click();
    await outcome(tech, new RegExp(`Result of lab order ${orderId} posted as record \\S+: committed in block`));
    // Done: the order leaves the lab's queue.
    await statusOf(tech, orderId).waitFor({ state: 'detached', timeout: 30_000 });
    await screenshot(tech, 'lab-1-labtech-result-posted');

    await statusOf(doctor, orderId).filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    expect(await doctor.evaluate('window.notReloaded')).toBe(true);
    await doctor.getByRole('button', { name: `Read the result of lab order ${orderId}` }).click();
    await doctor.getByText(FINDINGS).waitFor({ timeout: 90_000 });
    // The doctor reads the result as the one who ordered it (an audited read the patient sees).
    await outcome(doctor, /Access to the result granted on the basis "ordering-doctor": recorded in block \d+/);
    expect(await doctor.getByRole('alert').count()).toBe(0);
    expect(await doctor.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(doctor, 'lab result read by the doctor');
    await screenshot(doctor, 'lab-2-doctor-result');

    // The open list keeps a completed order for this session only; the list of all the doctor's
    // orders reads them from the ledger, done ones included, and their results stay readable.
    await doctor.getByRole('link', { name: 'All my lab orders', exact: true }).click();
    expect(new URL(doctor.url()).hash).toBe('#/all-lab-orders');
    await statusOf(doctor, orderId).filter({ hasText: 'completed' }).waitFor({ timeout: 30_000 });
    await doctor.getByRole('button', { name: `Read the result of lab order ${orderId}` }).click();
    await doctor.getByText(FINDINGS).waitFor({ timeout: 90_000 });
    await outcome(doctor, /Access to the result granted on the basis "ordering-doctor": recorded in block \d+/);
    await portal.audit(doctor, "all the doctor's lab orders");
    await screenshot(doctor, 'lab-3-doctor-all-orders');
  }, 600_000);
});
