import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';
import {
  type BatchReceiveRequest,
  type BatchShipRequest,
  JobNames,
  type OrderRoutePayload,
  Queues,
  type SpecimenCollectRequest,
  type SpecimenCommandReply,
  type SpecimenGetRequest,
  type SpecimenReceiveRequest,
  type SpecimenRejectRequest,
  type SpecimenRejectionReason,
  SpecimenRejectionReasons,
  type SpecimenView,
  jobIds,
} from '@hub/contracts';
import { demoSpecimenTypes } from '@hub/consortium';
import {
  CentreOrder,
  type CentreOrderHook,
  CentreOutboxService,
  type OutboxEnqueue,
  enqueueTaskUpdate,
} from '@hub/centre';
import { Specimen, TransportBatch } from './specimen.entity';
import {
  REJECTION_TEXT,
  parseEventTime,
  refuse,
  specimenView,
  transportBreach,
  transportLimitFor,
} from './specimen.rules';

const ACCESSION = /^[A-Za-z0-9-]{4,32}$/;
const BATCH_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Specimen logistics (标本物流): the lab expects the specimen of each lab order, the clinic records
 * its collection and ships it in a transport box, the lab receives the box (or one specimen) and
 * checks each against its type's transport limit, or rejects it with a reason. Every change is
 * written with its `SpecimenUpdate` for the hub in one transaction; a rejection also puts the order
 * on hold with the reason, so the clinic knows to recollect.
 */
@Injectable()
export class SpecimenService implements CentreOrderHook {
  private readonly logger = new Logger(SpecimenService.name);
  // The demo consortium's specimen types until the lab's configuration is editable.
  private readonly types = demoSpecimenTypes;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  /** A lab order arrived: its specimen is expected (called in the order's receiving transaction). */
  async received(manager: EntityManager, order: OrderRoutePayload): Promise<void> {
    if (!order.specimen) return;
    const limit = transportLimitFor(this.types, order.specimen.type);
    if (limit === undefined)
      throw new Error(
        `order ${order.orderId}: specimen type ${order.specimen.type} has no transport limit configured`,
      );
    await manager
      .createQueryBuilder()
      .insert()
      .into(Specimen)
      .values({
        accession: order.specimen.accession,
        orderId: order.orderId,
        type: order.specimen.type,
        transportLimitMinutes: limit,
        requesterOrg: order.requesterOrgId,
        status: 'awaiting-collection',
      })
      .execute();
  }

  /** One specimen as it stands, or null (also when it belongs to another clinic than `requesterOrg`). */
  async get(request: SpecimenGetRequest): Promise<SpecimenView | null> {
    if (typeof request?.accession !== 'string' || !ACCESSION.test(request.accession)) return null;
    const specimen = await this.dataSource.manager.findOneBy(Specimen, {
      accession: request.accession,
      ...(request.requesterOrg ? { requesterOrg: request.requesterOrg } : {}),
    });
    if (!specimen) return null;
    const batch = specimen.batchId
      ? await this.dataSource.manager.findOneBy(TransportBatch, { batchId: specimen.batchId })
      : null;
    return specimenView(specimen, batch);
  }

  /** The clinic collected the specimen (time and collector). Allowed until it is shipped. */
  async collect(request: SpecimenCollectRequest): Promise<SpecimenCommandReply> {
    const collectedAt = parseEventTime(request.collectedAt, 'collectedAt');
    if (!(collectedAt instanceof Date)) return collectedAt;
    if (!request.collector) return refuse(400, 'collector is required', 'collector');
    return this.outbox.transaction(async (manager, enqueue) => {
      const specimen = await this.lockOwn(manager, request.accession, request.org);
      if (!specimen) return notFound(request.accession);
      if (specimen.status !== 'awaiting-collection' && specimen.status !== 'collected')
        return refuse(
          409,
          `specimen ${specimen.accession} is ${specimen.status}: its collection can no longer change`,
          'accession',
        );
      Object.assign(specimen, {
        status: 'collected',
        collectedAt,
        collector: request.collector,
        updatedAt: new Date(),
      });
      await manager.save(specimen);
      await this.event(enqueue, specimen, request.traceId);
      return { ok: true, specimens: [specimenView(specimen)] };
    });
  }

