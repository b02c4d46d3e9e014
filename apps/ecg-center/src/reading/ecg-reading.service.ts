import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DiagnosticReport } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  type CentreRefusal,
  type EcgStatement,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { demoCatalogue } from '@hub/consortium';
import {
  CentreOutboxService,
  type DraftContent,
  type OrderReading,
  ReadingEngine,
  type ReleaseInput,
  type ReleasedCritical,
  type ReportVersion,
  catalogueCode,
  centreOrganizationReference,
  parseRequest,
  refuse,
} from '@hub/centre';
import { ecgMeasurementSummary } from '@hub/ecg';
import { Systems } from '@hub/fhir';
import { ECG_CONFIG, type EcgConfig } from '../ecg-config';
import { EcgRecordingRow } from '../recording/recording.entity';
import { ECG_STATEMENT_SYSTEM, ecgStatement, ecgStatements, statementLine } from './statements';

/**
 * What cardiologists read: the order's recordings, the first received starting the turnaround
 * clock, with the machine flags of every recording (they put the order on top as urgent).
 */
const RECORDINGS = `
  SELECT (SELECT a.accession FROM ecg.order_accession a WHERE a.order_id = o.order_id) AS accession,
         rec.ids AS material, rec.first_at AS material_at, ARRAY['ECG']::text[] AS modalities,
         ARRAY(SELECT DISTINCT f ->> 'text' FROM ecg.recording r2
                CROSS JOIN LATERAL jsonb_array_elements(r2.flags) f
               WHERE r2.order_id = o.order_id) AS flags
    FROM (
      SELECT array_agg(r.recording_id::text ORDER BY r.received_at, r.recording_id) AS ids,
             min(r.received_at) AS first_at
        FROM ecg.recording r WHERE r.order_id = o.order_id
    ) rec`;

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(max, `${what} must be at most ${max} characters`);

const draftRequest = z.object({
  orderId: text('orderId', 128).min(1, 'orderId is required'),
  reader: z.object(
    { username: z.string().min(1).max(128), licensed: z.boolean() },
    { error: 'reader is required: { username, licensed }' },
  ),
  statements: z
    .array(z.string().max(32), { error: 'statements must be a list of statement codes' })
    .max(30, 'at most 30 statements'),
  text: text('text', 5000).optional(),
  critical: z
    .object({ text: text('critical.text', 1000).min(2, 'critical.text is required') })
    .nullable()
    .optional(),
});

/**
 * Reading ECGs (心电图诊断): the shared reading engine (libs/centre) over the order's recordings.
 * The cardiologist's draft is a list of standard statements from the catalogue plus free text; the
 * findings are the hub's measurements (and the cart's beside them), written by the centre, never
 * typed. A statement that is a critical finding by itself (VF, VT, complete AV block, STEMI, …)
 * flags the report critical unless the cardiologist words it, which starts the critical-value loop
 * when the report is released. The released report's `result` is the recording's Observation.
 */
@Injectable()
export class EcgReadingService {
  private readonly engine: ReadingEngine;
  private readonly performer = centreOrganizationReference('ecg');

  constructor(
    @InjectDataSource() dataSource: DataSource,
    outbox: CentreOutboxService,
    @Inject(ECG_CONFIG) config: EcgConfig,
  ) {
    this.engine = new ReadingEngine(dataSource, outbox, {
      centre: 'ecg',
      // The demo consortium's catalogue until the catalogue is editable.
      items: demoCatalogue.filter((item) => item.centre === 'ecg'),
      claimMinutes: config.READING_CLAIM_MINUTES,
      materialSql: RECORDINGS,
      materialKey: 'recordingId',
      nothingToRead: (orderId) => `no ECG recording of order ${orderId} has arrived yet`,
      release: (input) => this.release(input),
      reportObservations: async (version) => {
        const recordings = await dataSource.manager.find(EcgRecordingRow, {
          where: { orderId: version.orderId },
          order: { receivedAt: 'ASC' },
          select: { recordingId: true, observation: true },
        });
        return recordings.map((recording) => ({
          fullUrl: `urn:uuid:${recording.recordingId}`,
          resource: { ...recording.observation, status: 'final' },
        }));
      },
    });
  }

  statements(): readonly EcgStatement[] {
    return ecgStatements;
  }

  worklist(request: unknown): Promise<ReadingItem[]> {
    return this.engine.worklist(request);
  }

  get(request: unknown): Promise<ReadingView | null> {
    return this.engine.get(request);
  }

  claim(request: unknown): Promise<ReadingReply> {
    return this.engine.claim(request);
  }

  /**
   * Saves the claimer's statements and text. The findings are the measurements of the order's
   * latest recording; a critical statement without a critical finding in words flags one.
   */
  async draft(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(draftRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader, statements, text: freeText, critical } = parsed.value;
    const unknown = statements.filter((code) => !ecgStatement(code));
    if (unknown.length)
      return refuse(
        400,
        `not in the statement catalogue: ${unknown.join(', ')} (GET /api/ecg/statements lists them)`,
        'statements',
      );
    const chosen = [...new Set(statements)].map((code) => ecgStatement(code) as EcgStatement);
    if (chosen.length === 0 && !freeText)
      return refuse(400, 'choose at least one statement or write the conclusion', 'statements');
    const criticalStatements = chosen.filter((statement) => statement.critical);
    const flagged =
      critical === undefined && criticalStatements.length
        ? { text: criticalStatements.map(statementLine).join('；') }
        : critical;
    return this.engine.draft(
      orderId,
      reader,
      (order, manager) => this.content(order, manager, chosen, freeText ?? ''),
      flagged,
    );
  }

