import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type OrderCancelPayload, type OrderRoutePayload } from '@hub/contracts';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';
import { CentreOrder } from './centre-order.entity';
import { CentreOutboxService, enqueueTaskUpdate } from './centre-outbox.service';

/**
 * What a centre app adds to receiving an order, inside the same transaction (the lab expects the
 * order's specimen). Registered with `CentreModule.forCentre(centre, { orderHook })`.
 */
export interface CentreOrderHook {
  received(manager: EntityManager, order: OrderRoutePayload): Promise<void>;
}

export const CENTRE_ORDER_HOOK = Symbol('CENTRE_ORDER_HOOK');

/**
 * Receives the orders the hub routes to this centre: records each one once and tells the hub the
 * centre accepted it. An order delivered twice finds itself recorded and changes nothing.
 */
@Injectable()
export class CentreOrderService {
  private readonly logger = new Logger(CentreOrderService.name);

  constructor(
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
    private readonly outbox: CentreOutboxService,
    @Optional() @Inject(CENTRE_ORDER_HOOK) private readonly hook?: CentreOrderHook,
  ) {}

  /**
   * Records the order and queues `TaskUpdate accepted`, in one transaction.
   * Returns true when the order is new, false when it had been received already.
   * @throws Error when the order is routed to another centre (a routing fault: retried, then kept
   *   as a failed job for inspection).
   */
  async receive(order: OrderRoutePayload): Promise<boolean> {
    if (order.centre !== this.config.centre) {
      throw new Error(
        `order ${order.orderId} is routed to the ${order.centre} centre, not ${this.config.centre}`,
      );
    }
    const accepted = await this.outbox.transaction(async (manager, enqueue) => {
      const table = manager.getRepository(CentreOrder).metadata.tablePath;
      // ON CONFLICT rather than read-then-insert: two deliveries processed at once insert one row.
      const inserted = await manager.query<Array<{ order_id: string }>>(
        `INSERT INTO ${table} (order_id, task_id, code, priority, requester_org_id, status)
         VALUES ($1, $2, $3, $4, $5, 'accepted')
         ON CONFLICT DO NOTHING RETURNING order_id`,
        [order.orderId, order.taskId, order.code, order.priority, order.requesterOrgId],
      );
      if (inserted.length === 0) return false;
      await this.hook?.received(manager, order);
      await enqueueTaskUpdate(enqueue, order, order.centre, 'accepted', order.traceId);
      return true;
    });
    this.logger.log(
      {
        orderId: order.orderId,
        code: order.code,
        priority: order.priority,
        traceId: order.traceId,
      },
      accepted ? 'order accepted' : 'order already received',
    );
    return accepted;
  }

  /**
   * The clinic cancelled the order. Marks it cancelled unless the centre has completed it; an order
   * whose OrderRoute has not been processed yet is recorded as cancelled, so the late OrderRoute
   * finds it and changes nothing. Returns false when the centre had already completed it.
   */
  async cancel(order: OrderCancelPayload): Promise<boolean> {
    if (order.centre !== this.config.centre) {
      throw new Error(
        `cancel for order ${order.orderId} is for the ${order.centre} centre, not ${this.config.centre}`,
      );
    }
    const cancelled = await this.outbox.transaction(async (manager) => {
      const table = manager.getRepository(CentreOrder).metadata.tablePath;
      const rows = await manager.query<Array<{ order_id: string }>>(
        `INSERT INTO ${table} AS o (order_id, task_id, code, priority, requester_org_id, status)
         VALUES ($1, $2, $3, $4, $5, 'cancelled')
         ON CONFLICT (order_id) DO UPDATE SET status = 'cancelled', updated_at = now() WHERE o.status <> 'completed'
         RETURNING order_id`,
        [order.orderId, order.taskId, order.code, order.priority, order.requesterOrgId],
      );
      return rows.length > 0;
    });
    if (cancelled)
      this.logger.log(
        { orderId: order.orderId, traceId: order.traceId },
        'order cancelled by the clinic',
      );
    else
      this.logger.warn(
        { orderId: order.orderId, traceId: order.traceId },
        'cancel arrived after the centre completed the order',
      );
    return cancelled;
  }
}
