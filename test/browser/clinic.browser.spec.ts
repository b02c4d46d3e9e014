import type { Bundle, DiagnosticReport, Patient, ServiceRequest, Task } from 'fhir/r4';
import { type Browser, type Page } from 'playwright-core';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { clientToken, userToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { breakCheckChar, makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { shipAndReceive } from '../support/lab-client';

jest.setTimeout(600_000);

const ECG = { system: 'http://loinc.org', code: '11524-6' };
const POTASSIUM_CODE = '2823-3';
const DAY = 86_400_000;
/** Resolves once every animation on the page that ends has ended (spinners run forever). */
const SETTLED = `Promise.all(document.getAnimations()
  .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
  .map((animation) => animation.finished.catch(() => undefined)))`;
/** The machine is shared and slow: a screen may take a while to answer. */
const SLOW = { timeout: 60_000 };

/**
 * The clinic doctor's screens in a real browser against the real hub: a patient looked up by
 * 居民身份证号 (the hub's refusal of a wrong check character shown as it words it), registered and
 * ordered for, the order followed in My orders with its status timeline, its tube and, once the lab
 * has released it, its report (value, unit, range, flag, HR mark); and mutual recognition
 * (检查检验结果互认): with another member's recognized ECG of the patient on record, ordering the
 * same item offers it, the doctor reuses it, and the order is completed at once with the prior
 * report, which the clinic can then read and print. Chinese throughout, English checked too.
 */
describe('clinic doctor (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    type?: string,
  ) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': type ?? 'application/json' }),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  /** Clinic B's ECG of the patient, recorded `daysAgo`, read and signed by the ECG centre. */
  const ecgAtClinicB = async (patient: Patient, daysAgo: number) => {
    const answer = await call<Bundle>(
      'clinic-b',
      'POST',
      '/fhir',
      makeOrderBundle({ org: 'CLINIC-B', code: ECG, patient }),
      'application/fhir+json',
    );
    expect(answer.status).toBe(200);
    const order = answer.body.entry?.[1]?.resource as ServiceRequest;
    await eventually(
      async () =>
        (await call<Bundle>('clinic-b', 'GET', `/fhir/Task?based-on=ServiceRequest/${order.id}`))
          .body.entry?.[0]?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the ECG centre to accept clinic B’s order',
      60_000,
    );
    const recording = syntheticEcg({
      heartRateBpm: 72,
      prMs: 160,
      qrsMs: 90,
      qtMs: 380,
      axisDeg: 45,
      durationS: 10,
      samplingHz: 500,
      seed: 7,
    });
    const file = writeDicomEcg(recording, {
      acquisitionDateTime: new Date(Date.now() - daysAgo * DAY).toISOString(),
    });
    const uploaded = await call(
      'clinic-b',
      'POST',
      `/api/ecg/recordings?order=${order.id}`,
      file,
      'application/dicom',
    );
    expect(uploaded.status).toBe(201);
    await eventually(
      async () =>
        (await call<{ status: string }>('cardiologist', 'GET', `/api/ecg/readings/${order.id}`))
          .body.status,
      (status) => status === 'unread',
      'the recording on the cardiologist’s worklist',
      60_000,
    );
    await call('cardiologist', 'POST', `/api/ecg/readings/${order.id}/claim`);
    await call('cardiologist', 'PUT', `/api/ecg/readings/${order.id}/draft`, {
      statements: ['SR', 'NORMAL'],
    });
    await call('cardiologist', 'POST', `/api/ecg/readings/${order.id}/signature`);
    const report = await eventually(
      async () =>
        (
          await call<Bundle>(
            'clinic-b',
            'GET',
            `/fhir/DiagnosticReport?based-on=ServiceRequest/${order.id}`,
          )
        ).body.entry?.[0]?.resource as DiagnosticReport | undefined,
      (r) => r?.status === 'final',
      'clinic B’s ECG report',
      60_000,
    );
    expect(report?.meta?.tag).toContainEqual(expect.objectContaining({ code: 'HR' }));
    return report as DiagnosticReport;
  };

  /** Looks the number up; expects nobody at this clinic and fills the registration form. */
  const lookUpAndRegister = async (
    page: Page,
    residentId: string,
    person: { name: string; sex: string; birthDate: string; phone: string },
  ) => {
    await page.getByTestId('resident-id').fill(residentId);
    await page.getByTestId('patient-lookup').click();
    await page.getByText('本院尚无该身份证号的患者').waitFor(SLOW);
    await page.locator('#registration_name').fill(person.name);
    await page.getByTestId('patient-registration').getByText(person.sex, { exact: true }).click();
    await page.locator('#registration_birthDate').fill(person.birthDate);
    await page.locator('#registration_phone').fill(person.phone);
    await page.getByTestId('patient-register').click();
  };

  /** Chooses a catalogue item by its code. */
  const chooseItem = async (page: Page, code: string, search: string) => {
    await page.getByTestId('catalogue-item').click();
    await page.keyboard.type(search);
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option')
      .filter({ hasText: code })
      .first()
      .click();
    await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
  };

  /**
   * Waits until nothing on the page is still moving (drop-downs closing, modals opening, tables
   * fading in), then saves the screenshot.
   */
  const snap = async (page: Page, name: string) => {
    await page.mouse.move(0, 0);
    // Runs in the page (this project's types know no DOM): every finite animation to its end.
    await page.evaluate(SETTLED);
    return screenshot(page, name);
  };

  const orderIdFromUrl = (page: Page) => /\/clinic\/orders\/([^/?#]+)/.exec(page.url())?.[1] ?? '';

  beforeAll(async () => {
    hub = await startHub();
    browser = await launchBrowser();
    for (const client of ['clinic-a', 'clinic-b', 'lab-analyser'])
      tokens[client] = await clientToken(hub.baseUrl, client, `${client}-secret`);
    for (const user of ['cardiologist', 'labtech', 'labdoc'])
      tokens[user] = await userToken(hub.baseUrl, user);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.shutdown();
  });

  it('registers a patient by identity number (refusing a wrong check character), orders a lab test and follows it to its report', async () => {
    const person = makePatient({ gender: 'female', birthDate: '1962-03-08' });
    const residentId = person.identifier?.[0]?.value ?? '';
    const name = `李秀兰${Date.now() % 10_000}`;
    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'clinic-a-doctor');
    // The clinic doctor's first page is placing an order.
    await page.waitForURL(/\/clinic\/new-order$/, SLOW);
    await page.getByRole('heading', { name: '开单申请' }).waitFor();

    // A number with a wrong check character: the hub refuses the registration and says why.
    await lookUpAndRegister(page, breakCheckChar(residentId), {
      name,
      sex: '女',
      birthDate: '1962-03-08',
      phone: '13800001111',
    });
    const refusal = page.getByTestId('patient-error');
    await refusal.getByText('诊断中心拒绝了登记').waitFor(SLOW);
    await refusal.getByText(/check character/).waitFor();
    await snap(page, 'clinic-register-refused-zh');

    // The right number: registered, and shown with the number masked.
    await lookUpAndRegister(page, residentId, {
      name,
      sex: '女',
      birthDate: '1962-03-08',
      phone: '13800001111',
    });
    const summary = page.getByTestId('patient-summary');
    await summary.getByText(name).waitFor(SLOW);
    await summary.getByText(`${residentId.slice(0, 6)}********${residentId.slice(-4)}`).waitFor();

    // Potassium: recognized for 7 days, but the patient has no result anywhere yet.
    await chooseItem(page, POTASSIUM_CODE, '血钾');
    await page.getByTestId('recognition-none').getByText('医联体内无既往结果').waitFor(SLOW);
    await page.getByText('加急', { exact: true }).click();
    await snap(page, 'clinic-new-order-zh');
    await page.getByTestId('place-order').click();
    const placed = page.getByTestId('order-placed');
    await placed.getByText('申请已提交').waitFor(SLOW);
    // A lab order: the label number of the tube to collect.
    await page
      .getByTestId('specimen-label')
      .getByText(/请采集标本并贴条码：L\d+/)
      .waitFor();
    await snap(page, 'clinic-order-placed-zh');

    await placed.getByRole('button', { name: '查看申请' }).click();
    await page.getByTestId('order-detail').waitFor(SLOW);
    const orderId = orderIdFromUrl(page);
    // The timeline: requested, then accepted by the lab (with its time), the tube awaiting collection.
    await page.getByTestId('order-history').getByText('中心已接收').waitFor(SLOW);
    await page.getByTestId('order-steps').getByText('已申请').waitFor();
    await page.getByTestId('order-specimen').getByText('待采集', { exact: true }).waitFor();
    await snap(page, 'clinic-order-detail-zh');

    // What the hub stored: clinic A's order, its placer number, the patient as registered.
    const order = await call<ServiceRequest>('clinic-a', 'GET', `/fhir/ServiceRequest/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      status: 'active',
      priority: 'urgent',
      requester: { reference: 'Organization/clinic-a' },
      code: { coding: [expect.objectContaining({ code: POTASSIUM_CODE })] },
    });
    expect(order.body.identifier).toContainEqual(
      expect.objectContaining({ system: 'urn:hub:placer:CLINIC-A' }),
    );
    const patient = await call<Patient>(
      'clinic-a',
      'GET',
      `/fhir/${order.body.subject?.reference}`,
    );
    expect(patient.body).toMatchObject({
      gender: 'female',
      birthDate: '1962-03-08',
      name: [{ text: name }],
      telecom: [expect.objectContaining({ value: '13800001111' })],
    });
    expect(patient.body.identifier).toContainEqual({
      system: RESIDENT_ID_SYSTEM,
      value: residentId,
    });

    // My orders: the new order on top, where the lab has got with it.
    await page.locator('.ant-menu').getByText('我的申请').click();
    const firstRow = page.getByTestId('orders-table').locator('tbody tr').first();
    await firstRow.getByText(name).waitFor(SLOW);
    await firstRow.getByText('血钾').waitFor();
    await firstRow.getByText('加急').waitFor();
    await firstRow.getByText('中心已接收').waitFor(SLOW);
    await snap(page, 'clinic-orders-zh');

    // The lab's work (through its APIs): the tube collected, boxed and received, the analyser's
    // potassium (high, so a lab physician verifies it) released.
    const specimenRef = order.body.specimen?.[0]?.reference ?? '';
    const specimen = await call<{ accessionIdentifier?: { value?: string } }>(
      'clinic-a',
      'GET',
      `/fhir/${specimenRef}`,
    );
    const received = await shipAndReceive(call, {
      clinic: 'clinic-a',
      lab: 'labtech',
      accessions: [specimen.body.accessionIdentifier?.value ?? ''],
      collectedAt: new Date(Date.now() - 20 * 60_000),
    });
    expect(received.body.map((s) => s.status)).toEqual(['received']);
    const posted = await call<{ status: string }>('lab-analyser', 'POST', '/api/lab/results', {
      orderId,
      results: [{ code: POTASSIUM_CODE, value: 5.6 }],
    });
    expect(posted.body.status).toBe('preliminary');
    const verified = await call<{ status: string }>(
      'labdoc',
      'POST',
      `/api/lab/reports/${orderId}/verification`,
    );
    expect(verified.body.status).toBe('final');

    // The order completed: every stage with its time, the tube received, the report with the
    // value, unit, range and flag.
    await firstRow.getByText('查看').click();
    await page.getByTestId('order-detail').waitFor(SLOW);
    const report = page.getByTestId('report-view');
    await eventually(
      async () => {
        await page.reload();
        await page.getByTestId('order-detail').waitFor(SLOW);
        // The page loads the report after the order: give it time before reloading again.
        return report
          .getByTestId('report-results')
          .getByText('5.6')
          .waitFor({ timeout: 10_000 })
          .then(
            () => true,
            () => false,
          );
      },
      (shown) => shown,
      'the lab report on the order',
      60_000,
    );
    const results = report.getByTestId('report-results');
    await results.getByText('钾', { exact: true }).waitFor();
    await results.getByText('mmol/L').waitFor();
    await results.getByText('↑ 偏高').waitFor();
    await report.getByTestId('hr-mark').waitFor();
    await page.getByTestId('order-specimen').getByText('检验中心已接收').waitFor();
    await page.getByTestId('order-history').getByText('已完成').waitFor();
    await snap(page, 'clinic-order-lab-completed-zh');
    await page.getByTestId('order-report-open').click();
    await page.getByTestId('report-view').getByText('检验报告单 · 血钾').waitFor(SLOW);
    await page.getByTestId('report-results').getByText('5.6').waitFor(SLOW);
    await snap(page, 'clinic-report-lab-zh');
    await page.context().close();
  });

  it('offers another member’s recognized ECG and reuses it: the order is completed with that report, readable and printable', async () => {
    const person = makePatient({ gender: 'male', birthDate: '1958-11-20' });
    const residentId = person.identifier?.[0]?.value ?? '';
    const name = `王建国${Date.now() % 10_000}`;
    person.name = [{ text: name }];
    const prior = await ecgAtClinicB(person, 3);

    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'clinic-a-doctor', '/clinic/new-order');
    // Not yet a patient of clinic A: registering links the consortium's record of the person.
    await lookUpAndRegister(page, residentId, {
      name,
      sex: '男',
      birthDate: '1958-11-20',
      phone: '13900002222',
    });
    await page.getByTestId('patient-summary').getByText(name).waitFor(SLOW);

    await chooseItem(page, ECG.code, '心电');
    const priors = page.getByTestId('recognition-priors');
    await priors.getByText('该患者在医联体内有 1 份可互认的既往结果').waitFor(SLOW);
    await priors.getByTestId('hr-mark').first().waitFor();
    await priors.getByText('医共体心电诊断中心').waitFor();

    // The prior report can be read before deciding.
    await priors.getByTestId('prior-report-open').click();
    const modal = page.locator('.ant-modal:visible');
    await modal
      .getByTestId('report-conclusion')
      .getByText(/窦性心律/)
      .waitFor(SLOW);
    await snap(page, 'clinic-recognition-prior-report-zh');
    await page.keyboard.press('Escape');
    await modal.waitFor({ state: 'hidden' });

    // Ordering anyway needs a reason; "other" needs it in words.
    await page.getByTestId('recognition-decision').getByText('仍需重新检查').click();
    await page.getByTestId('override-reason').click();
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option')
      .filter({ hasText: '其他' })
      .click();
    await page.getByTestId('place-order').click();
    await page.getByText('选择“其他”时须写明理由').waitFor();
    await snap(page, 'clinic-recognition-override-zh');

    // The doctor reuses the prior result instead.
    await page
      .getByTestId('recognition-decision')
      .getByText('沿用既往结果（不再重复检查）')
      .click();
    await snap(page, 'clinic-recognition-reuse-zh');
    const place = page.getByTestId('place-order');
    await place.getByText('沿用结果并完成申请').waitFor();
    await place.click();
    const placed = page.getByTestId('order-placed');
    await placed.getByText('已沿用既往结果，申请已完成').waitFor(SLOW);
    await placed.getByRole('button', { name: '查看申请' }).click();
    await page.getByTestId('order-detail').waitFor(SLOW);
    const orderId = orderIdFromUrl(page);
    await page.getByTestId('order-steps').getByText('沿用既往结果，无需检查').first().waitFor(SLOW);
    await page.getByTestId('order-detail').getByText('沿用既往结果', { exact: true }).waitFor();
    const inline = page.getByTestId('report-view');
    await inline.getByTestId('hr-mark').waitFor(SLOW);
    await inline
      .getByText(/窦性心律/)
      .first()
      .waitFor();
    await snap(page, 'clinic-order-reused-zh');

    // Through the API: completed at once with the prior, nothing routed, the report now readable.
    const order = await call<ServiceRequest>('clinic-a', 'GET', `/fhir/ServiceRequest/${orderId}`);
    expect(order.body.status).toBe('completed');
    expect(order.body.supportingInfo?.[0]?.reference).toBe(`DiagnosticReport/${prior.id}`);
    expect(order.body.extension).toContainEqual({
      url: 'urn:hub:recognition-reuse',
      valueReference: { reference: `DiagnosticReport/${prior.id}` },
    });
    const task = (
      await call<Bundle>('clinic-a', 'GET', `/fhir/Task?based-on=ServiceRequest/${orderId}`)
    ).body.entry?.[0]?.resource as Task;
    expect(task.status).toBe('completed');
    expect(task.output?.[0]?.valueReference?.reference).toBe(`DiagnosticReport/${prior.id}`);
    expect((await call('clinic-a', 'GET', `/fhir/DiagnosticReport/${prior.id}`)).status).toBe(200);

    // The report on its own, with the HR mark; printed without the workbench around it.
    await page.getByTestId('order-report-open').click();
    await page.waitForURL(new RegExp(`/clinic/reports/${prior.id}$`), SLOW);
    const report = page.getByTestId('report-view');
    await report.getByText('互认 HR').waitFor(SLOW);
    await report.getByText('心电图诊断报告 · 十二导联心电图').waitFor();
    await report.getByTestId('report-results').getByText('心率').waitFor(SLOW);
    await snap(page, 'clinic-report-zh');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.ant-layout-sider').isVisible()).toBe(false);
    expect(await page.getByTestId('report-print').isVisible()).toBe(false);
    expect(await report.getByText('互认 HR').isVisible()).toBe(true);
    await snap(page, 'clinic-report-print-zh');
    await page.emulateMedia({ media: 'screen' });

    // Reports: the reused result is listed with its mark.
    await page.locator('.ant-menu').getByText('检查检验报告').click();
    const reportRow = page
      .getByTestId('reports-table')
      .locator('tbody tr')
      .filter({ hasText: name });
    await reportRow.getByTestId('hr-mark').waitFor(SLOW);
    await snap(page, 'clinic-reports-zh');

    // The same screens in English.
    await page.getByTestId('language-switch').click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await reportRow.getByText('Recognized HR').waitFor();
    await reportRow.getByText('EKG study').waitFor();
    await snap(page, 'clinic-reports-en');
    await reportRow.getByText('Open').click();
    await page.getByTestId('report-view').getByText('ECG report · EKG study').waitFor(SLOW);
    await page.getByTestId('report-view').getByText('Heart rate').waitFor(SLOW);
    await snap(page, 'clinic-report-en');

    await page.locator('.ant-menu').getByText('My orders').click();
    const orderRow = page.getByTestId('orders-table').locator('tbody tr').filter({ hasText: name });
    await orderRow.getByText('Reused result').waitFor(SLOW);
    await orderRow.getByText('Completed').waitFor();
    await snap(page, 'clinic-orders-en');
    await orderRow.getByText('Open').click();
    await page
      .getByTestId('order-steps')
      .getByText('Prior result reused: nothing to perform')
      .first()
      .waitFor(SLOW);
    await snap(page, 'clinic-order-detail-en');

    await page.locator('.ant-menu').getByText('Place an order').click();
    await page.getByTestId('resident-id').fill(residentId);
    await page.getByTestId('patient-lookup').click();
    await page.getByTestId('patient-summary').getByText(name).waitFor(SLOW);
    await chooseItem(page, ECG.code, 'EKG');
    await page
      .getByTestId('recognition-priors')
      .getByText('The patient has 1 recognizable prior result(s) in the consortium')
      .waitFor(SLOW);
    await page.getByText('Reuse the prior result (no repeat test)').waitFor();
    await snap(page, 'clinic-new-order-en');

    await page.locator('.ant-menu').getByText('Patients').click();
    await page.getByTestId('resident-id').fill(residentId);
    await page.getByTestId('patient-lookup').click();
    await page.getByRole('tab', { name: /Orders \(1\)/ }).waitFor(SLOW);
    await page.getByTestId('orders-table').getByText('Reused result').waitFor();
    await snap(page, 'clinic-patients-en');
    await page.context().close();
  });
});