  /**
   * The clinic hands a transport box to the courier. Every specimen must be the clinic's, collected
   * (here or earlier) before the box departed, and in no other box. Shipping the same box again
   * answers with it and changes nothing.
   */
  async ship(request: BatchShipRequest): Promise<SpecimenCommandReply> {
    if (typeof request.batchId !== 'string' || !BATCH_ID.test(request.batchId))
      return refuse(400, 'batchId must be 1-64 letters, digits or -', 'batchId');
    if (!request.courier) return refuse(400, 'courier is required', 'courier');
    const departedAt = parseEventTime(request.departedAt, 'departedAt');
    if (!(departedAt instanceof Date)) return departedAt;
    if (!Array.isArray(request.specimens) || request.specimens.length === 0)
      return refuse(400, 'specimens must list at least one specimen', 'specimens');
    const accessions = request.specimens.map((s) => s.accession);
    if (new Set(accessions).size !== accessions.length)
      return refuse(422, 'a specimen is listed twice', 'specimens');

    return this.outbox.transaction(async (manager, enqueue) => {
      const existing = await manager.findOne(TransportBatch, {
        where: { batchId: request.batchId },
        lock: { mode: 'pessimistic_write' },
      });
      if (existing) {
        const inBox = await manager.findBy(Specimen, { batchId: request.batchId });
        const same =
          existing.requesterOrg === request.org &&
          inBox.length === accessions.length &&
          inBox.every((s) => accessions.includes(s.accession));
        if (same) return { ok: true, specimens: inBox.map((s) => specimenView(s, existing)) };
        return refuse(409, `transport box ${request.batchId} has already been shipped`, 'batchId');
      }
      const specimens = await manager.find(Specimen, {
        where: { accession: In(accessions), requesterOrg: request.org },
        lock: { mode: 'pessimistic_write' },
      });
      const updated: Specimen[] = [];
      for (const [i, item] of request.specimens.entries()) {
        const field = `specimens[${i}]`;
        const specimen = specimens.find((s) => s.accession === item.accession);
        if (!specimen) return notFound(item.accession, `${field}.accession`);
        if (specimen.status !== 'awaiting-collection' && specimen.status !== 'collected')
          return refuse(
            409,
            `specimen ${specimen.accession} is ${specimen.status}${specimen.batchId ? ` (box ${specimen.batchId})` : ''}: it cannot be shipped`,
            `${field}.accession`,
          );
        if (item.collectedAt !== undefined) {
          const collectedAt = parseEventTime(item.collectedAt, `${field}.collectedAt`);
          if (!(collectedAt instanceof Date)) return collectedAt;
          if (!item.collector)
            return refuse(
              400,
              `${field}.collector is required with collectedAt`,
              `${field}.collector`,
            );
          specimen.collectedAt = collectedAt;
          specimen.collector = item.collector;
        }
        if (!specimen.collectedAt)
          return refuse(
            422,
            `specimen ${specimen.accession} has no collection time: record its collection (collectedAt, collector) first`,
            `${field}.collectedAt`,
          );
        if (specimen.collectedAt.getTime() > departedAt.getTime())
          return refuse(
            422,
            `specimen ${specimen.accession} was collected after the box departed`,
            `${field}.collectedAt`,
          );
        updated.push(specimen);
      }
      const batch = Object.assign(new TransportBatch(), {
        batchId: request.batchId,
        requesterOrg: request.org,
        courier: request.courier,
        departedAt,
        receivedAt: null,
        receiver: null,
      });
      await manager.insert(TransportBatch, batch);
      const now = new Date();
      for (const specimen of updated) {
        Object.assign(specimen, { status: 'in-transit', batchId: request.batchId, updatedAt: now });
        await manager.save(specimen);
        await this.event(enqueue, specimen, request.traceId);
      }
      return { ok: true, specimens: updated.map((s) => specimenView(s, batch)) };
    });
  }

