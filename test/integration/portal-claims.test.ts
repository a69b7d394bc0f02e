/**
 * The claims flow of the web portal in headless Chromium against the real network (issue 14):
 * the insurer's adjuster issues a patient a policy in the portal the insurer's gateway serves;
 * hospital A's billing clerk, in hospital A's portal, submits a claim citing the record of the
 * care given; the adjuster opens it in the insurer's queue, sees the adjudication the insurer's
 * own peer computes, approves it and records the payment; the patient's page, open all along and
 * never reloaded, shows the decision and the payment. A claim on a policy that does not exist is
 * refused with the API's code and message, and nothing is committed. Every page is checked with
 * axe-core and for CSP violations; the last pages are saved under test-artifacts/portal/.
 *
 * Inviting people and writing the record of the care are done through the API, as the member
 * admins and the doctor's own systems would.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser';
import { call, type Gateway, invite, type Person, startGateway, stopGateways } from './helpers/gateways';
import { settled } from './helpers/network';
import { outcome, PortalBrowser, reach, shows, signIn } from './helpers/portal';

const runId = Date.now().toString(36);
const DAY = 86_400_000;
const LIVE_MS = 60_000;

let a: Gateway;
let insurer: Gateway;
let portal: PortalBrowser;

const row = (page: Page, claimId: string) => page.locator(`tr[data-claim="${claimId}"]`);

/** A record of care hospital A's doctor wrote for the patient (the document a claim cites). */
async function careRecord(doctor: Person, patientId: string, notes: string): Promise<string> {
  const written = await call(
    `${a.url}/v1/records`,
    'POST',
    { patientId, category: 'procedure', body: { notes } },
    doctor.token,
  );
  expect(written.status).toBe(201);
  return written.body.recordId as string;
}

afterAll(async () => {
  await portal.close();
  await stopGateways();
});

