/**
 * Secure messages and the help assistant in the web portal, in headless Chromium against the
 * real network (issue 14): at hospital A, a patient writes to her doctor (on her care team);
 * the doctor's page, never reloaded, shows the conversation, the doctor opens it (an access
 * event on the ledger, basis "care") and answers, and the answer appears on the patient's page
 * without a reload; she sees the doctor's opening in "who looked at my data". A doctor without
 * a lawful basis is refused with the ledger's reason. The help assistant answers a question
 * from the portal's own topics and hands over one it cannot answer, as a message to the
 * hospital's staff. The message text is then looked for where it must never be: the gateway's
 * log, its data folder in the clear, every block file of every peer and orderer, and every
 * state database and peer store (LevelDB, see helpers/stores.ts): it is nowhere.
 *
 * Inviting the people and the care-team assignment are done through the API, as the member
 * admin would.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { logFile } from '../../network/src/process';
import { ORGS, paths } from '../../network/src/topology';
import { screenshot } from './helpers/browser';
import { call, type Gateway, invite, type Person, startGateway, stopGateways } from './helpers/gateways';
import { outcome, PortalBrowser, reach, shows, signIn } from './helpers/portal';
import { placesHolding } from './helpers/stores';
import { markPhi } from './helpers/phi';

const runId = Date.now().toString(36);
/** The PHI marker: written as a message, it must stay in the hospital's sealed store only. */
const MARKER = markPhi(`Night cough since Tuesday, msg-marker-${runId}`); // messages stay off the ledger
const REPLY = markPhi(`Come in tomorrow at nine (${runId})`);
const SPARE = 82;

let a: Gateway;
let portal: PortalBrowser;
let patient: Person;
let doctor: Person;
let stranger: Person;
let patientId: string;
let practitionerId: string;

/** Every block file (Fabric's `blockfile_NNNNNN`) of every member's peer and orderer. */
function blockFiles(): string[] {
  const under = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) return under(full);
          return /^blockfile_\d+$/.test(entry.name) ? [full] : [];
        })
      : [];
  return ORGS.flatMap((org) => [...under(paths.org(org).peerData), ...under(paths.org(org).ordererData)]);
}

const holding = (files: string[], text: string) =>
  files.filter((file) => readFileSync(file).includes(Buffer.from(text, 'utf8')));

const STEP_MS = 30_000;
/** The last TOTP step each person signed in with (the gateway takes a step's code once). */
const usedStep = new Map<string, number>();

/** Signs in with a code of a step after the person's last one, waiting for it when needed. */
async function signInFresh(page: Page, person: Person): Promise<void> {
  const target = Math.max((usedStep.get(person.username) ?? 0) + 1, Math.floor(Date.now() / STEP_MS));
  // The gateway takes a code one step ahead at most.
  while (Math.floor(Date.now() / STEP_MS) + 1 < target) await new Promise((resolve) => setTimeout(resolve, 1000));
  usedStep.set(person.username, target);
  await signIn(page, person, target * STEP_MS + STEP_MS / 2 - Date.now());
}

const openMessages = async (page: Page) => {
  await page.getByRole('link', { name: 'Messages', exact: true }).click();
  await page.getByRole('heading', { name: 'Messages', exact: true }).waitFor();
};

afterAll(async () => {
  await portal.close();
  await stopGateways();
});

