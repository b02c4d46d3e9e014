import type { Bundle, Patient, ServiceRequest } from 'fhir/r4';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { Pool } from 'pg';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { clientToken, userToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(900_000);

/** The machine is shared and slow: a screen may take a while to answer. */
const SLOW = { timeout: 60_000 };

/** What is still moving or loading on a screen (antd animations, spinners, charts drawing). */
const MOVING =
  '[class*="-appear"], [class*="-enter"], [class*="-leave"], .ant-spin-spinning, [data-rendered="false"]';

/**
 * Takes the screenshot once the screen is still: the pointer out of the way, no antd animation or
 * loading overlay running, every chart drawn.
 */
async function shot(page: Page, name: string) {
  // Away from the header, whose user menu opens on hover.
  await page.mouse.move(4, 600);
  await eventually(
    () => page.locator(MOVING).count(),
    (n) => n === 0,
    `the screen to settle for ${name}`,
    SLOW.timeout,
  );
  await screenshot(page, name);
}
const POTASSIUM = { system: 'http://loinc.org', code: '2823-3' };
const ECG = { system: 'http://loinc.org', code: '11524-6' };

interface Figures {
  from: string;
  to: string;
  volume: Array<{ month: string; member: string; centre: string; orders: number }>;
  turnaround: Array<{
    centre: string;
    priority: string;
    orders: number;
    medianMinutes: number;
    p90Minutes: number;
    targetMinutes: number | null;
    withinTarget: number | null;
  }>;
  turnaroundByMonth: Array<{
    month: string;
    centre: string;
    orders: number;
    medianMinutes: number;
    p90Minutes: number;
  }>;
}
interface Indicator {
  total: number;
  acknowledged: number;
  unacknowledged: number;
  late: number;
}
interface Indicators {
  overall: Indicator;
  byCentre: Array<Indicator & { centre: string }>;
  byClinic: Array<Indicator & { org: string }>;
}

/** The month (YYYY-MM) of an instant in Beijing, and months before it. */
const monthOf = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
const monthsBefore = (month: string, n: number) => {
  const i = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
};
/** 09:00 Beijing time on `day` of `month`. */
const beijing = (month: string, day: number, hour = 9) =>
  new Date(`${month}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`);

/**
 * The consortium manager's figures in a real browser against the real hub, over orders made
 * through its APIs: potassium orders from two clinics reported by the analyser (some moved back a
 * month or two, with their reports, so the months and turnaround have shape), two critical
 * potassiums (one acknowledged with read-back, one still open), and an ECG read and signed at
 * one clinic that the other reuses (结果互认). The manager opens the figures: every number in the
 * tables is the API's, every chart is drawn, a period without data says so, and the screens
 * work in Chinese and English.
 */
describe('management figures (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  let db: Pool;
  const tokens: Record<string, string> = {};
  const thisMonth = monthOf(new Date());
  const lastMonth = monthsBefore(thisMonth, 1);
  const twoMonthsAgo = monthsBefore(thisMonth, 2);

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const orderStatus = async (orderId: string) =>
    (
      await db.query<{ status: string }>(
        `SELECT status FROM gateway.service_order WHERE order_id = $1`,
        [orderId],
      )
    ).rows[0]?.status;
  const accepted = (orderId: string) =>
    eventually(
      () => orderStatus(orderId),
      (status) => status === 'accepted',
      `the centre to accept order ${orderId}`,
      60_000,
    );
  const reportStored = (orderId: string) =>
    eventually(
      async () =>
        (
          await db.query<{ status: string }>(
            `SELECT r.content ->> 'status' AS status FROM gateway.fhir_resource r
               JOIN gateway.fhir_search_reference f
                 ON f.resource_type = r.resource_type AND f.resource_id = r.id
              WHERE r.resource_type = 'DiagnosticReport' AND f.param = 'based-on' AND f.target_id = $1`,
            [orderId],
          )
        ).rows[0]?.status,
      (status) => status === 'final',
      `the final report of order ${orderId}`,
      60_000,
    );

  const order = async (
    clinic: 'clinic-a' | 'clinic-b',
    code: { system: string; code: string },
    priority: ServiceRequest['priority'] = 'routine',
    options: { patient?: Patient; extension?: ServiceRequest['extension'] } = {},
  ): Promise<string> => {
    const bundle = makeOrderBundle({
      org: clinic.toUpperCase(),
      code,
      priority,
      patient: options.patient,
    });
    if (options.extension)
      (bundle.entry?.[1]?.resource as ServiceRequest).extension = options.extension;
    const answer = await call<Bundle>(clinic, 'POST', '/fhir', bundle, 'application/fhir+json');
    expect(answer.status).toBe(200);
    return (answer.body.entry?.[1]?.resource as ServiceRequest).id ?? '';
  };

  /** A potassium measured by the analyser: released at once when normal, held when critical. */
  const potassium = async (
    clinic: 'clinic-a' | 'clinic-b',
    priority: 'routine' | 'urgent',
    value = 4.1,
  ) => {
    const id = await order(clinic, POTASSIUM, priority);
    await accepted(id);
    const posted = await call('lab-analyser', 'POST', '/api/lab/results', {
      orderId: id,
      results: [{ code: POTASSIUM.code, value }],
    });
    expect(posted.status).toBe(201);
    return id;
  };

  /** A critical potassium the lab physician verifies: an alert to clinic A; its id. */
  const criticalPotassium = async () => {
    const id = await potassium('clinic-a', 'urgent', 6.8);
    const verified = await call('labdoc', 'POST', `/api/lab/reports/${id}/verification`);
    expect(verified.status).toBe(200);
    await reportStored(id);
    const alerts = await eventually(
      async () =>
        (
          await call<{ alerts: Array<{ id: string; orderId: string }> }>(
            'clinic-a-doctor',
            'GET',
            '/api/critical-values',
          )
        ).body.alerts.filter((alert) => alert.orderId === id),
      (found) => found.length === 1,
      'the critical value to reach clinic A',
      60_000,
    );
    return alerts[0].id;
  };

  /** An ECG recorded at the clinic, read and signed by the cardiologist. */
  const ecgReported = async (clinic: 'clinic-a' | 'clinic-b', patient: Patient) => {
    const id = await order(clinic, ECG, 'routine', { patient });
    await accepted(id);
    const file = writeDicomEcg(
      syntheticEcg({
        heartRateBpm: 72,
        prMs: 160,
        qrsMs: 90,
        qtMs: 380,
        axisDeg: 45,
        durationS: 10,
        samplingHz: 500,
        seed: 7,
      }),
      { acquisitionDateTime: new Date(Date.now() - 3600_000).toISOString() },
    );
    const uploaded = await call(
      clinic,
      'POST',
      `/api/ecg/recordings?order=${id}`,
      file,
      'application/dicom',
    );
    expect(uploaded.status).toBe(201);
    await eventually(
      async () =>
        (await call<{ status: string }>('cardiologist', 'GET', `/api/ecg/readings/${id}`)).body
          .status,
      (status) => status === 'unread',
      'the recording on the ECG worklist',
      60_000,
    );
    await call('cardiologist', 'POST', `/api/ecg/readings/${id}/claim`);
    await call('cardiologist', 'PUT', `/api/ecg/readings/${id}/draft`, {
      statements: ['SR', 'NORMAL'],
    });
    expect((await call('cardiologist', 'POST', `/api/ecg/readings/${id}/signature`)).status).toBe(
      200,
    );
    await reportStored(id);
    return id;
  };

  /**
   * Moves an order's acceptance (and its recognition decision, written with it) to `acceptedAt`
   * and its report versions to `minutesAfter` it: the hub works in seconds, a consortium in hours.
   */
  const backdate = async (orderId: string, acceptedAt: Date, minutesAfter?: number) => {
    await db.query(`UPDATE gateway.service_order SET created_at = $2 WHERE order_id = $1`, [
      orderId,
      acceptedAt,
    ]);
    await db.query(`UPDATE gateway.recognition_decision SET decided_at = $2 WHERE order_id = $1`, [
      orderId,
      acceptedAt,
    ]);
    if (minutesAfter === undefined) return;
    await db.query(
      `UPDATE gateway.fhir_resource_history h SET last_updated = $2
         FROM gateway.fhir_search_reference f
        WHERE h.resource_type = 'DiagnosticReport' AND f.resource_type = h.resource_type
          AND f.resource_id = h.id AND f.param = 'based-on' AND f.target_id = $1`,
      [orderId, new Date(acceptedAt.getTime() + minutesAfter * 60_000)],
    );
  };

  /** The text of each cell named `testId` in the table row with the given key. */
  const cell = (table: Locator, rowKey: string, testId: string) =>
    table.locator(`tr[data-row-key="${rowKey}"]`).getByTestId(testId).innerText();

  /** Every chart of the page is drawn: a canvas of non-zero size in each. */
  const expectChartsDrawn = async (page: Page, testIds: string[]) => {
    for (const testId of testIds) {
      await page.locator(`[data-testid="${testId}"][data-rendered="true"]`).waitFor(SLOW);
      const canvas = page.getByTestId(testId).locator('canvas').first();
      const box = await canvas.boundingBox();
      expect({ testId, drawn: (box?.width ?? 0) > 100 && (box?.height ?? 0) > 100 }).toEqual({
        testId,
        drawn: true,
      });
    }
  };

  beforeAll(async () => {
    hub = await startHub();
    db = new Pool({ connectionString: hub.databaseUrl, max: 4 });
    browser = await launchBrowser();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    for (const user of ['labdoc', 'clinic-a-doctor', 'cardiologist', 'manager'])
      tokens[user] = await userToken(hub.baseUrl, user);

    // Lab orders over three months (target routine 240, urgent 60 minutes).
    const labOrders: Array<['clinic-a' | 'clinic-b', 'routine' | 'urgent', Date | null, number]> = [
      ['clinic-a', 'routine', beijing(twoMonthsAgo, 10), 50],
      ['clinic-a', 'routine', beijing(twoMonthsAgo, 18), 130],
      ['clinic-b', 'routine', beijing(lastMonth, 12), 300],
      ['clinic-a', 'urgent', beijing(lastMonth, 15), 45],
      ['clinic-b', 'routine', beijing(lastMonth, 21), 90],
      ['clinic-b', 'routine', null, 0],
    ];
    const labIds = await Promise.all(
      labOrders.map(async ([clinic, priority]) => {
        const id = await potassium(clinic, priority);
        await reportStored(id);
        return id;
      }),
    );
    for (const [i, [, , at, minutes]] of labOrders.entries())
      if (at) await backdate(labIds[i], at, minutes);

    // Two critical potassiums this month: clinic A acknowledges one with its read-back.
    const acknowledged = await criticalPotassium();
    const open = await criticalPotassium();
    const ack = await call<{ status: string }>(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${acknowledged}/acknowledgement`,
      { readBack: '钾 6.8 mmol/L' },
    );
    expect(ack.body.status).toBe('acknowledged');
    // Read back six minutes after it was reported; the other has waited 20 minutes (late).
    await db.query(
      `UPDATE gateway.critical_alert SET reported_at = acknowledged_at - interval '6 minutes' WHERE id = $1`,
      [acknowledged],
    );
    await db.query(
      `UPDATE gateway.critical_alert SET reported_at = now() - interval '20 minutes' WHERE id = $1`,
      [open],
    );

    // Clinic A's ECG, read last month; clinic B reuses it for the same patient (结果互认).
    const shared = makePatient();
    const ecgA = await ecgReported('clinic-a', shared);
    const report = (
      await db.query<{ id: string }>(
        `SELECT resource_id AS id FROM gateway.fhir_search_reference
          WHERE resource_type = 'DiagnosticReport' AND param = 'based-on' AND target_id = $1`,
        [ecgA],
      )
    ).rows[0].id;
    const reuse = await order('clinic-b', ECG, 'routine', {
      patient: shared,
      extension: [
        {
          url: 'urn:hub:recognition-reuse',
          valueReference: { reference: `DiagnosticReport/${report}` },
        },
      ],
    });
    expect(await orderStatus(reuse)).toBe('completed');
    await backdate(ecgA, beijing(lastMonth, 5, 10), 20);
    await backdate(reuse, beijing(lastMonth, 20, 10));
  });

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await hub?.shutdown();
  });

  it('shows the API’s figures in its tables, draws every chart, and says when a period is empty', async () => {
    const figures = (await call<Figures>('manager', 'GET', '/api/management/figures')).body;
    expect(figures.volume.length).toBeGreaterThan(0);
    const next = monthsBefore(thisMonth, -1);
    const indicators = (
      await call<Indicators>(
        'manager',
        'GET',
        `/api/critical-values/indicators?from=${encodeURIComponent(`${figures.from}-01T00:00:00+08:00`)}&to=${encodeURIComponent(`${next}-01T00:00:00+08:00`)}`,
      )
    ).body;
    expect(indicators.overall).toMatchObject({
      total: 2,
      acknowledged: 1,
      unacknowledged: 1,
      late: 1,
      medianSeconds: 360,
    });
    const recognition = (
      await call<Array<{ month: string; duplicatesAvoided: number; moneySaved: string }>>(
        'manager',
        'GET',
        `/api/recognition/figures`,
      )
    ).body.filter((row) => row.duplicatesAvoided > 0);
    expect(recognition).toEqual([
      expect.objectContaining({ month: lastMonth, duplicatesAvoided: 1, moneySaved: '25.00' }),
    ]);

    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'manager');
    // A manager starts on the figures, the last twelve months.
    await page.waitForURL('**/management', SLOW);
    await page.getByText('医联体管理指标').waitFor(SLOW);
    expect(await page.getByTestId('period-last12').getAttribute('class')).toContain(
      'ant-btn-primary',
    );

    // Volume per member unit and per centre: every month and unit as the API counts it.
    const byMember = page.getByTestId('table-volume-member');
    await byMember.getByRole('columnheader', { name: '青山县东岭镇卫生院' }).waitFor(SLOW);
    await byMember.getByRole('columnheader', { name: '青山县西河镇卫生院' }).waitFor();
    const sum = (pick: (row: Figures['volume'][number]) => boolean) =>
      figures.volume.filter(pick).reduce((n, row) => n + row.orders, 0);
    for (const month of [twoMonthsAgo, lastMonth, thisMonth]) {
      for (const member of ['CLINIC-A', 'CLINIC-B'])
        expect({
          month,
          member,
          shown: await cell(byMember, month, `cell-${month}-${member}`),
        }).toEqual({
          month,
          member,
          shown: String(sum((row) => row.month === month && row.member === member)),
        });
      expect(await cell(byMember, month, `total-${month}`)).toBe(
        String(sum((row) => row.month === month)),
      );
    }
    expect(await byMember.getByTestId('total').innerText()).toBe(String(sum(() => true)));
    expect(await page.getByTestId('summary-orders').innerText()).toBe(String(sum(() => true)));
    const byCentre = page.getByTestId('table-volume-centre');
    for (const row of figures.volume)
      expect(await cell(byCentre, row.month, `cell-${row.month}-${row.centre}`)).toBe(
        String(sum((r) => r.month === row.month && r.centre === row.centre)),
      );
    // Lab orders in the period: 6 normal and 2 critical potassiums.
    expect(await byCentre.getByTestId('total-lab').innerText()).toBe('8');

    // Turnaround per centre and priority against the targets, and per month.
    const targets = page.getByTestId('table-turnaround-centre');
    expect(figures.turnaround.length).toBeGreaterThan(1);
    for (const row of figures.turnaround) {
      const key = `${row.centre}-${row.priority}`;
      expect({
        key,
        orders: await cell(targets, key, 'orders'),
        median: await cell(targets, key, 'median'),
        p90: await cell(targets, key, 'p90'),
        target: await cell(targets, key, 'target'),
        within: await cell(targets, key, 'within'),
      }).toEqual({
        key,
        orders: String(row.orders),
        median: String(row.medianMinutes),
        p90: String(row.p90Minutes),
        target: row.targetMinutes === null ? '目标不一' : String(row.targetMinutes),
        within: row.withinTarget === null ? '—' : `${(row.withinTarget * 100).toFixed(1)}%`,
      });
    }
    const lab = figures.turnaround.find((r) => r.centre === 'lab' && r.priority === 'routine');
    expect(lab).toMatchObject({ targetMinutes: 240 });
    const perMonth = page.getByTestId('table-turnaround-month');
    for (const row of figures.turnaroundByMonth) {
      const key = `${row.month}-${row.centre}`;
      expect({
        key,
        orders: await cell(perMonth, key, 'orders'),
        median: await cell(perMonth, key, 'median'),
        p90: await cell(perMonth, key, 'p90'),
      }).toEqual({
        key,
        orders: String(row.orders),
        median: String(row.medianMinutes),
        p90: String(row.p90Minutes),
      });
    }

    // The critical-value loop: one acknowledged, one still open (in red).
    const criticalCentre = page.getByTestId('table-critical-centre');
    const labIndicator = indicators.byCentre.find((row) => row.centre === 'lab');
    expect({
      total: await cell(criticalCentre, 'lab', 'total'),
      acknowledged: await cell(criticalCentre, 'lab', 'acknowledged'),
      unacknowledged: await cell(criticalCentre, 'lab', 'unacknowledged'),
    }).toEqual({
      total: String(labIndicator?.total),
      acknowledged: String(labIndicator?.acknowledged),
      unacknowledged: String(labIndicator?.unacknowledged),
    });
    const criticalClinic = page.getByTestId('table-critical-clinic');
    await criticalClinic.getByText('青山县东岭镇卫生院').waitFor();
    expect(await cell(criticalClinic, 'CLINIC-A', 'total')).toBe('2');
    expect(await page.getByTestId('critical-total').innerText()).toBe('2');
    expect(await page.getByTestId('critical-unacknowledged-rate').innerText()).toBe('50.0%');
    expect(await page.getByTestId('critical-late-rate').innerText()).toBe('50.0%');
    expect(await page.getByTestId('critical-median').innerText()).toBe('6');
    expect({
      late: await cell(criticalCentre, 'lab', 'late'),
      median: await cell(criticalCentre, 'lab', 'median'),
    }).toEqual({ late: `${labIndicator?.late} (50.0%)`, median: '6' });
    await page.getByText('未确认 1 条').waitFor();

    // Mutual recognition: clinic B's reuse, a duplicate avoided and 25 yuan saved.
    const recognitionMonths = page.getByTestId('table-recognition-month');
    expect(await cell(recognitionMonths, lastMonth, 'duplicates')).toBe('1');
    expect(await cell(recognitionMonths, lastMonth, 'money')).toMatch(/25\.00$/);
    expect(await cell(recognitionMonths, thisMonth, 'duplicates')).toBe('0');
    const recognitionItems = page.getByTestId('table-recognition-item');
    await recognitionItems.getByText('十二导联心电图').waitFor();
    await recognitionItems.getByText('青山县西河镇卫生院').waitFor();
    expect(await page.getByTestId('summary-duplicates').innerText()).toBe('1');
    expect(await page.getByTestId('summary-money').innerText()).toMatch(/25\.00$/);

    await expectChartsDrawn(page, [
      'chart-volume-member',
      'chart-volume-centre',
      'chart-turnaround-centre',
      'chart-turnaround-month',
      'chart-critical-centre',
      'chart-recognition',
    ]);
    await shot(page, 'management-figures-zh');

    // The period picker: the last three months still hold everything made here.
    await page.getByTestId('period-last3').click();
    await page.waitForURL(new RegExp(`from=${twoMonthsAgo}&to=${thisMonth}`), SLOW);
    await byMember.locator(`tr[data-row-key="${twoMonthsAgo}"]`).waitFor(SLOW);
    await eventually(
      () => byMember.locator('tr[data-row-key]').count(),
      (rows) => rows === 3,
      'three months in the table',
    );

    // A period without any data says so, section by section.
    await page.goto(`${hub.baseUrl}/management?from=2020-01&to=2020-03`);
    await page.getByTestId('volume-by-member-empty').getByText('所选期间没有申请单').waitFor(SLOW);
    await page
      .getByTestId('turnaround-by-centre-empty')
      .getByText('所选期间没有已发布的报告')
      .waitFor();
    await page.getByTestId('critical-values-empty').getByText('所选期间没有危急值').waitFor(SLOW);
    await page.getByTestId('recognition-empty').getByText('所选期间没有结果互认记录').waitFor(SLOW);
    expect(await page.getByTestId('summary-orders').innerText()).toBe('0');
    await shot(page, 'management-empty-period-zh');
  });

  it('shows the figures in English', async () => {
    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'manager', '/management');
    await page.getByText('医联体管理指标').waitFor(SLOW);
    await page.getByTestId('language-switch').click();
    await page.getByText('Consortium management figures').waitFor();
    await page.getByText('Orders per member unit per month').waitFor();
    await page
      .getByTestId('table-volume-member')
      .getByRole('columnheader', { name: 'Dongling Township Health Centre' })
      .waitFor(SLOW);
    await page.getByText('Turnaround per centre against target (by priority)').waitFor();
    await page.getByTestId('table-recognition-item').getByText('EKG study').waitFor(SLOW);
    await expectChartsDrawn(page, ['chart-volume-member', 'chart-turnaround-centre']);
    await shot(page, 'management-figures-en');
  });
});
