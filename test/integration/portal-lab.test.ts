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
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totp } from '../../gateway-api/src/auth/totp';
import { launchChromium, screenshot, seriousViolations, type Violation, watch } from './helpers/browser';
import { type Gateway, invite, PASSWORD, type Person, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';

const runId = Date.now().toString(36);
const FINDINGS = `IgE 410 kU/L, raised (${runId})`;

let a: Gateway;
let lab: Gateway;
let browser: Browser;
const contexts: BrowserContext[] = [];
const violations: Violation[] = [];
const pageProblems: string[][] = [];

async function open(gateway: Gateway): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  pageProblems.push(watch(page));
  await page.goto(gateway.url);
  return page;
}

async function audit(page: Page, label: string): Promise<void> {
  violations.push(...(await seriousViolations(page, label)));
}

/** Signs in with the next TOTP step (the invitation's sign-in took the current one: a code is taken once). */
async function signIn(page: Page, person: Person): Promise<void> {
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Code from your authenticator app').fill(totp(person.secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The portal's outcome matching `outcome` (it fails at once with the portal's error when one shows instead). */
async function outcome(page: Page, pattern: RegExp): Promise<RegExpExecArray> {
  const status = page.getByRole('status').filter({ hasText: pattern });
  await status
    .or(page.getByRole('alert'))
    .first()
    .waitFor({ timeout: 90_000 })
    .catch(async (error: unknown) => {
      throw new Error(`${String(error)}; the portal shows: ${await page.getByRole('status').innerText()}`);
    });
  const alert = page.getByRole('alert');
  if ((await alert.count()) > 0) throw new Error(`the portal shows an error: ${await alert.innerText()}`);
  const match = pattern.exec(await status.innerText());
  if (!match) throw new Error(`no outcome matching ${String(pattern)}`);
  return match;
}

/** Waits until the gateway's peer holds `block`. */
async function reach(gateway: Gateway, block: number): Promise<void> {
  const res = await fetch(`${gateway.url}/v1/me`, {
    headers: { authorization: `Bearer ${gateway.admin}`, 'ehr-min-block': String(block) },
  });
  expect(res.status).toBe(200);
}

const statusOf = (page: Page, orderId: string) => page.locator(`tr[data-order="${orderId}"] .order-status`);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser.close();
  await stopGateways();
});

describe('lab orders in the web portal', () => {
  beforeAll(async () => {
    [a, lab, browser] = await Promise.all([startGateway('hospital-a', 61), startGateway('lab', 62), launchChromium()]);
  }, 300_000);

  afterEach(() => {
    expect(violations).toEqual([]);
    expect(pageProblems.flat()).toEqual([]);
  });

  it("carries an order from the doctor to the lab and its result back to the doctor's page without a reload", async () => {
    const [patient, doctorA, labtech] = await Promise.all([
      invite(a, `labpat-${runId}`, 'patient'),
      invite(a, `labdoc-${runId}`, 'doctor'),
      invite(lab, `labtech-${runId}`, 'labtech'),
    ]);
    const patientId = patient.attrs['ehr.patientId'] ?? '';
    expect(patientId).not.toBe('');

    const doctor = await open(a);
    await signIn(doctor, doctorA);
    await doctor.getByRole('button', { name: 'Lab orders' }).click();
    await doctor.getByLabel('Patient id').fill(patientId);
    await doctor.getByLabel('Lab', { exact: true }).selectOption('LabMSP');
    // A test without a name is refused with a message naming it, and nothing is ordered.
    await doctor.getByLabel(/^Tests, one a line/).fill('IGE total IgE\nCBC');
    await doctor.getByRole('button', { name: 'Place the order' }).click();
    const alert = doctor.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^PORTAL_ERROR\s+test 2 \("CBC"\) needs a code and a name/);
    await audit(doctor, 'lab order refused');

    await doctor.getByLabel(/^Tests, one a line/).fill('IGE total IgE\nCBC full blood count');
    await doctor.getByLabel('Priority').selectOption('urgent');
    await doctor.getByLabel('Notes for the lab (optional)').fill('wheeze for three weeks');
    await doctor.getByRole('button', { name: 'Place the order' }).click();
    const [, orderId = '', block] = await outcome(doctor, /Lab order (\S+) placed: committed in block (\d+)/);
    await statusOf(doctor, orderId).filter({ hasText: 'ordered' }).waitFor();
    await audit(doctor, 'lab order placed');
    // From here the doctor's page is never reloaded: a marker set now must survive to the end.
    await doctor.evaluate('window.notReloaded = true');

    await settled();
    await reach(lab, Number(block));
    const tech = await open(lab);
    await signIn(tech, labtech);
    await statusOf(tech, orderId).filter({ hasText: 'ordered' }).waitFor({ timeout: 30_000 });
    await tech.getByRole('button', { name: `Read the tests of lab order ${orderId}` }).click();
    await tech.getByText('full blood count').waitFor({ timeout: 90_000 });
    expect(await tech.locator('.lab-notes').innerText()).toBe('Notes: wheeze for three weeks');
    await audit(tech, 'lab queue with the tests of an order');

    await tech.getByRole('button', { name: `Accept lab order ${orderId}` }).click();
    await outcome(tech, new RegExp(`Lab order ${orderId} accepted: committed in block`));
    await statusOf(doctor, orderId).filter({ hasText: 'accepted' }).waitFor({ timeout: 60_000 });

    await tech.getByRole('button', { name: `Start lab order ${orderId}` }).click();
    await outcome(tech, new RegExp(`Lab order ${orderId} started: committed in block`));
    await statusOf(doctor, orderId).filter({ hasText: 'in-progress' }).waitFor({ timeout: 60_000 });

    await tech.getByRole('button', { name: `Post the result of lab order ${orderId}` }).click();
    await tech.getByLabel('Findings').fill(FINDINGS);
    await audit(tech, 'posting a lab result');
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
    await audit(doctor, 'lab result read by the doctor');
    await screenshot(doctor, 'lab-2-doctor-result');
  }, 600_000);
});
