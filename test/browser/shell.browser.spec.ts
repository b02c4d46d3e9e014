import { type Browser } from 'playwright-core';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { type RunningHub, startHub } from '../support/hub-harness';

jest.setTimeout(120_000);

/**
 * The workbench's frame in a real browser against the real hub: the gateway serves the app at
 * `/`, sign-in refuses a wrong password in the person's language, a signed-in person sees who
 * they are, can switch language, and signs out; an address the app does not know says so.
 */
describe('workbench shell (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startHub();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.shutdown();
  });

  it('signs in, shows who is signed in in Chinese or English, and signs out', async () => {
    const page = await newPage(browser, 'zh');
    await page.goto(`${hub.baseUrl}/`);
    await page.locator('#username').fill('radiologist');
    await page.locator('#password').fill('wrong-password');
    await page.locator('button[type=submit]').click();
    await page.getByText('用户名或密码错误').waitFor();
    await screenshot(page, 'shell-sign-in-refused-zh');

    await page.getByTestId('language-switch').click();
    await page.getByText('Sign in to the workbench').waitFor();
    await page.locator('button[type=submit]').click();
    await page.getByText('Wrong username or password').waitFor();
    await page.getByTestId('language-switch').click();

    await signInAs(page, hub.baseUrl, 'radiologist');
    const header = page.getByTestId('user-menu');
    await expectText(header, '王影像');
    await expectText(header, '影像医师');
    await screenshot(page, 'shell-signed-in-zh');
    await page.getByTestId('language-switch').click();
    await expectText(header, 'Radiologist');

    await header.hover();
    await page.getByText('Sign out').click();
    await page.locator('#username').waitFor();
  });

  it('answers an unknown page address with the sign-in page, then a 404 page', async () => {
    const page = await newPage(browser, 'en');
    await signInAs(page, hub.baseUrl, 'admin', '/no/such/page');
    await page.getByText('No such page').waitFor();
    expect(new URL(page.url()).pathname).toBe('/no/such/page');
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string) {
  await locator.filter({ hasText: text }).waitFor();
}
