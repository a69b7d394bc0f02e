/**
 * Headless Chromium for the portal tests: Debian's `chromium` package (scripts/bootstrap.sh
 * installs it when missing), driven by playwright-core with that executable. Each page is
 * checked with axe-core, injected over the DevTools protocol (the portal's CSP would refuse a
 * script tag, as it should), and watched for CSP violations; a test's last page is saved as a
 * screenshot under test-artifacts/portal/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'test-artifacts', 'portal');

/** The Debian chromium executable, or an error saying how to install it. */
export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not this name
    }
  }
  throw new Error(
    "no chromium: run `npm run bootstrap` (it installs Debian's chromium package) or apt-get install chromium",
  );
}

export async function launchChromium(): Promise<Browser> {
  // As root (the build machines), Chromium's sandbox cannot start; the pages are our own portal.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}

/** CSP violations and uncaught errors of a page, as they happen. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
      problems.push(`CSP: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    problems.push(`page error: ${error.message}`);
  });
  return problems;
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  page: string;
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The serious and critical axe-core violations of the page as it is now. */
export async function seriousViolations(page: Page, label: string): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE);
  const results = await page.evaluate<Omit<Violation, 'page'>[]>(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) })))',
  );
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ page: label, ...v }));
}

/** Saves the page as test-artifacts/portal/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
