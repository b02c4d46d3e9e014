import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DiagnosticReport } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  type PathologyCatalogues,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { demoCatalogue } from '@hub/consortium';
import {
  CentreOutboxService,
  type CodedContent,
  ReadingEngine,
  catalogueCode,
  centreOrganizationReference,
  type ReleaseInput,
  type ReleasedCritical,
  parseRequest,
  refuse,
} from '@hub/centre';
import { Systems } from '@hub/fhir';
import { PATHOLOGY_CONFIG, type PathologyConfig } from '../pathology-config';
import {
  HISTOLOGICAL_TYPE_SYSTEM,
  histologicalType,
  histologicalTypes,
  stains,
} from './histological-types';

/**
 * What pathologists read: the case's received specimens, the first receipt starting the clock.
 * `frozen` tells the due-time SQL that a frozen section is due in minutes, never in working days.
 */
const RECEIVED_SPECIMENS = `
  SELECT c.case_number AS accession, c.frozen,
         sp.labels AS material, sp.first_at AS material_at,
         ARRAY['SM']::text[] AS modalities, '{}'::text[] AS flags
    FROM pathology."case" c
    CROSS JOIN LATERAL (
      SELECT array_agg(s.label ORDER BY s.received_at, s.label) AS labels,
             min(s.received_at) AS first_at
        FROM pathology.specimen s WHERE s.order_id = o.order_id AND s.status = 'received'
    ) sp
   WHERE c.order_id = o.order_id`;

const text = (what: string, min: number, max: number) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(min, `${what} is required`)
    .max(max, `${what} must be at most ${max} characters`);

const reader = z.object(
  { username: z.string().min(1).max(128), licensed: z.boolean() },
  { error: 'reader is required: { username, licensed }' },
);

const draftRequest = z.object({
  orderId: text('orderId', 1, 128),
  reader,
  microscopic: text('microscopic (镜下所见)', 1, 10_000),
  diagnosis: text('diagnosis (病理诊断)', 1, 5000),
  site: text('site', 1, 200).optional(),
  histologicalType: z.string().max(32).optional(),
  grade: text('grade', 1, 50).optional(),
  margins: text('margins', 1, 200).optional(),
  critical: z
    .object({ text: text('critical.text', 2, 1000) })
    .nullable()
    .optional(),
});

const frozenRequest = z.object({
  orderId: text('orderId', 1, 128),
  reader,
  text: text('text (the intraoperative diagnosis)', 2, 2000),
  traceId: z.string().min(1).max(128).optional(),
});

/**
 * Reading pathology cases (病理诊断): the shared reading engine (libs/centre) over the received
 * specimens. The report is the gross description (from grossing), the microscopic description,
 * the diagnosis and the structured fields (site, histological type, grade, margins). A diagnosis of
 * a type in `PATHOLOGY_COSIGN_TYPES` (malignant by default) is not released by one signature: a
 * second licensed pathologist co-signs. A frozen section's intraoperative result is released at
 * once as a preliminary report whose text is also a critical finding, so the hub calls it back to
 * the theatre and records who took it; the final report follows as the next version. Routine cases
 * are due `PATHOLOGY_ROUTINE_WORKING_DAYS` working days after the first receipt.
 */
