/**
 * What every browser test of the portal does: open a member's portal in its own browser context,
 * sign a person in, wait for the portal's outcome or error, check each page with axe-core, and
 * after each test assert that no page had a serious accessibility violation, a CSP violation or
 * an uncaught error.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totp } from '../../../gateway-api/src/auth/totp';
import { launchChromium, seriousViolations, type Violation, watch } from './browser';
import { type Gateway, PASSWORD } from './gateways';

/** How long a browser test waits for a committed outcome (a transaction under a loaded network). */
export const OUTCOME_MS = 90_000;

export class PortalBrowser {
  private readonly contexts: BrowserContext[] = [];
  private readonly violations: Violation[] = [];
  /** CSP violations and uncaught errors, per page opened. */
  private readonly pageProblems: string[][] = [];

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<PortalBrowser> {
    return new PortalBrowser(await launchChromium());
  }

  /**
   * A fresh page (its own cookies and storage) on the portal `gateway` serves, at the address of
   * `view` when given (the portal shows it once the person signs in).
   */
  async open(gateway: Gateway, view?: string, viewport = { width: 1200, height: 900 }): Promise<Page> {
    const context = await this.browser.newContext({ viewport });
    this.contexts.push(context);
    const page = await context.newPage();
    const problems = watch(page);
    this.pageProblems.push(problems);
    const recent: string[] = [];
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return;
      recent.push(`${message.type()}: ${message.text()}`);
      if (recent.length > 20) recent.shift();
    });
    seen.set(page, { problems, console: recent });
    await page.goto(view === undefined ? gateway.url : `${gateway.url}/#/${view}`);
    return page;
  }

  /** Checks the page with axe-core as it is now (asserted by `expectClean`). */
  async audit(page: Page, label: string): Promise<void> {
    this.violations.push(...(await seriousViolations(page, label)));
  }

  /** No serious or critical axe-core violation, CSP violation or page error so far. */
  expectClean(): void {
    expect(this.violations).toEqual([]);
    expect(this.pageProblems.flat()).toEqual([]);
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close();
    await this.browser.close();
  }
}

/** What each page opened reported: its CSP violations and uncaught errors, and its last console errors. */
const seen = new WeakMap<Page, { problems: string[]; console: string[] }>();

/**
 * What a page shows and reported, for a failure message: its address, the view its navigation
 * marks current, its headings and status, and its errors.
 */
export async function pageState(page: Page): Promise<string> {
  const shown = await page
    .evaluate<unknown>(
      `({
        url: location.href,
        current: document.querySelector('nav [aria-current="page"]')?.textContent ?? null,
        headings: [...document.querySelectorAll('h1, h2, h3')].map((h) => h.textContent),
        status: [...document.querySelectorAll('[role="status"], [role="alert"]')].map((e) => e.textContent),
      })`,
    )
    .catch((error: unknown) => String(error));
  return JSON.stringify({ shown, ...seen.get(page) });
}

/** Waits for the view whose heading is `heading`; fails with the page's state when it does not show. */
export async function view(page: Page, heading: string, timeout = 30_000): Promise<void> {
  await page
    .getByRole('heading', { name: heading })
    .waitFor({ timeout })
    .catch(async (error: unknown) => {
      throw new Error(`${String(error)}; the page: ${await pageState(page)}`);
    });
}

/**
 * Signs in with the TOTP code of `at` ms from now. The default is the next step: the invitation's
 * own sign-in took the current code, and a code is taken once.
 */
export async function signIn(page: Page, person: { username: string; secret: string }, at = 30_000): Promise<void> {
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Code from your authenticator app').fill(totp(person.secret, Date.now() + at));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Fails at once with the portal's error when it shows one. */
async function noAlert(page: Page): Promise<void> {
  const alert = page.getByRole('alert');
  if ((await alert.count()) > 0) throw new Error(`the portal shows an error: ${await alert.innerText()}`);
}

/** The portal's outcome matching `pattern`; fails at once with the portal's error when one shows instead. */
export async function outcome(page: Page, pattern: RegExp): Promise<RegExpExecArray> {
  const status = page.getByRole('status').filter({ hasText: pattern });
  await status
    .or(page.getByRole('alert'))
    .first()
    .waitFor({ timeout: OUTCOME_MS })
    .catch(async (error: unknown) => {
      throw new Error(`${String(error)}; the portal shows: ${await page.getByRole('status').innerText()}`);
    });
  await noAlert(page);
  const match = pattern.exec(await status.innerText());
  if (!match) throw new Error(`no outcome matching ${String(pattern)}`);
  return match;
}

/** The block the portal's outcome matching `pattern` says the write committed in. */
export async function committedBlock(page: Page, pattern: RegExp): Promise<number> {
  await outcome(page, pattern);
  const text = await page.getByRole('status').filter({ hasText: pattern }).innerText();
  const block = /committed in block (\d+)/.exec(text);
  if (!block) throw new Error(`the outcome "${text}" names no block`);
  return Number(block[1]);
}

/** Waits for `text` on the page; fails at once with the portal's error when it shows one instead. */
export async function shows(page: Page, text: string): Promise<void> {
  await page.getByText(text).or(page.getByRole('alert')).first().waitFor({ timeout: OUTCOME_MS });
  await noAlert(page);
}

/** Waits until the gateway's peer holds `block` (the gateway waits for Ehr-Min-Block before it answers). */
export async function reach(gateway: Gateway, block: number): Promise<void> {
  const res = await fetch(`${gateway.url}/v1/me`, {
    headers: { authorization: `Bearer ${gateway.admin}`, 'ehr-min-block': String(block) },
  });
  expect(res.status).toBe(200);
}
