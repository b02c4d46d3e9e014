import type { Bundle, Patient } from 'fhir/r4';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { clientToken, userToken } from '../support/auth-client';
import { launchBrowser, newPage, screenshot, signInAs } from '../support/browser';
import { makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';
import { type PlacedLabOrder, orderLabTest, shipAndReceive } from '../support/lab-client';

jest.setTimeout(300_000);

interface AlertView {
  id: string;
  orderId: string;
  status: 'open' | 'acknowledged';
  escalationLevel: number;
  acknowledgement?: { by: string; readBack: string };
  events?: Array<{ kind: string; readBack?: string }>;
}

/**
 * Issue 10's lab and critical-value path in a real browser against the real hub: a clinic orders
 * potassium and the specimen travels to the lab through the APIs; the analyser reports 6.8 mmol/L.
 * The lab physician finds it in red at the top of the verification list, with the range, the
 * patient's previous value and the failed delta check; the hub refuses to let them verify results
 * they entered themselves; they release the critical one. The clinic doctor sees the red banner,
 * opens the inbox, is refused a wrong read-back and acknowledges with the right one; the alert's
 * closed loop shows every step, and the lab sees it acknowledged. A technician receives and
 * rejects a specimen by its label. Each screen is checked in Chinese and English.
 */
describe('lab verification and critical values (browser)', () => {
  let hub: RunningHub;
  let browser: Browser;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined
          ? {}
          : {
              'content-type': path.startsWith('/fhir')
                ? 'application/fhir+json'
                : 'application/json',
            }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  const orderPotassium = (patient: Patient) =>
    orderLabTest(call, {
      clinic: 'clinic-a',
      org: 'CLINIC-A',
      lab: 'labtech',
      patient,
      code: { system: 'http://loinc.org', code: '2823-3' },
    });

  /** An order whose specimen was collected 20 minutes ago, shipped and received at the lab. */
  const receivedPotassium = async (patient: Patient): Promise<PlacedLabOrder> => {
    const order = await orderPotassium(patient);
    const received = await shipAndReceive(call, {
      clinic: 'clinic-a',
      lab: 'labtech',
      accessions: [order.accession],
      collectedAt: new Date(Date.now() - 20 * 60_000),
    });
    expect(received.body[0]?.status).toBe('received');
    return order;
  };

  const alertOf = async (orderId: string) =>
    (
      await call<{ alerts: AlertView[] }>('clinic-a-doctor', 'GET', '/api/critical-values')
    ).body.alerts.find((a) => a.orderId === orderId);

  beforeAll(async () => {
    // An unacknowledged alert escalates after 15 s here (10 min by default), so the screens show it.
    hub = await startHub({ env: { CRITICAL_ACK_TIMEOUT_SECONDS: '15' } });
    browser = await launchBrowser();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    for (const user of ['labtech', 'labdoc', 'clinic-a-doctor'])
      tokens[user] = await userToken(hub.baseUrl, user);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.shutdown();
  });

  it('a lab physician verifies a critical potassium and the clinic doctor acknowledges it with read-back', async () => {
    const patient = makePatient({
      gender: 'female',
      birthDate: '1958-04-02',
      name: [{ family: '李', given: ['秀英'], text: '李秀英' }],
    });
    const residentId = patient.identifier![0].value!;
    const masked = `${residentId.slice(0, 6)}********${residentId.slice(-4)}`;

    // Last week's potassium, normal: released by the autoverification rule into the record.
    const earlier = await receivedPotassium(patient);
    await call('lab-analyser', 'POST', '/api/lab/results', {
      orderId: earlier.orderId,
      results: [{ code: '2823-3', value: 4.1 }],
    });
    await eventually(
      () =>
        call<Bundle>(
          'clinic-a',
          'GET',
          `/fhir/DiagnosticReport?based-on=ServiceRequest/${earlier.orderId}`,
        ),
      (r) => (r.body.entry?.length ?? 0) === 1,
      'the earlier potassium to be in the record',
    );
    // Today's: the analyser reports 6.8 mmol/L, critical, so it waits for a physician.
    const critical = await receivedPotassium(patient);
    const posted = await call<{ status: string }>('lab-analyser', 'POST', '/api/lab/results', {
      orderId: critical.orderId,
      results: [{ code: '2823-3', value: 6.8 }],
    });
    expect(posted.body.status).toBe('preliminary');
    // Another patient's results, entered by the lab physician themselves.
    const own = await receivedPotassium(makePatient({ name: [{ text: '王建国' }] }));
    await call('labdoc', 'POST', '/api/lab/results', {
      orderId: own.orderId,
      results: [{ code: '2823-3', value: 4.3 }],
    });

    // --- The lab physician: the critical result is first, in red, with its context.
    const lab = await newPage(browser, 'zh');
    await signInAs(lab, hub.baseUrl, 'labdoc', '/lab/verification');
    const criticalRow = lab.locator(`tr[data-row-key="${critical.orderId}"]`);
    await criticalRow.waitFor();
    await expect(
      lab.locator('tbody tr.ant-table-row').first().getAttribute('data-row-key'),
    ).resolves.toBe(critical.orderId);
    await expectText(criticalRow, '危急值');
    await expectText(criticalRow, '6.8 ↑↑');
    await expectText(criticalRow, '李秀英');
    await expectText(criticalRow, masked);
    await criticalRow.click();
    const detail = lab.getByTestId('verification-detail');
    await detail.getByTestId('critical-notice').waitFor();
    await expectText(detail.getByTestId('result-value-2823-3'), '6.8');
    await detail.getByTestId('flag-HH').waitFor();
    await expectText(detail, '3.5–5.3');
    await expectText(detail.getByTestId('previous-2823-3'), '4.1');
    await detail.getByTestId('delta-warning').waitFor();
    expect(await lab.content()).not.toContain(residentId);
    await shot(lab, 'lab-verification-critical-zh');

    // The hub refuses to let whoever entered results verify them; the screen says so.
    await lab.locator(`tr[data-row-key="${own.orderId}"]`).click();
    await expectText(detail, '王建国');
    await detail.getByTestId('verify-button').click();
    const refusal = lab.getByTestId('verify-error');
    await expectText(refusal, 'labdoc entered these results and cannot verify them');
    await expectText(refusal, '双人审核');
    await shot(lab, 'lab-verification-refused-zh');

    // The same screen in English.
    await lab.getByTestId('language-switch').click();
    await lab.getByText('Verification worklist').waitFor();
    await criticalRow.click();
    await expectText(detail, 'Critical high');
    await expectText(detail, 'Previous results');
    await shot(lab, 'lab-verification-critical-en');
    await lab.getByTestId('language-switch').click();
    await lab.getByText('检验审核工作列表').waitFor();

    // Verifying the critical one asks for confirmation, then releases it.
    await detail.getByTestId('verify-button').click();
    await lab.getByTestId('verify-confirm').click();
    await criticalRow.waitFor({ state: 'detached' });
    const raised = await eventually(
      () => alertOf(critical.orderId),
      (a) => a !== undefined,
      'the critical value to reach the clinic',
      60_000,
    );

    // The lab's tracking of what it raised: open.
    await lab.getByRole('menuitem', { name: '危急值追踪' }).click();
    const trackedRow = lab.locator(`tr[data-row-key="${raised!.id}"]`);
    await trackedRow.getByTestId('status-open').waitFor();
    await shot(lab, 'critical-tracking-open-zh');
    // Nobody at the clinic has acknowledged it yet: the hub escalates it.
    await eventually(
      () => alertOf(critical.orderId),
      (a) => (a?.escalationLevel ?? 0) >= 1,
      'the unacknowledged alert to escalate',
      60_000,
    );

    // --- The clinic doctor: the red banner on every page leads to the inbox.
    const clinic = await newPage(browser, 'zh');
    await signInAs(clinic, hub.baseUrl, 'clinic-a-doctor');
    const banner = clinic.getByTestId('critical-banner');
    await banner.waitFor();
    await shot(clinic, 'critical-banner-zh');
    await banner.getByRole('button').click();
    await clinic.waitForURL(/\/critical(\?|$)/);
    const card = clinic.locator(`[data-alert-id="${raised!.id}"]`);
    await expectText(card.getByTestId('alert-finding'), '钾 6.8 mmol/L ↑↑');
    await expectText(card, '李秀英');
    await expectText(card, masked);
    await expectText(card, '钱检验医师');
    await expectText(card.getByTestId('escalation-level'), '已升级至第');
    await shot(clinic, 'critical-inbox-open-zh');

    // A wrong read-back is refused by the hub, and the alert stays open.
    await card.getByTestId('read-back-input').fill('钾 6.3');
    await card.getByTestId('acknowledge-button').click();
    const refused = card.getByTestId('ack-error');
    await expectText(refused, '回读数值 6.3 与危急值 6.8 mmol/L 不符');
    await shot(clinic, 'critical-read-back-refused-zh');
    expect((await alertOf(critical.orderId))?.status).toBe('open');

    // The inbox in English.
    await clinic.getByTestId('language-switch').click();
    await clinic.getByText('Critical value inbox').waitFor();
    await expectText(card.getByTestId('alert-finding'), 'Potassium 6.8 mmol/L');
    await shot(clinic, 'critical-inbox-open-en');
    await clinic.getByTestId('language-switch').click();
    await clinic.getByText('危急值收件箱').waitFor();

    // The right read-back acknowledges it; its closed loop opens, and the banner goes.
    await card.getByTestId('read-back-input').fill('钾 6.8 mmol/L');
    await card.getByTestId('acknowledge-button').click();
    const history = clinic.getByTestId('alert-history');
    await expectText(history.getByTestId('history-status'), '已确认');
    await history.getByTestId('event-raised').waitFor();
    await expectText(history.getByTestId('event-escalated').first(), '检验中心');
    await expectText(history.getByTestId('event-acknowledgement-refused'), '钾 6.3');
    await expectText(history.getByTestId('event-acknowledged'), '钾 6.8 mmol/L');
    await shot(clinic, 'critical-history-acknowledged-zh');
    await banner.waitFor({ state: 'detached' });

    const acknowledged = await call<AlertView>(
      'clinic-a-doctor',
      'GET',
      `/api/critical-values/${raised!.id}`,
    );
    expect(acknowledged.body).toMatchObject({
      status: 'acknowledged',
      acknowledgement: { by: '周医生 (Dongling THC doctor)', readBack: '钾 6.8 mmol/L' },
    });
    const kinds = acknowledged.body.events?.map((e) => e.kind) ?? [];
    expect(kinds).toContain('escalated');
    expect(kinds.filter((kind) => kind !== 'escalated')).toEqual([
      'raised',
      'acknowledgement-refused',
      'acknowledged',
    ]);

    // The lab sees its alert acknowledged, with who read it back.
    await lab.reload();
    await trackedRow.getByTestId('status-acknowledged').waitFor();
    await expectText(trackedRow, '钾 6.8 mmol/L');
    await shot(lab, 'critical-tracking-acknowledged-zh');
    await lab.getByTestId('language-switch').click();
    await lab.getByRole('main').getByText('Critical value tracking').waitFor();
    await trackedRow.click();
    await expectText(lab.getByTestId('history-status'), 'Acknowledged');
    await shot(lab, 'critical-history-en');
  });

  it('a lab technician finds a specimen by its label, receives it and rejects it with a reason', async () => {
    const order = await orderPotassium(makePatient());
    const shipped = await call('clinic-a', 'POST', '/api/lab/batches', {
      batchId: `BOX-${Date.now()}`,
      courier: '顺丰 courier 王师傅',
      departedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      specimens: [
        {
          accession: order.accession,
          collectedAt: new Date(Date.now() - 15 * 60_000).toISOString(),
          collector: '护士 李 nurse Li',
        },
      ],
    });
    expect(shipped.status).toBe(201);

    const page = await newPage(browser, 'zh');
    await signInAs(page, hub.baseUrl, 'labtech', '/lab/specimens');
    const label = page.getByTestId('accession-input').locator('input');
    await label.fill(order.accession);
    await label.press('Enter');
    const card = page.getByTestId('specimen-card');
    await expectText(card, '运输中');
    await expectText(card, '护士 李 nurse Li');
    // Ant Design spaces out a two-character Chinese label ("签 收").
    await page.getByRole('button', { name: /(^|\s)签\s?收$/ }).click();
    await expectText(card, '已签收');
    await expectText(card, '时限 30 分钟');
    await shot(page, 'lab-specimen-received-zh');

    await page.getByRole('button', { name: /拒\s?收/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('.ant-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '溶血' }).click();
    await dialog.locator('textarea').fill('离心后见明显溶血');
    await dialog.getByRole('button', { name: /拒\s?收/ }).click();
    await expectText(card, '已拒收');
    await expectText(card, '离心后见明显溶血');
    await shot(page, 'lab-specimen-rejected-zh');

    await page.getByTestId('language-switch').click();
    await expectText(card, 'Rejected');
    await expectText(card, 'Haemolysed');
    await shot(page, 'lab-specimen-rejected-en');
    const specimen = await call<{ status: string; rejectionReason: string }>(
      'labtech',
      'GET',
      `/api/lab/specimens/${order.accession}`,
    );
    expect(specimen.body).toMatchObject({ status: 'rejected', rejectionReason: 'haemolysed' });
  });
});

/**
 * A screenshot once the page has settled: Ant Design fades content in (a table leaving its
 * loading state, a drawer sliding open), so wait until no finite animation is running, with the
 * pointer out of the way.
 */
async function shot(page: Page, name: string) {
  // Away from the header, whose menus open on hover.
  await page.mouse.move(720, 880);
  await page.waitForFunction(() => {
    // Typed here: this project's type-check has no DOM library.
    const page = globalThis as unknown as {
      document: {
        getAnimations(): Array<{
          playState: string;
          effect: { getTiming(): { iterations?: number } } | null;
        }>;
      };
    };
    return page.document
      .getAnimations()
      .every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity);
  });
  await screenshot(page, name);
}

/** Waits until the element (the first of them) shows the text. */
async function expectText(locator: Locator, text: string) {
  await locator.filter({ hasText: text }).first().waitFor();
}
