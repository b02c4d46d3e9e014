import {
  JobNames,
  type MessageName,
  MessageNames,
  type OrderRoutePayload,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  type SpecimenCommandReply,
  type SpecimenRejectionReason,
  SpecimenRejectionText,
  type SpecimenView,
  jobIds,
} from '@hub/contracts';
import {
  LAB_CENTRE_START_TIMEOUT_MS,
  type LabCentre,
  jobsFor,
  makeBatchId,
  makeOrderRoute,
  makePatient,
  minutesAgo,
  startLabCentre,
  waitForJob,
} from './lab-centre-fixture';

describe('lab specimens (real PostgreSQL and Redis)', () => {
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

  /** A lab order the lab has received, with its specimen awaiting collection. */
  const receivedOrder = async (overrides: Partial<OrderRoutePayload> = {}) => {
    const order = makeOrderRoute(overrides);
    orderIds.push(order.orderId);
    await lab.orders.receive(order);
    const specimen = order.specimen;
    if (!specimen) throw new Error(`order ${order.code} has no specimen type`);
    return { ...order, accession: specimen.accession };
  };
  type Order = Awaited<ReturnType<typeof receivedOrder>>;

  const command = (message: MessageName, body: object) =>
    lab.send<SpecimenCommandReply>(message, { traceId: 'trace-s', ...body });

  /** A command that must succeed: its specimens by accession. */
  const done = async (reply: Promise<SpecimenCommandReply>) => {
    const answer = await reply;
    if (!answer.ok) throw new Error(`refused: ${answer.status} ${answer.diagnostics}`);
    return new Map(answer.specimens.map((specimen) => [specimen.accession, specimen]));
  };

  const collect = (order: Order, collectedAt: string, org = order.requesterOrgId) =>
    command(MessageNames.SpecimenCollect, {
      accession: order.accession,
      org,
      collectedAt,
      collector: 'nurse-li',
    });

  const ship = (
    batchId: string,
    specimens: Array<{ accession: string; collectedAt?: string; collector?: string }>,
    departedAt: string,
    org = 'clinic-a',
  ) =>
    command(MessageNames.BatchShip, {
      batchId,
      org,
      courier: 'courier-wang',
      departedAt,
      specimens,
    });

  const receiveBox = (
    batchId: string,
    options: {
      receivedAt?: string;
      receiver?: string;
      rejections?: Array<{ accession: string; reason: string; note?: string }>;
    } = {},
  ) => command(MessageNames.BatchReceive, { batchId, receiver: 'labtech', ...options });

  /** Orders whose specimens were collected `minutesBefore` minutes ago and shipped in one box. */
  const shippedBox = async (orders: Order[], minutesBefore = 20) => {
    const batchId = makeBatchId();
    await done(
      ship(
        batchId,
        orders.map((order) => ({
          accession: order.accession,
          collectedAt: minutesAgo(minutesBefore),
          collector: 'nurse-li',
        })),
        minutesAgo(minutesBefore - 5),
      ),
    );
    return batchId;
  };

  const specimenRows = (orders: Order[]) =>
    lab.db.query<Array<Record<string, unknown>>>(
      `SELECT * FROM lab.specimen WHERE order_id = ANY($1) ORDER BY accession`,
      [orders.map((order) => order.orderId)],
    );

  const batchRows = (batchId: string) =>
    lab.db.query<Array<Record<string, unknown>>>(
      `SELECT batch_id, requester_org, courier, departed_at, received_at, receiver
       FROM lab.transport_batch WHERE batch_id = $1`,
      [batchId],
    );

  /** Everything a command could have changed for these orders, to compare before and after. */
  const snapshot = async (orders: Order[], batchId?: string) => {
    const ids = orders.map((order) => order.orderId);
    return {
      specimens: await specimenRows(orders),
      batch: batchId ? await batchRows(batchId) : [],
      orders: await lab.db.query<unknown[]>(
        `SELECT order_id, status, updated_at FROM lab.received_order
         WHERE order_id = ANY($1) ORDER BY order_id`,
        [ids],
      ),
      outbox: await lab.db.query<unknown[]>(
        `SELECT job_id FROM lab.outbox WHERE payload->>'orderId' = ANY($1) ORDER BY id`,
        [ids],
      ),
    };
  };

  const specimenEvent = async (order: Order, status: SpecimenView['status']) => {
    // One event per change: its job id ends with the time of the change.
    const rows = await lab.db.query<Array<{ job_id: string }>>(
      `SELECT job_id FROM lab.outbox WHERE job_id LIKE $1 ORDER BY id DESC LIMIT 1`,
      [`${jobIds.specimenUpdate(order.accession, status, new Date(0)).replace(/-0$/, '')}-%`],
    );
    expect(rows).toHaveLength(1);
    const job = await waitForJob(lab.queues.specimenEvents, rows[0].job_id);
    expect(job.name).toBe(JobNames.SpecimenUpdate);
    expect(job.data).toEqual({
      accession: order.accession,
      orderId: order.orderId,
      status,
      at: expect.any(String) as unknown,
      traceId: 'trace-s',
    });
    return job;
  };

  const submitResults = (order: Order) =>
    lab.send<ResultSubmitReply>(MessageNames.ResultSubmit, {
      orderId: order.orderId,
      results:
        order.code === '58410-2'
          ? [
              { code: '718-7', value: 150 },
              { code: '6690-2', value: 6.2 },
              { code: '777-3', value: 250 },
            ]
          : [{ code: order.code, value: 4.2 }],
      performer: 'labtech',
      source: { kind: 'person', id: 'labtech' },
      patient: makePatient(),
      traceId: 'trace-r',
    } satisfies ResultSubmitRequest);

  /**
   * What the clinic and the hub see of a rejected specimen: the specimen rejected with the reason,
   * its order on hold with a TaskUpdate naming the rejection, and results for it refused.
   */
  const expectRejected = async (order: Order, reason: SpecimenRejectionReason) => {
    expect(await specimenRows([order])).toMatchObject([
      { accession: order.accession, status: 'rejected', rejection_reason: reason },
    ]);
    expect(await lab.orderStatus(order.orderId)).toBe('on-hold');
    await specimenEvent(order, 'rejected');
    const onHold = await waitForJob(
      lab.queues.taskEvents,
      jobIds.taskUpdate(order.taskId, 'on-hold'),
    );
    expect(onHold.name).toBe(JobNames.TaskUpdate);
    expect(onHold.data).toEqual({
      orderId: order.orderId,
      taskId: order.taskId,
      centre: 'lab',
      status: 'on-hold',
      at: expect.any(String) as unknown,
      reason: expect.stringContaining(SpecimenRejectionText[reason]) as unknown,
      traceId: 'trace-s',
    });
    expect((onHold.data as { reason: string }).reason).toContain(order.accession);

    expect(await submitResults(order)).toMatchObject({
      ok: false,
      status: 409,
      diagnostics: expect.stringContaining(`specimen ${order.accession}`) as unknown,
      expression: ['orderId'],
    });
    expect(
      await lab.db.query(`SELECT 1 FROM lab.report WHERE order_id = $1`, [order.orderId]),
    ).toEqual([]);
  };

  it('expects the specimen of a routed lab order, with the transport limit of its type', async () => {
    const order = await receivedOrder({ code: '2823-3' });
    expect(
      await lab.send<SpecimenView | null>(MessageNames.SpecimenGet, { accession: order.accession }),
    ).toEqual({
      accession: order.accession,
      orderId: order.orderId,
      type: 'serum-k',
      status: 'awaiting-collection',
      requesterOrg: 'clinic-a',
      transportLimitMinutes: 30,
    });
    // Another clinic does not see it.
    expect(
      await lab.send(MessageNames.SpecimenGet, {
        accession: order.accession,
        requesterOrg: 'clinic-b',
      }),
    ).toBeNull();
  });

  describe('transport boxes', () => {
    it('ships a box of three specimens and receives it whole in one batch.receive; scanning it again changes nothing', async () => {
      const orders = [
        await receivedOrder({ code: '58410-2' }),
        await receivedOrder({ code: '2823-3' }),
        await receivedOrder({ code: '2160-0' }),
      ];
      const [cbc, potassium, creatinine] = orders;
      const collectedAt = minutesAgo(20);
      const departedAt = minutesAgo(15);
      const receivedAt = new Date().toISOString();
      const batchId = makeBatchId();

      // The first was collected on the ward; the others' collection comes with the box.
      const collected = await done(collect(cbc, collectedAt));
      expect(collected.get(cbc.accession)).toMatchObject({ status: 'collected', collectedAt });
      await specimenEvent(cbc, 'collected');

      const shipped = await done(
        ship(
          batchId,
          [
            { accession: cbc.accession },
            { accession: potassium.accession, collectedAt, collector: 'nurse-li' },
            { accession: creatinine.accession, collectedAt, collector: 'nurse-li' },
          ],
          departedAt,
        ),
      );
      expect([...shipped.values()].map((s) => [s.accession, s.status, s.batchId])).toEqual(
        expect.arrayContaining(orders.map((o) => [o.accession, 'in-transit', batchId])),
      );
      expect(shipped.size).toBe(3);
      expect(await batchRows(batchId)).toEqual([
        {
          batch_id: batchId,
          requester_org: 'clinic-a',
          courier: 'courier-wang',
          departed_at: new Date(departedAt),
          received_at: null,
          receiver: null,
        },
      ]);
      for (const order of orders) await specimenEvent(order, 'in-transit');
      // Handing over the same box again is the same shipment.
      const beforeReship = await snapshot(orders, batchId);
      expect(
        await ship(
          batchId,
          [cbc, potassium, creatinine].map((o) => ({ accession: o.accession })),
          departedAt,
        ),
      ).toMatchObject({ ok: true });
      expect(await snapshot(orders, batchId)).toEqual(beforeReship);

      const received = await done(receiveBox(batchId, { receivedAt }));
      expect(received.size).toBe(3);
      for (const order of orders) {
        expect(received.get(order.accession)).toMatchObject({
          status: 'received',
          receiver: 'labtech',
          receivedAt,
          transportMinutes: 20,
        });
        await specimenEvent(order, 'received');
        // Received specimens do not hold their orders.
        expect(await lab.orderStatus(order.orderId)).toBe('accepted');
      }
      expect(
        (await specimenRows(orders)).map((row) => [row.status, row.received_at, row.batch_id]),
      ).toEqual(orders.map(() => ['received', new Date(receivedAt), batchId]));
      expect(await batchRows(batchId)).toMatchObject([
        { received_at: new Date(receivedAt), receiver: 'labtech' },
      ]);

      const before = await snapshot(orders, batchId);
      const rescanned = await done(
        receiveBox(batchId, {
          receiver: 'labtech2',
          rejections: [{ accession: potassium.accession, reason: 'haemolysed' }],
        }),
      );
      expect([...rescanned.values()].map((s) => [s.status, s.receiver, s.receivedAt])).toEqual(
        orders.map(() => ['received', 'labtech', receivedAt]),
      );
      expect(await snapshot(orders, batchId)).toEqual(before);
      for (const order of orders) {
        expect(await jobsFor(lab.queues.taskEvents, order.orderId)).toHaveLength(1);
      }
    });
  });

  describe('rejections', () => {
    it.each<SpecimenRejectionReason>([
      'haemolysed',
      'clotted',
      'insufficient-volume',
      'wrong-container',
      'unlabelled',
    ])(
      'rejects a specimen the receiver finds %s, holds its order and refuses its results; the rest of the box is received',
      async (reason) => {
        const bad = await receivedOrder();
        const good = await receivedOrder();
        const batchId = await shippedBox([bad, good]);

        const reply = await done(
          receiveBox(batchId, {
            rejections: [{ accession: bad.accession, reason, note: 'seen at reception' }],
          }),
        );
        expect(reply.get(bad.accession)).toMatchObject({
          status: 'rejected',
          rejectionReason: reason,
          rejectionNote: 'seen at reception',
        });
        expect(reply.get(good.accession)).toMatchObject({ status: 'received' });

        await expectRejected(bad, reason);
        expect(await lab.orderStatus(good.orderId)).toBe('accepted');
        expect(await jobsFor(lab.queues.taskEvents, good.orderId)).toHaveLength(1);
        expect(await submitResults(good)).toMatchObject({ ok: true, status: 'preliminary' });
      },
    );

    it('rejects a serum-k specimen collected 45 minutes before receipt for its transport time', async () => {
      const late = await receivedOrder({ code: '2823-3' });
      const inTime = await receivedOrder({ code: '2823-3' });
      const receivedAt = new Date();
      const before = (minutes: number) =>
        new Date(receivedAt.getTime() - minutes * 60_000).toISOString();
      const batchId = makeBatchId();
      await done(
        ship(
          batchId,
          [
            { accession: late.accession, collectedAt: before(45), collector: 'nurse-li' },
            { accession: inTime.accession, collectedAt: before(25), collector: 'nurse-li' },
          ],
          before(20),
        ),
      );

      const reply = await done(receiveBox(batchId, { receivedAt: receivedAt.toISOString() }));
      expect(reply.get(late.accession)).toMatchObject({
        status: 'rejected',
        rejectionReason: 'transport-time-exceeded',
        rejectionNote: expect.stringContaining(
          '45 min exceeds the 30 min limit for serum-k',
        ) as unknown,
        transportMinutes: 45,
        transportLimitMinutes: 30,
      });
      expect(reply.get(inTime.accession)).toMatchObject({
        status: 'received',
        transportMinutes: 25,
      });
      await expectRejected(late, 'transport-time-exceeded');
      expect(await lab.orderStatus(inTime.orderId)).toBe('accepted');
    });

    it('rejects a received specimen found haemolysed later (specimen.reject), once', async () => {
      const order = await receivedOrder();
      await done(collect(order, minutesAgo(30)));
      await done(
        command(MessageNames.SpecimenReceive, { accession: order.accession, receiver: 'labtech' }),
      );
      await specimenEvent(order, 'received');

      const reject = (reason: string) =>
        command(MessageNames.SpecimenReject, {
          accession: order.accession,
          receiver: 'labtech',
          reason,
        });
      expect((await done(reject('haemolysed'))).get(order.accession)).toMatchObject({
        status: 'rejected',
        rejectionReason: 'haemolysed',
      });
      await expectRejected(order, 'haemolysed');

      const before = await snapshot([order]);
      expect(await reject('haemolysed')).toMatchObject({ ok: true });
      expect(await reject('clotted')).toMatchObject({ ok: false, status: 409 });
      expect(await snapshot([order])).toEqual(before);
    });
  });

  describe('bad input changes nothing', () => {
    it("answers 404 to a box with another clinic's specimen", async () => {
      const own = await receivedOrder();
      const theirs = await receivedOrder({ requesterOrgId: 'clinic-b' });
      await done(collect(own, minutesAgo(20)));
      await done(collect(theirs, minutesAgo(20)));
      const batchId = makeBatchId();
      const before = await snapshot([own, theirs], batchId);

      expect(
        await ship(
          batchId,
          [{ accession: own.accession }, { accession: theirs.accession }],
          minutesAgo(10),
        ),
      ).toMatchObject({
        ok: false,
        status: 404,
        diagnostics: expect.stringContaining(theirs.accession) as unknown,
        expression: ['specimens[1].accession'],
      });
      expect(await snapshot([own, theirs], batchId)).toEqual(before);
    });

    it('answers 422 to a box with a specimen not collected', async () => {
      const collected = await receivedOrder();
      const notCollected = await receivedOrder();
      await done(collect(collected, minutesAgo(20)));
      const batchId = makeBatchId();
      const before = await snapshot([collected, notCollected], batchId);

      expect(
        await ship(
          batchId,
          [{ accession: collected.accession }, { accession: notCollected.accession }],
          minutesAgo(10),
        ),
      ).toMatchObject({
        ok: false,
        status: 422,
        diagnostics: expect.stringContaining(notCollected.accession) as unknown,
        expression: ['specimens[1].collectedAt'],
      });
      expect(await snapshot([collected, notCollected], batchId)).toEqual(before);
    });

    it('answers 422 to a collection time in the future, recorded or given with the box', async () => {
      const order = await receivedOrder();
      const inAnHour = minutesAgo(-60);
      const batchId = makeBatchId();
      const before = await snapshot([order], batchId);

      expect(await collect(order, inAnHour)).toMatchObject({
        ok: false,
        status: 422,
        diagnostics: expect.stringContaining('in the future') as unknown,
        expression: ['collectedAt'],
      });
      expect(
        await ship(
          batchId,
          [{ accession: order.accession, collectedAt: inAnHour, collector: 'nurse-li' }],
          minutesAgo(0),
        ),
      ).toMatchObject({ ok: false, status: 422, expression: ['specimens[0].collectedAt'] });
      expect(await snapshot([order], batchId)).toEqual(before);
      expect(await specimenRows([order])).toMatchObject([
        { status: 'awaiting-collection', collected_at: null },
      ]);
    });

    it('answers 400 to an unknown rejection reason', async () => {
      const order = await receivedOrder();
      const batchId = await shippedBox([order]);
      const before = await snapshot([order], batchId);

      expect(
        await receiveBox(batchId, {
          rejections: [{ accession: order.accession, reason: 'dropped' }],
        }),
      ).toMatchObject({
        ok: false,
        status: 400,
        diagnostics: expect.stringContaining('haemolysed') as unknown,
        expression: ['rejections[0].reason'],
      });
      expect(
        await command(MessageNames.SpecimenReject, {
          accession: order.accession,
          receiver: 'labtech',
          reason: 'dropped',
        }),
      ).toMatchObject({ ok: false, status: 400, expression: ['reason'] });
      expect(await snapshot([order], batchId)).toEqual(before);
      expect(await specimenRows([order])).toMatchObject([{ status: 'in-transit' }]);
    });
  });

  describe('results waiting for verification', () => {
    it('are not released once their specimen has been rejected', async () => {
      const order = await receivedOrder();
      await done(collect(order, minutesAgo(30)));
      await done(
        command(MessageNames.SpecimenReceive, { accession: order.accession, receiver: 'labtech' }),
      );
      expect(await submitResults(order)).toMatchObject({ ok: true, status: 'preliminary' });

      await done(
        command(MessageNames.SpecimenReject, {
          accession: order.accession,
          receiver: 'labtech',
          reason: 'clotted',
        }),
      );
      expect(await lab.orderStatus(order.orderId)).toBe('on-hold');

      const verified = await lab.send(MessageNames.ReportVerify, {
        orderId: order.orderId,
        verifier: 'labchief',
        traceId: 'trace-v',
      });
      expect(verified).toMatchObject({ ok: false, status: 409 });
      expect(await lab.orderStatus(order.orderId)).toBe('on-hold');
      expect(await jobsFor(lab.queues.results, order.orderId)).toEqual([]);
    });
  });
});
