import { Injectable } from '@nestjs/common';
import type { Coding, DiagnosticReport, Parameters, ParametersParameter } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { z } from 'zod';
import { FhirError, type StoredResource, Systems } from '@hub/fhir';
import { RESIDENT_ID_SYSTEM, normalizeResidentId } from '@hub/identity';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { FhirStore } from '../fhir/fhir-store.service';
import { type RecognitionDecision } from './recognition-decision';

/** The mark a recognized result carries (检查检验结果互认), as a meta tag. */
export const RECOGNITION_MARK: Coding = {
  system: 'urn:hub:recognition',
  code: 'HR',
  display: '检查检验结果互认 Mutually recognized',
};

/**
 * A patient's released reports of an item, newest observed first ($1 Patient id, $2 code system,
 * $3 code). Exported so the recognition benchmark times exactly this query as its SQL baseline.
 */
export const PRIOR_REPORTS_SQL = `SELECT r.content FROM gateway.fhir_resource r
         JOIN gateway.fhir_search_reference s
           ON s.resource_type = r.resource_type AND s.resource_id = r.id
          AND s.param = 'subject' AND s.target_type = 'Patient' AND s.target_id = $1
         JOIN gateway.fhir_search_token t
           ON t.resource_type = r.resource_type AND t.resource_id = r.id
          AND t.param = 'code' AND t.system = $2 AND t.value = $3
        WHERE r.resource_type = 'DiagnosticReport'
          AND r.content ->> 'status' IN ('final', 'amended', 'corrected')
        ORDER BY coalesce(r.content ->> 'effectiveDateTime', r.content ->> 'issued') DESC
        LIMIT 20`;

/** Why a prior result is not recognized. */
export const RecognitionReasons = {
  'not-recognized': '该项目不在互认范围 The item is not in the recognition scope',
  'no-eqa': '执行中心无该项目室间质评记录 No EQA of the performing centre for the item',
  'eqa-lapsed': '执行中心该项目室间质评未通过 The performing centre’s EQA for the item had lapsed',
  'outside-window': '超出互认有效期 Outside the validity window',
  'no-prior': '无既往结果 No prior result in the consortium',
  'unknown-patient': '联合体内无此患者 The patient is not known to the consortium',
} as const;
export type RecognitionReason = keyof typeof RecognitionReasons;

const REASON_SYSTEM = 'urn:hub:recognition-reason';
const DAY_MS = 86_400_000;

const parametersBody = z.object({
  resourceType: z.literal('Parameters', { error: 'the body must be a FHIR Parameters resource' }),
  parameter: z
    .array(
      z.object({
        name: z.string(),
        valueIdentifier: z
          .object({ system: z.string().min(1), value: z.string().min(1) })
          .optional(),
        valueCoding: z.object({ system: z.string().min(1), code: z.string().min(1) }).optional(),
      }),
      { error: 'parameter must be a list' },
    )
    .max(40),
});

/** An item's recognition rule. */
interface Rule {
  recognized: boolean;
  validity_days: number;
}

/** One EQA result of a centre for an item, in force from a day (China time). */
interface EqaRecord {
  centre_org: string;
  passed: boolean;
  effective_from: string;
}

/** The eligibility of one result: recognized (with the window's end) or why not. */
export type Eligibility =
  | { eligible: true; validUntil: Date }
  | { eligible: false; reason: RecognitionReason; detail?: string };

/**
 * Mutual recognition (检查检验结果互认): whether a result is eligible (the item is recognized, the
 * performing centre's EQA for it was in force and passed on the day the result was observed) and,
 * at the moment of ordering, which prior results of the patient a clinic may reuse instead of
 * repeating the test (`$recognition-check`). The window is counted from when the result was
 * observed (the report's effective time), not from when it was reported. A clinic sees another
 * member's result only here, and every result shown is audited.
 */
@Injectable()
export class RecognitionService {
  constructor(
    private readonly store: FhirStore,
    private readonly audit: AuditService,
  ) {}

  /** Whether a result of `item` by `centreOrg`, observed at `observedAt`, carries the HR mark. */
  async eligibility(
    manager: EntityManager,
    item: { system?: string; code?: string },
    centreOrg: string | undefined,
    observedAt: Date,
    now = new Date(),
  ): Promise<Eligibility> {
    const rule = await this.rule(manager, item);
    const eqa = rule?.recognized && centreOrg ? await this.eqaRecords(manager, item) : [];
    return judge(rule, eqa, centreOrg, observedAt, now);
  }

