import type { Bundle, ServiceRequest } from 'fhir/r4';
import { type Browser, type Page } from 'playwright-core';
import { Client as PgClient } from 'pg';
import { clientToken, userToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { ClinicEndpoint } from '../support/clinic-endpoint';
import {
  makeOrderBundle,
  makePatient,
  makePlacerNumber,
  makeResidentId,
} from '../support/factories';
import { type RunningHub, eventually, freePort, startHub } from '../support/hub-harness';
import { hl7Field } from '../support/mllp-client';

jest.setTimeout(600_000);

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

interface OutboundRow {
  id: string;
  status: string;
  ack_code: string | null;
  control_id: string;
}

/**
 * IT operations in a real browser against the real hub. Clinic B's HIS rejects two reports (it
 * answers AE: final, so each delivery job fails and each message is logged as failed). IT staff
 * see it on the status page (the delivery queue's failures in red), find the first message in the
 * HL7 log by its status and direction, read it one segment per line (masked), and — once the
 * clinic has fixed its side — replay it and watch it delivered; they retry the second report's
 * failed job from the failed-jobs list, and see the hub's 409 when a job was retried meanwhile.
 * The queue dashboard link opens bull-board after the browser's sign-in. Chinese and English.
 */
describe('IT operations (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  let db: PgClient;
  const tokens: Record<string, string> = {};
  const endpoints: ClinicEndpoint[] = [];

  const outbound = async (orderId: string) =>
    (
      await db.query<OutboundRow>(
        `SELECT id::text, status, ack_code, control_id FROM gateway.hl7_message
          WHERE direction = 'out' AND $1 = ANY(order_ids) ORDER BY id`,
        [orderId],
      )
    ).rows;

  /** Clinic B orders a potassium; the analyser reports 4.1 mmol/L (released at once). */
  const orderAndReport = async (name: string) => {
    const patient = makePatient({
      name: [{ family: name[0], given: [name.slice(1)], text: name }],
      identifier: [
        {
          system: 'urn:oid:2.16.156.10011.1.3',
          value: makeResidentId({ birthDate: '1962-08-09', gender: 'female' }),
        },
      ],
      gender: 'female',
      birthDate: '1962-08-09',
    });
    const response = await fetch(hub.fhirUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['clinic-b']}`,
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(makeOrderBundle({ org: 'CLINIC-B', patient })),
    });
    expect(response.status).toBe(200);
    const order = ((await response.json()) as Bundle).entry?.[1]?.resource as ServiceRequest;
    await eventually(
      async () =>
        (await db.query(`SELECT 1 FROM lab.received_order WHERE order_id = $1`, [order.id]))
          .rowCount,
      (n) => n === 1,
      'the lab to receive the order',
      60_000,
    );
    const posted = await fetch(`${hub.baseUrl}/api/lab/results`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['lab-analyser']}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ orderId: order.id, results: [{ code: '2823-3', value: 4.1 }] }),
    });
    expect(posted.status).toBe(201);
    const { reportId } = (await posted.json()) as { reportId: string };
    return {
      orderId: order.id as string,
      reportId,
      residentId: patient.identifier?.[0]?.value ?? '',
    };
  };

  const failedCount = async () => {
    const response = await fetch(`${hub.baseUrl}/api/ops/status`, {
      headers: { authorization: `Bearer ${tokens.itops}` },
    });
    const status = (await response.json()) as {
      queues: Array<{ name: string; failed: number | null }>;
    };
    return status.queues.find((q) => q.name === 'hub.deliveries')?.failed;
  };

  /** Confirms the open pop-up confirmation (antd spaces two-character labels, so by class). */
  const confirm = (page: Page) =>
    page.locator('.ant-popover:visible .ant-popconfirm-buttons .ant-btn-primary').click();

  /** Picks an option of an antd Select by its text. */
  const choose = async (page: Page, testId: string, option: string) => {
    await page.getByTestId(testId).click();
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option')
      .filter({ hasText: option })
      .first()
      .click();
  };

  let first: Awaited<ReturnType<typeof orderAndReport>>;
  let second: Awaited<ReturnType<typeof orderAndReport>>;
  let accepting: ClinicEndpoint;

  beforeAll(async () => {
    hub = await startHub({ env: { DELIVERY_BACKOFF_MS: '200' } });
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    browser = await launchBrowser();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    tokens.itops = await userToken(hub.baseUrl, 'itops');

    // Clinic B's HIS rejects what it is sent (a patient it does not know): AE.
    const rejecting = new ClinicEndpoint(await freePort(), 'utf-8', 'AE');
    endpoints.push(rejecting);
    await rejecting.start();
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port, charset)
       VALUES ('CLINIC-B', 'mllp', '127.0.0.1', $1, 'UNICODE UTF-8')`,
      [rejecting.port],
    );
    first = await orderAndReport('欧阳娜');
    second = await orderAndReport('司徒琳');
    for (const report of [first, second])
      await eventually(
        () => outbound(report.orderId),
        (rows) => rows.length === 1 && rows[0].status === 'failed' && rows[0].ack_code === 'AE',
        'clinic B to reject the report',
        60_000,
      );
    await eventually(failedCount, (n) => n === 2, 'both delivery jobs to fail', 60_000);

    // The clinic fixes its side: its HIS now accepts (a new listener the endpoint points to).
    accepting = new ClinicEndpoint(await freePort(), 'utf-8', 'AA');
    endpoints.push(accepting);
    await accepting.start();
    await db.query(`UPDATE gateway.delivery_endpoint SET port = $1 WHERE org_code = 'CLINIC-B'`, [
      accepting.port,
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
    await db?.end();
    await hub?.shutdown();
  });

  it('sees the failures, replays the rejected message once fixed and sees it delivered, and retries a failed job', async () => {
    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'itops');
    // IT staff start on the status page.
    await page.waitForURL('**/it/status', SLOW);
    const overall = page.getByTestId('overall-status');
    await overall.waitFor(SLOW);
    expect(await overall.getAttribute('data-status')).toBe('up');
    await overall.getByText('运行正常').waitFor();
    for (const component of ['app-gateway', 'app-lab', 'app-ecg', 'database', 'redis'])
      expect(await page.getByTestId(`health-${component}`).getAttribute('data-status')).toBe('up');
    const deliveries = page.getByTestId('queue-row-hub.deliveries');
    await deliveries.getByText('报告投递成员单位').waitFor();
    expect((await deliveries.getByTestId('queue-failed').innerText()).trim()).toBe('2');
    // A queue without failures shows its count plainly.
    expect(
      (
        await page.getByTestId('queue-row-lab.orders').getByTestId('queue-failed').innerText()
      ).trim(),
    ).toBe('0');
    // Asked again every 10 s: the time of the check moves on by itself.
    const checked = await page.getByTestId('status-checked-at').innerText();
    await eventually(
      () => page.getByTestId('status-checked-at').innerText(),
      (now) => now !== checked,
      'the status page to ask again by itself',
      40_000,
    );
    await shot(page, 'it-status-zh');

    // The queue dashboard: the link goes to bull-board, which signs a browser in with HTTP Basic.
    const dashboardHref = await page.getByTestId('queue-dashboard-link').getAttribute('href');
    expect(dashboardHref).toBe('/admin/queues');
    const unsigned = await fetch(`${hub.baseUrl}${dashboardHref}`);
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('www-authenticate')).toMatch(/^Basic /);
    const signedIn = await browser.newContext({
      httpCredentials: { username: 'itops', password: 'demo-password' },
      viewport: { width: 1440, height: 900 },
    });
    try {
      const dashboard = await signedIn.newPage();
      await dashboard.goto(`${hub.baseUrl}${dashboardHref}`);
      await dashboard.getByText('hub.deliveries').first().waitFor(SLOW);
      await screenshot(dashboard, 'it-queue-dashboard');
    } finally {
      await signedIn.close();
    }

    // The HL7 log, searched for failed outbound messages.
    await page.getByRole('menuitem', { name: 'HL7 消息日志' }).click();
    await page.getByText('与成员单位往来的每条 HL7 消息').waitFor(SLOW);
    await choose(page, 'filter-direction', '发送');
    await choose(page, 'filter-status', '失败');
    await page.getByTestId('hl7-search').click();
    await page.waitForURL(/status=failed/, SLOW);
    const [firstFailed] = await outbound(first.orderId);
    const row = page.locator('tr').filter({ hasText: firstFailed.control_id });
    await row.waitFor(SLOW);
    await expect(page.locator('.ant-table-tbody tr.ant-table-row').count()).resolves.toBe(2);
    await row.click();

    // The message, one segment per line, masked; the clinic's AE answer with it.
    const detail = page.getByTestId('hl7-detail');
    await detail.waitFor(SLOW);
    expect(await detail.getByTestId('hl7-detail-status').getAttribute('data-status')).toBe(
      'failed',
    );
    await detail.getByTestId('hl7-detail-error').getByText('the clinic answered AE').waitFor();
    const segments = await detail
      .getByTestId('hl7-message-text')
      .getByTestId('hl7-segment')
      .allInnerTexts();
    expect(segments.map((segment) => segment.slice(0, 3))).toEqual(
      expect.arrayContaining(['MSH', 'PID', 'OBR', 'OBX']),
    );
    expect(segments[0]).toMatch(/^MSH\|/);
    expect(hl7Field(segments.join('\r'), 'MSH', 10)).toBe(firstFailed.control_id);
    const pid = segments.find((segment) => segment.startsWith('PID')) ?? '';
    expect(pid).not.toContain(first.residentId);
    expect(pid).toContain(`${first.residentId.slice(0, 6)}********${first.residentId.slice(-4)}`);
    // PID-5 欧^阳娜: the first character of the family name kept, the rest masked.
    expect(pid).not.toContain('阳娜');
    expect(pid).toContain('欧*^**');
    const ack = await detail.getByTestId('hl7-ack-text').innerText();
    expect(ack).toContain('MSA|AE');
    expect(await detail.getByTestId('delivery-outcome').getAttribute('data-status')).toBe('failed');
    await shot(page, 'it-hl7-failed-message-zh');

    // Replayed now that the clinic accepts: a new attempt with the same control id is delivered.
    await detail.page().getByTestId('hl7-replay').click();
    await confirm(page);
    await page.locator('[data-testid="delivery-outcome"][data-status="delivered"]').waitFor(SLOW);
    await detail.getByText('已送达成员单位').waitFor();
    // Delivered now: there is nothing left to replay.
    expect(await page.getByTestId('hl7-replay').isDisabled()).toBe(true);
    const attempts = await outbound(first.orderId);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['failed', 'delivered']);
    expect(attempts[1].control_id).toBe(firstFailed.control_id);
    expect(accepting.received.map((m) => hl7Field(m, 'MSH', 10))).toContain(firstFailed.control_id);
    await shot(page, 'it-hl7-replayed-delivered-zh');
    await page.keyboard.press('Escape');

    // The failed jobs: both deliveries are listed with the clinic's answer; the second is retried.
    await page.getByRole('menuitem', { name: '失败任务' }).click();
    const secondJob = page.locator('tr.ant-table-row').filter({ hasText: second.reportId });
    await secondJob.waitFor(SLOW);
    expect(await page.locator('tr.ant-table-row').count()).toBe(2);
    await secondJob.getByTestId('job-reason').getByText('the clinic answered AE').waitFor();
    await shot(page, 'it-failed-jobs-zh');
    await secondJob.getByTestId('job-retry').click();
    await confirm(page);
    const outcome = page.getByTestId('retry-outcome');
    await outcome.getByText('已放回队列').waitFor(SLOW);
    await eventually(
      () => outbound(second.orderId),
      (rows) => rows.at(-1)?.status === 'delivered',
      'the retried delivery to reach the clinic',
      60_000,
    );
    await page
      .locator('tr.ant-table-row')
      .filter({ hasText: second.reportId })
      .waitFor({ state: 'detached', ...SLOW });

    // Someone retries the first job meanwhile (its report went out with the replay): the list
    // here still shows it, and the hub's refusal is shown as it words it.
    const firstJob = page.locator('tr.ant-table-row').filter({ hasText: first.reportId });
    const jobId = (await firstJob.locator('code').first().innerText()).trim();
    const meanwhile = await fetch(
      `${hub.baseUrl}/api/ops/queues/hub.deliveries/jobs/${encodeURIComponent(jobId)}/retry`,
      { method: 'POST', headers: { authorization: `Bearer ${tokens.itops}` } },
    );
    expect(meanwhile.status).toBe(200);
    await firstJob.getByTestId('job-retry').click();
    await confirm(page);
    await outcome.getByText('任务未重试：其状态已改变').waitFor(SLOW);
    await outcome.getByText('only a failed job is retried').waitFor();
    await shot(page, 'it-failed-jobs-conflict-zh');
    // The list stays on the delivery queue, now without failures.
    await page.getByText('该队列没有失败的任务').waitFor(SLOW);
    expect(new URL(page.url()).searchParams.get('queue')).toBe('hub.deliveries');
  });

  it('replays an order the hub refused once the consortium has added its item to the catalogue', async () => {
    const controlId = `RPL${Date.now()}`;
    const residentId = makeResidentId({ birthDate: '1971-03-04', gender: 'male' });
    const message = [
      `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||||CHN|UNICODE UTF-8`,
      `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||上官^云||19710304|M`,
      `ORC|NW|${makePlacerNumber()}^HIS|||||^^^^^R`,
      `OBR|1|||IMG-XR-HAND^XR hand^L|||20261123082000`,
    ].join('\r');
    const answer = await fetch(`${hub.baseUrl}/hl7`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['clinic-a']}`,
        'content-type': 'x-application/hl7-v2+er7',
      },
      body: message,
    });
    // Not in the catalogue: refused with AE, and logged.
    expect(hl7Field(await answer.text(), 'MSA', 1)).toBe('AE');
    await db.query(
      `INSERT INTO gateway.catalogue_item (system, code, display, display_zh, centre, price, turnaround_minutes)
       VALUES ('urn:hub:catalogue', 'IMG-XR-HAND', 'XR hand', '手部X线', 'imaging', 60, '{"routine":60,"urgent":30,"stat":30}')`,
    );

    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'itops', `/it/hl7?controlId=${controlId}`);
    const row = page.locator('tr.ant-table-row').filter({ hasText: controlId });
    await row.waitFor(SLOW);
    expect(await row.getByTestId('hl7-status').innerText()).toBe('已拒绝');
    await row.click();
    const detail = page.getByTestId('hl7-detail');
    await detail.getByTestId('hl7-detail-error').getByText('IMG-XR-HAND').waitFor(SLOW);
    expect(await detail.getByTestId('hl7-ack-text').innerText()).toContain('MSA|AE');
    // The name in PID-5 is masked: 上官^云 → 上*^*.
    const text = await detail.getByTestId('hl7-message-text').innerText();
    expect(text).not.toContain('上官');
    expect(text).not.toContain(residentId);
    await page.getByTestId('hl7-replay').click();
    await confirm(page);
    const outcome = page.getByTestId('replay-outcome');
    await outcome.getByText(/已重放为消息 #\d+：已处理/).waitFor(SLOW);
    await shot(page, 'it-hl7-inbound-replayed-zh');
    // The replay is a message of its own, linked to the one it replays.
    const original = new URL(page.url()).searchParams.get('message') ?? '';
    await outcome.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('message') !== original, SLOW);
    await page.locator('[data-testid="hl7-detail-status"][data-status="processed"]').waitFor(SLOW);
    await detail.getByText(`#${original}`).waitFor();
    expect(await detail.getByTestId('hl7-ack-text').innerText()).toContain('MSA|AA');
    expect(
      (
        await db.query(
          `SELECT 1 FROM gateway.service_order o WHERE o.code = 'IMG-XR-HAND' AND o.requester_org = 'CLINIC-A'`,
        )
      ).rowCount,
    ).toBe(1);
  });

  it('shows each IT screen in English', async () => {
    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'itops', '/it/status');
    await page.getByTestId('overall-status').waitFor(SLOW);
    await page.getByTestId('language-switch').click();
    await page.getByText('All systems up').waitFor();
    await page.getByText('Report delivery to members').waitFor();
    await page.getByRole('menuitem', { name: 'HL7 message log' }).waitFor();
    await shot(page, 'it-status-en');

    await page.getByRole('menuitem', { name: 'Failed jobs' }).click();
    await page.getByText('The jobs each queue failed, with the reason').waitFor(SLOW);
    await shot(page, 'it-failed-jobs-en');

    await page.getByRole('menuitem', { name: 'HL7 message log' }).click();
    await page.getByText('Every HL7 message exchanged with the members').waitFor(SLOW);
    const [firstFailed] = await outbound(first.orderId);
    await page.getByTestId('filter-control-id').fill(firstFailed.control_id);
    await page.getByTestId('hl7-search').click();
    // The message found by its control id (beside its replay, when the first test made one).
    await eventually(
      async () => ({
        rows: await page.locator('tr.ant-table-row').count(),
        others: await page
          .locator('tr.ant-table-row')
          .filter({ hasNotText: firstFailed.control_id })
          .count(),
      }),
      ({ rows, others }) => rows > 0 && others === 0,
      'only the messages with this control id',
    );
    const failedRow = page.locator('tr.ant-table-row').filter({ hasText: 'Failed' }).first();
    await failedRow.click();
    const detail = page.getByTestId('hl7-detail');
    await detail.getByText('Attempts to send this message').waitFor(SLOW);
    await detail.getByText('the clinic answered AE').first().waitFor();
    await page.getByText('Message (one segment per line)').waitFor();
    await shot(page, 'it-hl7-message-en');
  });

  it('shows Redis down in red, the hub down and the queues unreadable, and recovers', async () => {
    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'itops', '/it/status');
    await page.locator('[data-testid="overall-status"][data-status="up"]').waitFor(SLOW);
    await hub.redis.stop();
    try {
      // The page asks again by itself and shows the outage.
      await page.locator('[data-testid="overall-status"][data-status="down"]').waitFor(SLOW);
      await page.getByText('系统故障').waitFor();
      expect(await page.getByTestId('health-redis').getAttribute('data-status')).toBe('down');
      expect(await page.getByTestId('health-database').getAttribute('data-status')).toBe('up');
      expect(
        await page.getByTestId('queue-row-hub.deliveries').getByTestId('queue-failed').innerText(),
      ).toBe('无法读取');
      await shot(page, 'it-status-redis-down-zh');
      await page.getByRole('menuitem', { name: '失败任务' }).click();
      // The failed jobs cannot be read either: the hub says why.
      await page.locator('.ant-alert-error').getByText(/Redis/).first().waitFor(SLOW);
    } finally {
      await hub.redis.start();
    }
    await page.getByRole('menuitem', { name: '系统状态' }).click();
    await page.locator('[data-testid="overall-status"][data-status="up"]').waitFor(SLOW);
  });
});
