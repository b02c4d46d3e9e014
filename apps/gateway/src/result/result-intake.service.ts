import { Injectable, Logger } from '@nestjs/common';
import type { DiagnosticReport, Observation, ServiceRequest, Task } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import {
  JobNames,
  Queues,
  type ReportSubmitPayload,
  type TaskUpdatePayload,
  jobIds,
} from '@hub/contracts';
import { enqueueInOutbox } from '@hub/persistence';
import { type StoredResource } from '@hub/fhir';
import { CentreClient } from '../centre-link/centre-client.service';
import { fullAccess } from '../fhir/access-scope';
import { systemAgent } from '../audit/accessor';
import { FhirStore } from '../fhir/fhir-store.service';
import { OutboxRelayService } from '../order/outbox-relay.service';

/** Order of Task states; a centre's event never moves a Task backwards. */
const TASK_PROGRESS: Record<string, number> = {
  draft: 0,
  requested: 1,
  received: 2,
  accepted: 3,
  'in-progress': 4,
  'on-hold': 4,
  completed: 9,
  failed: 9,
  cancelled: 9,
  rejected: 9,
  ready: 2,
  'entered-in-error': 9,
};

/**
 * Brings the centres' work back into the consortium record: Task state changes and final reports.
 * Both are idempotent: a redelivered job finds the work done and changes nothing.
 */
@Injectable()
export class ResultIntakeService {
  private readonly logger = new Logger(ResultIntakeService.name);

  constructor(
    private readonly store: FhirStore,
    private readonly centres: CentreClient,
    private readonly relay: OutboxRelayService,
  ) {}

  /** Applies a centre's Task status change unless the Task is already there or further on. */
  async applyTaskUpdate(event: TaskUpdatePayload): Promise<void> {
    // A final report completes the Task when it is stored (see storeReport), so that a clinic
    // never sees a completed Task without its report.
    if (event.status === 'completed') return;
    await this.store.transaction(async (manager) => {
      const task = await this.store.lockForUpdate<Task & StoredResource>(
        manager,
        'Task',
        event.taskId,
      );
      if (!task) throw new Error(`Task/${event.taskId} for order ${event.orderId} is not known`);
      if ((TASK_PROGRESS[task.status] ?? 0) >= (TASK_PROGRESS[event.status] ?? 0)) return;
      await this.store.update(
        manager,
        { ...task, status: event.status, lastModified: event.at },
        [],
        systemAgent(`${event.centre}-center`, event.centre.toUpperCase()),
      );
      await manager.query(
        `UPDATE gateway.service_order SET status = $2, updated_at = now() WHERE order_id = $1`,
        [event.orderId, event.status],
      );
    });
  }

  /**
   * Fetches a final report from its centre and stores it: the Observations and the
   * DiagnosticReport (with the order's patient as subject), the Task completed with the report as
   * output, and the ServiceRequest completed. All in one transaction.
   */
  async storeReport(event: ReportSubmitPayload): Promise<void> {
    const existing = await this.store.find('DiagnosticReport', event.reportId, fullAccess);
    if (existing) return;
    const reply = await this.centres.getReport(event.centre, event.reportId);
    if (!reply)
      throw new Error(`the ${event.centre} centre does not know report ${event.reportId}`);
    await this.store.transaction(async (manager) => {
      if (await this.store.lockForUpdate(manager, 'DiagnosticReport', event.reportId)) return;
      const order = await this.store.lockForUpdate<ServiceRequest & StoredResource>(
        manager,
        'ServiceRequest',
        event.orderId,
      );
      const task = await this.store.lockForUpdate<Task & StoredResource>(
        manager,
        'Task',
        event.taskId,
      );
      if (!order || !task) throw new Error(`order ${event.orderId} or its Task is not known`);
      const owners = await this.owners(manager, event.orderId);
      const agent = systemAgent(`${event.centre}-center`, event.centre.toUpperCase());
      const subject = order.subject;
      const idFor = new Map<string, string>();
      for (const entry of reply.observations)
        idFor.set(entry.fullUrl, entry.fullUrl.replace(/^urn:uuid:/, ''));
      for (const entry of reply.observations) {
        const observation = entry.resource as unknown as Observation;
        await this.store.create(
          manager,
          { ...observation, id: idFor.get(entry.fullUrl), subject },
          owners,
          agent,
        );
      }
      const report = reply.diagnosticReport as unknown as DiagnosticReport;
      const stored = await this.store.create(
        manager,
        {
          ...report,
          id: event.reportId,
          subject,
          basedOn: [{ reference: `ServiceRequest/${event.orderId}` }],
          result: (report.result ?? []).map((ref) => ({
            ...ref,
            reference: `Observation/${idFor.get(ref.reference ?? '') ?? ref.reference}`,
          })),
        },
        owners,
        agent,
      );
      const now = new Date().toISOString();
      await this.store.update(
        manager,
        {
          ...task,
          status: 'completed',
          lastModified: now,
          output: [
            ...(task.output ?? []),
            {
              type: { text: 'DiagnosticReport' },
              valueReference: { reference: `DiagnosticReport/${stored.id}` },
            },
          ],
        },
        [],
        agent,
      );
      await this.store.update(manager, { ...order, status: 'completed' }, [], agent);
      // UPDATE … RETURNING answers [rows, count] through TypeORM.
      const requester = await manager.query<[Array<{ requester_org: string }>, number]>(
        `UPDATE gateway.service_order SET status = 'completed', updated_at = now() WHERE order_id = $1 RETURNING requester_org`,
        [event.orderId],
      );
      // Back to the clinic's own system, if it has one (the delivery decides).
      const org = requester[0]?.[0]?.requester_org;
      if (org) {
        const version = stored.meta?.versionId ?? '1';
        await enqueueInOutbox(
          manager,
          Queues.HubDeliveries,
          JobNames.ReportDeliver,
          { reportId: stored.id, orderId: event.orderId, org, version, traceId: event.traceId },
          { jobId: jobIds.reportDeliver(stored.id, version) },
        );
      }
    });
    this.relay.kick();
    this.logger.log(
      { orderId: event.orderId, reportId: event.reportId, centre: event.centre },
      'report stored',
    );
  }

  /** The results belong to whoever owns the order: the ordering member and the performing centre. */
  private async owners(manager: EntityManager, orderId: string): Promise<string[]> {
    const rows = await manager.query<Array<{ owner_orgs: string[] }>>(
      `SELECT owner_orgs FROM gateway.fhir_resource WHERE resource_type = 'ServiceRequest' AND id = $1`,
      [orderId],
    );
    return rows[0]?.owner_orgs ?? [];
  }
}
