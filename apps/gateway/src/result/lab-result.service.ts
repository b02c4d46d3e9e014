import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Observation, Patient } from 'fhir/r4';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  MessageNames,
  type PendingVerification,
  type ReportVerifyReply,
  type ResultPatientContext,
  type ResultSubmitReply,
} from '@hub/contracts';
import { Systems } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';
import { patientSummary } from '../patient/patient-summary';
import { PREVIOUS_SHOWN, type VerificationItem, previousResults } from './lab-verification.view';

const resultsBody = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be the ServiceRequest id'),
  results: z
    .array(
      z.object({
        code: z.string().min(1).max(64),
        value: z.number().finite(),
        unit: z.string().min(1).max(32).optional(),
        effectiveDateTime: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .min(1)
    .max(500),
  /** A correction of released (or pending) results: why. */
  correction: z.object({ reason: z.string().trim().min(2).max(500) }).optional(),
});

interface OrderRow {
  order_id: string;
  order_number: string;
  requester_org: string;
  org_name: string | null;
  org_name_en: string | null;
  display: string | null;
  display_zh: string | null;
  patient_id: string;
  patient: Patient | null;
}

/**
 * Results posted by analyser middleware or a technician, and their verification by a lab
 * physician: checked for shape here, validated and flagged by the lab (which keeps the versions),
 * and audited as writes of the order's patient data by whoever made them.
 */
@Injectable()
export class LabResultService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Results for one order. An API client (analyser middleware) or an HL7 feed counts as an analyser
   * for autoverification; a signed-in user as a person.
   */
  async submit(
    body: unknown,
    agent: AuditAgent,
  ): Promise<Omit<Extract<ResultSubmitReply, { ok: true }>, 'ok'>> {
    const parsed = parseBody(resultsBody, body);
    const patient = await this.patientOf(parsed.orderId);
    const reply = await this.centres.submitLabResults({
      ...parsed,
      performer: agent.subject,
      source: { kind: agent.kind === 'user' ? 'person' : 'analyser', id: agent.subject },
      patient,
      traceId: randomUUID(),
    });
    await this.audit.record({
      type: '110110',
      subtype: parsed.correction ? 'lab-results-correction' : 'lab-results',
      action: parsed.correction ? 'U' : 'C',
      agent,
      entities: [{ type: 'ServiceRequest', id: parsed.orderId }],
      ...(reply.ok ? {} : { outcome: '4' as const, outcomeDesc: reply.diagnostics }),
    });
    if (!reply.ok) throw refusal(reply);
    const { ok: _ok, ...stored } = reply;
    return stored;
  }

  /** A lab physician verifies (审核) an order's pending results; the lab releases the report. */
  async verify(
    orderId: string,
    agent: AuditAgent,
  ): Promise<Omit<Extract<ReportVerifyReply, { ok: true }>, 'ok'>> {
    const reply = await this.centres.lab<ReportVerifyReply>(MessageNames.ReportVerify, {
      orderId,
      verifier: agent.subject,
      traceId: randomUUID(),
    });
    await this.audit.record({
      type: '110110',
      subtype: 'lab-verification',
      action: 'U',
      agent,
      entities: [{ type: 'ServiceRequest', id: orderId }],
      ...(reply.ok ? {} : { outcome: '4' as const, outcomeDesc: reply.diagnostics }),
    });
    if (!reply.ok) throw refusal(reply);
    const { ok: _ok, ...released } = reply;
    return released;
  }

  /**
   * The verification worklist: the lab's pending versions, most urgent first, each joined here with
   * the patient (name, masked identity number), the ordering clinic and item, and the patient's
   * previous values of each analyte from the consortium record. Audited as a read of those
   * patients' records.
   */
  async pending(limit: number | undefined, agent: AuditAgent): Promise<VerificationItem[]> {
    const pending = await this.centres.lab<PendingVerification[]>(MessageNames.VerificationList, {
      limit,
    });
    const orders = await this.ordersOf(pending.map((p) => p.orderId));
    const patientIds = [...new Set([...orders.values()].map((o) => o.patient_id))];
    const codes = [...new Set(pending.flatMap((p) => (p.results ?? []).map((r) => r.code)))];
    const history = await this.releasedObservations(patientIds, codes);
    const names = await this.userNames(pending.map((p) => p.enteredBy));
    await this.audit.record({
      type: '110110',
      subtype: 'search-type',
      action: 'R',
      agent,
      entities: pending.map((p) => ({ type: 'ServiceRequest', id: p.orderId })),
      patientIds,
      query: 'lab/verifications',
    });
    return pending.map(({ results, ...item }) => {
      const order = orders.get(item.orderId);
      const earlier = order ? (history.get(order.patient_id) ?? []) : [];
      const enteredByName = names.get(item.enteredBy);
      return {
        ...item,
        ...(order
          ? {
              orderNumber: order.order_number,
              requester: {
                org: order.requester_org,
                name: order.org_name ?? order.requester_org,
                nameEn: order.org_name_en ?? order.requester_org,
              },
              ...(order.display
                ? { item: { display: order.display, displayZh: order.display_zh ?? order.display } }
                : {}),
              patient: patientSummary(order.patient_id, order.patient),
            }
          : {}),
        ...(enteredByName ? { enteredByName } : {}),
        results: (results ?? []).map((result) => ({
          ...result,
          previous: previousResults(earlier, result.code, item.orderId),
        })),
      };
    });
  }

  /** The gateway's side of the orders: number, clinic, item and patient. */
  private async ordersOf(orderIds: string[]): Promise<Map<string, OrderRow>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.dataSource.query<OrderRow[]>(
      `SELECT o.order_id, o.order_number, o.requester_org, org.name AS org_name,
         org.name_en AS org_name_en, c.display, c.display_zh, o.patient_id, p.content AS patient
       FROM gateway.service_order o
       LEFT JOIN gateway.organization org ON org.code = o.requester_org
       LEFT JOIN gateway.catalogue_item c ON c.system = o.code_system AND c.code = o.code
       LEFT JOIN gateway.fhir_resource p ON p.resource_type = 'Patient' AND p.id = o.patient_id
       WHERE o.order_id = ANY($1::text[])`,
      [orderIds],
    );
    return new Map(rows.map((row) => [row.order_id, row]));
  }

  /**
   * The patients' released Observations of these LOINC codes, the newest few per patient and code
   * (enough to leave out the order's own and still show {@link PREVIOUS_SHOWN}).
   */
  private async releasedObservations(
    patientIds: string[],
    codes: string[],
  ): Promise<Map<string, Observation[]>> {
    const byPatient = new Map<string, Observation[]>();
    if (patientIds.length === 0 || codes.length === 0) return byPatient;
    const rows = await this.dataSource.query<Array<{ patient_id: string; content: Observation }>>(
      `SELECT patient_id, content FROM (
         SELECT s.target_id AS patient_id, r.content,
           row_number() OVER (PARTITION BY s.target_id, t.value
                              ORDER BY r.content ->> 'effectiveDateTime' DESC NULLS LAST) AS n
         FROM gateway.fhir_resource r
         JOIN gateway.fhir_search_reference s
           ON s.resource_type = r.resource_type AND s.resource_id = r.id
          AND s.param = 'subject' AND s.target_type = 'Patient' AND s.target_id = ANY($1::text[])
         JOIN gateway.fhir_search_token t
           ON t.resource_type = r.resource_type AND t.resource_id = r.id
          AND t.param = 'code' AND t.system = $2 AND t.value = ANY($3::text[])
         WHERE r.resource_type = 'Observation'
           AND r.content ->> 'status' IN ('final', 'amended', 'corrected')
       ) ranked WHERE n <= $4`,
      [patientIds, Systems.Loinc, codes, PREVIOUS_SHOWN + 2],
    );
    for (const row of rows) {
      const list = byPatient.get(row.patient_id) ?? [];
      list.push(row.content);
      byPatient.set(row.patient_id, list);
    }
    return byPatient;
  }

  /** Display names of the hub's users among `usernames` (analysers are API clients: none). */
  private async userNames(usernames: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(usernames)];
    if (unique.length === 0) return new Map();
    const rows = await this.dataSource.query<Array<{ username: string; display_name: string }>>(
      `SELECT username, display_name FROM gateway.app_user WHERE username = ANY($1::text[])`,
      [unique],
    );
    return new Map(rows.map((row) => [row.username, row.display_name]));
  }

  /**
   * What the lab needs of the order's patient to choose reference ranges and run delta checks.
   * The lab finds out whether the order exists; an unknown order has no patient here.
   */
  private async patientOf(orderId: string): Promise<ResultPatientContext> {
    const rows = await this.dataSource.query<
      Array<{ patient_id: string; gender: string | null; birth_date: string | null }>
    >(
      `SELECT o.patient_id, p.content->>'gender' AS gender, p.content->>'birthDate' AS birth_date
       FROM gateway.service_order o
       LEFT JOIN gateway.fhir_resource p ON p.resource_type = 'Patient' AND p.id = o.patient_id
       WHERE o.order_id = $1`,
      [orderId],
    );
    const row = rows[0];
    if (!row) return { id: 'unknown' };
    const gender = row.gender;
    return {
      id: row.patient_id,
      ...(gender === 'male' || gender === 'female' || gender === 'other' || gender === 'unknown'
        ? { gender }
        : {}),
      ...(row.birth_date ? { birthDate: row.birth_date } : {}),
    };
  }
}
