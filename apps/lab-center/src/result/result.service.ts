import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Observation, type Reference } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import {
  JobNames,
  type PendingResult,
  type PendingVerification,
  Queues,
  type ReportGetReply,
  type ReportVerifyReply,
  type ReportVerifyRequest,
  type ResultSubmitReply,
  type ResultFlags,
  type ResultSubmitRequest,
  type VerificationListRequest,
  jobIds,
} from '@hub/contracts';
import {
  type AnalyteDefinition,
  type CatalogueItem,
  demoAnalytes,
  demoAutoverificationRules,
  demoCatalogue,
  demoOrganizations,
} from '@hub/consortium';
import {
  CentreOrder,
  CentreOutboxService,
  type OutboxEnqueue,
  enqueueTaskUpdate,
} from '@hub/centre';
import { Systems } from '@hub/fhir';
import { Specimen } from '../specimen/specimen.entity';
import { REJECTION_TEXT } from '../specimen/specimen.rules';
import { buildLabReport, criticalFindings, releaseContent } from './lab-report.builder';
import { LabReport } from './result.entity';
import {
  type CheckedResult,
  type FlaggedResult,
  type PreviousValue,
  autoverifiable,
  deltaExceeded,
  interpretValue,
  patientFacts,
  reject,
  validateResults,
} from './result-rules';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRIORITY_ORDER = `CASE o.priority WHEN 'stat' THEN 1 WHEN 'asap' THEN 2 WHEN 'urgent' THEN 3 ELSE 4 END`;