  /**
   * `$recognition-check`: for the patient (居民身份证号 or a member's MRN) and each catalogue code,
   * the prior results the clinic may reuse (newest first, each with its report inline) or why
   * none qualifies.
   */
  async check(body: unknown, agent: AuditAgent): Promise<Parameters> {
    const parsed = parametersBody.safeParse(body);
    if (!parsed.success)
      throw FhirError.badRequest(parsed.error.issues[0]?.message ?? 'not a Parameters resource');
    const params = parsed.data.parameter;
    const patient = params.find((p) => p.name === 'patient')?.valueIdentifier;
    const codes = params.filter((p) => p.name === 'code').map((p) => p.valueCoding);
    if (!patient)
      throw FhirError.badRequest(
        'the patient parameter (valueIdentifier: the 居民身份证号 or a member MRN) is required',
        ['Parameters.parameter[patient]'],
      );
    if (codes.length === 0 || codes.some((c) => !c))
      throw FhirError.badRequest(
        'at least one code parameter (valueCoding: a catalogue item) is required',
        ['Parameters.parameter[code]'],
      );
    const manager = this.store.manager;
    // Identity numbers are kept with an upper-case check character.
    const value =
      patient.system === RESIDENT_ID_SYSTEM ? normalizeResidentId(patient.value) : patient.value;
    const known = await manager.query<Array<{ patient_id: string }>>(
      `SELECT patient_id FROM gateway.patient_identifier WHERE system = $1 AND value = $2`,
      [patient.system, value],
    );
    const patientId = known[0]?.patient_id;
    const now = new Date();
    const results: ParametersParameter[] = [];
    const shown: Array<StoredResource & DiagnosticReport> = [];
    for (const coding of codes as Array<{ system: string; code: string }>) {
      const part: ParametersParameter[] = [{ name: 'code', valueCoding: coding }];
      const reasons: ParametersParameter[] = [];
      const priors: ParametersParameter[] = [];
      if (!patientId) reasons.push(reasonPart('unknown-patient'));
      else {
        const found = await this.priorsFor(manager, patientId, coding, now);
        for (const prior of found.priors) {
          priors.push(priorPart(prior.report, prior.observedAt, prior.validUntil));
          shown.push(prior.report);
        }
        for (const refused of found.refused)
          reasons.push(
            reasonPart(
              refused.reason,
              refused.reportId ? `DiagnosticReport/${refused.reportId}` : undefined,
              refused.detail,
            ),
          );
      }
      part.push({ name: 'recognized', valueBoolean: priors.length > 0 }, ...priors);
      if (priors.length === 0) part.push(...reasons);
      results.push({ name: 'result', part });
    }
    // The check reads the patient's record across members: audited, each result shown too.
    await this.audit.record({
      type: '110112',
      subtype: 'recognition-check',
      action: 'E',
      agent,
      entities: shown.map((report) => ({ type: 'DiagnosticReport', id: report.id })),
      patientIds: patientId ? [patientId] : [],
    });
    return { resourceType: 'Parameters', parameter: results };
  }

  /**
   * The patient's recognized prior results of the item (newest observed first) and, for the rest,
   * why not; `not-recognized` or `no-prior` alone when there is nothing to weigh.
   */
  async priorsFor(
    manager: EntityManager,
    patientId: string,
    coding: { system: string; code: string },
    now = new Date(),
  ): Promise<{
    priors: Array<{
      report: StoredResource & DiagnosticReport;
      observedAt: Date;
      validUntil: Date;
    }>;
    refused: Array<{ reason: RecognitionReason; reportId?: string; detail?: string }>;
  }> {
    const rule = await this.rule(manager, coding);
    if (!rule?.recognized) return { priors: [], refused: [{ reason: 'not-recognized' }] };
    const reports = await this.priorReports(manager, patientId, coding);
    if (reports.length === 0) return { priors: [], refused: [{ reason: 'no-prior' }] };
    // One read of the item's EQA history for every report: the check stays a few statements
    // whatever the number of priors.
    const eqa = await this.eqaRecords(manager, coding);
    const priors = [];
    const refused = [];
    for (const report of reports) {
      const observedAt = observedAtOf(report);
      const verdict = judge(rule, eqa, performerOrg(report), observedAt, now);
      if (verdict.eligible) priors.push({ report, observedAt, validUntil: verdict.validUntil });
      else refused.push({ reason: verdict.reason, reportId: report.id, detail: verdict.detail });
    }
    return { priors, refused };
  }