describe('claims in the web portal', () => {
  beforeAll(async () => {
    // Eleven people are invited and sign in within a minute or two, all from this host: more
    // than the default 30 sign-in attempts an address gets per minute (dishonest-user.test.ts
    // tests that limit).
    const signIns = { EHR_GATEWAY_SIGNIN_RATE_PER_ADDRESS: '200' };
    [a, insurer, portal] = await Promise.all([
      startGateway('hospital-a', 75, signIns),
      startGateway('insurer', 76, signIns),
      PortalBrowser.launch(),
    ]);
  }, 300_000);

  afterEach(() => {
    portal.expectClean();
  });

  it("carries a claim from hospital A's billing clerk to the insurer's adjuster and its payment to the patient's page without a reload", async () => {
    const [patientA, doctorA, clerkA, adjusterI] = await Promise.all([
      invite(a, `clmpat-${runId}`, 'patient'),
      invite(a, `clmdoc-${runId}`, 'doctor'),
      invite(a, `clmbill-${runId}`, 'billing'),
      invite(insurer, `clmadj-${runId}`, 'adjuster'),
    ]);
    const patientId = patientA.attrs['ehr.patientId'] ?? '';
    expect(patientId).not.toBe('');
    const recordId = await careRecord(doctorA, patientId, `appendectomy ${runId}`);

    // The patient watches her claims from the start; her page is never reloaded.
    const patient = await portal.open(a);
    await signIn(patient, patientA);
    await patient.getByRole('link', { name: 'My claims' }).click();
    await shows(patient, 'No claims.');
    await patient.evaluate('window.notReloaded = true');
    await portal.audit(patient, 'patient without claims');

    // The adjuster issues her a policy: procedures covered at 80 %, 10 % co-pay.
    const adjuster = await portal.open(insurer);
    await signIn(adjuster, adjusterI);
    await adjuster.getByRole('link', { name: 'Policies' }).click();
    await adjuster.getByLabel('Patient id').fill(patientId);
    await adjuster.getByRole('button', { name: "Show the patient's policies" }).click();
    await shows(adjuster, `Patient ${patientId} has no policy with this insurer.`);
    await adjuster.getByLabel('Plan').fill('Silver');
    await adjuster.getByLabel(/^Coverage/).fill('procedure 80');
    await adjuster.getByLabel('Co-pay percent').fill('10');
    await adjuster.getByLabel(/^Annual limit/).fill('10000.00');
    await adjuster.getByLabel('Valid until').fill(new Date(Date.now() + 300 * DAY).toISOString().slice(0, 10));
    await portal.audit(adjuster, 'issuing a policy');
    await adjuster.getByRole('button', { name: 'Issue the policy' }).click();
    const [, policyId = '', policyBlock] = await outcome(
      adjuster,
      /Policy (\S+) issued to patient \S+: committed in block (\d+)/,
    );
    await adjuster.locator(`tr[data-policy="${policyId}"] .policy-status`).filter({ hasText: 'active' }).waitFor();
    await portal.audit(adjuster, 'policy issued');

    // Hospital A's billing clerk claims the care from that policy, citing the record.
    await settled();
    await reach(a, Number(policyBlock));
    const clerk = await portal.open(a);
    await signIn(clerk, clerkA);
    await clerk.getByLabel('Patient id').fill(patientId);
    await clerk.getByRole('button', { name: "Find the patient's records and policies" }).click();
    await shows(clerk, `Active policies: ${policyId} (Silver, InsurerMSP).`);
    expect(await clerk.getByLabel('Policy number').inputValue()).toBe(policyId);
    await clerk.getByLabel(`Amount for record ${recordId}`).fill('1200.00');
    await clerk.getByLabel(`Description for record ${recordId}`).fill('Laparoscopic appendectomy');
    await clerk.getByLabel(`Code for record ${recordId}`).fill('44970');
    await clerk.getByLabel('Notes for the insurer (optional)').fill(`run ${runId}`);
    await portal.audit(clerk, 'claim form');
    await clerk.getByRole('button', { name: 'Submit the claim' }).click();
    const [, claimId = '', claimBlock] = await outcome(
      clerk,
      /Claim (\S+) submitted to InsurerMSP for 1200\.00: committed in block (\d+)/,
    );
    await row(clerk, claimId).locator('.claim-status').filter({ hasText: 'submitted' }).waitFor();
    await clerk.evaluate('window.notReloaded = true');
    await portal.audit(clerk, 'claim submitted');
    // The patient's page learns of the claim from the event stream.
    await row(patient, claimId).locator('.claim-status').filter({ hasText: 'submitted' }).waitFor({ timeout: LIVE_MS });

    // The adjuster opens it: the insurer's peer computes 1200.00 × 80 % less 10 % co-pay = 864.00.
    await settled();
    await reach(insurer, Number(claimBlock));
    await adjuster.getByRole('link', { name: 'Claim queue' }).click();
    await row(adjuster, claimId).waitFor({ timeout: LIVE_MS });
    await adjuster.getByRole('button', { name: `Open claim ${claimId}` }).click();
    const verdict = adjuster.locator('.case-verdict');
    await verdict.filter({ hasText: 'approve: 864.00 of 1200.00' }).waitFor({ timeout: LIVE_MS });
    expect(await adjuster.locator(`tr[data-line="${recordId}"] .line-approved`).innerText()).toBe('864.00');
    // Computing it committed nothing: the claim is still submitted everywhere.
    expect(await adjuster.locator('.case-status').innerText()).toBe('submitted');
    await adjuster.getByRole('button', { name: 'Read what each line was' }).click();
    await shows(adjuster, 'Laparoscopic appendectomy (code 44970)');
    await portal.audit(adjuster, 'claim opened with the computed adjudication');

    await adjuster.getByRole('button', { name: 'Approve the claim' }).click();
    await outcome(adjuster, new RegExp(`Claim ${claimId} approved: 864\\.00 approved, committed in block \\d+`));
    await row(clerk, claimId).locator('.claim-decision').filter({ hasText: '864.00 approved' }).waitFor({
      timeout: LIVE_MS,
    });
    await row(patient, claimId).locator('.claim-status').filter({ hasText: 'approved' }).waitFor({ timeout: LIVE_MS });

    const paymentRef = `PAY-${runId}`;
    await adjuster.getByLabel(/^Payment reference/).fill(paymentRef);
    await adjuster.getByRole('button', { name: 'Record the payment' }).click();
    await outcome(adjuster, new RegExp(`Payment ${paymentRef} of claim ${claimId} recorded: committed in block \\d+`));
    await row(adjuster, claimId).locator('.claim-status').filter({ hasText: 'paid' }).waitFor({ timeout: LIVE_MS });
    expect(await verdict.innerText()).toBe('approve: 864.00 of 1200.00');
    await portal.audit(adjuster, 'claim paid');

    // Both hospital pages follow it to the payment without a reload.
    await row(clerk, claimId).locator('.claim-payment').filter({ hasText: paymentRef }).waitFor({ timeout: LIVE_MS });
    expect(await clerk.evaluate('window.notReloaded')).toBe(true);
    const paid = row(patient, claimId);
    await paid.locator('.claim-payment').filter({ hasText: paymentRef }).waitFor({ timeout: LIVE_MS });
    expect(await paid.locator('.claim-status').innerText()).toBe('paid');
    expect(await paid.locator('.claim-decision').innerText()).toBe('864.00 approved');
    expect(await paid.locator('.claim-payment').innerText()).toMatch(
      new RegExp(`^864\\.00 paid on .+, reference ${paymentRef}$`),
    );
    expect(await patient.evaluate('window.notReloaded')).toBe(true);
    expect(await patient.getByRole('alert').count()).toBe(0);
    await portal.audit(patient, 'patient sees the payment');
    await screenshot(adjuster, 'claims-1-adjuster-paid');
    await screenshot(patient, 'claims-1-patient-paid');
  }, 600_000);

  it("bills a completed visit in the Bills view and claims the bill; the policy does not cover it, the adjuster denies it and the patient's page shows the denial", async () => {
    const [patientA, doctorA, clerkA, adjusterI] = await Promise.all([
      invite(a, `billpat-${runId}`, 'patient'),
      invite(a, `billdoc-${runId}`, 'doctor'),
      invite(a, `billclerk-${runId}`, 'billing'),
      invite(insurer, `billadj-${runId}`, 'adjuster'),
    ]);
    const patientId = patientA.attrs['ehr.patientId'] ?? '';
    const practitionerId = doctorA.attrs['ehr.practitionerId'] ?? '';
    expect(patientId).not.toBe('');
    // The visit, through the API as the patient's and the doctor's own systems would: booked,
    // confirmed, completed; and the record of the care given. The policy covers diagnoses only.
    const ok = async (gateway: Gateway, token: string, method: string, route: string, body: unknown) => {
      const answer = await call(`${gateway.url}${route}`, method, body, token);
      if (answer.status >= 300) throw new Error(`${method} ${route}: ${String(answer.status)}`);
      return answer.body as Record<string, unknown>;
    };
    const booked = await ok(a, patientA.token, 'POST', '/v1/appointments', {
      mspId: 'HospitalAMSP',
      practitionerId,
      slot: new Date(Date.now() + DAY).toISOString(),
    });
    const appointmentId = booked.appointmentId as string;
    for (const action of ['confirm', 'complete'])
      await ok(a, doctorA.token, 'POST', `/v1/appointments/${appointmentId}/status`, { action });
    const recordId = await careRecord(doctorA, patientId, `consultation ${runId}`);
    const policy = await ok(insurer, adjusterI.token, 'POST', '/v1/policies', {
      patientId,
      terms: {
        plan: 'Bronze',
        coverage: { diagnosis: 50 },
        copayPercent: 0,
        annualLimit: 100_000,
        validFrom: new Date(Date.now() - 30 * DAY).toISOString(),
        validUntil: new Date(Date.now() + 300 * DAY).toISOString(),
      },
    });
    const policyId = policy.policyId as string;
    await settled();

    const patient = await portal.open(a, 'claims');
    await signIn(patient, patientA);
    await shows(patient, 'No claims.');
    await patient.evaluate('window.notReloaded = true');

    // The clerk bills the visit in the Bills view, then claims the bill from the patient's insurer.
    const clerk = await portal.open(a, 'bills');
    await signIn(clerk, clerkA);
    await clerk.getByRole('heading', { name: 'Bills' }).waitFor();
    await clerk.getByLabel('Patient id').fill(patientId);
    await clerk.getByLabel('For a completed').selectOption('appointment');
    await clerk.getByLabel('Its id (APT-… or LAB-…)').fill(appointmentId);
    await clerk.getByLabel(/^Items, one a line/).fill(`procedure 300.00 Consultation [${recordId}]`);
    await portal.audit(clerk, 'bill form');
    await clerk.getByRole('button', { name: 'Issue the bill' }).click();
    const [, billId = ''] = await outcome(clerk, /Bill (\S+) for 300\.00 issued: committed in block \d+/);
    const bill = clerk.locator(`tr[data-bill="${billId}"]`);
    await bill.filter({ hasText: 'issued' }).waitFor();
    await clerk.getByRole('button', { name: `Claim bill ${billId} from the insurer` }).click();
    await clerk.getByLabel('Policy number').fill(policyId);
    await clerk.getByRole('button', { name: 'Claim the bill' }).click();
    const [, claimId = '', claimBlock] = await outcome(
      clerk,
      new RegExp(`Claim (\\S+) made from bill ${billId} for 300\\.00: committed in block (\\d+)`),
    );
    await portal.audit(clerk, 'bill claimed');
    await row(patient, claimId).locator('.claim-status').filter({ hasText: 'submitted' }).waitFor({ timeout: LIVE_MS });

    // The insurer's peer finds procedures not covered: the adjuster is offered a denial only.
    await reach(insurer, Number(claimBlock));
    const adjuster = await portal.open(insurer, 'queue');
    await signIn(adjuster, adjusterI);
    await row(adjuster, claimId).waitFor({ timeout: LIVE_MS });
    await adjuster.getByRole('button', { name: `Open claim ${claimId}` }).click();
    await adjuster
      .locator('.case-verdict')
      .filter({ hasText: /^deny: nothing of 300\.00 approved with reason codes .*NOT_COVERED/ })
      .waitFor({ timeout: LIVE_MS });
    expect(await adjuster.getByRole('button', { name: 'Approve the claim' }).count()).toBe(0);
    await portal.audit(adjuster, 'claim to deny');
    await adjuster.getByRole('button', { name: 'Deny the claim' }).click();
    await outcome(adjuster, new RegExp(`Claim ${claimId} rejected: 0\\.00 approved, committed in block \\d+`));
    // Nothing to pay on a denied claim.
    expect(await adjuster.getByRole('button', { name: 'Record the payment' }).count()).toBe(0);

    // The patient's page, never reloaded, shows the denial and its reason.
    const denied = row(patient, claimId);
    await denied.locator('.claim-status').filter({ hasText: 'rejected' }).waitFor({ timeout: LIVE_MS });
    expect(await denied.locator('.claim-decision').innerText()).toMatch(/^0\.00 approved \(.*NOT_COVERED.*\)$/);
    expect(await patient.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(patient, 'patient sees the denial');
    await screenshot(adjuster, 'claims-3-adjuster-denied');
  }, 600_000);

  it("refuses a claim on a policy the ledger does not have, showing the API's code and message, and commits nothing", async () => {
    const [patientA, doctorA, clerkA] = await Promise.all([
      invite(a, `clmpat2-${runId}`, 'patient'),
      invite(a, `clmdoc2-${runId}`, 'doctor'),
      invite(a, `clmbill2-${runId}`, 'billing'),
    ]);
    const patientId = patientA.attrs['ehr.patientId'] ?? '';
    const recordId = await careRecord(doctorA, patientId, `x-ray ${runId}`);

    const clerk = await portal.open(a);
    await signIn(clerk, clerkA);
    await clerk.getByLabel('Patient id').fill(patientId);
    await clerk.getByRole('button', { name: "Find the patient's records and policies" }).click();
    await shows(clerk, 'No active policy of this patient is on the ledger');
    const card = `POL-nocard-${runId}`;
    await clerk.getByLabel('Policy number').fill(card);
    // A malformed amount is refused before anything is sent, naming the record.
    await clerk.getByLabel(`Amount for record ${recordId}`).fill('80,00');
    await clerk.getByRole('button', { name: 'Submit the claim' }).click();
    const alert = clerk.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(
      new RegExp(`^PORTAL_ERROR\\s+the amount for record ${recordId} \\("80,00"\\) must be a number`),
    );

    // The ledger has no such policy: the gateway's code and message, no claim.
    await clerk.getByLabel(`Amount for record ${recordId}`).fill('80.00');
    await clerk.getByRole('button', { name: 'Submit the claim' }).click();
    await alert.filter({ hasText: 'NOT_FOUND' }).waitFor({ timeout: 90_000 });
    expect(await clerk.locator('.problem-code').innerText()).toBe('NOT_FOUND');
    expect(await clerk.locator('.problem-message').innerText()).toBe(`policy ${card} does not exist`);
    expect(await clerk.getByRole('status').innerText()).toBe('');
    const claims = await call(`${a.url}/v1/org/claims?pageSize=100`, 'GET', undefined, clerkA.token);
    expect(claims.status).toBe(200);
    expect((claims.body.items as { patientId: string }[]).filter((c) => c.patientId === patientId)).toEqual([]);
    await portal.audit(clerk, 'claim refused');
    await screenshot(clerk, 'claims-2-billing-refused');
  }, 300_000);
});