/**
 * Results and their release (检验结果与审核). Results from an analyser or a technician become a
 * preliminary report version with flags computed here (reference range by sex and age, critical
 * limits, delta check). A version is released `final` (or `amended` for a correction) when a lab
 * physician other than whoever entered it verifies it, or at once when an autoverification rule
 * passes it. Release queues the report for the hub, which stores it, delivers it and starts the
 * critical-value loop for any LL/HH finding.
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
  private readonly rules = demoAutoverificationRules;
  private readonly labOrganization = labOrganizationReference();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  /**
   * Stores results as a preliminary version and releases it when autoverification passes. Results
   * for an order that already has a report answer with it and change nothing, unless they are a
   * correction (which replaces a pending version or starts an amended one). Bad requests are
   * answered, never thrown.
   */
  async submit(request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    // The request crossed a process boundary: check what its type only promises.
    const { orderId, performer, results, source, patient, correction } = (request ??
      {}) as Partial<ResultSubmitRequest>;
    if (typeof orderId !== 'string' || orderId === '')
      return reject(400, 'orderId is required: the id of the ServiceRequest', 'orderId');
    if (typeof performer !== 'string' || performer === '')
      return reject(400, 'performer is required: who performed the results', 'performer');
    if (!source || (source.kind !== 'analyser' && source.kind !== 'person') || !source.id)
      return reject(
        400,
        'source is required: the analyser or person the results come from',
        'source',
      );
    if (typeof patient?.id !== 'string' || patient.id === '')
      return reject(400, 'patient.id is required for delta checks', 'patient');
    if (
      correction !== undefined &&
      (typeof correction?.reason !== 'string' || !correction.reason.trim())
    )
      return reject(
        400,
        'correction.reason is required: why the results are corrected',
        'correction.reason',
      );
    const traceId = typeof request.traceId === 'string' ? request.traceId : randomUUID();
    const entered = new Date();

    const reply = await this.outbox.transaction(
      async (manager, enqueue): Promise<ResultSubmitReply> => {
        // Locked so that two submissions for one order run one after the other.
        const order = await lockOpenOrder(manager, orderId);
        if (!(order instanceof CentreOrder)) return order;
        const specimen = await this.latestSpecimen(manager, orderId);
        if (specimen?.status === 'rejected') {
          return reject(
            409,
            `specimen ${specimen.accession} of order ${orderId} was rejected (${REJECTION_TEXT[specimen.rejectionReason ?? 'unlabelled']}): results need a new specimen`,
            'orderId',
          );
        }
        const latest = await this.latestVersion(manager, orderId);
        if (latest && !correction) return answer(latest, true);
        if (!latest && correction)
          return reject(409, `order ${orderId} has no results to correct`, 'correction');

        const item = this.items.get(order.code);
        if (!item)
          return reject(
            409,
            `order ${orderId} is for ${order.code}, which the lab does not report`,
          );
        const checked = validateResults(results, item, this.analytes);
        if (!checked.ok) return checked;
        // A correction of some analytes of a panel keeps the others as they were.
        const submitted = latest
          ? [...checked.results, ...this.carriedOver(latest, checked.results)]
          : checked.results;

        const flagged = await this.flag(manager, submitted, patient, orderId, entered);
        const replacing = latest?.status === 'preliminary' ? latest : undefined;
        const reportId = latest?.reportId ?? randomUUID();
        const version = replacing ? replacing.version : (latest?.version ?? 0) + 1;
        const previousUrls = latest
          ? new Map(
              latest.observations.map((o) => [o.resource.code.coding?.[0]?.code ?? '', o.fullUrl]),
            )
          : undefined;
        const content = buildLabReport({
          orderId,
          item,
          results: flagged,
          performer: this.labOrganization,
          entered,
          collectedAt: specimen?.collectedAt ?? undefined,
          previousUrls,
        });
        const row: LabReport = Object.assign(new LabReport(), {
          reportId,
          version,
          orderId,
          status: 'preliminary',
          patientId: patient.id,
          performer,
          enteredAt: entered,
          sourceKind: source.kind,
          sourceId: source.id,
          issuedAt: null,
          verifiedBy: null,
          verification: null,
          correctionReason: correction?.reason.trim() ?? null,
          flags: flagged.map(flagsOf),
          critical: null,
          diagnosticReport: content.diagnosticReport,
          observations: content.observations,
        });
        if (replacing)
          await manager.query(
            `DELETE FROM lab.analyte_result WHERE report_id = $1 AND version = $2`,
            [reportId, version],
          );
        await manager.save(row);
        for (const [i, result] of flagged.entries()) {
          await manager.query(
            `INSERT INTO lab.analyte_result (report_id, version, order_id, patient_id, code, value, effective_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [
              reportId,
              version,
              orderId,
              patient.id,
              result.analyte.code,
              result.value,
              content.observations[i].resource.effectiveDateTime,
            ],
          );
        }
        if (order.status === 'accepted') {
          await manager.update(
            CentreOrder,
            { orderId },
            { status: 'in-progress', updatedAt: entered },
          );
          await enqueueTaskUpdate(enqueue, order, 'lab', 'in-progress', traceId, { at: entered });
        }
        if (!correction && autoverifiable(source, flagged, this.rules)) {
          await this.release(manager, enqueue, order, row, 'autoverification', 'rule', traceId);
        }
        return answer(row, false);
      },
    );
    if (reply.ok && !reply.duplicate)
      this.logger.log(
        {
          orderId,
          reportId: reply.reportId,
          version: reply.version,
          status: reply.status,
          traceId,
        },
        reply.status === 'preliminary' ? 'results waiting for verification' : 'report released',
      );
    return reply;
  }

  /**
   * A lab physician verifies (审核) an order's pending version: it is released `final` (or
   * `amended`). Whoever entered the results cannot verify them.
   */
  async verify(request: ReportVerifyRequest): Promise<ReportVerifyReply> {
    const { orderId, verifier } = (request ?? {}) as Partial<ReportVerifyRequest>;
    if (typeof orderId !== 'string' || orderId === '')
      return reject(400, 'orderId is required', 'orderId');
    if (typeof verifier !== 'string' || verifier === '')
      return reject(400, 'verifier is required', 'verifier');
    const traceId = typeof request.traceId === 'string' ? request.traceId : randomUUID();
    const reply = await this.outbox.transaction(
      async (manager, enqueue): Promise<ReportVerifyReply> => {
        const order = await lockOpenOrder(manager, orderId);
        if (!(order instanceof CentreOrder)) return order;
        const latestSpecimen = await this.latestSpecimen(manager, orderId);
        const rejected = latestSpecimen?.status === 'rejected' ? latestSpecimen : undefined;
        if (rejected || order.status === 'on-hold')
          return reject(
            409,
            `order ${orderId} is on hold${rejected ? `: specimen ${rejected.accession} was rejected (${REJECTION_TEXT[rejected.rejectionReason ?? 'unlabelled']})` : ''}; its results cannot be released`,
            'orderId',
          );
        const latest = await this.latestVersion(manager, orderId);
        if (!latest) return reject(404, `order ${orderId} has no results to verify`, 'orderId');
        if (latest.status !== 'preliminary') {
          return reject(
            409,
            `version ${latest.version} of the report of order ${orderId} was already released (${latest.status}) by ${latest.verification === 'rule' ? 'an autoverification rule' : latest.verifiedBy} at ${latest.issuedAt?.toISOString()}`,
            'orderId',
          );
        }
        if (latest.performer === verifier) {
          return reject(
            403,
            `${verifier} entered these results and cannot verify them: a second lab physician must (双人审核)`,
            'verifier',
          );
        }
        await this.release(manager, enqueue, order, latest, verifier, 'person', traceId);
        return {
          ok: true,
          reportId: latest.reportId,
          orderId,
          version: latest.version,
          status: latest.version === 1 ? 'final' : 'amended',
          critical: latest.critical?.findings.length ?? 0,
        };
      },
    );
    if (reply.ok)
      this.logger.log(
        {
          orderId,
          reportId: reply.reportId,
          version: reply.version,
          critical: reply.critical,
          traceId,
        },
        'report verified and released',
      );
    return reply;
  }

  /** Versions waiting for verification, most urgent and oldest first. */
  async pending(request: VerificationListRequest | undefined): Promise<PendingVerification[]> {
    const limit = Math.min(Math.max(Number(request?.limit) || 100, 1), 500);
    const rows = await this.dataSource.query<
      Array<{
        order_id: string;
        report_id: string;
        version: number;
        code: string;
        priority: string;
        performer: string;
        entered_at: Date;
        flags: PendingVerification['flags'];
        observations: LabReport['observations'];
        correction_reason: string | null;
      }>
    >(
      `SELECT r.order_id, r.report_id, r.version, o.code, o.priority, r.performer, r.entered_at, r.flags, r.observations, r.correction_reason
       FROM lab.report r JOIN lab.received_order o ON o.order_id = r.order_id
       WHERE r.status = 'preliminary' AND o.status NOT IN ('cancelled', 'on-hold')
       ORDER BY ${PRIORITY_ORDER}, r.entered_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      reportId: row.report_id,
      version: row.version,
      code: row.code,
      priority: row.priority,
      enteredBy: row.performer,
      enteredAt: row.entered_at.toISOString(),
      flags: row.flags,
      results: row.observations.map(({ resource }) =>
        pendingResult(
          resource,
          row.flags.find((flag) => flag.code === resource.code.coding?.[0]?.code),
        ),
      ),
      ...(row.correction_reason ? { correctionReason: row.correction_reason } : {}),
    }));
  }

  /**
   * A released version's FHIR content (the latest released when no version is given), or null.
   * A version still waiting for verification never leaves the lab.
   */
  async get(reportId: unknown, version?: unknown): Promise<ReportGetReply | null> {
    // report_id is a uuid column: anything else names no report (and would fail the cast).
    if (typeof reportId !== 'string' || !UUID.test(reportId)) return null;
    const query = this.dataSource.manager
      .createQueryBuilder(LabReport, 'r')
      .where('r.report_id = :reportId', { reportId })
      .andWhere(`r.status IN ('final', 'amended')`);
    if (typeof version === 'number') query.andWhere('r.version = :version', { version });
    const shown = await query.orderBy('r.version', 'DESC').getOne();
    if (!shown) return null;
    return {
      reportId: shown.reportId,
      orderId: shown.orderId,
      version: shown.version,
      diagnosticReport: { ...shown.diagnosticReport },
      observations: shown.observations.map(({ fullUrl, resource }) => ({
        fullUrl,
        resource: { ...resource },
      })),
      ...(shown.critical ? { critical: shown.critical } : {}),
    };
  }

  /**
   * Releases a version: its content becomes `final` (version 1) or `amended`, its values count
   * for later delta checks, the order is completed, and the hub is told (`ReportSubmit`).
   */
  private async release(
    manager: EntityManager,
    enqueue: OutboxEnqueue,
    order: CentreOrder,
    row: LabReport,
    verifier: string,
    verification: 'rule' | 'person',
    traceId: string,
  ): Promise<void> {
    const issued = new Date();
    const status = row.version === 1 ? 'final' : 'amended';
    const content = releaseContent(
      { diagnosticReport: row.diagnosticReport, observations: row.observations },
      { status, issued, verifier, verification, correctionReason: row.correctionReason },
    );
    const findings = criticalFindings(content);
    Object.assign(row, {
      status,
      issuedAt: issued,
      verifiedBy: verifier,
      verification,
      diagnosticReport: content.diagnosticReport,
      observations: content.observations,
      critical: findings.length
        ? { findings, reportedBy: verifier, reportedAt: issued.toISOString() }
        : null,
    });
    await manager.save(row);
    await manager.query(
      `UPDATE lab.analyte_result SET released_at = $3 WHERE report_id = $1 AND version = $2`,
      [row.reportId, row.version, issued],
    );
    if (order.status !== 'completed') {
      await manager.update(
        CentreOrder,
        { orderId: order.orderId },
        { status: 'completed', updatedAt: issued },
      );
      await enqueueTaskUpdate(enqueue, order, 'lab', 'completed', traceId, { at: issued });
    }
    await enqueue(
      Queues.HubResults,
      JobNames.ReportSubmit,
      {
        reportId: row.reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'lab',
        version: row.version,
        traceId,
      },
      { jobId: jobIds.reportSubmit(row.reportId, row.version) },
    );
  }

  /** Flags each result for this patient, with the delta check against their previous value. */
  private async flag(
    manager: EntityManager,
    results: Array<Omit<FlaggedResult, 'interpretation'>>,
    patient: NonNullable<ResultSubmitRequest['patient']>,
    orderId: string,
    entered: Date,
  ): Promise<FlaggedResult[]> {
    const flagged: FlaggedResult[] = [];
    for (const result of results) {
      const at = result.effectiveDateTime ? new Date(result.effectiveDateTime) : entered;
      const facts = patientFacts(patient, at);
      const previous = await this.previousValue(
        manager,
        patient.id,
        result.analyte.code,
        orderId,
        at,
      );
      const delta = deltaExceeded(result.analyte.delta, result.value, previous, at);
      flagged.push({
        ...result,
        ...interpretValue(result.analyte, result.value, facts),
        ...(delta && previous ? { delta: previous } : {}),
      });
    }
    return flagged;
  }

  /** The patient's latest released value of the analyte from another order, before `at`. */
  private async previousValue(
    manager: EntityManager,
    patientId: string,
    code: string,
    orderId: string,
    at: Date,
  ): Promise<PreviousValue | undefined> {
    const rows = await manager.query<Array<{ value: number; effective_at: Date }>>(
      `SELECT value, effective_at FROM (
         SELECT DISTINCT ON (report_id) value, effective_at
         FROM lab.analyte_result
         WHERE patient_id = $1 AND code = $2 AND order_id <> $3 AND released_at IS NOT NULL AND effective_at <= $4
         ORDER BY report_id, version DESC
       ) latest ORDER BY effective_at DESC LIMIT 1`,
      [patientId, code, orderId, at],
    );
    return rows[0] ? { value: rows[0].value, at: rows[0].effective_at } : undefined;
  }

  /** The results of `previous` for the analytes a correction does not give again. */
  private carriedOver(previous: LabReport, corrected: CheckedResult[]): CheckedResult[] {
    return previous.observations.flatMap(({ resource }) => {
      const code = resource.code.coding?.[0]?.code ?? '';
      const analyte = this.analytes.get(code);
      const value = resource.valueQuantity?.value;
      if (!analyte || value === undefined || corrected.some((r) => r.analyte.code === code))
        return [];
      return [{ analyte, value, effectiveDateTime: resource.effectiveDateTime }];
    });
  }

  /** The order's latest specimen when it was rejected, else null. */
  /** The order's specimen as last changed (a recollection replaces a rejected one). */
  private latestSpecimen(manager: EntityManager, orderId: string): Promise<Specimen | null> {
    return manager.findOne(Specimen, { where: { orderId }, order: { updatedAt: 'DESC' } });
  }

  private latestVersion(manager: EntityManager, orderId: string): Promise<LabReport | null> {
    return manager.findOne(LabReport, { where: { orderId }, order: { version: 'DESC' } });
  }
}

