import { type Locator, type Page } from 'playwright-core';
import { screenshot } from '../support/browser';

/* Steps the reading screens' browser tests share (imaging, ECG, pathology). */

/** Runs a walk through the screens, leaving a screenshot of where it stopped when it fails. */
export async function walk(page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  try {
    await steps();
  } catch (error) {
    await screenshot(page, `${name}-failed`).catch(() => undefined);
    if (error instanceof Error && problems.length)
      throw new Error(`${error.message}\nin the page:\n${problems.slice(-10).join('\n')}`, {
        cause: error,
      });
    throw error;
  }
}

/** The worklist refreshes itself every 15 s: wait for the order's row, asking sooner. */
export async function waitForRow(page: Page, row: Locator): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await row.isVisible())) {
    if (Date.now() > deadline) throw new Error('the order never reached the worklist');
    await page.getByTestId('worklist-refresh').click();
    await row.waitFor({ timeout: 5_000 }).catch(() => undefined);
  }
}

/** Waits until the locator shows the text. */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}

/** Waits until a text field holds exactly the value. */
export async function expectValue(locator: Locator, value: string): Promise<void> {
  await locator
    .page()
    .waitForFunction(
      ([element, expected]) => (element as { value?: string } | null)?.value === expected,
      [await locator.elementHandle(), value] as const,
    );
}

/** Signs the report in the report panel (its confirmation included) and waits for the answer. */
export async function signReport(page: Page, outcome: 'report-signed' | 'report-awaiting-cosign') {
  await page.getByTestId('reading-sign').click();
  await page.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
  await page.getByTestId(outcome).waitFor();
}

/** The masked 居民身份证号 the screens show: first 6 and last 4 characters. */
export function masked(residentId: string): string {
  return `${residentId.slice(0, 6)}********${residentId.slice(-4)}`;
}
