import type { Bundle, DiagnosticReport, ServiceRequest, Task } from 'fhir/r4';
import { type Browser, type Locator } from 'playwright-core';
import { buildDicom, newUid } from '@hub/dicom';
import { clientToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { DicomwebClient } from '../support/dicomweb-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { expectText, expectValue, masked, signReport, waitForRow, walk } from './reading-steps';

jest.setTimeout(300_000);

const SIZE = 256;

/**
 * A head CT slice as a modality writes it: unsigned stored values with a rescale to Hounsfield
 * units (intercept −1024), air outside a skull ring (bone), brain inside with a ventricle and,
 * from slice 6, a crescent of fresh blood under the left vault. Its header window is the brain's.
 */
function headSlice(slice: number): (frame: number, row: number, column: number) => number {
  const c = SIZE / 2;
  return (_frame, row, column) => {
    const x = (column - c) / c;
    const y = (row - c) / (c * 1.15);
    const r = Math.hypot(x, y);
    let hu = -1000;
    if (r < 0.92) hu = 1000; // skull
    if (r < 0.84) hu = 35; // brain
    if (Math.hypot(x * 2.6, (y + 0.05) * 1.4) < 0.3 + slice * 0.01) hu = 5; // ventricle (CSF)
    if (slice >= 6 && r > 0.74 && r < 0.84 && x > 0.2) hu = 70; // subdural haematoma
    return hu + 1024;
  };
}

/**
 * Issue 10's acceptance for imaging, in a real browser against the real hub: a clinic orders a
 * head CT over FHIR and its modality stores the study over STOW-RS; the radiologist finds it on
 * the worklist (patient named, identity number masked, clinic, item, time left), opens it, scrolls
 * through the slices, applies the lung and brain windows (rendered frames with `window=`), writes
 * the report from a template and a phrase, and signs; the clinic then reads the final
 * DiagnosticReport over FHIR. The same screens are checked in English.
 */
describe('imaging reading (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  let clinicToken: string;

  const fhir = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${hub.fhirUrl}/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${clinicToken}`,
        'content-type': 'application/fhir+json',
      },
    });
    return (await response.json()) as T;
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

  it('reads and signs a head CT ordered by a clinic, which then reads the final report', async () => {
    // The clinic's HIS orders an urgent head CT for a new patient.
    const patient = makePatient({
      gender: 'female',
      birthDate: '1962-03-15',
      name: [{ family: '欧阳', given: ['娜娜'], text: '欧阳娜娜' }],
    });
    const residentId = patient.identifier?.[0]?.value ?? '';
    const ordered = await fhir<Bundle>('', {
      method: 'POST',
      body: JSON.stringify(
        makeOrderBundle({
          org: 'CLINIC-A',
          code: { system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD' },
          patient,
          priority: 'urgent',
        }),
      ),
    });
    const order = ordered.entry?.[1]?.resource as ServiceRequest;
    const orderId = order.id ?? '';
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    expect(accession).toBeDefined();
    await eventually(
      async () =>
        (await fhir<Bundle>(`Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]?.resource as
          Task | undefined,
      (task) => task?.status === 'accepted',
      'the imaging centre to accept the order',
    );

    // Its CT stores the study: 12 axial slices and a scout.
    const studyInstanceUid = newUid();
    const axial = newUid();
    const common = {
      studyInstanceUid,
      accessionNumber: accession,
      patientName: 'OUYANG^NANA',
      patientId: 'MRN-4711',
      modality: 'CT',
      rows: SIZE,
      columns: SIZE,
      windowCenter: 40,
      windowWidth: 80,
      extra: {
        '00281052': { vr: 'DS', value: -1024 },
        '00281053': { vr: 'DS', value: 1 },
      },
    };
    const slices = Array.from({ length: 12 }, (_, i) =>
      buildDicom({
        ...common,
        seriesInstanceUid: axial,
        seriesNumber: 2,
        seriesDescription: 'Axial 5mm',
        instanceNumber: i + 1,
        pixel: headSlice(i),
      }),
    );
    const scout = buildDicom({
      ...common,
      seriesInstanceUid: newUid(),
      seriesNumber: 1,
      seriesDescription: 'Scout',
      instanceNumber: 1,
      pixel: headSlice(8),
    });
    const archive = new DicomwebClient(`${hub.baseUrl}/dicomweb`, clinicToken);
    expect((await archive.store([scout, ...slices].map((i) => ({ body: i.bytes })))).status).toBe(
      200,
    );

    // The radiologist signs in and finds it on the worklist.
    const page = await newPage(browser, 'zh');
    await walk(page, 'imaging', async () => {
      await signInAs(page, hub.baseUrl, 'radiologist');
      await page.waitForURL(/\/imaging$/);
      const row = page.getByTestId(`worklist-row-${orderId}`);
      await waitForRow(page, row);
      await expectText(row, '欧阳娜娜');
      await expectText(row, masked(residentId));
      await expectText(row, '青山县东岭镇卫生院');
      await expectText(row, '头颅CT平扫');
      await expectText(row, '加急');
      await expectText(row, '待阅');
      await expectText(row.getByTestId('time-left'), '剩余');
      expect(await page.content()).not.toContain(residentId);
      await screenshot(page, 'imaging-worklist-zh');

      // Filters: an X-ray-only list does not show the CT; the CT list does.
      await page.getByTestId('filter-modality').click();
      await page.locator('.ant-select-item-option', { hasText: 'DX' }).click();
      await row.waitFor({ state: 'detached' });
      await page.getByTestId('filter-modality').click();
      await page.locator('.ant-select-item-option', { hasText: 'CT' }).click();
      await row.waitFor();

      // Read: claim and open.
      await row.getByTestId('worklist-read').click();
      await page.waitForURL(new RegExp(`/imaging/${orderId}$`));
      await expectText(page.getByTestId('patient-banner'), '欧阳娜娜');
      const position = page.getByTestId('viewer-position');
      const image = page.getByTestId('viewer-image');
      await image.waitFor();
      await expectText(position, '1 / 1');

      // The axial series, scrolled with the wheel and the keys.
      await page.getByTestId('series-thumb-1').click();
      await expectText(position, '1 / 12');
      const viewport = page.getByTestId('viewer-viewport');
      await viewport.hover();
      for (let i = 0; i < 5; i++) {
        await page.mouse.wheel(0, 120);
        await expectText(position, `${i + 2} / 12`);
      }
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await expectText(position, '8 / 12');
      await shownFrame(image, 'frames/1/rendered');

      // Window presets: the archive renders the frame in the window asked for.
      await page.getByTestId('preset-lung').click();
      await expectText(page.getByTestId('viewer-window'), 'W 1500  L -600');
      await shownFrame(image, 'window=-600,1500');
      await page.getByTestId('preset-brain').click();
      await shownFrame(image, 'window=40,80');
      await page.getByTestId('zoom-in').click();
      await screenshot(page, 'imaging-viewer-zh');

      // The report: a template, a phrase, the draft saves itself; then sign.
      await page.getByTestId('template-select').click();
      await page.locator('.ant-select-item-option', { hasText: '头颅CT平扫 — 未见异常' }).click();
      await expectValue(page.getByTestId('report-impression'), '颅脑CT平扫未见明显异常。');
      await page.getByTestId('report-impression').click();
      await page.keyboard.press('End');
      await page.getByTestId('phrase-group-advice').click();
      await page.getByTestId('phrase-advice-0').click();
      await expectValue(
        page.getByTestId('report-impression'),
        '颅脑CT平扫未见明显异常。建议结合临床。',
      );
      await page.locator('[data-testid="autosave-state"][data-state="saved"]').waitFor();
      await screenshot(page, 'imaging-report-zh');
      await signReport(page, 'report-signed');
      await expectText(page.getByTestId('reading-status'), '已签发');
      await screenshot(page, 'imaging-signed-zh');

      // The same screen in English.
      await page.getByTestId('language-switch').click();
      await expectText(page.getByTestId('reading-status'), 'Signed');
      await page.locator('.reading-field-label', { hasText: 'Findings' }).waitFor();
      await page.getByTestId('preset-lung').getByText('Lung').waitFor();
      await screenshot(page, 'imaging-signed-en');
      await page.getByTestId('back-to-worklist').click();
      await page.getByText('Imaging worklist').waitFor();
      // Signed studies leave the open list; the status filter finds them.
      await row.waitFor({ state: 'detached' });
      await page.getByTestId('filter-status').click();
      await page.locator('.ant-select-item-option', { hasText: /^Signed$/ }).click();
      await expectText(row, 'Signed');
      await screenshot(page, 'imaging-worklist-en');
    });

    // The clinic reads the final report over FHIR.
    const report = await eventually(
      async () =>
        (await fhir<Bundle>(`DiagnosticReport?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'final',
      'the signed report to reach the clinic',
    );
    expect(report?.conclusion).toContain('颅脑CT平扫未见明显异常');
    expect(report?.imagingStudy?.[0]?.reference).toBe(`ImagingStudy/${studyInstanceUid}`);

    // An amendment: with a reason, as the next version, signed; the history keeps both.
    await walk(page, 'imaging-amend', async () => {
      await page.goto(`${hub.baseUrl}/imaging/${orderId}`);
      await page.getByTestId('reading-amend').click();
      await page.getByTestId('amend-reason').fill('补充随访建议 follow-up advice added');
      await page.getByTestId('amend-confirm').click();
      await expectText(page.getByTestId('reading-status'), '修订中');
      await page.getByTestId('report-impression').click();
      await page.keyboard.press('End');
      await page.getByTestId('phrase-group-advice').click();
      await page.getByTestId('phrase-advice-2').click();
      await expectValue(
        page.getByTestId('report-impression'),
        '颅脑CT平扫未见明显异常。建议结合临床。建议3个月后复查。',
      );
      await page.locator('[data-testid="autosave-state"][data-state="saved"]').waitFor();
      await signReport(page, 'report-signed');
      await expectText(page.getByTestId('report-signed'), '第 2 版');
      await page.getByTestId('language-switch').click();
      await page.getByTestId('version-history').click();
      await page.getByTestId('history-version-2').waitFor();
      await expectText(page.getByTestId('history-version-1'), 'Signed');
      await expectText(page.getByTestId('history-released'), 'follow-up advice added');
      await screenshot(page, 'imaging-history-en');
    });
    const amended = await eventually(
      async () =>
        (await fhir<Bundle>(`DiagnosticReport?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'amended',
      'the amended report to reach the clinic',
    );
    expect(amended?.conclusion).toContain('建议3个月后复查');
  });
});

/** Waits until the viewer shows the rendered frame whose address contains `part`. */
async function shownFrame(image: Locator, part: string): Promise<void> {
  await image.and(image.page().locator(`[data-url*="${part}"][data-loading="false"]`)).waitFor();
}