@Injectable()
export class PathologyReadingService {
  private readonly engine: ReadingEngine;
  private readonly performer = centreOrganizationReference('pathology');
  private readonly cosignTypes: Set<string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    outbox: CentreOutboxService,
    @Inject(PATHOLOGY_CONFIG) config: PathologyConfig,
  ) {
    this.cosignTypes = new Set(config.PATHOLOGY_COSIGN_TYPES);
    const days = config.PATHOLOGY_ROUTINE_WORKING_DAYS;
    this.engine = new ReadingEngine(dataSource, outbox, {
      centre: 'pathology',
      // The demo consortium's catalogue until the catalogue is editable.
      items: demoCatalogue.filter((item) => item.centre === 'pathology'),
      claimMinutes: config.READING_CLAIM_MINUTES,
      materialSql: RECEIVED_SPECIMENS,
      materialKey: 'specimenLabel',
      nothingToRead: (orderId) => `no specimen of case ${orderId} has been received yet`,
      dueAtSql: `CASE WHEN e.priority = 'routine' AND NOT m.frozen
                      THEN pathology.add_working_days(m.material_at, ${days})
                      ELSE m.material_at + make_interval(mins => ($2::jsonb -> o.code ->> e.priority)::int) END`,
      secondSignature: (version) => {
        const code = version.coded?.histologicalType;
        if (typeof code !== 'string' || !this.cosignTypes.has(code)) return undefined;
        return `${histologicalType(code)?.zh ?? code}: a second pathologist co-signs`;
      },
      release: (input) => this.release(dataSource.manager, input),
    });
  }

  catalogues(): PathologyCatalogues {
    return { histologicalTypes: [...histologicalTypes], stains };
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

  /** Saves the report: the gross description comes from grossing, the rest from the pathologist. */
  async draft(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(draftRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader: who, microscopic, diagnosis, critical, ...fields } = parsed.value;
    if (fields.histologicalType && !histologicalType(fields.histologicalType))
      return refuse(
        400,
        `histologicalType ${fields.histologicalType} is not in the catalogue (GET /api/pathology/catalogues)`,
        'histologicalType',
      );
    return this.engine.draft(
      orderId,
      who,
      async (_order, manager) => {
        const gross = await grossOf(manager, orderId);
        const coded: CodedContent = { microscopic };
        for (const [key, value] of Object.entries(fields)) if (value) coded[key] = value;
        return {
          findings: `大体描述 Gross:\n${gross ?? '（未取材 not grossed）'}\n\n镜下所见 Microscopic:\n${microscopic}`,
          impression: diagnosis,
          coded,
        };
      },
      critical,
    );
  }

  /** 术中冰冻: the intraoperative diagnosis, released at once as a preliminary report. */
  async frozenResult(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(frozenRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader: who, text: result } = parsed.value;
    const frozen = await this.dataSource.query<Array<{ frozen: boolean }>>(
      `SELECT frozen FROM pathology."case" WHERE order_id = $1`,
      [orderId],
    );
    if (frozen.length && !frozen[0].frozen)
      return refuse(
        409,
        `case ${orderId} is not a frozen section: its report is written and signed as usual`,
        'orderId',
      );
    return this.engine.releasePreliminary(
      orderId,
      who,
      { findings: '术中冰冻切片 Frozen section', impression: result, coded: { frozen: result } },
      parsed.value.traceId ?? randomUUID(),
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

  private async release(
    manager: EntityManager,
    input: ReleaseInput,
  ): Promise<{ diagnosticReport: DiagnosticReport; critical: ReleasedCritical | null }> {
    const { order, version } = input;
    const code = catalogueCode(this.engine.item(order.code), order.code);
    const coded = version.coded ?? {};
    const type =
      typeof coded.histologicalType === 'string'
        ? histologicalType(coded.histologicalType)
        : undefined;
    const structured = [
      ['取材部位 Site', coded.site],
      ['组织学类型 Histological type', type ? `${type.zh} ${type.en}` : undefined],
      ['分级 Grade', coded.grade],
      ['切缘 Margins', coded.margins],
    ].filter((row): row is [string, string] => typeof row[1] === 'string');
    const caseNumber = order.accession ?? (await caseNumberOf(manager, order.orderId));
    const preliminary = input.status === 'preliminary';
    const body = [
      `病理号 Case: ${caseNumber ?? order.orderId}`,
      version.findings,
      ...structured.map(([label, value]) => `${label}: ${value}`),
      `${preliminary ? '术中冰冻诊断 Frozen section diagnosis' : '病理诊断 Diagnosis'}:\n${version.impression}`,
    ].join('\n\n');
    const diagnosticReport: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: input.status,
      category: [
        {
          coding: [
            { system: Systems.DiagnosticServiceSection, code: 'SP', display: 'Surgical Pathology' },
          ],
        },
      ],
      code,
      basedOn: [{ reference: `ServiceRequest/${order.orderId}` }],
      issued: input.issued.toISOString(),
      performer: [this.performer],
      resultsInterpreter: [...new Set(input.interpreters)].map((display) => ({ display })),
      ...(caseNumber
        ? {
            identifier: [{ system: Systems.HubAccession, value: caseNumber }],
          }
        : {}),
      conclusion:
        input.status === 'amended' && version.amendmentReason
          ? `更正报告 Amended: ${version.amendmentReason}\n${version.impression}`
          : version.impression,
      ...(type
        ? {
            conclusionCode: [
              {
                coding: [{ system: HISTOLOGICAL_TYPE_SYSTEM, code: type.code, display: type.en }],
                text: type.zh,
              },
            ],
          }
        : {}),
      presentedForm: [
        {
          contentType: 'text/plain; charset=utf-8',
          language: 'zh-CN',
          data: Buffer.from(body, 'utf8').toString('base64'),
          title: preliminary
            ? '术中冰冻病理报告 Frozen section report'
            : '病理诊断报告 Pathology report',
        },
      ],
    };
    const critical: ReleasedCritical | null = version.criticalText
      ? {
          findings: [
            preliminary
              ? {
                  code: 'PATH-FROZEN',
                  display: 'Frozen section result (intraoperative call-back)',
                  displayZh: '术中冰冻结果回报',
                  text: version.criticalText,
                }
              : {
                  code: 'PATH-CRITICAL',
                  display: 'Critical pathology finding',
                  displayZh: '病理危急值',
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

async function grossOf(manager: EntityManager, orderId: string): Promise<string | undefined> {
  const rows = await manager.query<Array<{ gross_description: string | null }>>(
    `SELECT gross_description FROM pathology."case" WHERE order_id = $1`,
    [orderId],
  );
  return rows[0]?.gross_description ?? undefined;
}

async function caseNumberOf(manager: EntityManager, orderId: string): Promise<string | undefined> {
  const rows = await manager.query<Array<{ case_number: string }>>(
    `SELECT case_number FROM pathology."case" WHERE order_id = $1`,
    [orderId],
  );
  return rows[0]?.case_number;
}
