import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  MessageNames,
  type PendingVerification,
  type ReportVerifyReply,
  type ResultPatientContext,
  type ResultSubmitReply,
} from '@hub/contracts';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';

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

  /** The verification worklist: pending versions, most urgent first (no patient data). */
  pending(limit: number | undefined): Promise<PendingVerification[]> {
    return this.centres.lab<PendingVerification[]>(MessageNames.VerificationList, { limit });
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
