import { type EntityManager } from 'typeorm';
import { JobNames, Queues, jobIds } from '@hub/contracts';
import { type OutboxEnqueue, enqueueTaskUpdate } from '@hub/centre';
import { updateReturning } from './update-returning';

/** An imaging order a study can be linked to, as the centre received it. */
export interface LinkableOrder {
  orderId: string;
  taskId: string;
  requesterOrg: string;
  status: string;
}

/**
 * The order that gave `accession` (its AccessionNumber), locked for the linking transaction, or
 * undefined when no imaging order has it.
 */
export async function orderByAccession(
  manager: EntityManager,
  accession: string,
): Promise<LinkableOrder | undefined> {
  const rows = await manager.query<LinkableOrder[]>(
    `SELECT o.order_id AS "orderId", o.task_id AS "taskId", a.requester_org AS "requesterOrg", o.status
       FROM imaging.order_accession a JOIN imaging.received_order o ON o.order_id = a.order_id
      WHERE a.accession = $1
      FOR UPDATE OF o`,
    [accession],
  );
  return rows[0];
}

/** An imaging order by its id, locked, or undefined when the centre has not received it. */
export async function orderById(
  manager: EntityManager,
  orderId: string,
): Promise<LinkableOrder | undefined> {
  const rows = await manager.query<LinkableOrder[]>(
    `SELECT order_id AS "orderId", task_id AS "taskId", requester_org_id AS "requesterOrg", status
       FROM imaging.received_order WHERE order_id = $1 FOR UPDATE`,
    [orderId],
  );
  return rows[0];
}

/**
 * Links a study (locked by the caller) to its order, in the caller's transaction: the study takes
 * the order's clinic as its tenant; the first study of an order moves it to in-progress (queues
 * `TaskUpdate in-progress`); and the hub is told with `StudyUpdate`.
 */
export async function attachStudy(
  manager: EntityManager,
  enqueue: OutboxEnqueue,
  studyUid: string,
  order: LinkableOrder,
  traceId: string,
): Promise<void> {
  const rows = await updateReturning<{ instances: number }>(
    manager,
    `UPDATE imaging.study SET order_id = $2, requester_org = $3, linked_at = now(), updated_at = now()
      WHERE study_uid = $1 RETURNING number_of_instances AS instances`,
    [studyUid, order.orderId, order.requesterOrg],
  );
  if (order.status === 'accepted') {
    await manager.query(
      `UPDATE imaging.received_order SET status = 'in-progress', updated_at = now() WHERE order_id = $1`,
      [order.orderId],
    );
    await enqueueTaskUpdate(enqueue, order, 'imaging', 'in-progress', traceId);
    order.status = 'in-progress';
  }
  await enqueueStudyUpdate(enqueue, studyUid, order.orderId, rows[0].instances, traceId);
}

/** Queues `StudyUpdate` for a linked study; one job per instance count, so each change is told. */
export function enqueueStudyUpdate(
  enqueue: OutboxEnqueue,
  studyUid: string,
  orderId: string,
  instances: number,
  traceId: string,
): Promise<void> {
  return enqueue(
    Queues.HubImagingEvents,
    JobNames.StudyUpdate,
    { studyInstanceUid: studyUid, orderId, at: new Date().toISOString(), traceId },
    { jobId: jobIds.studyUpdate(studyUid, instances) },
  );
}

/**
 * Whether a study may be linked to `order` by its AccessionNumber: a study a clinic sent links only
 * to that clinic's own orders (one sent by imaging staff or an administrator to any).
 */
export function mayLinkByAccession(uploadedByOrg: string | null, order: LinkableOrder): boolean {
  return uploadedByOrg === null || uploadedByOrg === order.requesterOrg;
}
