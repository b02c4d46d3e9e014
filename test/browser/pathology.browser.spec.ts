import type { Bundle, DiagnosticReport, ServiceRequest, Task } from 'fhir/r4';
import { type Browser } from 'playwright-core';
import { clientToken, userToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { expectText, expectValue, masked, signReport, waitForRow, walk } from './reading-steps';

jest.setTimeout(300_000);

interface CaseView {
  specimens: Array<{ label: string; blocks: Array<{ barcode: string }> }>;
}

/**
 * The pathology walk of issue 10, in a real browser against the real hub: a clinic's biopsy is
 * collected, received, grossed into a block and cut into slides through the API; the pathologist
 * opens the case from the worklist and sees the specimen → block → slide chain, writes a
 * malignant diagnosis from a template (its structured fields set), and signs: the report waits
 * for a second pathologist, who co-signs it in another session; the clinic then reads it.
 */
describe('pathology reading (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  const tokens: Record<string, string> = {};

  const call = async <T>(who: string, path: string, body?: unknown, type = 'application/json') => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  beforeAll(async () => {
    hub = await startHub();
    browser = await launchBrowser();
    tokens.clinic = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens.pathologist = await userToken(hub.baseUrl, 'pathologist');
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.shutdown();
  });

  it('shows the case chain, and a malignant diagnosis is released by a second pathologist', async () => {
    const patient = makePatient({
      gender: 'male',
      birthDate: '1958-02-11',
      name: [{ family: '王', given: ['建国'], text: '王建国' }],
    });
    const residentId = patient.identifier?.[0]?.value ?? '';
    const bundle = await call<Bundle>(
      'clinic',
      '/fhir',
      makeOrderBundle({
        org: 'CLINIC-A',
        code: { system: 'urn:hub:catalogue', code: 'PATH-HISTO' },
        patient,
      }),
      'application/fhir+json',
    );
    const orderId = (bundle.entry?.[1]?.resource as ServiceRequest).id ?? '';
    await eventually(
      async () =>
        (await call<Bundle>('clinic', `/fhir/Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the pathology centre to accept the case',
    );
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    const collected = await call<CaseView>('clinic', `/api/pathology/cases/${orderId}/specimens`, {
      specimens: [
        {
          site: '胃窦 gastric antrum',
          fixative: '10% 中性福尔马林 10% NBF',
          collectedAt: hoursAgo(3.25),
          fixationStartedAt: hoursAgo(3),
        },
      ],
    });
    const label = collected.specimens[0].label;
    await call('pathologist', `/api/pathology/specimens/${label}/receipt`, {});
    const grossed = await call<CaseView>('pathologist', `/api/pathology/cases/${orderId}/gross`, {
      description: '灰白色组织 3 块，大者 0.4×0.3×0.2 cm，全部取材。',
      blocks: [{ specimenLabel: label, count: 1 }],
    });
    const block = grossed.specimens[0].blocks[0].barcode;
    await call('pathologist', `/api/pathology/blocks/${block}/slides`, {
      stains: ['HE', 'IHC:Ki-67'],
    });

    const page = await newPage(browser, 'zh');
    await walk(page, 'pathology', async () => {
      await signInAs(page, hub.baseUrl, 'pathologist');
      await page.waitForURL(/\/pathology$/);
      const row = page.getByTestId(`worklist-row-${orderId}`);
      await waitForRow(page, row);
      await expectText(row, '王建国');
      await expectText(row, masked(residentId));
      await expectText(row, '常规组织病理检查');
      await screenshot(page, 'pathology-worklist-zh');

      await row.getByTestId('worklist-read').click();
      await page.waitForURL(new RegExp(`/pathology/${orderId}$`));
      // The chain: specimen → block → slides, with the gross description.
      await expectText(page.getByTestId(`case-specimen-${label}`), '胃窦');
      await page.getByTestId(`case-block-${block}`).waitFor();
      await expectText(page.getByTestId('case-chain'), 'IHC:Ki-67');
      await expectText(page.getByTestId('case-gross'), '灰白色组织');

      // A malignant diagnosis from a template: the structured fields are set with it.
      await page.getByTestId('template-select').click();
      await page.locator('.ant-select-item-option', { hasText: '胃腺癌' }).click();
      await page.getByTestId('malignant-tag').waitFor();
      await expectValue(page.getByTestId('report-diagnosis'), '（胃窦）腺癌，中分化。');
      await page.getByTestId('report-site').click();
      await page.getByTestId('report-microscopic').click();
      await page.keyboard.press('End');
      await page.getByTestId('phrase-microscopic-1').click();
      // An unexpected malignancy is called back to the clinic as a critical finding.
      await page.getByTestId('critical-toggle').click();
      await page.getByTestId('critical-text').locator('input').fill('意外发现的恶性肿瘤');
      await page.locator('[data-testid="autosave-state"][data-state="saved"]').waitFor();
      await screenshot(page, 'pathology-reading-zh');
      await signReport(page, 'report-awaiting-cosign');
      await expectText(page.getByTestId('reading-status'), '待上级复核');
      await page.getByTestId('language-switch').click();
      await page.locator('.reading-field-label', { hasText: 'Histological type' }).waitFor();
      await expectText(page.getByTestId('reading-status'), 'Awaiting co-signature');
      await screenshot(page, 'pathology-awaiting-cosign-en');
    });

    // The chief pathologist co-signs in a session of their own.
    const chief = await newPage(browser, 'zh');
    await walk(chief, 'pathology-cosign', async () => {
      await signInAs(chief, hub.baseUrl, 'pathology-chief', `/pathology/${orderId}`);
      await chief.getByTestId('reading-cosign').click();
      await chief.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
      await chief.getByTestId('report-signed').waitFor();
      await expectText(chief.getByTestId('report-signed'), '冯病理主任');
      expect(await chief.getByTestId('critical-text').locator('input').inputValue()).toBe(
        '意外发现的恶性肿瘤',
      );
      await screenshot(chief, 'pathology-cosigned-zh');
    });

    const report = await eventually(
      async () =>
        (await call<Bundle>('clinic', `/fhir/DiagnosticReport?based-on=ServiceRequest/${orderId}`))
          .entry?.[0]?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'final',
      'the co-signed pathology report to reach the clinic',
    );
    expect(report?.conclusion).toContain('腺癌');
    expect(report?.resultsInterpreter).toHaveLength(2);
  });
});