  sign(request: unknown): Promise<ReadingReply> {
    return this.engine.sign(request);
  }

  cosign(request: unknown): Promise<ReadingReply> {
    return this.engine.cosign(request);
  }

  amend(request: unknown): Promise<ReadingReply> {
    return this.engine.amend(request);
  }

  reportGet(request: unknown): Promise<ReportGetReply | null> {
    return this.engine.reportGet(request);
  }

  private async content(
    order: OrderReading,
    manager: EntityManager,
    statements: EcgStatement[],
    freeText: string,
  ): Promise<DraftContent | CentreRefusal> {
    const latest = await manager.findOne(EcgRecordingRow, {
      where: { orderId: order.orderId },
      order: { receivedAt: 'DESC' },
      select: { measurement: true, measurementError: true, cart: true, flags: true },
    });
    if (!latest) return refuse(409, `no ECG recording of order ${order.orderId}`, 'orderId');
    const lines: string[] = [];
    if (latest.measurement) {
      const summary = ecgMeasurementSummary(latest.measurement);
      lines.push(summary.zh, summary.en);
    } else {
      lines.push(`未能自动测量 Not measured: ${latest.measurementError ?? ''}`);
    }
    const cart = latest.cart;
    if (cart && Object.keys(cart).length) {
      const values = [
        cart.heartRateBpm !== undefined ? `HR ${cart.heartRateBpm}/min` : '',
        cart.prMs !== undefined ? `PR ${cart.prMs} ms` : '',
        cart.qrsMs !== undefined ? `QRS ${cart.qrsMs} ms` : '',
        cart.qtMs !== undefined ? `QT ${cart.qtMs} ms` : '',
        cart.qtcMs !== undefined ? `QTc ${cart.qtcMs} ms` : '',
        cart.qrsAxisDeg !== undefined ? `axis ${cart.qrsAxisDeg}°` : '',
      ].filter(Boolean);
      if (values.length) lines.push(`心电图机测量 Cart: ${values.join(', ')}`);
    }
    for (const flag of latest.flags) lines.push(`机器提示 Machine flag: ${flag.text}`);
    const impression = [...statements.map(statementLine), freeText].filter(Boolean).join('\n');
    return {
      findings: lines.join('\n'),
      impression,
      coded: { statements: statements.map((s) => s.code), text: freeText },
    };
  }

  private async release(
    input: ReleaseInput,
  ): Promise<{ diagnosticReport: DiagnosticReport; critical: ReleasedCritical | null }> {
    const { order, version } = input;
    const code = catalogueCode(this.engine.item(order.code), order.code);
    const codes = statementCodes(version);
    // When the ECG was recorded: the recognition window (结果互认) counts from it.
    const recorded = await input.manager.query<Array<{ at: Date | null }>>(
      `SELECT min(coalesce(acquired_at, received_at)) AS at FROM ecg.recording WHERE order_id = $1`,
      [order.orderId],
    );
    const diagnosticReport: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: input.status,
      category: [
        {
          coding: [
            { system: Systems.DiagnosticServiceSection, code: 'EC', display: 'Electrocardiac' },
          ],
        },
      ],
      code,
      basedOn: [{ reference: `ServiceRequest/${order.orderId}` }],
      ...(recorded[0]?.at ? { effectiveDateTime: recorded[0].at.toISOString() } : {}),
      issued: input.issued.toISOString(),
      performer: [this.performer],
      resultsInterpreter: [...new Set(input.interpreters)].map((display) => ({ display })),
      result: (order.material ?? []).map((id) => ({ reference: `urn:uuid:${id}` })),
      conclusion:
        input.status === 'amended' && version.amendmentReason
          ? `更正报告 Amended: ${version.amendmentReason}\n${version.impression}`
          : version.impression,
      conclusionCode: codes.map((statement) => ({
        coding: [{ system: ECG_STATEMENT_SYSTEM, code: statement.code, display: statement.en }],
        text: statement.zh,
      })),
      presentedForm: [
        {
          contentType: 'text/plain; charset=utf-8',
          language: 'zh-CN',
          data: Buffer.from(
            `心电图所见 Findings:\n${version.findings}\n\n心电图诊断 Conclusion:\n${version.impression}`,
            'utf8',
          ).toString('base64'),
          title: '心电图诊断报告 ECG report',
        },
      ],
    };
    const critical: ReleasedCritical | null = version.criticalText
      ? {
          findings: [
            {
              code: 'ECG-CRITICAL',
              display: 'Critical ECG finding',
              displayZh: '心电危急值',
              text: version.criticalText,
            },
          ],
          reportedBy: input.releasedBy,
          reportedAt: input.issued.toISOString(),
        }
      : null;
    return { diagnosticReport, critical };
  }
}

/** The catalogue statements a version chose, in its order. */
function statementCodes(version: ReportVersion): EcgStatement[] {
  const codes = version.coded?.statements;
  if (!Array.isArray(codes)) return [];
  return codes.flatMap((code) => {
    const statement = ecgStatement(code);
    return statement ? [statement] : [];
  });
}
