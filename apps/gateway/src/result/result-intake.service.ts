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
import { CriticalValueService } from '../critical-value/critical-value.service';
import {
  RECOGNITION_MARK,
  RecognitionService,
  observedAtOf,
  performerOrg,
} from '../recognition/recognition.service';

/** Extension on a stored DiagnosticReport: the centre's report version it holds. */
export const REPORT_VERSION_URL = 'urn:hub:extension:report-version';

/** The centre's version a stored DiagnosticReport holds (1 when it predates versions). */
export function reportVersionOf(report: DiagnosticReport): number {
  return report.extension?.find((e) => e.url === REPORT_VERSION_URL)?.valueInteger ?? 1;
}

/** Order of Task states; a centre's event never moves a Task backwards. */
const TASK_PROGRESS: Record<string, number> = {
  draft: 0,
  requested: 1,
  received: 2,
  accepted: 3,
  'in-progress': 4,
  // A rejected specimen holds the order even after results were started.
  'on-hold': 5,
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
    private readonly criticalValues: CriticalValueService,
    private readonly recognition: RecognitionService,
  ) {}

  /** Applies a centre's Task status change unless the Task is already there or further on. */
  async applyTaskUpdate(event: TaskUpdatePayload): Promise<void> {
    // A final report completes the Task when it is stored (see storeReport), so that a clinic
    // never sees a completed Task without its report.
    if (event.status === 'completed') return;
    let notify = false;
    await this.store.transaction(async (manager) => {
      const task = await this.store.lockForUpdate<Task & StoredResource>(
        manager,
        'Task',
        event.taskId,
      );
      if (!task) throw new Error(`Task/${event.taskId} for order ${event.orderId} is not known`);
      if ((TASK_PROGRESS[task.status] ?? 0) >= (TASK_PROGRESS[event.status] ?? 0)) return;
      const stored = await this.store.update(
        manager,
        {
          ...task,
          status: event.status,
          lastModified: event.at,
          ...(event.reason ? { statusReason: { text: event.reason } } : {}),
        },
        [],
        systemAgent(`${event.centre}-center`, event.centre.toUpperCase()),
      );
      // UPDATE … RETURNING answers [rows, count] through TypeORM.
      const updated = await manager.query<[Array<{ requester_org: string }>, number]>(
        `UPDATE gateway.service_order SET status = $2, updated_at = now() WHERE order_id = $1 RETURNING requester_org`,
        [event.orderId, event.status],
      );
      // A held or failed order needs the clinic to act (recollect): tell its system too.
      const org = updated[0]?.[0]?.requester_org;
      if (org && (event.status === 'on-hold' || event.status === 'failed')) {
        const taskVersion = stored.meta?.versionId ?? '1';
        await enqueueInOutbox(
          manager,
          Queues.HubDeliveries,
          JobNames.OrderStatusDeliver,
          {
            orderId: event.orderId,
            taskId: event.taskId,
            org,
            taskVersion,
            traceId: event.traceId,
          },
          { jobId: jobIds.orderStatusDeliver(event.taskId, taskVersion) },
        );
        notify = true;
      }
    });
    if (notify) this.relay.kick();
  }

  /**
   * Fetches a released report version from its centre and stores it. The first version creates the
   * Observations and the DiagnosticReport (with the order's patient as subject), completes the Task
   * with the report as output and the ServiceRequest; a later version (an amendment) updates the
   * same resources, so their history keeps every version. Either way the version is queued for
   * delivery to the clinic, and its critical findings start the critical-value loop, in the same
   * transaction. A version already stored changes nothing.
   */
  async storeReport(event: ReportSubmitPayload): Promise<void> {
    const version = event.version ?? 1;
    if (await this.storedVersion(event.reportId, version)) return;
    const reply = await this.centres.getReport(event.centre, event.reportId, version);
    if (!reply)
      throw new Error(
        `the ${event.centre} centre does not know version ${version} of report ${event.reportId}`,
      );
    await this.store.transaction(async (manager) => {
      const existing = await this.store.lockForUpdate<DiagnosticReport & StoredResource>(
        manager,
        'DiagnosticReport',
        event.reportId,
      );
      if (existing && reportVersionOf(existing) >= version) return;
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
        const observation = {
          ...(entry.resource as unknown as Observation),
          id: idFor.get(entry.fullUrl),
          subject,
        };
        // An earlier version of the report wrote it, or (ECG) it was recorded before the report.
        const previous = await this.store.lockForUpdate<Observation & StoredResource>(
          manager,
          'Observation',
          observation.id ?? '',
        );
        if (previous)
          await this.store.update(
            manager,
            { ...observation, meta: previous.meta, id: previous.id },
            [],
            agent,
          );
        else await this.store.create(manager, observation, owners, agent);
      }
      const report = reply.diagnosticReport as unknown as DiagnosticReport;
      const content: DiagnosticReport = {
        ...report,
        id: event.reportId,
        subject,
        basedOn: [{ reference: `ServiceRequest/${event.orderId}` }],
        // A centre names no hub Specimen: the report is about the order's (pathology, lab).
        ...(report.specimen?.length || !order.specimen?.length ? {} : { specimen: order.specimen }),
        result: (report.result ?? []).map((ref) => ({
          ...ref,
          reference: `Observation/${idFor.get(ref.reference ?? '') ?? ref.reference}`,
        })),
        extension: [
          ...(report.extension ?? []).filter((e) => e.url !== REPORT_VERSION_URL),
          { url: REPORT_VERSION_URL, valueInteger: version },
        ],
      };
      // The HR mark (检查检验结果互认): the item is recognized and the performing centre's EQA for it
      // was in force and passed on the day the result was observed.
      const item = content.code?.coding?.[0] ?? {};
      const observedAt = observedAtOf(content);
      const verdict = await this.recognition.eligibility(
        manager,
        item,
        performerOrg(content),
        observedAt,
        observedAt,
      );
      const tags = (existing?.meta?.tag ?? []).filter((t) => t.system !== RECOGNITION_MARK.system);
      if (verdict.eligible) tags.push(RECOGNITION_MARK);
      const meta = { ...(existing?.meta ?? {}), ...(tags.length ? { tag: tags } : {}) };
      const stored = existing
        ? await this.store.update(manager, { ...content, meta, id: existing.id }, [], agent)
        : await this.store.create(manager, { ...content, meta }, owners, agent);
      // The first report that is not a preliminary result (a frozen section's call-back) completes
      // the order; amendments find it completed.
      if (content.status !== 'preliminary' && task.status !== 'completed') {
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
      }
      // UPDATE … RETURNING answers [rows, count] through TypeORM.
      const requester = await manager.query<[Array<{ requester_org: string }>, number]>(
        `UPDATE gateway.service_order SET status = 'completed', updated_at = now() WHERE order_id = $1 RETURNING requester_org`,
        [event.orderId],
      );
      const org = requester[0]?.[0]?.requester_org;
      if (org && reply.critical?.findings.length) {
        await this.criticalValues.raise(manager, {
          centre: event.centre,
          orderId: event.orderId,
          reportId: stored.id,
          reportVersion: version,
          requesterOrg: org,
          owners,
          subject: subject ?? {},
          findings: reply.critical.findings.map((finding) => ({
            ...finding,
            observationId: finding.observationFullUrl
              ? idFor.get(finding.observationFullUrl)
              : undefined,
          })),
          reportedBy: reply.critical.reportedBy,
          reportedAt: reply.critical.reportedAt,
          traceId: event.traceId,
        });
      }
      // Back to the clinic's own system, if it has one (the delivery decides).
      if (org) {
        const storedVersion = stored.meta?.versionId ?? '1';
        await enqueueInOutbox(
          manager,
          Queues.HubDeliveries,
          JobNames.ReportDeliver,
          {
            reportId: stored.id,
            orderId: event.orderId,
            org,
            version: storedVersion,
            traceId: event.traceId,
          },
          { jobId: jobIds.reportDeliver(stored.id, storedVersion) },
        );
      }
    });
    this.relay.kick();
    this.logger.log(
      { orderId: event.orderId, reportId: event.reportId, version, centre: event.centre },
      version > 1 ? 'amended report stored' : 'report stored',
    );
  }

  /** True when this version (or a later one) of the report is already in the record. */
  private async storedVersion(reportId: string, version: number): Promise<boolean> {
    const existing = await this.store.find<DiagnosticReport & StoredResource>(
      'DiagnosticReport',
      reportId,
      fullAccess,
    );
    return existing !== undefined && existing !== null && reportVersionOf(existing) >= version;
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
