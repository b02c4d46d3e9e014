import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type OrderRoutePayload } from '@hub/contracts';
import { type CentreOrderHook, type OutboxEnqueue } from '@hub/centre';
import { enqueueInOutbox } from '@hub/persistence';
import { attachStudy, mayLinkByAccession } from './study-link';

/**
 * Runs in the transaction that records a new imaging order: keeps the order's accession number
 * (检查号), by which the modality's study is linked when it arrives, and links a study that came
 * before its order (the images were sent while the order was still on its way).
 */
@Injectable()
export class OrderAccessionService implements CentreOrderHook {
  private readonly logger = new Logger(OrderAccessionService.name);

  async received(manager: EntityManager, order: OrderRoutePayload): Promise<void> {
    const accession = order.accessionNumber;
    if (!accession) return;
    const inserted = await manager.query<Array<{ accession: string }>>(
      `INSERT INTO imaging.order_accession (accession, order_id, requester_org, code, priority)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING accession`,
      [accession, order.orderId, order.requesterOrgId, order.code, order.priority],
    );
    if (inserted.length === 0) {
      // The hub gives every order its own accession number: a clash is a fault to look into,
      // not a reason to refuse the order. Its study will be linked by hand.
      this.logger.error(
        { orderId: order.orderId, accession, traceId: order.traceId },
        'accession number already belongs to another imaging order',
      );
      return;
    }
    const waiting = await manager.query<
      Array<{ study_uid: string; uploaded_by_org: string | null }>
    >(
      `SELECT study_uid, uploaded_by_org FROM imaging.study
        WHERE accession_number = $1 AND order_id IS NULL ORDER BY created_at FOR UPDATE`,
      [accession],
    );
    // The order row was inserted just before this hook, in this transaction.
    const linkable = {
      orderId: order.orderId,
      taskId: order.taskId,
      requesterOrg: order.requesterOrgId,
      status: 'accepted',
    };
    const enqueue: OutboxEnqueue = (queue, jobName, payload, options) =>
      enqueueInOutbox(manager, queue, jobName, payload, options);
    for (const study of waiting) {
      if (!mayLinkByAccession(study.uploaded_by_org, linkable)) continue;
      await attachStudy(manager, enqueue, study.study_uid, linkable, order.traceId);
      this.logger.log(
        { orderId: order.orderId, studyInstanceUid: study.study_uid, traceId: order.traceId },
        'study that arrived before its order linked',
      );
    }
  }
}
