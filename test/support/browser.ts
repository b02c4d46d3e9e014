import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (CI keeps .run/ as the run's artefacts). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', '.run', 'screenshots');

/**
 * Starts headless Chromium as the machine allows it: no sandbox (tests run as root), no GPU, and
 * none of Chromium's own network traffic (the machine's network is closed).
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A fresh page (its own cookies and storage) in the given language, 1440×900. */
export async function newPage(browser: Browser, language: 'zh' | 'en' = 'zh'): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: language === 'zh' ? 'zh-CN' : 'en-GB',
    timezoneId: 'Asia/Shanghai',
  });
  await context.addInitScript({
    content: `localStorage.setItem('hub.language', ${JSON.stringify(language)});`,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

/** Signs in through the sign-in page as a demo user and waits for the workbench. */
export async function signInAs(page: Page, baseUrl: string, username: string, path = '/') {
  await page.goto(`${baseUrl}${path}`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill('demo-password');
  await page.locator('button[type=submit]').click();
  await page.getByTestId('user-menu').waitFor();
}

/** Saves a full-page screenshot as `.run/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Settled: no hover on the header, no table or drawer caught mid-fade.
  await page.mouse.move(0, 0);
  // Finite animations only (a spinner never finishes), and never more than 2 s.
  await page.evaluate(`Promise.race([
    Promise.all(document.getAnimations()
      .filter((a) => a.effect?.getTiming().iterations !== Infinity)
      .map((a) => a.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ])`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
