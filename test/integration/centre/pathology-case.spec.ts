import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { type DataSource } from 'typeorm';
import { CENTRE_CONFIG, CentreOrderService, loadCentreConfig } from '@hub/centre';
import {
  CentreOrderQueue,
  JobNames,
  type OrderRoutePayload,
  type PathologyActor,
  type PathologyBatchReply,
  type PathologyBatchView,
  type PathologyCaseReply,
  type PathologyCaseView,
  type PathologySpecimenInput,
  Queues,
  jobIds,
} from '@hub/contracts';
import { ensureDatabase, migrateAppSchema } from '@hub/persistence';
import { redisOptions } from '@hub/platform';
import { PathologyCentreModule } from '../../../apps/pathology-center/src/app.module';
import { CaseService } from '../../../apps/pathology-center/src/case/case.service';
import * as pathology from '../../../apps/pathology-center/src/data-source';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

/**
 * This file's own Redis prefix: the outbox relays its Task updates there, away from the queues the
 * lab's spec files obliterate. The centre checks REDIS_PREFIX against its configuration when it
 * starts (no message handler listens here, so the prefix need not be set before the import).
 */
const PREFIX = 'hubtest-pathology';
const REDIS_URL = 'redis://127.0.0.1:6379';
const HOUR = 3_600_000;

const clinicA: PathologyActor = { username: 'clinic-a-his', org: 'CLINIC-A', centreStaff: false };
const clinicB: PathologyActor = { username: 'clinic-b-his', org: 'CLINIC-B', centreStaff: false };
const pathologist: PathologyActor = {
  username: 'pathologist-zhao',
  org: 'PATHOLOGY',
  centreStaff: true,
};

const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();