/** A stored Observation of a version waiting for verification, as the physician judges it. */
function pendingResult(observation: Observation, flags: ResultFlags | undefined): PendingResult {
  const coding = observation.code.coding?.[0];
  const range = observation.referenceRange?.[0];
  const interpretation = observation.interpretation?.[0]?.coding?.[0]?.code;
  return {
    code: coding?.code ?? '',
    display: coding?.display ?? '',
    ...(observation.code.text ? { displayZh: observation.code.text } : {}),
    value: observation.valueQuantity?.value ?? Number.NaN,
    ...(observation.valueQuantity?.unit ? { unit: observation.valueQuantity.unit } : {}),
    ...(range?.low?.value !== undefined ? { low: range.low.value } : {}),
    ...(range?.high?.value !== undefined ? { high: range.high.value } : {}),
    interpretation:
      flags?.interpretation ?? (interpretation as ResultFlags['interpretation'] | undefined) ?? 'N',
    delta: flags?.delta ?? false,
    ...(observation.note?.[0]?.text ? { note: observation.note[0].text } : {}),
    ...(observation.effectiveDateTime ? { effectiveDateTime: observation.effectiveDateTime } : {}),
  };
}

/** The order locked for change, or the refusal when the lab does not have it or it was cancelled. */
async function lockOpenOrder(
  manager: EntityManager,
  orderId: string,
): Promise<CentreOrder | ReturnType<typeof reject>> {
  const order = await manager.findOne(CentreOrder, {
    where: { orderId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!order) return reject(404, `order ${orderId} has not been received by the lab`, 'orderId');
  if (order.status === 'cancelled')
    return reject(409, `order ${orderId} was cancelled by the clinic`, 'orderId');
  return order;
}

/** The reply for a stored version. */
function answer(row: LabReport, duplicate: boolean): Extract<ResultSubmitReply, { ok: true }> {
  return {
    ok: true,
    duplicate,
    reportId: row.reportId,
    orderId: row.orderId,
    version: row.version,
    status: row.status,
    ...(row.verification ? { verifiedBy: row.verification } : {}),
    observationCount: row.observations.length,
    flags: row.flags,
  };
}

function flagsOf(result: FlaggedResult) {
  return {
    code: result.analyte.code,
    interpretation: result.interpretation,
    delta: result.delta !== undefined,
  };
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
