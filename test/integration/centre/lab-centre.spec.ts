import type { DiagnosticReport, Observation } from 'fhir/r4';
import {
  type CentreHealthReply,
  JobNames,
  MessageNames,
  type OrderRoutePayload,
  type PendingVerification,
  type ReportGetReply,
  type ReportVerifyReply,
  type ResultFlags,
  type ResultPatientContext,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  type SubmittedResult,
  jobIds,
} from '@hub/contracts';
import {
  LAB_CENTRE_START_TIMEOUT_MS,
  type LabCentre,
  jobsFor,
  makeOrderRoute,
  makePatient,
  startLabCentre,
  waitForJob,
} from './lab-centre-fixture';

type Source = ResultSubmitRequest['source'];
/** An analyser as the gateway names it; the demo's autoverification rules trust `lab-analyser`. */
const analyser = (id = 'lab-analyser'): Source => ({ kind: 'analyser', id });
/** A person entering results by hand. */
const person = (id: string): Source => ({ kind: 'person', id });

describe('lab centre (real PostgreSQL and Redis)', () => {
  let lab: LabCentre;
  const orderIds: string[] = [];

  beforeAll(async () => {
    lab = await startLabCentre();
  }, LAB_CENTRE_START_TIMEOUT_MS);

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

  /**
   * A submission as the gateway sends it: from the trusted analyser unless told otherwise (the
   * performer is whoever the source is), for an adult man unless told otherwise.
   */
  const resultRequest = (
    orderId: string,
    results: unknown,
    options: {
      from?: Source;
      patient?: ResultPatientContext;
      correction?: { reason: string };
    } = {},
  ): ResultSubmitRequest => {
    const from = options.from ?? analyser();
    return {
      orderId,
      results: results as SubmittedResult[],
      performer: from.id,
      source: from,
      patient: options.patient ?? makePatient(),
      ...(options.correction ? { correction: options.correction } : {}),
      traceId: 'trace-1',
    };
  };

  const send = (request: Partial<ResultSubmitRequest>) =>
    lab.send<ResultSubmitReply>(MessageNames.ResultSubmit, request);

  const submit = (
    orderId: string,
    results: unknown,
    options?: Parameters<typeof resultRequest>[2],
  ) => send(resultRequest(orderId, results, options));

  /** Submits results that must be stored, and returns the reply. */
  const stored = async (...args: Parameters<typeof submit>) => {
    const reply = await submit(...args);
    if (!reply.ok) throw new Error(`results refused: ${reply.status} ${reply.diagnostics}`);
    return reply;
  };

  const verify = (orderId: string, verifier: string) =>
    lab.send<ReportVerifyReply>(MessageNames.ReportVerify, {
      orderId,
      verifier,
      traceId: 'trace-2',
    });

  const reportGet = (reportId: string, version?: number) =>
    lab.send<ReportGetReply | null>(MessageNames.ReportGet, {
      reportId,
      ...(version === undefined ? {} : { version }),
    });

  /** A released version's content, which must exist. */
  const released = async (reportId: string, version?: number) => {
    const content = await reportGet(reportId, version);
    if (!content) throw new Error(`report ${reportId} has no released version ${version ?? ''}`);
    return {
      ...content,
      report: content.diagnosticReport as unknown as DiagnosticReport,
      observations: content.observations.map((o) => ({
        fullUrl: o.fullUrl,
        resource: o.resource as unknown as Observation,
      })),
    };
  };

  /** What a reader of the report sees per Observation: code, value, interpretation. */
  const readings = (content: Awaited<ReturnType<typeof released>>) =>
    content.observations.map(({ resource }) => [
      resource.code.coding?.[0]?.code,
      resource.valueQuantity?.value,
      resource.interpretation?.[0]?.coding?.[0]?.code,
    ]);

  const pendingFor = async (orderId: string) =>
    (await lab.send<PendingVerification[]>(MessageNames.VerificationList, { limit: 500 })).filter(
      (pending) => pending.orderId === orderId,
    );

  const versions = (orderId: string) =>
    lab.db.query<Array<Record<string, unknown>>>(
      `SELECT version, status, performer, source_kind, verified_by, verification
       FROM lab.report WHERE order_id = $1 ORDER BY version`,
      [orderId],
    );

  const flags = (
    ...entries: Array<
      [code: string, interpretation: ResultFlags['interpretation'], delta?: boolean]
    >
  ): ResultFlags[] =>
    entries.map(([code, interpretation, delta = false]) => ({ code, interpretation, delta }));

  /** A CBC an adult man reads as normal throughout. */
  const normalCbc: SubmittedResult[] = [
    { code: '718-7', value: 150, unit: 'g/L' },
    { code: '6690-2', value: 6.2 },
    { code: '777-3', value: 250, unit: '10*9/L' },
  ];
  /** A CBC with a high leukocyte count and low platelets. */
  const abnormalCbc: SubmittedResult[] = [
    { code: '718-7', value: 162, unit: 'g/L' },
    { code: '6690-2', value: 11.2 },
    { code: '777-3', value: 98, unit: '10*9/L' },
  ];

  describe('routed orders', () => {
    it('records an order from lab.orders once, expects its specimen and queues one TaskUpdate accepted, even when delivered twice', async () => {
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
      expect(
        await lab.db.query(
          `SELECT accession, type, transport_limit_minutes, requester_org, status
           FROM lab.specimen WHERE order_id = $1`,
          [order.orderId],
        ),
      ).toEqual([
        {
          accession: order.specimen?.accession,
          type: 'whole-blood-edta',
          transport_limit_minutes: 480,
          requester_org: 'clinic-a',
          status: 'awaiting-collection',
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
      expect(await lab.outboxCount(order.orderId)).toBe(1);
    });

    it('takes two deliveries processed at the same moment as one order', async () => {
      const order = newOrder();
      const created = await Promise.all([lab.orders.receive(order), lab.orders.receive(order)]);
      expect(created.sort()).toEqual([false, true]);
      expect(await count(`lab.received_order WHERE order_id = $1`, [order.orderId])).toBe(1);
      expect(await count(`lab.specimen WHERE order_id = $1`, [order.orderId])).toBe(1);
      expect(await lab.outboxCount(order.orderId)).toBe(1);
    });

    it('refuses an order routed to another centre and records nothing', async () => {
      const order = newOrder({ centre: 'ecg' });
      await expect(lab.orders.receive(order)).rejects.toThrow(/routed to the ecg centre, not lab/);
      expect(await count(`lab.received_order WHERE order_id = $1`, [order.orderId])).toBe(0);
      expect(await count(`lab.specimen WHERE order_id = $1`, [order.orderId])).toBe(0);
      expect(await lab.outboxCount(order.orderId)).toBe(0);
    });
  });

  describe('result.submit', () => {
    it.each(['lab-analyser', 'hl7:LAB'])(
      'releases normal results from %s final at once by the autoverification rule and tells the hub',
      async (analyserId) => {
        const order = await receivedOrder();
        const reply = await submit(order.orderId, normalCbc, { from: analyser(analyserId) });
        expect(reply).toEqual({
          ok: true,
          duplicate: false,
          reportId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
          orderId: order.orderId,
          version: 1,
          status: 'final',
          verifiedBy: 'rule',
          observationCount: 3,
          flags: flags(['718-7', 'N'], ['6690-2', 'N'], ['777-3', 'N']),
        });
        if (!reply.ok) return;

        expect(await versions(order.orderId)).toEqual([
          {
            version: 1,
            status: 'final',
            performer: analyserId,
            source_kind: 'analyser',
            verified_by: 'autoverification',
            verification: 'rule',
          },
        ]);
        expect(await lab.orderStatus(order.orderId)).toBe('completed');
        expect(await pendingFor(order.orderId)).toEqual([]);

        const report = await waitForJob(lab.queues.results, jobIds.reportSubmit(reply.reportId, 1));
        expect(report.name).toBe(JobNames.ReportSubmit);
        expect(report.data).toEqual({
          reportId: reply.reportId,
          orderId: order.orderId,
          taskId: order.taskId,
          centre: 'lab',
          version: 1,
          traceId: 'trace-1',
        });
        for (const status of ['in-progress', 'completed'] as const) {
          const update = await waitForJob(
            lab.queues.taskEvents,
            jobIds.taskUpdate(order.taskId, status),
          );
          expect(update.data).toMatchObject({ orderId: order.orderId, centre: 'lab', status });
        }

        const content = await released(reply.reportId);
        expect(content).toMatchObject({ orderId: order.orderId, version: 1 });
        expect(content.critical).toBeUndefined();
        expect(content.report).toMatchObject({
          resourceType: 'DiagnosticReport',
          status: 'final',
          code: { coding: [{ code: '58410-2' }] },
          basedOn: [{ reference: `ServiceRequest/${order.orderId}` }],
          result: content.observations.map((o) => ({ reference: o.fullUrl })),
          resultsInterpreter: [{ display: '自动审核 Autoverification rule' }],
        });
        expect(content.report.subject).toBeUndefined();
        expect(content.observations.map((o) => o.fullUrl)).toEqual([
          expect.stringMatching(/^urn:uuid:/),
          expect.stringMatching(/^urn:uuid:/),
          expect.stringMatching(/^urn:uuid:/),
        ]);
        expect(content.observations.map((o) => o.resource.status)).toEqual([
          'final',
          'final',
          'final',
        ]);
        expect(readings(content)).toEqual([
          ['718-7', 150, 'N'],
          ['6690-2', 6.2, 'N'],
          ['777-3', 250, 'N'],
        ]);
      },
    );

    it.each([
      { what: 'normal results a person entered', from: person('labtech'), results: normalCbc },
      {
        what: 'analyser results with an abnormal value',
        from: analyser(),
        results: abnormalCbc,
      },
      {
        what: 'normal results from an analyser no rule trusts',
        from: analyser('poct-meter-7'),
        results: normalCbc,
      },
      {
        what: 'analyser results for a patient of unknown sex and age (no haemoglobin range applies)',
        from: analyser(),
        results: normalCbc,
        patient: { id: 'patient-without-demographics' },
      },
    ])(
      'keeps $what preliminary, unseen by the hub, until a second user verifies them',
      async ({ from, results, patient }) => {
        const order = await receivedOrder();
        const reply = await stored(order.orderId, results, { from, patient });
        expect(reply).toMatchObject({ version: 1, status: 'preliminary', duplicate: false });
        expect(reply.verifiedBy).toBeUndefined();

        expect(await versions(order.orderId)).toMatchObject([
          { version: 1, status: 'preliminary', performer: from.id, verified_by: null },
        ]);
        expect(await lab.orderStatus(order.orderId)).toBe('in-progress');
        expect(await reportGet(reply.reportId)).toBeNull();
        expect(await pendingFor(order.orderId)).toEqual([
          {
            orderId: order.orderId,
            reportId: reply.reportId,
            version: 1,
            code: '58410-2',
            priority: 'routine',
            enteredBy: from.id,
            enteredAt: expect.any(String) as unknown,
            flags: reply.flags,
            results: expect.any(Array) as unknown,
          },
        ]);
        const inProgress = await waitForJob(
          lab.queues.taskEvents,
          jobIds.taskUpdate(order.taskId, 'in-progress'),
        );
        expect(inProgress.data).toMatchObject({ orderId: order.orderId, status: 'in-progress' });
        // TaskUpdate accepted and in-progress: nothing for hub.results yet.
        expect(await lab.outboxCount(order.orderId)).toBe(2);

        expect(await verify(order.orderId, 'labchief')).toEqual({
          ok: true,
          reportId: reply.reportId,
          orderId: order.orderId,
          version: 1,
          status: 'final',
          critical: 0,
        });
        await waitForJob(lab.queues.results, jobIds.reportSubmit(reply.reportId, 1));
        await waitForJob(lab.queues.taskEvents, jobIds.taskUpdate(order.taskId, 'completed'));
        const content = await released(reply.reportId);
        expect(content.report).toMatchObject({
          status: 'final',
          resultsInterpreter: [{ display: 'labchief (审核 verified)' }],
        });
        expect(readings(content)).toEqual(
          results.map((r, i) => [r.code, r.value, reply.flags[i].interpretation]),
        );
      },
    );

    it.each([
      {
        what: 'an analyte the order does not report',
        change: { results: [{ code: '2823-3', value: 4.1 }] },
        status: 422,
        field: 'results[0].code',
      },
      {
        what: 'a unit other than the configured one',
        change: {
          results: [
            { code: '718-7', value: 135 },
            { code: '6690-2', value: 6, unit: '/uL' },
          ],
        },
        status: 422,
        field: 'results[1].unit',
      },
      {
        what: 'a value that is not a number',
        change: { results: [{ code: '718-7', value: '135' }] },
        status: 400,
        field: 'results[0].value',
      },
      { what: 'no results', change: { results: [] }, status: 400, field: 'results' },
      { what: 'no source', change: { source: undefined }, status: 400, field: 'source' },
      {
        what: 'a source of an unknown kind',
        change: { source: { kind: 'robot', id: 'r2' } },
        status: 400,
        field: 'source',
      },
      { what: 'no patient', change: { patient: undefined }, status: 400, field: 'patient' },
      {
        what: 'a correction without a reason',
        change: { correction: { reason: ' ' } },
        status: 400,
        field: 'correction.reason',
      },
    ])(
      'answers $what with $status naming $field, and stores nothing',
      async ({ change, status, field }) => {
        const order = await receivedOrder();
        const reply = await send({
          ...resultRequest(order.orderId, normalCbc),
          ...change,
        } as Partial<ResultSubmitRequest>);
        expect(reply).toMatchObject({
          ok: false,
          status,
          diagnostics: expect.stringContaining(field) as unknown,
          expression: [field],
        });
        expect(await count(`lab.report WHERE order_id = $1`, [order.orderId])).toBe(0);
        expect(await count(`lab.analyte_result WHERE order_id = $1`, [order.orderId])).toBe(0);
        expect(await lab.orderStatus(order.orderId)).toBe('accepted');
        // Only the TaskUpdate accepted of the order's receipt.
        expect(await lab.outboxCount(order.orderId)).toBe(1);
      },
    );

    it('answers 404 for an order the lab has not received', async () => {
      const order = newOrder();
      expect(await submit(order.orderId, normalCbc)).toMatchObject({
        ok: false,
        status: 404,
        expression: ['orderId'],
      });
      expect(await count(`lab.report WHERE order_id = $1`, [order.orderId])).toBe(0);
    });

    it('answers a re-submission with the report already issued and changes nothing', async () => {
      const order = await receivedOrder();
      const patient = makePatient();
      const first = await stored(order.orderId, normalCbc, { patient });
      const [again, concurrent] = await Promise.all([
        submit(order.orderId, normalCbc, { patient }),
        submit(order.orderId, [{ code: '718-7', value: 99 }], { patient, from: person('labtech') }),
      ]);
      expect(first).toMatchObject({ duplicate: false, status: 'final' });
      for (const reply of [again, concurrent]) {
        expect(reply).toMatchObject({
          ok: true,
          duplicate: true,
          reportId: first.reportId,
          version: 1,
          status: 'final',
        });
      }
      expect(await versions(order.orderId)).toHaveLength(1);
      // TaskUpdate accepted, in-progress and completed, ReportSubmit: nothing more.
      expect(await lab.outboxCount(order.orderId)).toBe(4);
    });

    it('report.get answers null for a report the lab does not know', async () => {
      for (const reportId of ['7d3f1b4e-0c1a-4e8e-9a3b-2b6f0d1c9e55', 'not-a-uuid']) {
        expect(await lab.send(MessageNames.ReportGet, { reportId })).toBeNull();
      }
    });
  });

  describe('flags by sex and age', () => {
    const man = () => makePatient({ gender: 'male', ageYears: 45 });
    const woman = () => makePatient({ gender: 'female', ageYears: 38 });
    const child = () => makePatient({ gender: 'male', ageYears: 6 });

    it.each([
      {
        who: 'a man',
        patient: man,
        code: '58410-2',
        results: [
          { code: '718-7', value: 120 },
          { code: '6690-2', value: 11 },
        ],
        expected: [
          ['718-7', 'L', [130, 175]],
          ['6690-2', 'H', [3.5, 9.5]],
        ],
      },
      {
        who: 'a woman',
        patient: woman,
        code: '58410-2',
        results: [
          { code: '718-7', value: 120 },
          { code: '6690-2', value: 11 },
        ],
        expected: [
          ['718-7', 'N', [115, 150]],
          ['6690-2', 'H', [3.5, 9.5]],
        ],
      },
      {
        who: 'a 6-year-old',
        patient: child,
        code: '58410-2',
        results: [
          { code: '718-7', value: 120 },
          { code: '6690-2', value: 11 },
        ],
        expected: [
          ['718-7', 'N', [110, 150]],
          ['6690-2', 'N', [5, 12]],
        ],
      },
      {
        who: 'a man (potassium 6.8)',
        patient: man,
        code: '2823-3',
        results: [{ code: '2823-3', value: 6.8 }],
        expected: [['2823-3', 'HH', [3.5, 5.3]]],
      },
      {
        who: 'a man (glucose 2.5)',
        patient: man,
        code: '2345-7',
        results: [{ code: '2345-7', value: 2.5 }],
        expected: [['2345-7', 'LL', [3.9, 6.1]]],
      },
      {
        who: 'a woman (glucose 2.5)',
        patient: woman,
        code: '2345-7',
        results: [{ code: '2345-7', value: 2.5 }],
        expected: [['2345-7', 'L', [3.9, 6.1]]],
      },
    ] as Array<{
      who: string;
      patient: () => ResultPatientContext;
      code: string;
      results: SubmittedResult[];
      expected: Array<[string, ResultFlags['interpretation'], [number, number]]>;
    }>)(
      'flags results for $who against the ranges and critical limits that apply to them',
      async ({ patient, code, results, expected }) => {
        const order = await receivedOrder(code);
        const reply = await stored(order.orderId, results, {
          from: person('labtech'),
          patient: patient(),
        });
        expect(reply.flags).toEqual(
          flags(...expected.map(([c, flag]): [string, typeof flag] => [c, flag])),
        );
        expect(reply.status).toBe('preliminary');

        expect(await verify(order.orderId, 'labchief')).toMatchObject({ ok: true });
        const content = await released(reply.reportId);
        expect(
          content.observations.map(({ resource }) => [
            resource.code.coding?.[0]?.code,
            resource.interpretation?.[0]?.coding?.[0]?.code,
            [resource.referenceRange?.[0]?.low?.value, resource.referenceRange?.[0]?.high?.value],
          ]),
        ).toEqual(expected);
      },
    );
  });

  describe('delta check', () => {
    /** Releases a potassium for the patient on an order of its own (by the rule: it is normal). */
    const releasedPotassium = async (patient: ResultPatientContext, value: number) => {
      const order = await receivedOrder('2823-3');
      const reply = await stored(order.orderId, [{ code: '2823-3', value }], { patient });
      expect(reply.status).toBe('final');
      return reply;
    };

    it("flags a potassium of 5.5 after the patient's released 4.0, and holds it even from the analyser", async () => {
      const patient = makePatient();
      await releasedPotassium(patient, 4.0);

      const order = await receivedOrder('2823-3');
      const reply = await stored(order.orderId, [{ code: '2823-3', value: 5.5 }], { patient });
      expect(reply).toMatchObject({
        status: 'preliminary',
        flags: flags(['2823-3', 'H', true]),
      });
      expect(reply.verifiedBy).toBeUndefined();
      // The physician sees the value, the range that applied and the failed delta check.
      expect(await pendingFor(order.orderId)).toMatchObject([
        {
          flags: flags(['2823-3', 'H', true]),
          results: [
            {
              code: '2823-3',
              displayZh: '钾',
              value: 5.5,
              unit: 'mmol/L',
              low: 3.5,
              high: 5.3,
              interpretation: 'H',
              delta: true,
              note: expect.stringContaining('previous 4 mmol/L') as unknown,
            },
          ],
        },
      ]);

      expect(await verify(order.orderId, 'labchief')).toMatchObject({ ok: true, status: 'final' });
      const [observation] = (await released(reply.reportId)).observations;
      expect(observation.resource.note).toEqual([
        { text: expect.stringContaining('Delta check failed: previous 4 mmol/L') as unknown },
      ]);
    });

    it('holds a value within the range that moved more than the rule allows, and compares each patient with their own results only', async () => {
      const patient = makePatient();
      await releasedPotassium(patient, 3.6);

      const order = await receivedOrder('2823-3');
      expect(
        await stored(order.orderId, [{ code: '2823-3', value: 4.9 }], { patient }),
      ).toMatchObject({
        status: 'preliminary',
        flags: flags(['2823-3', 'N', true]),
      });
      // Another patient's 4.9 has nothing to compare with: normal, released by the rule.
      const other = await receivedOrder('2823-3');
      expect(await stored(other.orderId, [{ code: '2823-3', value: 4.9 }])).toMatchObject({
        status: 'final',
        flags: flags(['2823-3', 'N']),
      });
    });
  });

  describe('verification', () => {
    it('does not let labdoc verify what labdoc entered (403, nothing released); labchief releases it final', async () => {
      const order = await receivedOrder();
      const entered = await stored(order.orderId, normalCbc, { from: person('labdoc') });
      expect(entered.status).toBe('preliminary');

      expect(await verify(order.orderId, 'labdoc')).toMatchObject({
        ok: false,
        status: 403,
        diagnostics: expect.stringContaining('labdoc entered these results') as unknown,
        expression: ['verifier'],
      });
      expect(await versions(order.orderId)).toMatchObject([
        { status: 'preliminary', verified_by: null },
      ]);
      expect(await lab.orderStatus(order.orderId)).toBe('in-progress');
      expect(await reportGet(entered.reportId)).toBeNull();
      expect(await pendingFor(order.orderId)).toHaveLength(1);
      // TaskUpdate accepted and in-progress only.
      expect(await lab.outboxCount(order.orderId)).toBe(2);

      expect(await verify(order.orderId, 'labchief')).toEqual({
        ok: true,
        reportId: entered.reportId,
        orderId: order.orderId,
        version: 1,
        status: 'final',
        critical: 0,
      });
      expect(await versions(order.orderId)).toEqual([
        {
          version: 1,
          status: 'final',
          performer: 'labdoc',
          source_kind: 'person',
          verified_by: 'labchief',
          verification: 'person',
        },
      ]);
      expect(await lab.orderStatus(order.orderId)).toBe('completed');
      expect(await pendingFor(order.orderId)).toEqual([]);
      const report = await waitForJob(lab.queues.results, jobIds.reportSubmit(entered.reportId, 1));
      expect(report.data).toMatchObject({ orderId: order.orderId, version: 1, traceId: 'trace-2' });
      const completed = await waitForJob(
        lab.queues.taskEvents,
        jobIds.taskUpdate(order.taskId, 'completed'),
      );
      expect(completed.data).toMatchObject({ orderId: order.orderId, status: 'completed' });
      expect((await released(entered.reportId)).report.status).toBe('final');

      // Verifying again answers what happened and releases nothing more.
      expect(await verify(order.orderId, 'labchief2')).toMatchObject({ ok: false, status: 409 });
      expect(await jobsFor(lab.queues.results, order.orderId)).toHaveLength(1);
    });
  });

  describe('corrections', () => {
    it('keeps the analytes a correction does not give again, as they were released', async () => {
      const order = await receivedOrder();
      const patient = makePatient();
      const first = await stored(order.orderId, normalCbc, { patient });
      expect(first).toMatchObject({ version: 1, status: 'final' });
      const correction = await stored(order.orderId, [{ code: '718-7', value: 140 }], {
        from: person('labdoc'),
        patient,
        correction: { reason: 'haemoglobin re-run' },
      });
      expect(correction).toMatchObject({ version: 2, status: 'preliminary', observationCount: 3 });
      await verify(order.orderId, 'labchief');
      expect(readings(await released(first.reportId))).toEqual([
        ['718-7', 140, 'N'],
        ['6690-2', 6.2, 'N'],
        ['777-3', 250, 'N'],
      ]);
    });

    it('releases a corrected report as version 2 amended after verification, keeping version 1 readable', async () => {
      const order = await receivedOrder();
      const patient = makePatient();
      const first = await stored(order.orderId, normalCbc, { patient });
      expect(first).toMatchObject({ version: 1, status: 'final' });
      const original = await released(first.reportId);

      const corrected = normalCbc.map((r) => (r.code === '718-7' ? { ...r, value: 140 } : r));
      const correction = await stored(order.orderId, corrected, {
        from: person('labdoc'),
        patient,
        correction: { reason: 'haemoglobin entered from the wrong sample position' },
      });
      expect(correction).toMatchObject({
        reportId: first.reportId,
        version: 2,
        status: 'preliminary',
        duplicate: false,
      });
      // Until it is verified the hub still reads version 1.
      expect(await released(first.reportId)).toMatchObject({ version: 1 });
      expect(await pendingFor(order.orderId)).toMatchObject([
        {
          version: 2,
          enteredBy: 'labdoc',
          correctionReason: 'haemoglobin entered from the wrong sample position',
        },
      ]);

      expect(await verify(order.orderId, 'labchief')).toMatchObject({
        ok: true,
        version: 2,
        status: 'amended',
      });
      const amended = await released(first.reportId);
      expect(amended.version).toBe(2);
      expect(amended.report).toMatchObject({
        status: 'amended',
        conclusion: expect.stringContaining(
          'haemoglobin entered from the wrong sample position',
        ) as unknown,
      });
      // The same Observations, updated: the consortium record keeps their history.
      expect(amended.observations.map((o) => o.fullUrl)).toEqual(
        original.observations.map((o) => o.fullUrl),
      );
      expect(amended.report.result).toEqual(original.report.result);
      expect(readings(amended)).toEqual([
        ['718-7', 140, 'N'],
        ['6690-2', 6.2, 'N'],
        ['777-3', 250, 'N'],
      ]);
      expect(amended.observations.map((o) => o.resource.status)).toEqual([
        'amended',
        'amended',
        'amended',
      ]);

      const versionOne = await released(first.reportId, 1);
      expect(versionOne.version).toBe(1);
      expect(versionOne.report.status).toBe('final');
      expect(readings(versionOne)[0]).toEqual(['718-7', 150, 'N']);

      expect(await versions(order.orderId)).toMatchObject([
        { version: 1, status: 'final', verification: 'rule' },
        { version: 2, status: 'amended', performer: 'labdoc', verified_by: 'labchief' },
      ]);
      const second = await waitForJob(lab.queues.results, jobIds.reportSubmit(first.reportId, 2));
      expect(second.data).toEqual({
        reportId: first.reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'lab',
        version: 2,
        traceId: 'trace-2',
      });
      expect(await jobsFor(lab.queues.results, order.orderId)).toHaveLength(2);
      // The order was completed once.
      expect(
        (await jobsFor(lab.queues.taskEvents, order.orderId)).map(
          (job) => (job.data as { status: string }).status,
        ),
      ).toEqual(expect.arrayContaining(['accepted', 'in-progress', 'completed']));
      expect(await jobsFor(lab.queues.taskEvents, order.orderId)).toHaveLength(3);
    });
  });

  describe('critical results', () => {
    it('releases a potassium of 6.8 with its critical finding, reported by the verifier', async () => {
      const order = await receivedOrder('2823-3');
      const reply = await stored(order.orderId, [{ code: '2823-3', value: 6.8, unit: 'mmol/L' }]);
      expect(reply).toMatchObject({ status: 'preliminary', flags: flags(['2823-3', 'HH']) });
      // A critical value never leaves the lab before a physician verified it.
      expect(await reportGet(reply.reportId)).toBeNull();

      expect(await verify(order.orderId, 'labchief')).toMatchObject({
        ok: true,
        status: 'final',
        critical: 1,
      });
      const content = await released(reply.reportId);
      expect(content.critical).toEqual({
        findings: [
          {
            observationFullUrl: content.observations[0].fullUrl,
            code: '2823-3',
            display: 'Potassium',
            displayZh: '钾',
            value: 6.8,
            unit: 'mmol/L',
            flag: 'HH',
          },
        ],
        reportedBy: 'labchief',
        reportedAt: content.report.issued,
      });
      expect(readings(content)).toEqual([['2823-3', 6.8, 'HH']]);
      await waitForJob(lab.queues.results, jobIds.reportSubmit(reply.reportId, 1));
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
