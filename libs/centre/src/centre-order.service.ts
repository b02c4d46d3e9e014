import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { JobNames, type OrderRoutePayload, Queues, jobIds } from '@hub/contracts';
import { enqueueInOutbox } from '@hub/persistence';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';
import { CentreOrder } from './centre-order.entity';
import { CentreOutboxService } from './centre-outbox.service';

/**
 * Receives routed orders: records each once and tells the hub the centre accepted it. A job
 * delivered twice finds the order recorded and changes nothing.
 */
@Injectable()
export class CentreOrderService {
  private readonly logger = new Logger(CentreOrderService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
    private readonly outbox: CentreOutboxService,
  ) {}

  /** Records the order and queues `TaskUpdate accepted`, in one transaction. Returns false for a repeat. */
  async receive(order: OrderRoutePayload): Promise<boolean> {
    if (order.centre !== this.config.centre) {
      throw new Error(
        `order ${order.orderId} is for the ${order.centre} centre, not ${this.config.centre}`,
      );
    }
    const created = await this.dataSource.transaction(async (manager) => {
      const table = manager.getRepository(CentreOrder).metadata.tablePath;
      const inserted = await manager.query<Array<{ order_id: string }>>(
        `INSERT INTO ${table} (order_id, task_id, code, priority, requester_org_id, status)
         VALUES ($1, $2, $3, $4, $5, 'accepted') ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
        [order.orderId, order.taskId, order.code, order.priority, order.requesterOrgId],
      );
      if (inserted.length === 0) return false;
      await enqueueInOutbox(
        manager,
        Queues.HubTaskEvents,
        JobNames.TaskUpdate,
        {
          orderId: order.orderId,
          taskId: order.taskId,
          centre: order.centre,
          status: 'accepted',
          at: new Date().toISOString(),
          traceId: order.traceId,
        },
        { jobId: jobIds.taskUpdate(order.taskId, 'accepted') },
      );
      return true;
    });
    if (created) {
      this.outbox.kick();
      this.logger.log(
        {
          orderId: order.orderId,
          code: order.code,
          priority: order.priority,
          traceId: order.traceId,
        },
        'order accepted',
      );
    }
    return created;
  }

  /** The order as received, or undefined. */
  find(orderId: string): Promise<CentreOrder | null> {
    return this.dataSource.getRepository(CentreOrder).findOneBy({ orderId });
  }
}