/** A pathology order as the hub routes it (routine histology unless told otherwise). */
function makePathologyOrder(overrides: Partial<OrderRoutePayload> = {}): OrderRoutePayload {
  return {
    orderId: randomUUID(),
    taskId: randomUUID(),
    centre: 'pathology',
    code: 'PATH-HISTO',
    priority: 'routine',
    requesterOrgId: 'CLINIC-A',
    acceptedAt: new Date().toISOString(),
    accessionNumber: `P${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
    traceId: randomUUID(),
    ...overrides,
  };
}

/** A gastric biopsy in formalin, taken `hours` ago and fixed from 10 minutes later. */
function makeFixedSpecimen(hours = 3, site = '胃窦 gastric antrum'): PathologySpecimenInput {
  return {
    site,
    fixative: '10% 中性福尔马林 10% neutral buffered formalin',
    collectedAt: ago(hours),
    fixationStartedAt: ago(hours - 1 / 6),
    container: '标本瓶 specimen jar',
  };
}

describe('pathology specimen → block → slide tracking (real PostgreSQL)', () => {
  let app: INestApplication;
  let db: DataSource;
  let orders: CentreOrderService;
  let cases: CaseService;
  const orderIds: string[] = [];
  const previousPrefix = process.env.REDIS_PREFIX;

  beforeAll(async () => {
    process.env.REDIS_PREFIX = PREFIX;
    await ensureDatabase(TEST_DATABASE_URL);
    await migrateAppSchema(pathology.buildDataSource(TEST_DATABASE_URL), pathology.SCHEMA);
    const moduleRef = await Test.createTestingModule({ imports: [PathologyCentreModule] })
      .overrideProvider(CENTRE_CONFIG)
      .useValue(
        loadCentreConfig('pathology', {
          DATABASE_URL: TEST_DATABASE_URL,
          REDIS_URL,
          REDIS_PREFIX: PREFIX,
          OUTBOX_POLL_MS: '60000',
        }),
      )
      .compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    db = app.get<DataSource>(getDataSourceToken());
    orders = app.get(CentreOrderService);
    cases = app.get(CaseService);
  }, 30_000);

  afterAll(async () => {
    // Cases keep their append-only events; only the outbox rows are this run's to remove.
    if (db)
      await db.query(`DELETE FROM pathology.outbox WHERE payload->>'orderId' = ANY($1)`, [
        orderIds,
      ]);
    await app?.close();
    for (const name of [Queues.HubTaskEvents, CentreOrderQueue.pathology]) {
      const queue = new Queue(name, { connection: redisOptions(REDIS_URL), prefix: PREFIX });
      await queue.obliterate({ force: true });
      await queue.close();
    }
    process.env.REDIS_PREFIX = previousPrefix;
  });

  /** An order the centre has received (its case opened by the order hook). */
  const receivedOrder = async (overrides: Partial<OrderRoutePayload> = {}) => {
    const order = makePathologyOrder(overrides);
    orderIds.push(order.orderId);
    await orders.receive(order);
    return { ...order, caseNumber: order.accessionNumber ?? '' };
  };

  const trace = { traceId: 'trace-pathology' };
  const collect = (order: OrderRoutePayload, specimens: PathologySpecimenInput[], by = clinicA) =>
    cases.collect({ orderId: order.orderId, specimens, by, ...trace });
  const receive = (label: string, acceptDespite?: string, by = pathologist) =>
    cases.receive({ label, ...(acceptDespite ? { acceptDespite } : {}), by, ...trace });
  const reject = (label: string, reason: string) =>
    cases.reject({ label, reason, by: pathologist, ...trace });
  const gross = (
    order: OrderRoutePayload,
    description: string,
    blocks: Array<{ specimenLabel: string; count: number; description?: string }>,
  ) => cases.gross({ orderId: order.orderId, description, blocks, by: pathologist, ...trace });
  const slides = (blockBarcode: string, stains: string[]) =>
    cases.slides({ blockBarcode, stains, by: pathologist, ...trace });
  const ship = (labels: string[], by = clinicA, courier?: string) =>
    cases.ship({ labels, ...(courier ? { courier } : {}), by, ...trace });
  const receiveBox = (
    batchId: string,
    acceptDespite?: Record<string, string>,
    by: PathologyActor = pathologist,
  ) => cases.receiveBox({ batchId, ...(acceptDespite ? { acceptDespite } : {}), by, ...trace });

  /** A command that must succeed: the case it answers with. */
  const done = async (reply: Promise<PathologyCaseReply>): Promise<PathologyCaseView> => {
    const answer = await reply;
    if (!answer.ok) throw new Error(`refused: ${answer.status} ${answer.diagnostics}`);
    return answer.case;
  };

  /** A box command that must succeed: the box it answers with. */
  const boxed = async (reply: Promise<PathologyBatchReply>): Promise<PathologyBatchView> => {
    const answer = await reply;
    if (!answer.ok) throw new Error(`refused: ${answer.status} ${answer.diagnostics}`);
    return answer.batch;
  };

  /** A command that must be refused with `status`: its diagnostics and expression. */
  const refused = async (
    reply: Promise<PathologyCaseReply | PathologyBatchReply>,
    status: number,
  ) => {
    const answer = await reply;
    if (answer.ok) throw new Error(`expected a ${status} refusal, got the case`);
    expect(answer.status).toBe(status);
    return { diagnostics: answer.diagnostics, expression: answer.expression };
  };

  /** Everything a command could change for this order, to compare before and after a refusal. */
  const snapshot = async (orderId: string) => ({
    case: await db.query<unknown[]>(`SELECT * FROM pathology.case WHERE order_id = $1`, [orderId]),
    specimens: await db.query<unknown[]>(
      `SELECT * FROM pathology.specimen WHERE order_id = $1 ORDER BY label`,
      [orderId],
    ),
    blocks: await db.query<unknown[]>(
      `SELECT b.* FROM pathology.block b JOIN pathology.specimen s ON s.label = b.specimen_label
        WHERE s.order_id = $1 ORDER BY b.barcode`,
      [orderId],
    ),
    slides: await db.query<unknown[]>(
      `SELECT sl.* FROM pathology.slide sl
         JOIN pathology.block b ON b.barcode = sl.block_barcode
         JOIN pathology.specimen s ON s.label = b.specimen_label
        WHERE s.order_id = $1 ORDER BY sl.barcode`,
      [orderId],
    ),
    events: await db.query<unknown[]>(
      `SELECT * FROM pathology.case_event WHERE order_id = $1 ORDER BY id`,
      [orderId],
    ),
    order: await db.query<unknown[]>(
      `SELECT status, updated_at FROM pathology.received_order WHERE order_id = $1`,
      [orderId],
    ),
    boxes: await db.query<unknown[]>(
      `SELECT * FROM pathology.batch
        WHERE batch_id IN (SELECT batch_id FROM pathology.specimen WHERE order_id = $1)
        ORDER BY batch_id`,
      [orderId],
    ),
    // A refused shipment opens no box at all.
    boxCount: await db.query<unknown[]>(`SELECT count(*) FROM pathology.batch`),
    // Not relayed_at: the relay may mark an earlier command's rows at any time.
    outbox: await db.query<unknown[]>(
      `SELECT job_id FROM pathology.outbox WHERE payload->>'orderId' = $1 ORDER BY id`,
      [orderId],
    ),
  });

  const unchangedBy = async (orderId: string, refusal: () => Promise<unknown>) => {
    const before = await snapshot(orderId);
    await refusal();
    expect(await snapshot(orderId)).toEqual(before);
  };

  const outboxJob = async (jobId: string) => {
    const rows = await db.query<Array<{ job_name: string; payload: Record<string, unknown> }>>(
      `SELECT job_name, payload FROM pathology.outbox WHERE job_id = $1`,
      [jobId],
    );
    return rows;
  };

  it('opens a case under the case number and tracks collect → receive → gross → slides, found by any barcode', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    const opened = await db.query<Array<{ case_number: string; frozen: boolean }>>(
      `SELECT case_number, frozen FROM pathology.case WHERE order_id = $1`,
      [order.orderId],
    );
    expect(opened).toEqual([{ case_number: n, frozen: false }]);

    const collected = await done(
      collect(order, [makeFixedSpecimen(3), makeFixedSpecimen(3, '胃体 gastric body')]),
    );
    expect(collected.specimens.map((s) => [s.label, s.status, s.collectedBy])).toEqual([
      [`${n}-1`, 'collected', clinicA.username],
      [`${n}-2`, 'collected', clinicA.username],
    ]);
    // A later collection is numbered after the existing specimens.
    const more = await done(collect(order, [makeFixedSpecimen(2, '胃角 gastric angle')]));
    expect(more.specimens.map((s) => s.label)).toEqual([`${n}-1`, `${n}-2`, `${n}-3`]);

    const first = await done(receive(`${n}-1`));
    const received = first.specimens[0];
    expect(received).toMatchObject({ status: 'received', receivedBy: pathologist.username });
    expect(received.fixationHoursAtReceipt).toBeCloseTo(2.8, 1);
    const status = await db.query<unknown[]>(
      `SELECT status FROM pathology.received_order WHERE order_id = $1`,
      [order.orderId],
    );
    expect(status).toEqual([{ status: 'in-progress' }]);
    const started = await outboxJob(jobIds.taskUpdate(order.taskId, 'in-progress'));
    expect(started).toHaveLength(1);
    expect(started[0].job_name).toBe(JobNames.TaskUpdate);
    expect(started[0].payload).toMatchObject({ taskId: order.taskId, status: 'in-progress' });
    await done(receive(`${n}-2`));

    const grossed = await done(
      gross(order, '胃窦黏膜组织3块，直径0.2-0.4 cm，灰白色。', [
        { specimenLabel: `${n}-1`, count: 3, description: '全部取材 entirely submitted' },
        { specimenLabel: `${n}-2`, count: 1 },
      ]),
    );
    expect(grossed.gross).toMatchObject({
      description: '胃窦黏膜组织3块，直径0.2-0.4 cm，灰白色。',
      by: pathologist.username,
    });
    expect(grossed.specimens[0].blocks.map((b) => b.barcode)).toEqual([
      `${n}-1-A`,
      `${n}-1-B`,
      `${n}-1-C`,
    ]);
    expect(grossed.specimens[1].blocks.map((b) => b.barcode)).toEqual([`${n}-2-A`]);
    // Additional sampling (补取材): letters continue, the first description stays.
    const sampled = await done(
      gross(order, '补取材：溃疡边缘 ulcer edge', [{ specimenLabel: `${n}-1`, count: 2 }]),
    );
    expect(sampled.specimens[0].blocks.map((b) => b.barcode.slice(n.length))).toEqual([
      '-1-A',
      '-1-B',
      '-1-C',
      '-1-D',
      '-1-E',
    ]);
    expect(sampled.gross).toEqual(grossed.gross);

    const stained = await done(slides(`${n}-1-A`, ['HE', 'pas', 'IHC:Ki-67']));
    expect(
      stained.specimens[0].blocks[0].slides.map((s) => [s.barcode.slice(n.length), s.stain]),
    ).toEqual([
      ['-1-A-1', 'HE'],
      ['-1-A-2', 'PAS'],
      ['-1-A-3', 'IHC:Ki-67'],
    ]);
    // Deeper levels: numbers continue past 9 in order.
    const levels = await done(slides(`${n}-1-A`, Array<string>(8).fill('HE')));
    const slideNumbers = levels.specimens[0].blocks[0].slides.map((s) => s.barcode.slice(n.length));
    expect(slideNumbers).toEqual(Array.from({ length: 11 }, (_, i) => `-1-A-${i + 1}`));

    // Every barcode kind finds the whole case; a clinic finds only its own.
    for (const barcode of [n, `${n}-2`, `${n}-1-E`, `${n}-1-A-11`])
      expect(await cases.lookup({ barcode })).toEqual(levels);
    expect(await cases.lookup({ barcode: `${n}-9` })).toBeNull();
    expect(await cases.get({ orderId: order.orderId, requesterOrg: 'CLINIC-A' })).toEqual(levels);
    expect(await cases.get({ orderId: order.orderId, requesterOrg: 'CLINIC-B' })).toBeNull();

    expect(levels.specimens[2]).toMatchObject({ label: `${n}-3`, status: 'collected', blocks: [] });
    const times = levels.events.map((e) => e.at);
    expect([...times].sort()).toEqual(times);
    expect(levels.events.map((e) => [e.what.split(':')[0], e.by, e.barcode])).toEqual([
      ['立案 case opened', 'hub', n],
      ['采集 collected', clinicA.username, `${n}-1`],
      ['采集 collected', clinicA.username, `${n}-2`],
      ['采集 collected', clinicA.username, `${n}-3`],
      ['接收 received', pathologist.username, `${n}-1`],
      ['接收 received', pathologist.username, `${n}-2`],
      ['取材 grossed', pathologist.username, n],
      ['补取材 additional sampling', pathologist.username, n],
      ['切片 slides cut', pathologist.username, `${n}-1-A`],
      ['切片 slides cut', pathologist.username, `${n}-1-A`],
    ]);
  });

  it('refuses a collection for another clinic, frozen tissue in formalin and impossible times, changing nothing', async () => {
    const order = await receivedOrder();
    const { diagnostics } = await refused(collect(order, [makeFixedSpecimen()], clinicB), 404);
    expect(diagnostics).toContain(order.orderId);
    await unchangedBy(order.orderId, () =>
      refused(collect(order, [makeFixedSpecimen()], clinicB), 404),
    );
    await unchangedBy(order.orderId, async () => {
      const late = { ...makeFixedSpecimen(3), fixationStartedAt: ago(4) };
      const { expression } = await refused(collect(order, [makeFixedSpecimen(), late]), 422);
      expect(expression).toEqual(['specimens.1.fixationStartedAt']);
    });
    await unchangedBy(order.orderId, () =>
      refused(collect(order, [{ site: '胃窦', fixative: 'none' }]), 422),
    );

    const frozen = await receivedOrder({ code: 'PATH-FROZEN', priority: 'stat' });
    await unchangedBy(frozen.orderId, async () => {
      const { diagnostics: why, expression } = await refused(
        collect(frozen, [makeFixedSpecimen(0.2)]),
        422,
      );
      expect(why).toContain('frozen section');
      expect(expression).toEqual(['specimens.0.fixative']);
    });
    // Fresh tissue is right for a frozen section: its minutes to receipt are recorded, not judged.
    const fresh = await done(
      collect(frozen, [{ site: '乳腺肿物 breast mass', fixative: 'none', collectedAt: ago(0.75) }]),
    );
    const label = fresh.specimens[0].label;
    const arrived = await done(receive(label));
    expect(arrived.frozen).toBe(true);
    expect(arrived.specimens[0].minutesToReceipt).toBeCloseTo(45, 0);
    expect(arrived.events.at(-1)?.what).toMatch(/fresh tissue, 45(\.\d)? min after collection/);
  });

  it('refuses an over-fixed specimen unless a pathologist accepts it despite the problem', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    await done(collect(order, [makeFixedSpecimen(81)]));
    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(receive(`${n}-1`), 422);
      expect(diagnostics).toContain('过度固定');
      expect(diagnostics).toContain('over the 72 h limit (over-fixation)');
      expect(expression).toEqual(['label']);
    });
    const note = '小活检无法重取 a small biopsy cannot be taken again';
    const accepted = await done(receive(`${n}-1`, note));
    expect(accepted.specimens[0]).toMatchObject({ status: 'received', acceptedDespite: note });
    expect(accepted.specimens[0].fixationHoursAtReceipt).toBeCloseTo(80.8, 1);
    const event = accepted.events.at(-1);
    expect(event?.what).toContain('让步接收 received despite');
    expect(event?.what).toContain('over-fixation');
    expect(event?.what).toContain(note);
  });

  it('refuses unknown labels, a double receipt, a clinic receiving, grossing before receipt and bad stains, changing nothing', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    await done(collect(order, [makeFixedSpecimen(), makeFixedSpecimen()]));

    await unchangedBy(order.orderId, () => refused(receive(`${n}-7`), 404));
    await unchangedBy(order.orderId, () => refused(receive(`${n}-1`, undefined, clinicA), 403));
    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(
        gross(order, '灰白组织 grey-white tissue', [{ specimenLabel: `${n}-1`, count: 1 }]),
        409,
      );
      expect(diagnostics).toContain('no specimen');
    });

    await done(receive(`${n}-1`));
    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(receive(`${n}-1`), 409);
      expect(diagnostics).toContain('received already');
      expect(diagnostics).toContain(pathologist.username);
    });
    // Only received specimens are grossed.
    await unchangedBy(order.orderId, () =>
      refused(gross(order, '灰白组织', [{ specimenLabel: `${n}-2`, count: 1 }]), 409),
    );
    await done(gross(order, '灰白组织', [{ specimenLabel: `${n}-1`, count: 1 }]));
    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(slides(`${n}-1-A`, ['HE', 'Magic']), 400);
      expect(diagnostics).toContain("'Magic' is not a stain");
      expect(expression).toEqual(['stains.1']);
    });
    await unchangedBy(order.orderId, () => refused(slides(`${n}-1-A`, ['IHC:']), 400));
    await unchangedBy(order.orderId, () => refused(slides(`${n}-1-Q`, ['HE']), 404));
  });

  it('refuses to work on a cancelled order or one without a case number', async () => {
    const order = await receivedOrder();
    await orders.cancel({ ...order, reason: '患者拒绝手术 patient declined' });
    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(collect(order, [makeFixedSpecimen()]), 409);
      expect(diagnostics).toContain('cancelled');
    });

    const unnumbered = await receivedOrder({ accessionNumber: undefined });
    const opened = await db.query<unknown[]>(`SELECT 1 FROM pathology.case WHERE order_id = $1`, [
      unnumbered.orderId,
    ]);
    expect(opened).toEqual([]);
    const { diagnostics } = await refused(collect(unnumbered, [makeFixedSpecimen()]), 409);
    expect(diagnostics).toContain('no case number');
    expect(await cases.get({ orderId: unnumbered.orderId })).toBeNull();
  });

  it('a rejection puts the Task on hold with the reason, and the specimen can be received no more', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    await done(collect(order, [makeFixedSpecimen()]));
    await unchangedBy(order.orderId, () => refused(reject(`${n}-1`, 'x'), 400));

    const reason = '标本瓶无标签 the jar arrived unlabelled';
    const rejected = await done(reject(`${n}-1`, reason));
    expect(rejected.specimens[0]).toMatchObject({
      status: 'rejected',
      rejectedBy: pathologist.username,
      rejectionReason: reason,
    });
    const held = await outboxJob(jobIds.taskUpdate(order.taskId, 'on-hold'));
    expect(held).toHaveLength(1);
    expect(held[0].job_name).toBe(JobNames.TaskUpdate);
    expect(held[0].payload).toMatchObject({
      orderId: order.orderId,
      taskId: order.taskId,
      centre: 'pathology',
      status: 'on-hold',
    });
    expect(held[0].payload.reason).toContain(`${n}-1`);
    expect(held[0].payload.reason).toContain(reason);

    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(receive(`${n}-1`), 409);
      expect(diagnostics).toContain(`rejected at`);
      expect(diagnostics).toContain(pathologist.username);
      await refused(reject(`${n}-1`, reason), 409);
    });
  });

  it('ships specimens of two cases in a box and receives it in one scan; an over-fixed one stays in transit until taken knowingly', async () => {
    const first = await receivedOrder();
    const second = await receivedOrder();
    const [n, m] = [first.caseNumber, second.caseNumber];
    await done(collect(first, [makeFixedSpecimen(3), makeFixedSpecimen(81, '胃体 gastric body')]));
    await done(collect(second, [makeFixedSpecimen(2, '十二指肠 duodenum')]));

    const courier = '顺丰 SF Express';
    const box = await boxed(ship([`${m}-1`, `${n}-2`, `${n}-1`], clinicA, courier));
    expect(box).toMatchObject({ org: 'CLINIC-A', shippedBy: clinicA.username, courier });
    expect(box.batchId).toMatch(/^PB\d{12}$/);
    expect(box.receivedAt).toBeUndefined();
    expect(box.specimens.map((s) => [s.label, s.status])).toEqual(
      [
        [`${n}-1`, 'in-transit'],
        [`${n}-2`, 'in-transit'],
        [`${m}-1`, 'in-transit'],
      ].sort((a, b) => a[0].localeCompare(b[0])),
    );
    const shipped = await cases.get({ orderId: first.orderId });
    expect(shipped?.specimens.map((s) => [s.status, s.batchId])).toEqual([
      ['in-transit', box.batchId],
      ['in-transit', box.batchId],
    ]);
    expect(shipped?.specimens[0].shippedAt).toBe(box.shippedAt);
    expect(shipped?.events.slice(-2).map((e) => [e.what, e.by, e.barcode])).toEqual([
      [`运送 shipped in box ${box.batchId} (courier ${courier})`, clinicA.username, `${n}-1`],
      [`运送 shipped in box ${box.batchId} (courier ${courier})`, clinicA.username, `${n}-2`],
    ]);
    // The hub is told once per case, and re-reads the case.
    const moved = await outboxJob(
      jobIds.specimenUpdate(`${n}-1`, 'in-transit', new Date(box.shippedAt)),
    );
    expect(moved).toHaveLength(1);
    expect(moved[0].payload).toMatchObject({
      accession: n,
      orderId: first.orderId,
      centre: 'pathology',
      status: 'in-transit',
    });
    expect(
      await outboxJob(jobIds.specimenUpdate(`${m}-1`, 'in-transit', new Date(box.shippedAt))),
    ).toHaveLength(1);

    // One scan: the two good specimens are received, the over-fixed one stays, with its reason.
    const scanned = await boxed(receiveBox(box.batchId));
    expect(scanned).toMatchObject({ batchId: box.batchId, receivedBy: pathologist.username });
    const byLabel = new Map(scanned.specimens.map((s) => [s.label, s]));
    expect(byLabel.get(`${n}-1`)).toEqual({
      label: `${n}-1`,
      orderId: first.orderId,
      status: 'received',
    });
    expect(byLabel.get(`${m}-1`)?.status).toBe('received');
    expect(byLabel.get(`${n}-2`)?.status).toBe('in-transit');
    expect(byLabel.get(`${n}-2`)?.refusal).toContain('over-fixation');
    for (const order of [first, second]) {
      const started = await outboxJob(jobIds.taskUpdate(order.taskId, 'in-progress'));
      expect(started).toHaveLength(1);
      expect(started[0].payload).toMatchObject({ orderId: order.orderId, status: 'in-progress' });
    }
    const received = await cases.get({ orderId: first.orderId });
    expect(received?.specimens.map((s) => s.status)).toEqual(['received', 'in-transit']);
    expect(received?.events.at(-1)).toMatchObject({ by: pathologist.username, barcode: `${n}-1` });
    expect(received?.events.at(-1)?.what).toMatch(/^接收 received: .*运输箱 box PB\d{12}$/);

    // A reason for a specimen that is not in the box is refused; then the over-fixed one is taken.
    await unchangedBy(first.orderId, async () => {
      const { expression } = await refused(
        receiveBox(box.batchId, { [`${n}-9`]: '小活检 small biopsy' }),
        422,
      );
      expect(expression).toEqual([`acceptDespite.${n}-9`]);
    });
    const note = '小活检无法重取 a small biopsy cannot be taken again';
    const taken = await boxed(receiveBox(box.batchId, { [`${n}-2`]: note }));
    expect(taken.specimens.every((s) => s.status === 'received' && !s.refusal)).toBe(true);
    // The box was received with its first specimens taken.
    expect(taken.receivedAt).toBe(scanned.receivedAt);
    const all = await cases.get({ orderId: first.orderId });
    expect(all?.specimens[1]).toMatchObject({ status: 'received', acceptedDespite: note });
    expect(all?.events.at(-1)?.what).toContain('让步接收 received despite');
    expect(await outboxJob(jobIds.taskUpdate(first.taskId, 'in-progress'))).toHaveLength(1);

    // Fully received: a further scan is refused.
    await unchangedBy(first.orderId, async () => {
      const { diagnostics } = await refused(receiveBox(box.batchId), 409);
      expect(diagnostics).toContain('received already');
    });
  });

  it('refuses a box of another clinic’s or already shipped specimens, an unknown box and a clinic receiving one, changing nothing', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    await done(collect(order, [makeFixedSpecimen(), makeFixedSpecimen(), makeFixedSpecimen()]));

    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(ship([`${n}-1`], clinicB), 404);
      expect(diagnostics).toContain(`${n}-1`);
      expect(expression).toEqual(['labels.0']);
    });
    await unchangedBy(order.orderId, () => refused(ship([`${n}-1`, `${n}-1`]), 400));
    await unchangedBy(order.orderId, () => refused(ship([`${n}-1`, `${n}-8`]), 404));
    await unchangedBy(order.orderId, () => refused(ship([]), 400));

    // The centre's staff may ship for the clinic, one clinic per box.
    const theirs = await receivedOrder({ requesterOrgId: 'CLINIC-B' });
    await done(collect(theirs, [makeFixedSpecimen()], clinicB));
    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(
        ship([`${n}-1`, `${theirs.caseNumber}-1`], pathologist),
        422,
      );
      expect(diagnostics).toContain("one clinic's specimens");
      expect(expression).toEqual(['labels.1']);
    });
    const box = await boxed(ship([`${n}-1`], pathologist));
    expect(box).toMatchObject({ org: 'CLINIC-A', shippedBy: pathologist.username });
    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(ship([`${n}-2`, `${n}-1`]), 409);
      expect(diagnostics).toContain(`shipped already, in box ${box.batchId}`);
      expect(expression).toEqual(['labels.1']);
    });

    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(receiveBox('PB000101999999'), 404);
      expect(diagnostics).toContain('PB000101999999');
    });
    await unchangedBy(order.orderId, () =>
      refused(receiveBox(box.batchId, undefined, clinicA), 403),
    );

    // An in-transit specimen is received by its label, or rejected, like a collected one.
    const second = await boxed(ship([`${n}-2`, `${n}-3`]));
    const one = await done(receive(`${n}-2`));
    expect(one.specimens[1]).toMatchObject({ status: 'received', batchId: second.batchId });
    expect(one.events.at(-1)?.what).toContain(`运输箱 box ${second.batchId}`);
    const reason = '容器破损 the jar arrived broken';
    const gone = await done(reject(`${n}-3`, reason));
    expect(gone.specimens[2]).toMatchObject({ status: 'rejected', rejectionReason: reason });
    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(receiveBox(second.batchId), 409);
      expect(diagnostics).toContain('one by one');
    });
  });

  it('refuses to ship or receive the specimens of a cancelled order', async () => {
    const order = await receivedOrder();
    const n = order.caseNumber;
    await done(collect(order, [makeFixedSpecimen(), makeFixedSpecimen()]));
    const box = await boxed(ship([`${n}-1`]));
    await orders.cancel({ ...order, reason: '患者拒绝手术 patient declined' });
    await unchangedBy(order.orderId, async () => {
      const { diagnostics, expression } = await refused(ship([`${n}-2`]), 409);
      expect(diagnostics).toContain('cancelled');
      expect(expression).toEqual(['labels.0']);
    });
    await unchangedBy(order.orderId, async () => {
      const { diagnostics } = await refused(receiveBox(box.batchId), 409);
      expect(diagnostics).toContain(`nothing in box ${box.batchId} was received`);
      expect(diagnostics).toContain('cancelled');
    });
  });
});