  /**
   * Records what the clinic decided for an order that met a recognized prior (or could have said):
   * reuse (a duplicate avoided, saved at the item's price; the clinic may now read the reused report
   * and its observations, audited), override with its reason, or nothing said.
   */
  async recordDecision(
    manager: EntityManager,
    input: {
      orderId: string;
      org: string;
      item: { system: string; code: string; centre: string; price: string };
      decision: RecognitionDecision;
      reused?: StoredResource & DiagnosticReport;
      agent?: AuditAgent;
    },
  ): Promise<void> {
    const { orderId, org, item, decision, reused } = input;
    await manager.query(
      `INSERT INTO gateway.recognition_decision
         (order_id, requester_org, centre, system, code, decision, prior_report_id, reason_code, reason_text, price)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        orderId,
        org,
        item.centre,
        item.system,
        item.code,
        decision?.kind ?? 'none',
        decision?.kind === 'reuse' ? decision.reportId : null,
        decision?.kind === 'override' ? decision.reason : null,
        decision?.kind === 'override' ? (decision.text ?? null) : null,
        item.price,
      ],
    );
    if (!reused) return;
    const ids = [
      reused.id,
      ...(reused.result ?? []).flatMap(
        (r) => /^Observation\/(.+)$/.exec(r.reference ?? '')?.[1] ?? [],
      ),
    ];
    await manager.query(
      `UPDATE gateway.fhir_resource
          SET owner_orgs = ARRAY(SELECT DISTINCT o FROM unnest(owner_orgs || $2::text) o)
        WHERE id = ANY ($1::text[]) AND resource_type IN ('DiagnosticReport', 'Observation')`,
      [ids, org],
    );
    if (input.agent)
      await this.store.auditAccess(manager, 'R', 'recognition-reuse', reused, input.agent);
  }

  /** The item's EQA history at every centre, newest first within a centre. */
  private eqaRecords(
    manager: EntityManager,
    item: { system?: string; code?: string },
  ): Promise<EqaRecord[]> {
    return manager.query<EqaRecord[]>(
      `SELECT centre_org, passed, effective_from::text FROM gateway.eqa_record
        WHERE system = $1 AND code = $2
        ORDER BY effective_from DESC, id DESC`,
      [item.system ?? '', item.code ?? ''],
    );
  }

  private async rule(
    manager: EntityManager,
    item: { system?: string; code?: string },
  ): Promise<Rule | undefined> {
    const rows = await manager.query<Rule[]>(
      `SELECT recognized, validity_days FROM gateway.recognition_rule WHERE system = $1 AND code = $2`,
      [item.system ?? '', item.code ?? ''],
    );
    return rows[0];
  }

  /** The patient's released reports for the item, newest observed first. */
  private async priorReports(
    manager: EntityManager,
    patientId: string,
    coding: { system: string; code: string },
  ): Promise<Array<StoredResource & DiagnosticReport>> {
    const rows = await manager.query<Array<{ content: StoredResource & DiagnosticReport }>>(
      PRIOR_REPORTS_SQL,
      [patientId, coding.system, coding.code],
    );
    return rows.map((row) => row.content);
  }
}

/** The day in China (YYYY-MM-DD) of an instant: EQA periods are in days there. */
function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Recognized, or why not: the item's rule, then the centre's latest EQA entry in force on the day
 * the result was observed (a pass), then the window from the observation.
 * @param eqa the item's EQA history (any centres), newest first
 */
export function judge(
  rule: Rule | undefined,
  eqa: EqaRecord[],
  centreOrg: string | undefined,
  observedAt: Date,
  now: Date,
): Eligibility {
  if (!rule?.recognized) return { eligible: false, reason: 'not-recognized' };
  const validUntil = new Date(observedAt.getTime() + rule.validity_days * DAY_MS);
  if (!centreOrg) return { eligible: false, reason: 'no-eqa' };
  const day = chinaDay(observedAt);
  const inForce = eqa.find((r) => r.centre_org === centreOrg && r.effective_from <= day);
  if (!inForce) return { eligible: false, reason: 'no-eqa' };
  if (!inForce.passed)
    return { eligible: false, reason: 'eqa-lapsed', detail: `since ${inForce.effective_from}` };
  if (validUntil < now)
    return {
      eligible: false,
      reason: 'outside-window',
      detail: `observed ${observedAt.toISOString()}, ${rule.validity_days} days`,
    };
  return { eligible: true, validUntil };
}

/** When the result was observed: the report's effective time, else when it was issued. */
export function observedAtOf(report: DiagnosticReport): Date {
  return new Date(
    report.effectiveDateTime ?? report.effectivePeriod?.start ?? report.issued ?? Date.now(),
  );
}

/** The performing centre's organisation code, as the report names it. */
export function performerOrg(report: DiagnosticReport): string | undefined {
  for (const performer of report.performer ?? []) {
    if (performer.identifier?.system === Systems.HubOrganization && performer.identifier.value)
      return performer.identifier.value;
    const id = /^Organization\/(.+)$/.exec(performer.reference ?? '')?.[1];
    if (id) return id.toUpperCase();
  }
  return undefined;
}

function priorPart(
  report: StoredResource & DiagnosticReport,
  observedAt: Date,
  validUntil: Date,
): ParametersParameter {
  return {
    name: 'prior',
    part: [
      { name: 'report', valueReference: { reference: `DiagnosticReport/${report.id}` } },
      { name: 'date', valueDateTime: observedAt.toISOString() },
      { name: 'validUntil', valueDateTime: validUntil.toISOString() },
      {
        name: 'performer',
        valueString: report.performer?.[0]?.display ?? performerOrg(report) ?? '',
      },
      { name: 'mark', valueString: RECOGNITION_MARK.code },
      { name: 'resource', resource: report },
    ],
  };
}

function reasonPart(
  reason: RecognitionReason,
  report?: string,
  detail?: string,
): ParametersParameter {
  return {
    name: 'reason',
    valueCodeableConcept: {
      coding: [{ system: REASON_SYSTEM, code: reason }],
      text: `${RecognitionReasons[reason]}${report ? ` (${report}${detail ? `, ${detail}` : ''})` : ''}`,
    },
  };
}
