import {
  type CentreHealthReply,
  JobNames,
  MessageNames,
  type OrderRoutePayload,
  type ReportGetReply,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  type SubmittedResult,
  jobIds,
} from '@hub/contracts';
import {
  type LabCentre,
  jobsFor,
  makeOrderRoute,
  startLabCentre,
  waitForJob,
} from './lab-centre-fixture';

describe('lab centre (real PostgreSQL and Redis)', () => {
  let lab: LabCentre;
  const orderIds: string[] = [];

  beforeAll(async () => {
    lab = await startLabCentre();
  });

  afterEach(async () => {
    await lab.forget(orderIds.splice(0));
  });

  afterAll(async () => {
    await lab?.close();
  });

  const newOrder = (overrides: Partial<OrderRoutePayload> = {}) => {
    const order = makeOrderRoute(overrides);
    orderIds.push(order.orderId);
    return order;
  };

  /** An order the lab has received (and accepted). */
  const receivedOrder = async (code = '58410-2') => {
    const order = newOrder({ code });
    await lab.orders.receive(order);
    return order;
  };

  const count = async (sql: string, params: unknown[]) =>
    (await lab.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]
      .n;

  const orderStatus = async (orderId: string) =>
    (
      await lab.db.query<Array<{ status: string }>>(
        `SELECT status FROM lab.received_order WHERE order_id = $1`,
        [orderId],
      )
    )[0]?.status;

  const submit = (orderId: string, results: unknown) =>
    lab.send<ResultSubmitReply>(MessageNames.ResultSubmit, {
      orderId,
      results: results as SubmittedResult[],
      performer: 'labtech',
      traceId: 'trace-1',
    } satisfies ResultSubmitRequest);

  const goodCbc: SubmittedResult[] = [
    { code: '718-7', value: 162, unit: 'g/L' },
    { code: '6690-2', value: 11.2 },
    { code: '777-3', value: 98, unit: '10*9/L' },
  ];

  describe('routed orders', () => {
    it('records an order from lab.orders once and queues one TaskUpdate accepted, even when delivered twice', async () => {
      const order = newOrder();
      const first = await lab.queues.orders.add(JobNames.OrderRoute, order, {
        jobId: jobIds.orderRoute(order.orderId),
      });
      expect(await first.waitUntilFinished(lab.orderEvents)).toBe(true);
      // A stalled job is delivered again; a second job with the same order stands for it.
      const again = await lab.queues.orders.add(JobNames.OrderRoute, order, {
        jobId: `${jobIds.orderRoute(order.orderId)}-again`,
      });
      expect(await again.waitUntilFinished(lab.orderEvents)).toBe(false);

      const rows = await lab.db.query<Array<Record<string, unknown>>>(
        `SELECT task_id, code, priority, requester_org_id, status FROM lab.received_order
         WHERE order_id = $1`,
        [order.orderId],
      );
      expect(rows).toEqual([
        {
          task_id: order.taskId,
          code: '58410-2',
          priority: 'routine',
          requester_org_id: 'clinic-a',
          status: 'accepted',
        },
      ]);
      const accepted = await waitForJob(
        lab.queues.taskEvents,
        jobIds.taskUpdate(order.taskId, 'accepted'),
      );
      expect(accepted.name).toBe(JobNames.TaskUpdate);
      expect(accepted.data).toMatchObject({
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'lab',
        status: 'accepted',
        traceId: order.traceId,
      });
      expect(await jobsFor(lab.queues.taskEvents, order.orderId)).toHaveLength(1);
      expect(await count(`lab.outbox WHERE payload->>'orderId' = $1`, [order.orderId])).toBe(1);
    });

    it('takes two deliveries processed at the same moment as one order', async () => {
      const order = newOrder();
      const created = await Promise.all([lab.orders.receive(order), lab.orders.receive(order)]);
      expect(created.sort()).toEqual([false, true]);
      expect(await count(`lab.received_order WHERE order_id = $1`, [order.orderId])).toBe(1);
      expect(await count(`lab.outbox WHERE payload->>'orderId' = $1`, [order.orderId])).toBe(1);
    });

    it('refuses an order routed to another centre and records nothing', async () => {
      const order = newOrder({ centre: 'ecg' });
      await expect(lab.orders.receive(order)).rejects.toThrow(/routed to the ecg centre, not lab/);
      expect(await count(`lab.received_order WHERE order_id = $1`, [order.orderId])).toBe(0);
      expect(await count(`lab.outbox WHERE payload->>'orderId' = $1`, [order.orderId])).toBe(0);
    });
  });

  describe('result.submit', () => {
    it('stores one final report for good results and queues ReportSubmit and TaskUpdate completed', async () => {
      const order = await receivedOrder();
      const reply = await submit(order.orderId, goodCbc);
      expect(reply).toEqual({
        ok: true,
        duplicate: false,
        reportId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        orderId: order.orderId,
        observationCount: 3,
      });
      if (!reply.ok) return;

      const stored = await lab.db.query<Array<Record<string, unknown>>>(
        `SELECT report_id, status, performer FROM lab.report WHERE order_id = $1`,
        [order.orderId],
      );
      expect(stored).toEqual([
        { report_id: reply.reportId, status: 'final', performer: 'labtech' },
      ]);
      expect(await orderStatus(order.orderId)).toBe('completed');

      const report = await waitForJob(lab.queues.results, jobIds.reportSubmit(reply.reportId));
      expect(report.name).toBe(JobNames.ReportSubmit);
      expect(report.data).toEqual({
        reportId: reply.reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'lab',
        traceId: 'trace-1',
      });
      const completed = await waitForJob(
        lab.queues.taskEvents,
        jobIds.taskUpdate(order.taskId, 'completed'),
      );
      expect(completed.data).toMatchObject({ orderId: order.orderId, status: 'completed' });

      const content = await lab.send<ReportGetReply | null>(MessageNames.ReportGet, {
        reportId: reply.reportId,
      });
      expect(content?.orderId).toBe(order.orderId);
      expect(content?.diagnosticReport).toMatchObject({
        resourceType: 'DiagnosticReport',
        status: 'final',
        code: { coding: [{ code: '58410-2' }] },
        basedOn: [{ reference: `ServiceRequest/${order.orderId}` }],
        result: content?.observations.map((o) => ({ reference: o.fullUrl })),
      });
      expect(content?.diagnosticReport.subject).toBeUndefined();
      expect(content?.observations.map((o) => o.fullUrl)).toEqual([
        expect.stringMatching(/^urn:uuid:/),
        expect.stringMatching(/^urn:uuid:/),
        expect.stringMatching(/^urn:uuid:/),
      ]);
      expect(
        content?.observations.map((o) => [
          (o.resource as { code: { coding: Array<{ code: string }> } }).code.coding[0].code,
          (o.resource as { interpretation: Array<{ coding: Array<{ code: string }> }> })
            .interpretation[0].coding[0].code,
        ]),
      ).toEqual([
        ['718-7', 'N'],
        ['6690-2', 'H'],
        ['777-3', 'L'],
      ]);
    });

    it.each([
      {
        what: 'an analyte the order does not report',
        results: [{ code: '2823-3', value: 4.1 }],
        status: 422,
        field: 'results[0].code',
      },
      {
        what: 'a unit other than the configured one',
        results: [
          { code: '718-7', value: 135 },
          { code: '6690-2', value: 6, unit: '/uL' },
        ],
        status: 422,
        field: 'results[1].unit',
      },
      {
        what: 'a value that is not a number',
        results: [{ code: '718-7', value: '135' }],
        status: 400,
        field: 'results[0].value',
      },
      { what: 'no results', results: [], status: 400, field: 'results' },
    ])(
      'answers $what with $status naming $field, and stores nothing',
      async ({ results, status, field }) => {
        const order = await receivedOrder();
        const reply = await submit(order.orderId, results);
        expect(reply).toMatchObject({
          ok: false,
          status,
          diagnostics: expect.stringContaining(field) as unknown,
          expression: [field],
        });
        expect(await count(`lab.report WHERE order_id = $1`, [order.orderId])).toBe(0);
        expect(await orderStatus(order.orderId)).toBe('accepted');
        // Only the TaskUpdate accepted of the order's receipt.
        expect(await count(`lab.outbox WHERE payload->>'orderId' = $1`, [order.orderId])).toBe(1);
      },
    );

    it('answers 404 for an order the lab has not received', async () => {
      const order = newOrder();
      expect(await submit(order.orderId, goodCbc)).toMatchObject({
        ok: false,
        status: 404,
        expression: ['orderId'],
      });
      expect(await count(`lab.report WHERE order_id = $1`, [order.orderId])).toBe(0);
    });

    it('answers a re-submission with the report already issued and changes nothing', async () => {
      const order = await receivedOrder();
      const first = await submit(order.orderId, goodCbc);
      const [again, concurrent] = await Promise.all([
        submit(order.orderId, goodCbc),
        submit(order.orderId, [{ code: '718-7', value: 99 }]),
      ]);
      expect(first).toMatchObject({ ok: true, duplicate: false });
      if (!first.ok) return;
      for (const reply of [again, concurrent]) {
        expect(reply).toMatchObject({ ok: true, duplicate: true, reportId: first.reportId });
      }
      expect(await count(`lab.report WHERE order_id = $1`, [order.orderId])).toBe(1);
      // TaskUpdate accepted, TaskUpdate completed, ReportSubmit: nothing more.
      expect(await count(`lab.outbox WHERE payload->>'orderId' = $1`, [order.orderId])).toBe(3);
    });

    it('report.get answers null for a report the lab does not know', async () => {
      for (const reportId of ['7d3f1b4e-0c1a-4e8e-9a3b-2b6f0d1c9e55', 'not-a-uuid']) {
        expect(await lab.send(MessageNames.ReportGet, { reportId })).toBeNull();
      }
    });
  });

  describe('health', () => {
    it('answers GET /health and the health message with what it depends on', async () => {
      const response = await fetch(`${lab.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'up',
        centre: 'lab',
        database: 'up',
        redis: 'up',
      });
      expect(await lab.send<CentreHealthReply>(MessageNames.Health, {})).toEqual({
        centre: 'lab',
        status: 'up',
        database: 'up',
      });
    });
  });
});
