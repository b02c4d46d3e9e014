import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import {
  JobNames,
  Queues,
  type ReportGetReply,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  jobIds,
} from '@hub/contracts';
import {
  type AnalyteDefinition,
  type CatalogueItem,
  demoAnalytes,
  demoCatalogue,
} from '@hub/consortium';
import { CentreOrder, CentreOutboxService } from '@hub/centre';
import { enqueueInOutbox } from '@hub/persistence';
import { buildLabReport, validateResults } from './lab-report.builder';
import { LabReport } from './lab-report.entity';

/** The lab as the performer named in its reports. */
const LAB_PERFORMER = {
  reference: 'Organization/lab',
  display: '医共体医学检验中心 Consortium Laboratory Centre',
};

/**
 * Results for an order become a final report: validated against the order's item and analytes,
 * stored with the order marked completed and `ReportSubmit` queued for the hub, in one
 * transaction. Submitting again for a reported order returns the existing report.
 */
@Injectable()
export class LabResultService {
  private readonly logger = new Logger(LabResultService.name);
  // The lab's analyte configuration; the lab issue makes it editable per consortium.
  private readonly analytes = new Map<string, AnalyteDefinition>(
    demoAnalytes.map((a) => [a.code, a]),
  );
  private readonly items = new Map<string, CatalogueItem>(
    demoCatalogue.filter((i) => i.centre === 'lab').map((i) => [i.code, i]),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  async submit(request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    const reply = await this.dataSource.transaction(async (manager): Promise<ResultSubmitReply> => {
      const order = await manager
        .getRepository(CentreOrder)
        .findOne({ where: { orderId: request.orderId }, lock: { mode: 'pessimistic_write' } });
      if (!order)
        return {
          ok: false,
          status: 404,
          diagnostics: `order ${request.orderId} has not been received by the lab`,
          expression: ['orderId'],
        };
      const existing = await manager.getRepository(LabReport).findOneBy({ orderId: order.orderId });
      if (existing) {
        return {
          ok: true,
          duplicate: true,
          reportId: existing.reportId,
          orderId: order.orderId,
          observationCount: existing.observations.length,
        };
      }
      const item = this.items.get(order.code);
      if (!item)
        return {
          ok: false,
          status: 409,
          diagnostics: `order ${order.orderId} is for ${order.code}, which the lab does not report`,
        };
      const validation = validateResults(request.results, item, this.analytes);
      if (!validation.ok) return validation;

      const built = buildLabReport({
        orderId: order.orderId,
        item,
        results: request.results,
        analytes: this.analytes,
        performer: LAB_PERFORMER,
        issued: new Date(),
      });
      await manager.save(
        Object.assign(new LabReport(), {
          reportId: built.reportId,
          orderId: order.orderId,
          status: 'final',
          issuedAt: new Date(built.diagnosticReport.issued as string),
          performer: request.performer,
          diagnosticReport: built.diagnosticReport as unknown as Record<string, unknown>,
          observations: built.observations as unknown as LabReport['observations'],
        }),
      );
      await manager
        .getRepository(CentreOrder)
        .update({ orderId: order.orderId }, { status: 'completed', updatedAt: new Date() });
      await enqueueInOutbox(
        manager,
        Queues.HubResults,
        JobNames.ReportSubmit,
        {
          reportId: built.reportId,
          orderId: order.orderId,
          taskId: order.taskId,
          centre: 'lab',
          traceId: request.traceId,
        },
        { jobId: jobIds.reportSubmit(built.reportId) },
      );
      return {
        ok: true,
        duplicate: false,
        reportId: built.reportId,
        orderId: order.orderId,
        observationCount: built.observations.length,
      };
    });
    if (reply.ok && !reply.duplicate) {
      this.outbox.kick();
      this.logger.log(
        { orderId: reply.orderId, reportId: reply.reportId, traceId: request.traceId },
        'report issued',
      );
    }
    return reply;
  }

  /** A stored report's FHIR content, or null when the lab does not know it. */
  async get(reportId: string): Promise<ReportGetReply | null> {
    if (!/^[0-9a-f-]{36}$/i.test(reportId)) return null;
    const report = await this.dataSource.getRepository(LabReport).findOneBy({ reportId });
    if (!report) return null;
    return {
      reportId: report.reportId,
      orderId: report.orderId,
      diagnosticReport: report.diagnosticReport,
      observations: report.observations,
    };
  }
}