  /**
   * The lab receives a whole box in one step: each specimen still in transit is received, or
   * rejected for the reason the receiver gave or because it travelled longer than its type allows.
   * Scanning a received box again answers with it and changes nothing.
   */
  async receiveBatch(request: BatchReceiveRequest): Promise<SpecimenCommandReply> {
    if (!request.receiver) return refuse(400, 'receiver is required', 'receiver');
    const receivedAt = request.receivedAt
      ? parseEventTime(request.receivedAt, 'receivedAt')
      : new Date();
    if (!(receivedAt instanceof Date)) return receivedAt;
    const rejections = request.rejections ?? [];
    for (const [i, rejection] of rejections.entries()) {
      if (!isReason(rejection.reason))
        return refuse(
          400,
          `rejections[${i}].reason must be one of ${SpecimenRejectionReasons.join(', ')}`,
          `rejections[${i}].reason`,
        );
    }
    return this.outbox.transaction(async (manager, enqueue) => {
      const batch = await manager.findOne(TransportBatch, {
        where: { batchId: request.batchId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!batch)
        return refuse(
          404,
          `transport box ${request.batchId} has not been shipped to the lab`,
          'batchId',
        );
      const specimens = await manager.find(Specimen, {
        where: { batchId: request.batchId },
        order: { accession: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      for (const [i, rejection] of rejections.entries()) {
        if (!specimens.some((s) => s.accession === rejection.accession))
          return refuse(
            422,
            `specimen ${rejection.accession} is not in box ${request.batchId}`,
            `rejections[${i}].accession`,
          );
      }
      if (receivedAt.getTime() < batch.departedAt.getTime())
        return refuse(422, 'receivedAt is before the box departed', 'receivedAt');
      if (!batch.receivedAt) {
        batch.receivedAt = receivedAt;
        batch.receiver = request.receiver;
        await manager.save(batch);
      }
      for (const specimen of specimens) {
        if (specimen.status !== 'in-transit') continue;
        const given = rejections.find((r) => r.accession === specimen.accession);
        await this.arrive(manager, enqueue, specimen, {
          receiver: request.receiver,
          receivedAt,
          rejection: given && { reason: given.reason, note: given.note },
          traceId: request.traceId,
        });
      }
      return { ok: true, specimens: specimens.map((s) => specimenView(s, batch)) };
    });
  }

  /** The lab receives one specimen (brought by hand, or scanned out of a box). */
  async receive(request: SpecimenReceiveRequest): Promise<SpecimenCommandReply> {
    if (!request.receiver) return refuse(400, 'receiver is required', 'receiver');
    const receivedAt = request.receivedAt
      ? parseEventTime(request.receivedAt, 'receivedAt')
      : new Date();
    if (!(receivedAt instanceof Date)) return receivedAt;
    return this.outbox.transaction(async (manager, enqueue) => {
      const specimen = await this.lock(manager, request.accession);
      if (!specimen) return notFound(request.accession);
      if (specimen.status === 'received' || specimen.status === 'rejected')
        return { ok: true, specimens: [specimenView(specimen)] };
      if (!specimen.collectedAt)
        return refuse(
          409,
          `specimen ${specimen.accession} has no collection time: the clinic must record its collection`,
          'accession',
        );
      await this.arrive(manager, enqueue, specimen, {
        receiver: request.receiver,
        receivedAt,
        condition: request.condition,
        traceId: request.traceId,
      });
      return { ok: true, specimens: [specimenView(specimen)] };
    });
  }

  /** The lab rejects a specimen it holds (or one that arrived unusable). */
  async reject(request: SpecimenRejectRequest): Promise<SpecimenCommandReply> {
    if (!request.receiver) return refuse(400, 'receiver is required', 'receiver');
    if (!isReason(request.reason))
      return refuse(400, `reason must be one of ${SpecimenRejectionReasons.join(', ')}`, 'reason');
    return this.outbox.transaction(async (manager, enqueue) => {
      const specimen = await this.lock(manager, request.accession);
      if (!specimen) return notFound(request.accession);
      if (specimen.status === 'rejected') {
        if (specimen.rejectionReason === request.reason)
          return { ok: true, specimens: [specimenView(specimen)] };
        return refuse(
          409,
          `specimen ${specimen.accession} was already rejected (${specimen.rejectionReason})`,
          'accession',
        );
      }
      if (specimen.status === 'awaiting-collection')
        return refuse(
          409,
          `specimen ${specimen.accession} has not been collected yet`,
          'accession',
        );
      // Locked so that a verification cannot release the report while the specimen is rejected.
      await manager.findOne(CentreOrder, {
        where: { orderId: specimen.orderId },
        lock: { mode: 'pessimistic_write' },
      });
      const released = await manager.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM lab.report WHERE order_id = $1 AND status <> 'preliminary'`,
        [specimen.orderId],
      );
      if (released[0].n > 0)
        return refuse(
          409,
          `the report of specimen ${specimen.accession} has been released: correct the report instead`,
          'accession',
        );
      await this.arrive(manager, enqueue, specimen, {
        receiver: request.receiver,
        receivedAt: specimen.receivedAt ?? new Date(),
        rejection: { reason: request.reason, note: request.note },
        traceId: request.traceId,
      });
      return { ok: true, specimens: [specimenView(specimen)] };
    });
  }

  /**
   * Receives or rejects a specimen: the receiver's rejection wins; otherwise a transport-time
   * breach rejects it. A rejection puts its order on hold and tells the hub why.
   */
  private async arrive(
    manager: EntityManager,
    enqueue: OutboxEnqueue,
    specimen: Specimen,
    arrival: {
      receiver: string;
      receivedAt: Date;
      condition?: string;
      rejection?: { reason: SpecimenRejectionReason; note?: string };
      traceId: string;
    },
  ): Promise<void> {
    const breach = transportBreach(specimen, arrival.receivedAt);
    const rejection =
      arrival.rejection ??
      (breach ? { reason: 'transport-time-exceeded' as const, note: breach } : undefined);
    const now = new Date();
    Object.assign(specimen, {
      status: rejection ? 'rejected' : 'received',
      receivedAt: specimen.receivedAt ?? arrival.receivedAt,
      receiver: specimen.receiver ?? arrival.receiver,
      condition: arrival.condition ?? specimen.condition,
      rejectionReason: rejection?.reason ?? null,
      rejectionNote: rejection?.note ?? null,
      updatedAt: now,
    });
    await manager.save(specimen);
    await this.event(enqueue, specimen, arrival.traceId);
    if (!rejection) return;

    const order = await manager.findOneBy(CentreOrder, { orderId: specimen.orderId });
    if (!order || order.status === 'cancelled' || order.status === 'completed') return;
    await manager.update(
      CentreOrder,
      { orderId: order.orderId },
      { status: 'on-hold', updatedAt: now },
    );
    await enqueueTaskUpdate(enqueue, order, 'lab', 'on-hold', arrival.traceId, {
      at: now,
      reason: `标本不合格，请重新采集 Specimen ${specimen.accession} rejected, please recollect: ${REJECTION_TEXT[rejection.reason]}`,
    });
    this.logger.warn(
      { orderId: order.orderId, accession: specimen.accession, reason: rejection.reason },
      'specimen rejected',
    );
  }

  private event(enqueue: OutboxEnqueue, specimen: Specimen, traceId: string): Promise<void> {
    return enqueue(
      Queues.HubSpecimenEvents,
      JobNames.SpecimenUpdate,
      {
        accession: specimen.accession,
        orderId: specimen.orderId,
        status: specimen.status,
        at: specimen.updatedAt.toISOString(),
        traceId: traceId || randomUUID(),
      },
      { jobId: jobIds.specimenUpdate(specimen.accession, specimen.status, specimen.updatedAt) },
    );
  }

  private lock(manager: EntityManager, accession: string): Promise<Specimen | null> {
    if (typeof accession !== 'string' || !ACCESSION.test(accession)) return Promise.resolve(null);
    return manager.findOne(Specimen, { where: { accession }, lock: { mode: 'pessimistic_write' } });
  }

  /** The specimen locked for change, only when it was ordered by `org` (tenant filter in SQL). */
  private lockOwn(
    manager: EntityManager,
    accession: string,
    org: string,
  ): Promise<Specimen | null> {
    if (typeof accession !== 'string' || !ACCESSION.test(accession)) return Promise.resolve(null);
    return manager.findOne(Specimen, {
      where: { accession, requesterOrg: org },
      lock: { mode: 'pessimistic_write' },
    });
  }
}

function isReason(value: unknown): value is SpecimenRejectionReason {
  return (SpecimenRejectionReasons as readonly unknown[]).includes(value);
}

function notFound(accession: string, field = 'accession') {
  return refuse(
    404,
    `no specimen ${accession} is known to the lab (or it was ordered by another organisation)`,
    field,
  );
}
