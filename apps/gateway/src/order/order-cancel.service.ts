import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Identifier, ServiceRequest, Task } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import {
  CentreOrderQueue,
  JobNames,
  type OrderPriority,
  bullPriority,
  isCentre,
  jobIds,
} from '@hub/contracts';
import { FhirError, type StoredResource, placerSystem } from '@hub/fhir';
import { enqueueInOutbox } from '@hub/persistence';
import { type AuditAgent } from '../audit/accessor';
import { FhirStore } from '../fhir/fhir-store.service';

export interface CancelResult {
  orderId: string;
  /** True when the order had been cancelled before (a repeated cancel changes nothing). */
  alreadyCancelled: boolean;
}

/**
 * A clinic cancels an order it placed that has not been completed: the Task becomes `cancelled`,
 * the ServiceRequest `revoked`, and the centre is told through its queue (OrderCancel), all in the
 * caller's transaction. A completed order can no longer be cancelled.
 */
@Injectable()
export class OrderCancelService {
  constructor(private readonly store: FhirStore) {}

  async cancel(
    manager: EntityManager,
    org: string,
    placer: Identifier,
    agent: AuditAgent,
    reason?: string,
  ): Promise<CancelResult> {
    const system = placer.system ?? placerSystem(org);
    const rows = await manager.query<
      Array<{
        order_id: string;
        task_id: string;
        centre: string;
        code: string;
        priority: string;
        status: string;
      }>
    >(
      `SELECT order_id, task_id, centre, code, priority, status FROM gateway.service_order
       WHERE requester_org = $1 AND placer_system = $2 AND placer_value = $3 FOR UPDATE`,
      [org, system, placer.value],
    );
    const order = rows[0];
    if (!order || !isCentre(order.centre))
      throw FhirError.notFound(`no order with placer number ${placer.value} from ${org}`);
    if (order.status === 'cancelled') return { orderId: order.order_id, alreadyCancelled: true };
    if (order.status === 'completed')
      throw FhirError.conflict(`order ${placer.value} is completed and can no longer be cancelled`);

    const now = new Date().toISOString();
    const task = await this.store.lockForUpdate<Task & StoredResource>(
      manager,
      'Task',
      order.task_id,
    );
    const request = await this.store.lockForUpdate<ServiceRequest & StoredResource>(
      manager,
      'ServiceRequest',
      order.order_id,
    );
    if (!task || !request) throw new Error(`order ${order.order_id} is missing its FHIR resources`);
    await this.store.update(
      manager,
      {
        ...task,
        status: 'cancelled',
        lastModified: now,
        ...(reason ? { statusReason: { text: reason } } : {}),
      },
      [],
      agent,
    );
    await this.store.update(manager, { ...request, status: 'revoked' }, [], agent);
    await manager.query(
      `UPDATE gateway.service_order SET status = 'cancelled', updated_at = now() WHERE order_id = $1`,
      [order.order_id],
    );
    const priority = order.priority as OrderPriority;
    await enqueueInOutbox(
      manager,
      CentreOrderQueue[order.centre],
      JobNames.OrderCancel,
      {
        orderId: order.order_id,
        taskId: order.task_id,
        centre: order.centre,
        code: order.code,
        priority,
        requesterOrgId: org,
        reason,
        traceId: randomUUID(),
      },
      { jobId: jobIds.orderCancel(order.order_id), priority: bullPriority(priority) },
    );
    return { orderId: order.order_id, alreadyCancelled: false };
  }
}
