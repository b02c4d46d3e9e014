import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DiagnosticReport, Observation, Quantity, Reference } from 'fhir/r4';
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
  demoOrganizations,
  interpret,
} from '@hub/consortium';
import { CentreOrder, CentreOutboxService } from '@hub/centre';
import { Systems } from '@hub/fhir';
import { LabReport } from './result.entity';

/** Why results were refused: the status the gateway answers with and the field at fault. */
export type ResultRejection = Extract<ResultSubmitReply, { ok: false }>;

/** A submitted result that passed the checks, with the analyte it measures. */
export interface CheckedResult {
  analyte: AnalyteDefinition;
  value: number;
  effectiveDateTime?: string;
}

/** The Observations and final DiagnosticReport made from an order's results. */
export interface BuiltReport {
  reportId: string;
  diagnosticReport: DiagnosticReport;
  observations: Array<{ fullUrl: string; resource: Observation }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const INTERPRETATION_DISPLAY = { H: 'High', L: 'Low', N: 'Normal' } as const;

/**
 * Results for an order become its final report. They are checked against the ordered catalogue
 * item and the lab's analytes; the report is stored, the order marked completed and `TaskUpdate
 * completed` and `ReportSubmit` queued for the hub, in one transaction. Results for an order that
 * has its report answer with that report and change nothing.
 */
@Injectable()
export class LabResultService {
  private readonly logger = new Logger(LabResultService.name);
  // The demo consortium's configuration until the lab's catalogue and analytes are editable.
  private readonly items = new Map<string, CatalogueItem>(
    demoCatalogue.filter((item) => item.centre === 'lab').map((item) => [item.code, item]),
  );
  private readonly analytes = new Map<string, AnalyteDefinition>(
    demoAnalytes.map((analyte) => [analyte.code, analyte]),
  );
  private readonly labOrganization = labOrganizationReference();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  /** Stores the final report for an order's results; a bad request is answered, never thrown. */
  async submit(request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    // The request crossed a process boundary: check what its type only promises.
    const {
      orderId,
      performer,
      results,
      traceId: givenTraceId,
    } = (request ?? {}) as Partial<ResultSubmitRequest>;
    if (typeof orderId !== 'string' || orderId === '')
      return reject(400, 'orderId is required: the id of the ServiceRequest', 'orderId');
    if (typeof performer !== 'string' || performer === '')
      return reject(
        400,
        'performer is required: who performed or verified the results',
        'performer',
      );
    const traceId = typeof givenTraceId === 'string' ? givenTraceId : randomUUID();
    const issued = new Date();
    const reply = await this.outbox.transaction(
      async (manager, enqueue): Promise<ResultSubmitReply> => {
        // Locked so that two submissions for one order run one after the other: the second finds
        // the first one's report.
        const order = await manager.findOne(CentreOrder, {
          where: { orderId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!order)
          return reject(404, `order ${orderId} has not been received by the lab`, 'orderId');
        if (order.status === 'cancelled') {
          return {
            ok: false,
            status: 409,
            diagnostics: `order ${orderId} was cancelled by the clinic`,
            expression: ['orderId'],
          };
        }
        const existing = await manager.findOneBy(LabReport, { orderId });
        if (existing) {
          return {
            ok: true,
            duplicate: true,
            reportId: existing.reportId,
            orderId,
            observationCount: existing.observations.length,
          };
        }
        const item = this.items.get(order.code);
        if (!item) {
          return {
            ok: false,
            status: 409,
            diagnostics: `order ${orderId} is for ${order.code}, which the lab does not report`,
          };
        }
        const checked = validateResults(results, item, this.analytes);
        if (!checked.ok) return checked;

        const report = buildLabReport({
          orderId,
          item,
          results: checked.results,
          performer: this.labOrganization,
          issued,
        });
        await manager.insert(LabReport, {
          reportId: report.reportId,
          orderId,
          status: 'final',
          issuedAt: issued,
          performer,
          diagnosticReport: report.diagnosticReport,
          observations: report.observations,
        });
        await manager.update(CentreOrder, { orderId }, { status: 'completed', updatedAt: issued });
        await enqueue(
          Queues.HubTaskEvents,
          JobNames.TaskUpdate,
          {
            orderId,
            taskId: order.taskId,
            centre: 'lab',
            status: 'completed',
            at: issued.toISOString(),
            traceId,
          },
          { jobId: jobIds.taskUpdate(order.taskId, 'completed') },
        );
        await enqueue(
          Queues.HubResults,
          JobNames.ReportSubmit,
          {
            reportId: report.reportId,
            orderId,
            taskId: order.taskId,
            centre: 'lab',
            traceId,
          },
          { jobId: jobIds.reportSubmit(report.reportId) },
        );
        return {
          ok: true,
          duplicate: false,
          reportId: report.reportId,
          orderId,
          observationCount: report.observations.length,
        };
      },
    );
    if (reply.ok) {
      this.logger.log(
        { orderId, reportId: reply.reportId, traceId },
        reply.duplicate ? 'report already issued' : 'report issued',
      );
    }
    return reply;
  }

  /** A stored report's FHIR content, or null when the lab does not know it. */
  async get(reportId: unknown): Promise<ReportGetReply | null> {
    // report_id is a uuid column: anything else names no report (and would fail the cast).
    if (typeof reportId !== 'string' || !UUID.test(reportId)) return null;
    const report = await this.dataSource.manager.findOneBy(LabReport, { reportId });
    if (!report) return null;
    return {
      reportId: report.reportId,
      orderId: report.orderId,
      diagnosticReport: { ...report.diagnosticReport },
      observations: report.observations.map(({ fullUrl, resource }) => ({
        fullUrl,
        resource: { ...resource },
      })),
    };
  }
}

/**
 * Checks submitted results against the ordered item: at least one; each code an analyte the item
 * reports (a panel's members, or the item itself), given once; each value a finite number; each
 * unit, when given, the analyte's configured UCUM unit; each time, when given, an ISO date-time.
 * The first problem is answered, naming its field (`results[1].unit`).
 */
export function validateResults(
  results: unknown,
  item: CatalogueItem,
  analytes: ReadonlyMap<string, AnalyteDefinition>,
): { ok: true; results: CheckedResult[] } | ResultRejection {
  if (!Array.isArray(results) || results.length === 0)
    return reject(400, 'results must list at least one result', 'results');
  const expected = item.members ?? [item.code];
  const checked: CheckedResult[] = [];
  for (const [i, entry] of (results as unknown[]).entries()) {
    const field = `results[${i}]`;
    if (typeof entry !== 'object' || entry === null)
      return reject(400, `${field} must be an object with code and value`, field);
    const { code, value, unit, effectiveDateTime } = entry as Record<string, unknown>;
    if (typeof code !== 'string' || code === '')
      return reject(
        400,
        `${field}.code is required: the LOINC code of the analyte`,
        `${field}.code`,
      );
    const analyte = analytes.get(code);
    if (!expected.includes(code) || !analyte) {
      return reject(
        422,
        `${field}.code ${code} is not reported by ${item.code} (${item.display}); expected one of ${expected.join(', ')}`,
        `${field}.code`,
      );
    }
    if (checked.some((result) => result.analyte.code === code))
      return reject(422, `${field}.code ${code} is given twice`, `${field}.code`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      return reject(400, `${field}.value must be a finite number`, `${field}.value`);
    if (unit !== undefined && unit !== analyte.unit) {
      return reject(
        422,
        `${field}.unit ${JSON.stringify(unit)} is not the unit configured for ${code}: ${analyte.unit} (UCUM)`,
        `${field}.unit`,
      );
    }
    if (
      effectiveDateTime !== undefined &&
      (typeof effectiveDateTime !== 'string' ||
        !DATE_TIME.test(effectiveDateTime) ||
        Number.isNaN(Date.parse(effectiveDateTime)))
    ) {
      return reject(
        400,
        `${field}.effectiveDateTime must be an ISO date-time with a time zone`,
        `${field}.effectiveDateTime`,
      );
    }
    checked.push({ analyte, value, effectiveDateTime });
  }
  return { ok: true, results: checked };
}

/**
 * Builds the Observations (LOINC code, UCUM quantity, reference range, H/L/N computed here from
 * the lab's ranges, never taken from the analyser) and the final DiagnosticReport naming them by
 * `urn:uuid:`. No subject: the gateway, which owns the patient, adds it from the ServiceRequest.
 */
export function buildLabReport(options: {
  orderId: string;
  item: CatalogueItem;
  results: CheckedResult[];
  performer: Reference;
  issued: Date;
}): BuiltReport {
  const issued = options.issued.toISOString();
  const basedOn: Reference[] = [{ reference: `ServiceRequest/${options.orderId}` }];
  const observations = options.results.map(({ analyte, value, effectiveDateTime }) => {
    const quantity = (amount: number): Quantity => ({
      value: amount,
      unit: analyte.unit,
      system: Systems.Ucum,
      code: analyte.unit,
    });
    const flag = interpret(value, analyte.low, analyte.high);
    const hasRange = analyte.low !== undefined || analyte.high !== undefined;
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            { system: Systems.ObservationCategory, code: 'laboratory', display: 'Laboratory' },
          ],
        },
      ],
      code: {
        coding: [{ system: Systems.Loinc, code: analyte.code, display: analyte.display }],
        text: analyte.displayZh,
      },
      basedOn,
      effectiveDateTime: effectiveDateTime ?? issued,
      issued,
      performer: [options.performer],
      valueQuantity: quantity(value),
      interpretation: [
        {
          coding: [
            {
              system: Systems.ObservationInterpretation,
              code: flag,
              display: INTERPRETATION_DISPLAY[flag],
            },
          ],
        },
      ],
      ...(hasRange
        ? {
            referenceRange: [
              {
                ...(analyte.low !== undefined ? { low: quantity(analyte.low) } : {}),
                ...(analyte.high !== undefined ? { high: quantity(analyte.high) } : {}),
              },
            ],
          }
        : {}),
    };
    return { fullUrl: `urn:uuid:${randomUUID()}`, resource };
  });
  const earliest = observations
    .map((entry) => entry.resource.effectiveDateTime as string)
    .reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  const diagnosticReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [
      {
        coding: [{ system: Systems.DiagnosticServiceSection, code: 'LAB', display: 'Laboratory' }],
      },
    ],
    code: {
      coding: [
        { system: options.item.system, code: options.item.code, display: options.item.display },
      ],
      text: options.item.displayZh,
    },
    basedOn,
    effectiveDateTime: earliest,
    issued,
    performer: [options.performer],
    result: observations.map((entry) => ({ reference: entry.fullUrl })),
  };
  return { reportId: randomUUID(), diagnosticReport, observations };
}

/**
 * The lab as its reports name it: by the consortium's organisation identifier, which every app
 * shares (the FHIR id of the Organization is the gateway's).
 */
function labOrganizationReference(): Reference {
  const lab = demoOrganizations.find((organization) => organization.centre === 'lab');
  if (!lab) throw new Error('no organisation of the consortium hosts the lab centre');
  return { identifier: { system: Systems.HubOrganization, value: lab.code }, display: lab.name };
}

/** A refusal naming the field at fault; nothing was stored. */
function reject(status: 400 | 404 | 422, diagnostics: string, field: string): ResultRejection {
  return { ok: false, status, diagnostics, expression: [field] };
}
