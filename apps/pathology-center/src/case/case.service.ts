import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { z } from 'zod';
import {
  type CentreRefusal,
  JobNames,
  type PathologyBatchReply,
  type PathologyCaseReply,
  type PathologyCaseView,
  Queues,
  jobIds,
} from '@hub/contracts';
import {
  CentreOrder,
  type CentreOrderStatus,
  CentreOutboxService,
  MAX_TEXT,
  type OutboxEnqueue,
  enqueueTaskUpdate,
  parseRequest,
  refuse,
} from '@hub/centre';
import {
  PathologyBatch,
  PathologyBlock,
  PathologyCase,
  PathologyCaseEvent,
  PathologySlide,
  PathologySpecimen,
} from './case.entity';
import {
  CLOCK_SKEW_MS,
  MAX_BOX_SPECIMENS,
  STAIN_FORMS,
  batchIdOf,
  batchView,
  blockLetters,
  byNumbering,
  caseView,
  isFresh,
  receiptNote,
  receiptProblems,
  stainOf,
} from './case.rules';

const text = (what: string, max: number, min = 1) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(min, min === 1 ? `${what} is required` : `${what} must be at least ${min} characters`)
    .max(max, `${what} must be at most ${max} characters`);

const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO date-time with a time zone` });

/** Who acts, as the gateway authenticated them. */
const actor = z.object(
  {
    username: text('by.username', 128),
    org: text('by.org', 64),
    centreStaff: z.boolean({ error: 'by.centreStaff must be true or false' }),
  },
  { error: 'by is required: { username, org, centreStaff }' },
);
const traceId = z.string({ error: 'traceId is required' }).min(1).max(128);
const orderId = text('orderId (the order)', 128);
const barcode = (what: string) => text(what, 64);

const collectRequest = z.object({
  orderId,
  specimens: z
    .array(
      z.object({
        site: text('site (取材部位)', 200),
        fixative: text("fixative ('none' for fresh tissue)", 100),
        fixationStartedAt: instant('fixationStartedAt').optional(),
        collectedAt: instant('collectedAt').optional(),
        container: text('container', 100).optional(),
      }),
      { error: 'specimens must be a list of specimens' },
    )
    .min(1, 'specimens must list at least one specimen')
    .max(20, 'at most 20 specimens are recorded at a time'),
  by: actor,
  traceId,
});

const receiveRequest = z.object({
  label: barcode('label (the specimen barcode)'),
  acceptDespite: text(
    'acceptDespite (why the specimen is received all the same)',
    500,
    2,
  ).optional(),
  by: actor,
  traceId,
});

const shipRequest = z.object({
  labels: z
    .array(barcode('label (a specimen barcode)'), {
      error: 'labels must be a list of specimen labels',
    })
    .min(1, 'labels must list at least one specimen')
    .max(MAX_BOX_SPECIMENS, `a box holds at most ${MAX_BOX_SPECIMENS} specimens`),
  courier: text('courier', 100).optional(),
  by: actor,
  traceId,
});

const boxReceiveRequest = z.object({
  batchId: barcode('batchId (the transport box)'),
  acceptDespite: z
    .record(
      barcode('acceptDespite label'),
      text('acceptDespite (why the specimen is received all the same)', 500, 2),
      { error: 'acceptDespite must map specimen labels to why each is received all the same' },
    )
    .refine((given) => Object.keys(given).length <= MAX_BOX_SPECIMENS, {
      error: `acceptDespite names at most ${MAX_BOX_SPECIMENS} specimens`,
    })
    .optional(),
  by: actor,
  traceId,
});

const rejectRequest = z.object({
  label: barcode('label (the specimen barcode)'),
  reason: text('reason (why the specimen is rejected)', 500, 2),
  by: actor,
  traceId,
});

const grossRequest = z.object({
  orderId,
  description: text('description (大体描述)', MAX_TEXT),
  blocks: z
    .array(
      z.object({
        specimenLabel: barcode('specimenLabel'),
        count: z
          .number({ error: 'count (blocks cut from the specimen) must be a number' })
          .int('count must be a whole number')
          .min(1, 'count must be at least 1')
          .max(26, 'count must be at most 26'),
        description: text('description (of the blocks)', 500).optional(),
      }),
      { error: 'blocks must be a list of { specimenLabel, count, description? }' },
    )
    .min(1, 'blocks must list the blocks cut from at least one specimen')
    .max(20, 'blocks lists at most 20 specimens'),
  by: actor,
  traceId,
});

const slidesRequest = z.object({
  blockBarcode: barcode('blockBarcode'),
  stains: z
    .array(text('stain', 64), { error: 'stains must be a list of stains' })
    .min(1, 'stains must list at least one stain')
    .max(20, 'at most 20 slides are cut at a time'),
  by: actor,
  traceId,
});

const getRequest = z.object({
  orderId,
  requesterOrg: z.string().min(1).max(64).optional(),
});

const lookupRequest = z.object({ barcode: barcode('barcode') });

/** An order and its case, locked for a command's transaction. */
interface LockedCase {
  order_id: string;
  task_id: string;
  status: CentreOrderStatus;
  requester_org_id: string;
  case_number: string | null;
  gross_description: string | null;
  frozen: boolean | null;
}

type Actor = z.output<typeof actor>;

/**
 * Specimen → block → slide tracking at the pathology centre (病理标本追踪). The clinic records the
 * specimens it took for its order (labelled under the case number) and may ship them in a
 * transport box (运输箱), as it does for the lab; the centre receives each by scanning its label, or
 * a whole box in one scan, after checks of its fixation (a pathologist may take a failing one all
 * the same, saying why: tissue cannot be taken twice), or rejects it, which puts the order's Task
 * on hold with the reason; grossing cuts blocks from the received specimens and slides are cut
 * from blocks, one per stain. Every command runs in one transaction with its outbox jobs, records
 * who and when in the case's events, and answers with the whole case (a box command, with the
 * box); a refused command changes nothing.
 */
@Injectable()
export class CaseService {
  private readonly logger = new Logger(CaseService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  /** The clinic records the specimens it took (for its own order; the centre's staff for any). */
  async collect(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(collectRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, specimens, by, traceId } = parsed.value;
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const order = await this.lockCase(manager, orderId);
      if (!order || (!by.centreStaff && order.requester_org_id !== by.org))
        return notKnown(orderId);
      const closed = closedOrder(order, 'collect');
      if (closed) return closed;
      if (!order.case_number) return noCase(orderId);
      const now = new Date();
      const times: Array<{ collectedAt: Date; fixationStartedAt: Date | null }> = [];
      for (const [i, specimen] of specimens.entries()) {
        const checked = collectionTimes(specimen, order.frozen === true, now, `specimens.${i}`);
        if ('ok' in checked) return checked;
        times.push(checked);
      }
      const count = await manager.countBy(PathologySpecimen, { orderId });
      for (const [i, specimen] of specimens.entries()) {
        const label = `${order.case_number}-${count + i + 1}`;
        await manager.insert(PathologySpecimen, {
          label,
          orderId,
          site: specimen.site,
          container: specimen.container ?? null,
          fixative: specimen.fixative,
          fixationStartedAt: times[i].fixationStartedAt,
          collectedAt: times[i].collectedAt,
          collectedBy: by.username,
          status: 'collected',
        });
        await this.event(manager, orderId, now, by, `采集 collected: ${specimen.site}`, label);
      }
      await specimenMoved(
        enqueue,
        order,
        `${order.case_number}-${count + 1}`,
        'collected',
        now,
        traceId,
      );
      return this.replyWith(manager, orderId);
    });
    this.logOutcome(reply, 'specimens collected', { orderId, count: specimens.length, traceId });
    return reply;
  }

  /**
   * Receipt by scanning the label of a specimen collected or in transit: the checks of
   * {@link receiveLocked}.
   */
  async receive(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(receiveRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { label, acceptDespite, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('receive specimens');
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const found = await this.lockSpecimen(manager, label);
      if ('ok' in found) return found;
      const refused = await this.receiveLocked(manager, enqueue, found.order, found.specimen, {
        acceptDespite,
        by,
        traceId,
        at: new Date(),
      });
      return refused ?? this.replyWith(manager, found.order.order_id);
    });
    this.logOutcome(reply, 'specimen received', {
      label,
      acceptedDespite: acceptDespite !== undefined,
      traceId,
    });
    return reply;
  }

  /**
   * The clinic ships collected specimens of its own open orders in a new transport box (the
   * centre's staff may ship for a clinic, one clinic per box). All or nothing: each specimen goes
   * `in-transit` with the box, and the hub is told per case.
   */
  async ship(request: unknown): Promise<PathologyBatchReply> {
    const parsed = parseRequest(shipRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { labels, courier, by, traceId } = parsed.value;
    for (const [i, label] of labels.entries())
      if (labels.indexOf(label) !== i)
        return refuse(400, `specimen ${label} is listed twice`, `labels.${i}`);
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const owners = await manager.find(PathologySpecimen, {
        where: { label: In(labels) },
        select: { label: true, orderId: true },
      });
      const orders = await this.lockCases(manager, owners);
      // Read again under the locks: another command may have moved them meanwhile.
      const specimens = await manager.findBy(PathologySpecimen, { label: In(labels) });
      let org: string | undefined;
      for (const [i, label] of labels.entries()) {
        const field = `labels.${i}`;
        const specimen = specimens.find((s) => s.label === label);
        const order = specimen && orders.get(specimen.orderId);
        if (!specimen || !order || (!by.centreStaff && order.requester_org_id !== by.org))
          return refuse(
            404,
            `no specimen ${label} is known to the pathology centre (or it is not of your organisation's orders)`,
            field,
          );
        const closed = closedOrder(order, 'ship');
        if (closed) return refuse(closed.status, closed.diagnostics, field);
        if (specimen.status !== 'collected') return alreadyDone(specimen, field);
        if (org !== undefined && order.requester_org_id !== org)
          return refuse(
            422,
            `a box carries one clinic's specimens: ${label} is of an order of ${order.requester_org_id}, the box's others of ${org}`,
            field,
          );
        org = order.requester_org_id;
      }
      const now = new Date();
      const [{ n }] = await manager.query<Array<{ n: string }>>(
        `SELECT nextval('pathology.batch_seq')::text AS n`,
      );
      const batchId = batchIdOf(now, n);
      await manager.insert(PathologyBatch, {
        batchId,
        org: org ?? by.org,
        shippedBy: by.username,
        shippedAt: now,
        courier: courier ?? null,
        receivedAt: null,
        receivedBy: null,
      });
      await manager.update(
        PathologySpecimen,
        { label: In(labels) },
        { status: 'in-transit', batchId, shippedAt: now },
      );
      const what = `运送 shipped in box ${batchId}${courier ? ` (courier ${courier})` : ''}`;
      const shipped = [...specimens].sort((a, b) => byNumbering(a.label, b.label));
      for (const specimen of shipped)
        await this.event(manager, specimen.orderId, now, by, what, specimen.label);
      // The hub re-reads the whole case: one update per case in the box.
      for (const order of orders.values()) {
        const first = shipped.find((s) => s.orderId === order.order_id);
        if (first) await specimenMoved(enqueue, order, first.label, 'in-transit', now, traceId);
      }
      return this.boxReply(manager, batchId);
    });
    this.logBox(reply, 'box shipped', { count: labels.length, traceId });
    return reply;
  }

  /**
   * The centre receives a whole box in one scan: each specimen still in transit goes through the
   * checks of a single receipt ({@link receiveLocked}); one that fails stays in transit and is
   * listed with its reason, unless `acceptDespite` names it. The box is received with its first
   * specimen taken; a scan that can take none is refused and changes nothing.
   */
  async receiveBox(request: unknown): Promise<PathologyBatchReply> {
    const parsed = parseRequest(boxReceiveRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { batchId, acceptDespite = {}, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('receive boxes');
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const batch = await manager.findOne(PathologyBatch, {
        where: { batchId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!batch)
        return refuse(
          404,
          `no transport box ${batchId} is known to the pathology centre`,
          'batchId',
        );
      const owners = await manager.find(PathologySpecimen, {
        where: { batchId },
        select: { label: true, orderId: true },
      });
      for (const label of Object.keys(acceptDespite))
        if (!owners.some((s) => s.label === label))
          return refuse(
            422,
            `specimen ${label} is not in box ${batchId}`,
            `acceptDespite.${label}`,
          );
      const orders = await this.lockCases(manager, owners);
      const waiting = (
        await manager.findBy(PathologySpecimen, { batchId, status: 'in-transit' })
      ).sort((a, b) => byNumbering(a.label, b.label));
      if (waiting.length === 0)
        return refuse(
          409,
          batch.receivedAt
            ? `box ${batchId} was received already, at ${batch.receivedAt.toISOString()} by ${batch.receivedBy}: nothing in it is in transit any more`
            : `nothing in box ${batchId} is in transit any more: its specimens were received or rejected one by one`,
          'batchId',
        );
      const at = new Date();
      const refusals = new Map<string, CentreRefusal>();
      for (const specimen of waiting) {
        const order = orders.get(specimen.orderId);
        // Every specimen's order was locked above: a missing one is a fault, not a refusal.
        if (!order) throw new Error(`order ${specimen.orderId} of box ${batchId} vanished`);
        const refused = await this.receiveLocked(manager, enqueue, order, specimen, {
          acceptDespite: acceptDespite[specimen.label],
          by,
          traceId,
          at,
        });
        if (refused) refusals.set(specimen.label, refused);
      }
      if (refusals.size === waiting.length) {
        const statuses = new Set([...refusals.values()].map((r) => r.status));
        return refuse(
          statuses.size === 1 ? [...statuses][0] : 422,
          `nothing in box ${batchId} was received: ${[...refusals].map(([label, r]) => `${label}: ${r.diagnostics}`).join('; ')}`,
          'batchId',
        );
      }
      if (!batch.receivedAt)
        await manager.update(
          PathologyBatch,
          { batchId },
          { receivedAt: at, receivedBy: by.username },
        );
      return this.boxReply(
        manager,
        batchId,
        new Map([...refusals].map(([label, refused]) => [label, refused.diagnostics])),
      );
    });
    this.logBox(reply, 'box received', {
      batchId,
      acceptedDespite: Object.keys(acceptDespite).length,
      traceId,
    });
    return reply;
  }

  /**
   * The centre rejects a specimen (collected, in transit or received, not yet grossed): the
   * order's Task goes on hold with the reason, which the hub tells the clinic (Task.statusReason
   * and an HL7 status message).
   */
  async reject(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(rejectRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { label, reason, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('reject specimens');
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const found = await this.lockSpecimen(manager, label);
      if ('ok' in found) return found;
      const { order, specimen } = found;
      const closed = closedOrder(order, 'reject');
      if (closed) return closed;
      if (specimen.status === 'rejected') return alreadyDone(specimen);
      if (specimen.status === 'received') {
        const blocks = await manager.countBy(PathologyBlock, { specimenLabel: label });
        if (blocks > 0)
          return refuse(
            409,
            `specimen ${label} has been grossed (${blocks} block(s) cut): it can no longer be rejected`,
            'label',
          );
      }
      const now = new Date();
      await manager.update(
        PathologySpecimen,
        { label },
        { status: 'rejected', rejectedAt: now, rejectedBy: by.username, rejectionReason: reason },
      );
      await this.event(manager, order.order_id, now, by, `拒收 rejected: ${reason}`, label);
      await specimenMoved(enqueue, order, label, 'rejected', now, traceId);
      await enqueueTaskUpdate(
        enqueue,
        { orderId: order.order_id, taskId: order.task_id },
        'pathology',
        'on-hold',
        traceId,
        {
          at: now,
          reason: `病理标本${label}拒收，请重新送检 Specimen ${label} rejected, please send another: ${reason}`,
        },
      );
      return this.replyWith(manager, order.order_id);
    });
    this.logOutcome(reply, 'specimen rejected', { label, traceId });
    return reply;
  }

  /**
   * Grossing (取材): blocks cut from received specimens, lettered after the specimen's existing
   * blocks. The gross description (大体描述) is written by the first grossing and never replaced: a
   * later grossing is additional sampling (补取材), whose description is kept in its event.
   */
  async gross(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(grossRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, description, blocks, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('gross specimens');
    const reply = await this.outbox.transaction(async (manager) => {
      const order = await this.lockCase(manager, orderId);
      if (!order) return notKnown(orderId);
      const closed = closedOrder(order, 'gross');
      if (closed) return closed;
      if (!order.case_number) return noCase(orderId);
      const specimens = await manager.findBy(PathologySpecimen, { orderId });
      if (!specimens.some((s) => s.status === 'received'))
        return refuse(
          409,
          `nothing to gross: no specimen of case ${order.case_number} has been received`,
          'orderId',
        );
      for (const [i, entry] of blocks.entries()) {
        const field = `blocks.${i}.specimenLabel`;
        if (blocks.findIndex((b) => b.specimenLabel === entry.specimenLabel) !== i)
          return refuse(400, `specimen ${entry.specimenLabel} is listed twice`, field);
        const specimen = specimens.find((s) => s.label === entry.specimenLabel);
        if (!specimen)
          return refuse(
            422,
            `${entry.specimenLabel} is not a specimen of case ${order.case_number}`,
            field,
          );
        if (specimen.status !== 'received')
          return refuse(
            409,
            `specimen ${specimen.label} is ${specimen.status}: only received specimens are grossed`,
            field,
          );
      }
      const now = new Date();
      const existing = await manager.findBy(PathologyBlock, {
        specimenLabel: In(blocks.map((b) => b.specimenLabel)),
      });
      const cut: string[] = [];
      for (const entry of blocks) {
        const first = existing.filter((b) => b.specimenLabel === entry.specimenLabel).length;
        for (let n = 0; n < entry.count; n++) {
          const barcode = `${entry.specimenLabel}-${blockLetters(first + n)}`;
          await manager.insert(PathologyBlock, {
            barcode,
            specimenLabel: entry.specimenLabel,
            description: entry.description ?? null,
            createdBy: by.username,
            createdAt: now,
          });
          cut.push(barcode);
        }
      }
      const first = order.gross_description === null;
      if (first)
        await manager.update(
          PathologyCase,
          { orderId },
          { grossDescription: description, grossedBy: by.username, grossedAt: now },
        );
      await this.event(
        manager,
        orderId,
        now,
        by,
        first
          ? `取材 grossed: ${cut.length} block(s) ${cut.join(', ')}`
          : `补取材 additional sampling: ${cut.length} block(s) ${cut.join(', ')}; ${description}`,
        order.case_number,
      );
      return this.replyWith(manager, orderId);
    });
    this.logOutcome(reply, 'case grossed', { orderId, traceId });
    return reply;
  }

  /** Slides cut from a block, one per stain, numbered after the block's existing slides. */
  async slides(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(slidesRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { blockBarcode, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('cut slides');
    const stains: string[] = [];
    for (const [i, given] of parsed.value.stains.entries()) {
      const stain = stainOf(given);
      if (!stain)
        return refuse(400, `'${given}' is not a stain: use ${STAIN_FORMS}`, `stains.${i}`);
      stains.push(stain);
    }
    const reply = await this.outbox.transaction(async (manager) => {
      const owner = await manager.query<Array<{ order_id: string }>>(
        `SELECT s.order_id FROM pathology.block b
           JOIN pathology.specimen s ON s.label = b.specimen_label
          WHERE b.barcode = $1`,
        [blockBarcode],
      );
      const order = owner[0] && (await this.lockCase(manager, owner[0].order_id));
      if (!order)
        return refuse(
          404,
          `no block ${blockBarcode} is known to the pathology centre`,
          'blockBarcode',
        );
      const closed = closedOrder(order, 'slides');
      if (closed) return closed;
      const now = new Date();
      const count = await manager.countBy(PathologySlide, { blockBarcode });
      const cut: string[] = [];
      for (const [i, stain] of stains.entries()) {
        const barcode = `${blockBarcode}-${count + i + 1}`;
        await manager.insert(PathologySlide, {
          barcode,
          blockBarcode,
          stain,
          createdBy: by.username,
          createdAt: now,
        });
        cut.push(`${barcode} ${stain}`);
      }
      await this.event(
        manager,
        order.order_id,
        now,
        by,
        `切片 slides cut: ${cut.join(', ')}`,
        blockBarcode,
      );
      return this.replyWith(manager, order.order_id);
    });
    this.logOutcome(reply, 'slides cut', { blockBarcode, count: stains.length, traceId });
    return reply;
  }

  /** A case's whole chain, or null (also when `requesterOrg` is given and did not order it). */
  async get(request: unknown): Promise<PathologyCaseView | null> {
    const parsed = getRequest.safeParse(request ?? {});
    if (!parsed.success) return null;
    return this.view(this.dataSource.manager, parsed.data.orderId, parsed.data.requesterOrg);
  }

  /** The case any barcode belongs to (case number, specimen label, block or slide), or null. */
  async lookup(request: unknown): Promise<PathologyCaseView | null> {
    const parsed = lookupRequest.safeParse(request ?? {});
    if (!parsed.success) return null;
    const rows = await this.dataSource.query<Array<{ order_id: string }>>(
      `SELECT order_id FROM pathology.case WHERE case_number = $1
       UNION ALL
       SELECT order_id FROM pathology.specimen WHERE label = $1
       UNION ALL
       SELECT s.order_id FROM pathology.block b
         JOIN pathology.specimen s ON s.label = b.specimen_label WHERE b.barcode = $1
       UNION ALL
       SELECT s.order_id FROM pathology.slide sl
         JOIN pathology.block b ON b.barcode = sl.block_barcode
         JOIN pathology.specimen s ON s.label = b.specimen_label WHERE sl.barcode = $1
       LIMIT 1`,
      [parsed.data.barcode],
    );
    return rows[0] ? this.view(this.dataSource.manager, rows[0].order_id) : null;
  }

  /** The case as it stands, read with `manager` (a command's transaction or the pool). */
  private async view(
    manager: EntityManager,
    orderId: string,
    requesterOrg?: string,
  ): Promise<PathologyCaseView | null> {
    const order = await manager.findOneBy(CentreOrder, {
      orderId,
      ...(requesterOrg ? { requesterOrgId: requesterOrg } : {}),
    });
    const found = order && (await manager.findOneBy(PathologyCase, { orderId }));
    if (!order || !found) return null;
    const specimens = await manager.findBy(PathologySpecimen, { orderId });
    const blocks = specimens.length
      ? await manager.findBy(PathologyBlock, { specimenLabel: In(specimens.map((s) => s.label)) })
      : [];
    const slides = blocks.length
      ? await manager.findBy(PathologySlide, { blockBarcode: In(blocks.map((b) => b.barcode)) })
      : [];
    const events = await manager.findBy(PathologyCaseEvent, { orderId });
    return caseView({ case: found, order, specimens, blocks, slides, events });
  }

  private async replyWith(manager: EntityManager, orderId: string): Promise<PathologyCaseReply> {
    const view = await this.view(manager, orderId);
    // The command found the case under the same lock: its absence now is a fault, not a refusal.
    if (!view) throw new Error(`pathology case of order ${orderId} vanished within its command`);
    return { ok: true, case: view };
  }

  /** The order and its case, locked against every other command on the case until commit. */
  private async lockCase(manager: EntityManager, orderId: string): Promise<LockedCase | undefined> {
    const rows = await manager.query<LockedCase[]>(
      `SELECT o.order_id, o.task_id, o.status, o.requester_org_id,
              c.case_number, c.gross_description, c.frozen
         FROM pathology.received_order o LEFT JOIN pathology.case c USING (order_id)
        WHERE o.order_id = $1 FOR UPDATE OF o`,
      [orderId],
    );
    return rows[0];
  }

  /**
   * Receives one specimen of a locked case, after the receipt checks: the order still open, the
   * specimen collected or in transit, and fixed tissue fixing for at most 72 h (a pathologist may
   * take a failing one all the same by saying why, `acceptDespite`). The first receipt of the case
   * starts the order (`TaskUpdate in-progress`). Answers the refusal, having written nothing, or
   * undefined once received.
   */
  private async receiveLocked(
    manager: EntityManager,
    enqueue: OutboxEnqueue,
    order: LockedCase,
    specimen: PathologySpecimen,
    receipt: { acceptDespite?: string; by: Actor; traceId: string; at: Date },
  ): Promise<CentreRefusal | undefined> {
    const { acceptDespite, by, traceId, at } = receipt;
    const label = specimen.label;
    const closed = closedOrder(order, 'receive');
    if (closed) return closed;
    if (specimen.status !== 'collected' && specimen.status !== 'in-transit')
      return alreadyDone(specimen);
    const problems = receiptProblems(specimen, at);
    if (problems.length > 0 && !acceptDespite)
      return refuse(
        422,
        `specimen ${label} fails the receipt checks 接收检查未通过: ${problems.join('; ')}. ` +
          'It was not received: a pathologist may receive it all the same by saying why (acceptDespite).',
        'label',
      );
    await manager.update(
      PathologySpecimen,
      { label },
      {
        status: 'received',
        receivedAt: at,
        receivedBy: by.username,
        acceptedDespite: problems.length > 0 ? (acceptDespite ?? null) : null,
      },
    );
    const note = receiptNote(specimen, at);
    const box = specimen.status === 'in-transit' ? `; 运输箱 box ${specimen.batchId}` : '';
    await this.event(
      manager,
      order.order_id,
      at,
      by,
      problems.length > 0
        ? `让步接收 received despite: ${problems.join('; ')}; 理由 reason: ${acceptDespite} (${note})${box}`
        : `接收 received: ${note}${box}`,
      label,
    );
    await specimenMoved(enqueue, order, label, 'received', at, traceId);
    if (order.status === 'accepted') {
      await manager.update(
        CentreOrder,
        { orderId: order.order_id },
        { status: 'in-progress', updatedAt: at },
      );
      await enqueueTaskUpdate(
        enqueue,
        { orderId: order.order_id, taskId: order.task_id },
        'pathology',
        'in-progress',
        traceId,
        { at },
      );
      // A box may hold more specimens of the case: they find it started.
      order.status = 'in-progress';
    }
    return undefined;
  }

  /** The orders of these specimens, locked as {@link lockCase} does, in one order (no deadlock). */
  private async lockCases(
    manager: EntityManager,
    specimens: Array<Pick<PathologySpecimen, 'orderId'>>,
  ): Promise<Map<string, LockedCase>> {
    const locked = new Map<string, LockedCase>();
    for (const orderId of [...new Set(specimens.map((s) => s.orderId))].sort()) {
      const order = await this.lockCase(manager, orderId);
      if (order) locked.set(orderId, order);
    }
    return locked;
  }

  /** A box as it stands, with why this command left some of its specimens in transit. */
  private async boxReply(
    manager: EntityManager,
    batchId: string,
    refusals?: ReadonlyMap<string, string>,
  ): Promise<PathologyBatchReply> {
    const batch = await manager.findOneBy(PathologyBatch, { batchId });
    // Written or locked by the same command: its absence now is a fault, not a refusal.
    if (!batch) throw new Error(`transport box ${batchId} vanished within its command`);
    const specimens = await manager.findBy(PathologySpecimen, { batchId });
    return { ok: true, batch: batchView(batch, specimens, refusals) };
  }

  /** A specimen by its label and its order, locked as {@link lockCase} does. */
  private async lockSpecimen(
    manager: EntityManager,
    label: string,
  ): Promise<{ order: LockedCase; specimen: PathologySpecimen } | CentreRefusal> {
    const owner = await manager.findOne(PathologySpecimen, {
      where: { label },
      select: { label: true, orderId: true },
    });
    const order = owner && (await this.lockCase(manager, owner.orderId));
    // Read again under the lock: another command may have changed it meanwhile.
    const specimen = order && (await manager.findOneBy(PathologySpecimen, { label }));
    if (!order || !specimen)
      return refuse(404, `no specimen ${label} is known to the pathology centre`, 'label');
    return { order, specimen };
  }

  private async event(
    manager: EntityManager,
    orderId: string,
    at: Date,
    by: Actor,
    what: string,
    barcode: string,
  ): Promise<void> {
    await manager.insert(PathologyCaseEvent, { orderId, at, by: by.username, what, barcode });
  }

  private logOutcome(reply: PathologyCaseReply, done: string, context: Record<string, unknown>) {
    if (reply.ok) this.logger.log({ ...context, orderId: reply.case.orderId }, done);
    else this.logger.warn({ ...context, status: reply.status, refused: reply.diagnostics }, done);
  }

  private logBox(reply: PathologyBatchReply, done: string, context: Record<string, unknown>) {
    if (reply.ok)
      this.logger.log(
        {
          ...context,
          batchId: reply.batch.batchId,
          leftInTransit: reply.batch.specimens.filter((s) => s.refusal).length,
        },
        done,
      );
    else this.logger.warn({ ...context, status: reply.status, refused: reply.diagnostics }, done);
  }
}

/**
 * The collection and fixation times of a specimen as the clinic gives them, checked against what
 * the order needs: a frozen section fresh tissue, routine histology tissue in a fixative since a
 * time after its collection.
 */
function collectionTimes(
  specimen: z.output<typeof collectRequest>['specimens'][number],
  frozen: boolean,
  now: Date,
  field: string,
): { collectedAt: Date; fixationStartedAt: Date | null } | CentreRefusal {
  const latest = now.getTime() + CLOCK_SKEW_MS;
  const collectedAt = specimen.collectedAt ? new Date(specimen.collectedAt) : now;
  if (collectedAt.getTime() > latest)
    return refuse(
      422,
      `collectedAt ${specimen.collectedAt} is in the future`,
      `${field}.collectedAt`,
    );
  const fresh = isFresh(specimen.fixative);
  if (frozen) {
    if (!fresh)
      return refuse(
        422,
        `a frozen section (术中冰冻) needs fresh tissue: fixative must be 'none', not '${specimen.fixative}' (fixed tissue cannot be frozen-sectioned)`,
        `${field}.fixative`,
      );
    if (specimen.fixationStartedAt)
      return refuse(
        422,
        'fresh tissue for a frozen section has no fixation time: leave fixationStartedAt out',
        `${field}.fixationStartedAt`,
      );
    return { collectedAt, fixationStartedAt: null };
  }
  if (fresh)
    return refuse(
      422,
      "routine histology needs fixed tissue: name the fixative (e.g. '10% 中性福尔马林 10% neutral buffered formalin'), not 'none'",
      `${field}.fixative`,
    );
  if (!specimen.fixationStartedAt)
    return refuse(
      422,
      'fixationStartedAt is required for fixed tissue: when the tissue went into the fixative',
      `${field}.fixationStartedAt`,
    );
  const fixationStartedAt = new Date(specimen.fixationStartedAt);
  if (fixationStartedAt.getTime() < collectedAt.getTime())
    return refuse(
      422,
      `fixationStartedAt ${specimen.fixationStartedAt} is before the specimen was collected (${collectedAt.toISOString()})`,
      `${field}.fixationStartedAt`,
    );
  if (fixationStartedAt.getTime() > latest)
    return refuse(
      422,
      `fixationStartedAt ${specimen.fixationStartedAt} is in the future`,
      `${field}.fixationStartedAt`,
    );
  return { collectedAt, fixationStartedAt };
}

type Command = 'collect' | 'ship' | 'receive' | 'reject' | 'gross' | 'slides';

/** A command the order's state no longer allows, or undefined. */
function closedOrder(order: LockedCase, command: Command): CentreRefusal | undefined {
  if (order.status === 'cancelled')
    return refuse(
      409,
      `order ${order.order_id} was cancelled by the clinic: nothing more is done for it (${command} refused)`,
      'orderId',
    );
  // Once reported, blocks and slides may still be cut (for an amendment); the specimens are settled.
  if (
    order.status === 'completed' &&
    (command === 'collect' || command === 'ship' || command === 'receive' || command === 'reject')
  )
    return refuse(
      409,
      `order ${order.order_id} is reported already: a new specimen needs a new order`,
      'orderId',
    );
  return undefined;
}

/** A specimen already shipped, received or rejected: when and by whom. */
function alreadyDone(specimen: PathologySpecimen, field = 'label'): CentreRefusal {
  const done =
    specimen.status === 'rejected'
      ? `was rejected at ${specimen.rejectedAt?.toISOString()} by ${specimen.rejectedBy}: ${specimen.rejectionReason}`
      : specimen.status === 'received'
        ? `was received already, at ${specimen.receivedAt?.toISOString()} by ${specimen.receivedBy}`
        : specimen.status === 'in-transit'
          ? `was shipped already, in box ${specimen.batchId} at ${specimen.shippedAt?.toISOString()}`
          : `is ${specimen.status}`;
  return refuse(409, `specimen ${specimen.label} ${done}`, field);
}

function notKnown(orderId: string): CentreRefusal {
  return refuse(
    404,
    `pathology order ${orderId} is not known to the pathology centre (or was not placed by your organisation)`,
    'orderId',
  );
}

function noCase(orderId: string): CentreRefusal {
  return refuse(
    409,
    `pathology order ${orderId} has no case number (病理号): the hub routed it without one, so its specimens cannot be labelled`,
    'orderId',
  );
}

function staffOnly(doing: string): CentreRefusal {
  return refuse(403, `only the pathology centre's staff ${doing}`);
}

/**
 * Tells the hub a specimen of the case moved, so it updates the case's FHIR Specimen (containers,
 * fixation, receipt, rejection) from `pathology.case.get`. One job per label, status and moment.
 */
function specimenMoved(
  enqueue: OutboxEnqueue,
  order: LockedCase,
  label: string,
  status: 'collected' | 'in-transit' | 'received' | 'rejected',
  at: Date,
  traceId: string,
): Promise<void> {
  return enqueue(
    Queues.HubSpecimenEvents,
    JobNames.SpecimenUpdate,
    {
      accession: order.case_number ?? label,
      orderId: order.order_id,
      centre: 'pathology',
      status,
      at: at.toISOString(),
      traceId,
    },
    { jobId: jobIds.specimenUpdate(label, status, at) },
  );
}
