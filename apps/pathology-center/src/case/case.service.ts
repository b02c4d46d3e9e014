import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { z } from 'zod';
import {
  type CentreRefusal,
  JobNames,
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
  PathologyBlock,
  PathologyCase,
  PathologyCaseEvent,
  PathologySlide,
  PathologySpecimen,
} from './case.entity';
import {
  CLOCK_SKEW_MS,
  STAIN_FORMS,
  blockLetters,
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
 * specimens it took for its order (labelled under the case number); the centre receives each by
 * scanning its label, after checks of its fixation (a pathologist may take a failing one all the
 * same, saying why: tissue cannot be taken twice), or rejects it, which puts the order's Task on
 * hold with the reason; grossing cuts blocks from the received specimens and slides are cut from
 * blocks, one per stain. Every command runs in one transaction with its outbox jobs, records who
 * and when in the case's events, and answers with the whole case; a refused command changes
 * nothing.
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
   * Receipt by scanning the label. Fixed tissue must have been fixing for at most 72 h; a specimen
   * that fails is refused unless `acceptDespite` says why it is taken all the same. The first
   * receipt of the case starts the order (`TaskUpdate in-progress`).
   */
  async receive(request: unknown): Promise<PathologyCaseReply> {
    const parsed = parseRequest(receiveRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { label, acceptDespite, by, traceId } = parsed.value;
    if (!by.centreStaff) return staffOnly('receive specimens');
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const found = await this.lockSpecimen(manager, label);
      if ('ok' in found) return found;
      const { order, specimen } = found;
      const closed = closedOrder(order, 'receive');
      if (closed) return closed;
      if (specimen.status !== 'collected') return alreadyDone(specimen);
      const now = new Date();
      const problems = receiptProblems(specimen, now);
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
          receivedAt: now,
          receivedBy: by.username,
          acceptedDespite: problems.length > 0 ? (acceptDespite ?? null) : null,
        },
      );
      const note = receiptNote(specimen, now);
      await this.event(
        manager,
        order.order_id,
        now,
        by,
        problems.length > 0
          ? `让步接收 received despite: ${problems.join('; ')}; 理由 reason: ${acceptDespite} (${note})`
          : `接收 received: ${note}`,
        label,
      );
      await specimenMoved(enqueue, order, label, 'received', now, traceId);
      if (order.status === 'accepted') {
        await manager.update(
          CentreOrder,
          { orderId: order.order_id },
          { status: 'in-progress', updatedAt: now },
        );
        await enqueueTaskUpdate(
          enqueue,
          { orderId: order.order_id, taskId: order.task_id },
          'pathology',
          'in-progress',
          traceId,
          { at: now },
        );
      }
      return this.replyWith(manager, order.order_id);
    });
    this.logOutcome(reply, 'specimen received', {
      label,
      acceptedDespite: acceptDespite !== undefined,
      traceId,
    });
    return reply;
  }

  /**
   * The centre rejects a specimen (not yet grossed): the order's Task goes on hold with the
   * reason, which the hub tells the clinic (Task.statusReason and an HL7 status message).
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

type Command = 'collect' | 'receive' | 'reject' | 'gross' | 'slides';

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
    (command === 'collect' || command === 'receive' || command === 'reject')
  )
    return refuse(
      409,
      `order ${order.order_id} is reported already: a new specimen needs a new order`,
      'orderId',
    );
  return undefined;
}

/** A specimen already received or rejected: when and by whom. */
function alreadyDone(specimen: PathologySpecimen): CentreRefusal {
  return specimen.status === 'rejected'
    ? refuse(
        409,
        `specimen ${specimen.label} was rejected at ${specimen.rejectedAt?.toISOString()} by ${specimen.rejectedBy}: ${specimen.rejectionReason}`,
        'label',
      )
    : refuse(
        409,
        `specimen ${specimen.label} was received already, at ${specimen.receivedAt?.toISOString()} by ${specimen.receivedBy}`,
        'label',
      );
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
  status: 'collected' | 'received' | 'rejected',
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
