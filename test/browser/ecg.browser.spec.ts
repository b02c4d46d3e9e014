import type { Bundle, DiagnosticReport, Patient, ServiceRequest, Task } from 'fhir/r4';
import { type Browser } from 'playwright-core';
import { type SyntheticEcgOptions, syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { clientToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { expectText, expectValue, masked, signReport, waitForRow, walk } from './reading-steps';

jest.setTimeout(300_000);

const ECG = { system: 'http://loinc.org', code: '11524-6' };

/**
 * Issue 10's acceptance for ECG, in a real browser against the real hub: a clinic orders two
 * 12-lead ECGs for one patient weeks apart and its cart's files are uploaded through the API; the
 * cardiologist finds the new one on the worklist, opens it on ECG paper with the previous ECG
 * beside it and the measurements compared, measures an interval with the calipers, writes the
 * report from a template and a phrase, and signs; the clinic then reads the final report. The
 * screen is checked in English too.
 */
describe('ECG reading (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  let clinicToken: string;

  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${clinicToken}`, ...init.headers },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  /** An ECG order of clinic A, accepted by the ECG centre, with its cart's recording uploaded. */
  const recordEcg = async (patient: Patient, shape: SyntheticEcgOptions) => {
    const bundle = await call<Bundle>('/fhir', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(makeOrderBundle({ org: 'CLINIC-A', code: ECG, patient })),
    });
    const order = bundle.entry?.[1]?.resource as ServiceRequest;
    const orderId = order.id ?? '';
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    await eventually(
      async () =>
        (await call<Bundle>(`/fhir/Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the ECG centre to accept the order',
    );
    const file = writeDicomEcg(syntheticEcg(shape), {
      accessionNumber: accession,
      patientName: 'LI^MEI',
      cart: { heartRateBpm: shape.heartRateBpm + 1, statements: ['Sinus rhythm'] },
    });
    await call('/api/ecg/recordings', {
      method: 'POST',
      headers: { 'content-type': 'application/dicom' },
      body: new Uint8Array(file),
    });
    return orderId;
  };

  beforeAll(async () => {
    hub = await startHub();
    browser = await launchBrowser();
    clinicToken = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.shutdown();
  });

  it('signs an ECG measured with the calipers, with the previous ECG beside it', async () => {
    const patient = makePatient({
      gender: 'female',
      birthDate: '1955-09-20',
      name: [{ family: '李', given: ['梅'], text: '李梅' }],
    });
    const residentId = patient.identifier?.[0]?.value ?? '';
    const shape = { prMs: 160, qrsMs: 90, qtMs: 360, axisDeg: 50, durationS: 10, samplingHz: 500 };
    await recordEcg(patient, { ...shape, heartRateBpm: 62, seed: 21 });
    const orderId = await recordEcg(patient, { ...shape, heartRateBpm: 112, qtMs: 320, seed: 22 });

    const page = await newPage(browser, 'zh');
    await walk(page, 'ecg', async () => {
      await signInAs(page, hub.baseUrl, 'cardiologist');
      await page.waitForURL(/\/ecg$/);
      const row = page.getByTestId(`worklist-row-${orderId}`);
      await waitForRow(page, row);
      await expectText(row, '李梅');
      await expectText(row, masked(residentId));
      await expectText(row, '十二导联心电图');
      await expectText(row, '待阅');
      expect(await page.content()).not.toContain(residentId);
      await screenshot(page, 'ecg-worklist-zh');

      await row.getByTestId('worklist-read').click();
      await page.waitForURL(new RegExp(`/ecg/${orderId}$`));
      await expectText(page.getByTestId('patient-banner'), '李梅');
      // This ECG and the previous one, each on paper, and the measurements side by side.
      const current = page.getByTestId('ecg-sheet-current-calipers');
      await current.waitFor();
      await page.getByTestId('ecg-sheet-previous-calipers').waitFor();
      const rate = Number(
        /\d+/.exec((await page.getByTestId('measure-heart-rate').textContent()) ?? '')?.[0],
      );
      expect(Math.abs(rate - 112)).toBeLessThanOrEqual(3);
      await expectText(page.getByTestId('ecg-measurements'), '前次');

      // Calipers: 25 mm across and 10 mm down the paper are 1,000 ms and 1 mV.
      await page.getByTestId('ecg-scale').getByText('原始尺寸').click();
      const box = await current.boundingBox();
      const widthMm = Number(await current.getAttribute('data-width-mm'));
      if (!box || !widthMm) throw new Error('the ECG sheet has no size');
      const pxPerMm = box.width / widthMm;
      const start = { x: box.x + 40 * pxPerMm, y: box.y + 60 * pxPerMm };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      await page.mouse.move(start.x + 12 * pxPerMm, start.y + 5 * pxPerMm, { steps: 4 });
      await page.mouse.move(start.x + 25 * pxPerMm, start.y + 10 * pxPerMm, { steps: 4 });
      await page.mouse.up();
      const readout = page.getByTestId('ecg-sheet-current-caliper-1');
      await readout.waitFor();
      const [ms, perMin, mv] = ((await readout.textContent()) ?? '')
        .replace(/^测量 1：/, '')
        .match(/[\d.]+/g)
        ?.map(Number) ?? [0, 0, 0];
      expect(Math.abs(ms - 1000)).toBeLessThanOrEqual(10);
      expect(Math.abs(perMin - 60)).toBeLessThanOrEqual(1);
      expect(Math.abs(mv - 1)).toBeLessThanOrEqual(0.02);
      await screenshot(page, 'ecg-calipers-zh');
      await page.getByTestId('ecg-scale').getByText('适应宽度').click();

      // The report: a template of statements, a phrase; it saves itself; sign.
      await page.getByTestId('template-select').click();
      await page.locator('.ant-select-item-option', { hasText: '窦性心动过速' }).click();
      await page.getByTestId('ecg-statement-STACH').waitFor();
      await page.getByTestId('phrase-compare-3').click();
      await expectValue(page.getByTestId('report-text'), '请结合临床。建议行动态心电图检查。');
      await page.locator('[data-testid="autosave-state"][data-state="saved"]').waitFor();
      await expectText(page.getByTestId('ecg-findings'), '心率');
      await screenshot(page, 'ecg-reading-zh');
      await signReport(page, 'report-signed');

      await page.getByTestId('language-switch').click();
      await expectText(page.getByTestId('reading-status'), 'Signed');
      await page.getByText('Compare with previous ECG').waitFor();
      await page.locator('.reading-field-label', { hasText: 'Interpretation' }).waitFor();
      await screenshot(page, 'ecg-signed-en');
    });

    const report = await eventually(
      async () =>
        (await call<Bundle>(`/fhir/DiagnosticReport?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'final',
      'the signed ECG report to reach the clinic',
    );
    expect(report?.conclusionCode?.map((c) => c.coding?.[0]?.code)).toEqual(['STACH']);
    expect(report?.conclusion).toContain('建议行动态心电图检查');
  });
});