describe('secure messages and the help assistant in the web portal', () => {
  beforeAll(async () => {
    [a, portal] = await Promise.all([startGateway('hospital-a', SPARE), PortalBrowser.launch()]);
    [patient, doctor, stranger] = await Promise.all([
      invite(a, `msgpat-${runId}`, 'patient'),
      invite(a, `msgdoc-${runId}`, 'doctor'),
      invite(a, `msgno-${runId}`, 'doctor'),
    ]);
    // Their invitation signed each of them in with the code of this step (or the one before).
    for (const person of [patient, doctor, stranger]) usedStep.set(person.username, Math.floor(Date.now() / STEP_MS));
    patientId = patient.attrs['ehr.patientId'] ?? '';
    practitionerId = doctor.attrs['ehr.practitionerId'] ?? '';
    expect([patientId, practitionerId]).not.toContain('');
    // The hospital puts the doctor on the patient's care team: the lawful basis for messages.
    const assigned = await call(
      `${a.url}/v1/patients/${patientId}/care-team/${practitionerId}`,
      'PUT',
      undefined,
      a.admin,
    );
    expect(assigned.status).toBe(200);
    await reach(a, Number(assigned.body.committedBlock));
  }, 300_000);

  afterEach(() => {
    portal.expectClean();
  });

  it('carries a message from the patient to her doctor and his answer back, live on both pages', async () => {
    const doc = await portal.open(a);
    await signInFresh(doc, doctor);
    await openMessages(doc);
    await doc.getByText('No conversations yet.').waitFor();
    await portal.audit(doc, 'doctor messages, empty');
    await doc.evaluate('window.notReloaded = true');

    const pat = await portal.open(a);
    await signInFresh(pat, patient);
    await openMessages(pat);
    await pat.getByLabel('To', { exact: true }).selectOption(practitionerId);
    await pat.getByLabel('Message', { exact: true }).fill(MARKER);
    await portal.audit(pat, 'patient writing a message');
    await pat.getByRole('button', { name: 'Send', exact: true }).click();
    await outcome(pat, new RegExp(`Message sent to Dr ${practitionerId}: kept by the hospital, not on the ledger`));
    await pat.locator('.message-text').filter({ hasText: MARKER }).waitFor();
    await pat.evaluate('window.notReloaded = true');

    // The doctor's list shows it from the event stream; opening it is an access the ledger records.
    const open = doc.getByRole('button', { name: `Open the conversation with Patient ${patientId}` });
    await open.waitFor({ timeout: 60_000 });
    await open.click();
    await outcome(
      doc,
      new RegExp(`Access to the messages of patient ${patientId} on the basis "care": recorded in block \\d+`),
    );
    await shows(doc, MARKER);
    await portal.audit(doc, 'doctor reading the conversation');
    await doc.getByLabel('Your reply').fill(REPLY);
    await doc.getByRole('button', { name: 'Send the reply' }).click();
    await outcome(doc, new RegExp(`Reply sent to Patient ${patientId}`));
    expect(await doc.evaluate('window.notReloaded')).toBe(true);
    await screenshot(doc, 'messages-1-doctor-answered');

    // The answer reaches the patient's open conversation without a reload.
    await pat.locator('.message-text').filter({ hasText: REPLY }).waitFor({ timeout: 60_000 });
    expect(await pat.locator('.message-from').allInnerTexts()).toEqual([
      expect.stringMatching(/^You · /),
      expect.stringMatching(new RegExp(`^Dr ${practitionerId} · `)),
    ]);
    expect(await pat.evaluate('window.notReloaded')).toBe(true);
    await portal.audit(pat, 'patient with the answer');

    // She sees the doctor's opening among the reads of her data.
    await pat.getByRole('link', { name: 'Who looked at my data' }).click();
    await pat
      .getByRole('cell', { name: `messages:${patientId}` })
      .first()
      .waitFor({ timeout: 60_000 });
    await portal.audit(pat, 'patient access log with the messages read');
    await screenshot(pat, 'messages-1-patient-access-log');
  }, 600_000);

  it('refuses a doctor without a lawful basis with the ledger’s reason, keeping nothing', async () => {
    const doc = await portal.open(a);
    await signInFresh(doc, stranger);
    await openMessages(doc);
    await doc.getByLabel('Patient id').fill(patientId);
    await doc.getByLabel('Message', { exact: true }).fill(`Hello from a stranger ${runId}`);
    await doc.getByRole('button', { name: 'Send', exact: true }).click();
    const alert = doc.getByRole('alert');
    await alert.waitFor({ timeout: 90_000 });
    expect(await alert.innerText()).toMatch(
      new RegExp(
        `^CONSENT_REQUIRED\\s+no lawful basis to read the messages of patient ${patientId}: you are not on their care team`,
      ),
    );
    await doc.getByText('No conversations yet.').waitFor();
    await portal.audit(doc, 'doctor refused');
    await screenshot(doc, 'messages-2-doctor-refused');
  }, 300_000);

  it('answers a question from the portal’s help and hands one it cannot answer to the hospital', async () => {
    const pat = await portal.open(a);
    await signInFresh(pat, patient);
    await pat.getByRole('link', { name: 'Help', exact: true }).click();
    const question = pat.getByLabel(/^How do I/);
    await question.fill('How do I give another hospital access to my records?');
    await pat.getByRole('button', { name: 'Ask', exact: true }).click();
    await pat.getByRole('heading', { name: 'Grant or revoke a consent' }).waitFor();
    await shows(pat, 'Press Grant consent');
    await portal.audit(pat, 'help answered from the docs');

    const unanswerable = `Can I bring my dog to the ward? (${runId})`;
    await question.fill(unanswerable);
    await pat.getByRole('button', { name: 'Ask', exact: true }).click();
    await shows(pat, `No help topic answers “${unanswerable}”.`);
    await portal.audit(pat, 'help with no answer');
    await pat.getByRole('button', { name: 'Ask a person: send my question to the hospital' }).click();
    await outcome(pat, /Your question was sent to the hospital’s staff as a secure message/);

    // The hospital's staff find it in their conversations (an admin reads with a stated purpose).
    const desk = await call(`${a.url}/v1/conversations`, 'GET', undefined, a.admin);
    const handed = (desk.body.items as { conversationId: string; patientId: string; with: { kind: string } }[]).find(
      (c) => c.patientId === patientId,
    );
    expect(handed?.with).toEqual({ kind: 'hospital' });
    const read = await call(
      `${a.url}/v1/conversations/${handed?.conversationId ?? ''}/read`,
      'POST',
      { purpose: 'treatment' },
      a.admin,
    );
    expect(read.status).toBe(200);
    const messages = (read.body as { conversation: { messages: { text: string }[] } }).conversation.messages;
    expect(messages.map((m) => m.text)).toEqual([unanswerable]);
    expect(read.body.access).toMatchObject({ basis: 'member-admin', purpose: 'treatment' });

    await openMessages(pat);
    await pat.getByRole('button', { name: "Open the conversation with The hospital's staff" }).click();
    await shows(pat, unanswerable);
    await portal.audit(pat, 'patient conversation with the hospital');
    await screenshot(pat, 'messages-3-help-handed-over');
  }, 300_000);

  it('keeps the message text out of the gateway log, every block and every ledger store', async () => {
    const log = logFile(`test-hospital-a-${String(SPARE)}.gateway`);
    expect(readFileSync(log, 'utf8')).toContain('gateway listening');
    expect(readFileSync(log, 'utf8')).not.toContain('msg-marker');
    // Sealed at rest in the hospital's own store.
    expect(readFileSync(path.join(a.dataDir, 'messages.json'), 'utf8')).not.toContain('msg-marker');
    const files = blockFiles();
    expect(files.length).toBeGreaterThanOrEqual(ORGS.length);
    // The scan finds what blocks do hold (the patient's opaque id, registered on the ledger)…
    expect(holding(files, patientId).length).toBeGreaterThan(0);
    // …and not the message, nor the reply, anywhere.
    expect(holding(files, MARKER)).toEqual([]);
    expect(holding(files, REPLY)).toEqual([]);
    expect(await placesHolding([MARKER, REPLY])).toEqual([]);
  }, 300_000);
});
