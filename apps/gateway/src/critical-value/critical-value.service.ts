import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Communication, Organization, Patient, Reference } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  type Centre,
  type CriticalFinding,
  type CriticalValueEscalatePayload,
  JobNames,
  Queues,
  jobIds,
} from '@hub/contracts';
import {
  CRITICAL_VALUE_CONFIG,
  type CriticalContactRole,
  type CriticalValueConfig,
  type NotifiedContact,
  checkReadBack,
  criticalContactsOf,
  criticalValueCommunication,
  criticalValueEscalationCommunication,
} from '@hub/critical-value';
import { FhirError, type StoredResource } from '@hub/fhir';
import { enqueueInOutbox } from '@hub/persistence';
import { type AuditAgent, systemAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { CENTRE_ROLES, CLINIC_ROLES, type Principal, hasAnyRole } from '../auth/principal';
import { ConsortiumService, type OrganizationRecord } from '../consortium/consortium.service';
import { parseBody } from '../http/parse-body';
import { FhirStore } from '../fhir/fhir-store.service';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { type PatientSummary, patientSummary } from '../patient/patient-summary';

/** What a centre's released report tells the closed loop (see {@link CriticalValueService.raise}). */
export interface CriticalValueRaise {
  centre: Centre;
  /** ServiceRequest id. */
  orderId: string;
  /** DiagnosticReport id. */
  reportId: string;
  /** Released version (1 first, >1 amended). */
  reportVersion: number;
  /** Organisation code of the ordering member (e.g. 'CLINIC-A'). */
  requesterOrg: string;
  /** owner_orgs of the order: alerts and Communications are visible to exactly these. */
  owners: string[];
  /** `{ reference: 'Patient/<id>' }` */
  subject: Reference;
  /** observationId = the stored Observation's id. */
  findings: Array<CriticalFinding & { observationId?: string }>;
  /** Who released the report (user name, or 'autoverification'). */
  reportedBy: string;
  /** ISO time of release. */
  reportedAt: string;
  traceId: string;
}

export type CriticalAlertStatus = 'open' | 'acknowledged';

/** An alert as the API answers it. */
export interface CriticalAlertView {
  id: string;
  centre: Centre;
  centreOrg: string;
  orderId: string;
  reportId: string;
  reportVersion: number;
  requesterOrg: string;
  subject: Reference;
  finding: CriticalFinding;
  observationId?: string;
  communicationId: string;
  reportedBy: string;
  reportedAt: string;
  raisedAt: string;
  status: CriticalAlertStatus;
  escalationLevel: number;
  acknowledgement?: { by: string; org: string; at: string; readBack: string };
  /** Who the alert is about: name and masked identity number, for staff to recognise them. */
  patient?: PatientSummary;
  /** The display name of the user who released the report (absent for a rule or a system). */
  reportedByName?: string;
  /** The releasing centre and the ordering member, by name (Chinese and English). */
  centreName?: OrganizationName;
  requesterName?: OrganizationName;
}

export interface OrganizationName {
  zh: string;
  en: string;
}

export type CriticalAlertEventKind =
  'raised' | 'escalated' | 'acknowledged' | 'acknowledgement-refused';

/** One step of an alert's closed loop: who, what, when, who was told. */
export interface CriticalAlertEventView {
  kind: CriticalAlertEventKind;
  at: string;
  actor: string;
  actorAccount?: string;
  actorOrg?: string;
  level?: number;
  notified: NotifiedContact[];
  communicationId?: string;
  readBack?: string;
  detail?: string;
}

/** Closed-loop indicators of one group of alerts. Times in seconds from release to acknowledgement. */
export interface CriticalValueIndicator {
  total: number;
  acknowledged: number;
  unacknowledged: number;
  /** Acknowledged after the target, or still open for longer than the target. */
  late: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface CriticalValueIndicators {
  from: string | null;
  to: string | null;
  targetSeconds: number;
  overall: CriticalValueIndicator;
  byCentre: Array<CriticalValueIndicator & { centre: Centre }>;
  byClinic: Array<CriticalValueIndicator & { org: string }>;
}

export type EscalationOutcome = 'escalated' | 'acknowledged' | 'already-escalated';

interface AlertRow {
  id: string;
  centre: Centre;
  centre_org: string;
  order_id: string;
  report_id: string;
  report_version: number;
  requester_org: string;
  owner_orgs: string[];
  patient_id: string;
  code: string;
  display: string;
  display_zh: string;
  value: string | null;
  unit: string | null;
  flag: 'LL' | 'HH' | null;
  finding_text: string | null;
  observation_id: string | null;
  communication_id: string;
  reported_by: string;
  reported_at: Date;
  raised_at: Date;
  status: CriticalAlertStatus;
  escalation_level: number;
  acknowledged_by: string | null;
  acknowledged_org: string | null;
  acknowledged_at: Date | null;
  read_back: string | null;
}

interface EventRow {
  kind: CriticalAlertEventKind;
  at: Date;
  actor: string;
  actor_account: string | null;
  actor_org: string | null;
  level: number | null;
  notified: NotifiedContact[];
  communication_id: string | null;
  read_back: string | null;
  detail: string | null;
}

/** What an alert's view adds to its row, from the patient record, the users and organisations. */
interface AlertContextRow {
  id: string;
  patient: Patient | null;
  reported_by_name: string | null;
  centre_name: string | null;
  centre_name_en: string | null;
  requester_name: string | null;
  requester_name_en: string | null;
}

/** An acknowledgement's outcome: refusals are answered after their record commits. */
type AcknowledgementResult = { ok: true; alert: AlertRow } | { ok: false; error: FhirError };

/** Whose alerts a caller sees: applied in the SQL. */
type AlertScope =
  { kind: 'all' } | { kind: 'clinic'; org: string } | { kind: 'centre'; org: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const listQuery = z
  .object({
    status: z.enum(['open', 'acknowledged']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const isoDateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a date (YYYY-MM-DD) or a date-time with its offset (2025-01-31T08:00:00+08:00)',
});
const indicatorQuery = z
  .object({ from: isoDateOrTime.optional(), to: isoDateOrTime.optional() })
  .strict();

const acknowledgementBody = z
  .object({
    readBack: z.string().trim().min(1, 'the read-back is required').max(500),
    acknowledgedBy: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/**
 * 危急值闭环: the critical-value closed loop every centre shares. A released report's critical
 * findings become alerts with a FHIR Communication to the ordering member; the member acknowledges
 * each with a read-back; an alert left unacknowledged escalates (to the member's backup contact and
 * the centre's supervisor) after each timeout, through delayed jobs on `hub.critical-values`.
 */
@Injectable()
export class CriticalValueService {
  private readonly logger = new Logger(CriticalValueService.name);

  constructor(
    private readonly store: FhirStore,
    private readonly audit: AuditService,
    private readonly consortium: ConsortiumService,
    private readonly relay: OutboxRelayService,
    @Inject(CRITICAL_VALUE_CONFIG) private readonly config: CriticalValueConfig,
  ) {}

  /**
   * The one entry point for every centre: called inside the transaction that stores a released
   * report. For each finding: the alert, its `raised` event, the Communication to the ordering
   * member and the first escalation (delayed by the timeout) in the outbox. Idempotent: the same
   * (reportId, reportVersion, finding code) raised twice is one alert. Returns the alert ids. The
   * caller kicks the outbox relay after its commit.
   */
  async raise(manager: EntityManager, input: CriticalValueRaise): Promise<string[]> {
    if (input.findings.length === 0) return [];
    const patientId = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(input.subject.reference ?? '')?.[1];
    if (!patientId)
      throw new Error(`critical values of report ${input.reportId}: the subject is not a Patient`);
    const clinic = await this.consortium.organization(input.requesterOrg, manager);
    const centre = await this.consortium.centreOrganization(input.centre, manager);
    if (!clinic || !centre)
      throw new Error(
        `critical values of report ${input.reportId}: organisation ${clinic ? input.centre : input.requesterOrg} is not known`,
      );
    const primary = await this.contact(manager, clinic, 'primary');
    const agent = systemAgent(`${input.centre}-center`, centre.code);
    const sent = new Date().toISOString();
    const ids: string[] = [];
    for (const finding of input.findings) {
      const alertId = randomUUID();
      const communicationId = randomUUID();
      const inserted = await manager.query<Array<{ id: string }>>(
        `INSERT INTO gateway.critical_alert (id, centre, centre_org, order_id, report_id, report_version,
           requester_org, owner_orgs, patient_id, code, display, display_zh, value, unit, flag,
           finding_text, observation_id, communication_id, reported_by, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT (report_id, report_version, code) DO NOTHING RETURNING id`,
        [
          alertId,
          input.centre,
          centre.code,
          input.orderId,
          input.reportId,
          input.reportVersion,
          clinic.code,
          input.owners,
          patientId,
          finding.code,
          finding.display,
          finding.displayZh,
          finding.value ?? null,
          finding.unit ?? null,
          finding.flag ?? null,
          finding.text ?? null,
          finding.observationId ?? null,
          communicationId,
          input.reportedBy,
          input.reportedAt,
        ],
      );
      if (inserted.length === 0) {
        const existing = await manager.query<Array<{ id: string }>>(
          `SELECT id FROM gateway.critical_alert WHERE report_id = $1 AND report_version = $2 AND code = $3`,
          [input.reportId, input.reportVersion, finding.code],
        );
        ids.push(existing[0].id);
        continue;
      }
      await this.store.create(
        manager,
        criticalValueCommunication({
          alertId,
          id: communicationId,
          subject: input.subject,
          recipientOrganizationId: clinic.resourceId,
          senderOrganizationId: centre.resourceId,
          orderId: input.orderId,
          reportId: input.reportId,
          observationId: finding.observationId,
          finding: withoutObservation(finding),
          sent,
        }),
        input.owners,
        agent,
      );
      await this.addEvent(manager, alertId, {
        kind: 'raised',
        actor: input.reportedBy,
        actorOrg: centre.code,
        notified: primary ? [primary] : [],
        communicationId,
        detail: `report ${input.reportId} version ${input.reportVersion} released at ${input.reportedAt}`,
      });
      await this.scheduleEscalation(manager, alertId, 1, input.traceId);
      ids.push(alertId);
    }
    this.logger.log(
      { alertIds: ids, reportId: input.reportId, reportVersion: input.reportVersion },
      'critical value alerts raised',
    );
    return ids;
  }

  /**
   * Runs one escalation (the `CriticalValueEscalate` job). Nothing happens when the alert has been
   * acknowledged or has already reached this level (a redelivered job); otherwise the level, its
   * event naming who is called, the escalation Communication and the next escalation are written in
   * one transaction. Throws on failure so the job is retried.
   */
  async escalate(payload: CriticalValueEscalatePayload): Promise<EscalationOutcome> {
    const { alertId, level } = payload;
    const outcome = await this.store.transaction(async (manager): Promise<EscalationOutcome> => {
      const alert = (
        await manager.query<AlertRow[]>(
          `SELECT * FROM gateway.critical_alert WHERE id = $1 FOR UPDATE`,
          [alertId],
        )
      )[0];
      if (!alert) throw new Error(`critical alert ${alertId} is not known`);
      if (alert.status === 'acknowledged') return 'acknowledged';
      if (alert.escalation_level >= level) return 'already-escalated';
      const clinic = await this.consortium.organization(alert.requester_org, manager);
      const centre = await this.consortium.organization(alert.centre_org, manager);
      if (!clinic || !centre)
        throw new Error(`critical alert ${alertId}: its organisations are not known`);
      const backup =
        (await this.contact(manager, clinic, 'backup')) ??
        (await this.contact(manager, clinic, 'primary'));
      const supervisor = await this.contact(manager, centre, 'supervisor');
      const notified = [backup, supervisor].filter((c): c is NotifiedContact => c !== undefined);
      const communicationId = randomUUID();
      await this.store.create(
        manager,
        criticalValueEscalationCommunication({
          ...noticeOf(alert, clinic, centre),
          id: communicationId,
          sent: new Date().toISOString(),
          level,
          partOf: alert.communication_id,
          unacknowledgedSeconds: level * this.config.ackTimeoutSeconds,
          notified,
        }),
        alert.owner_orgs,
        systemAgent(`${alert.centre}-center`, centre.code),
      );
      await manager.query(`UPDATE gateway.critical_alert SET escalation_level = $2 WHERE id = $1`, [
        alertId,
        level,
      ]);
      await this.addEvent(manager, alertId, {
        kind: 'escalated',
        actor: 'hub',
        level,
        notified,
        communicationId,
        detail: `not acknowledged ${level * this.config.ackTimeoutSeconds} s after the alert`,
      });
      await this.scheduleEscalation(manager, alertId, level + 1, payload.traceId);
      return 'escalated';
    });
    if (outcome === 'escalated') this.relay.kick();
    this.logger.log({ alertId, level, outcome }, 'critical value escalation');
    return outcome;
  }

  /** The alerts a caller may see, newest first; audited as a read. */
  async list(
    query: Record<string, unknown>,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<{ alerts: CriticalAlertView[] }> {
    const { status, limit } = parseBody(listQuery, query ?? {});
    const params: unknown[] = [];
    const where = [scopeSql(scopeOf(principal), params)];
    if (status) where.push(`status = $${params.push(status)}`);
    const rows = await this.store.manager.query<AlertRow[]>(
      `SELECT * FROM gateway.critical_alert WHERE ${where.join(' AND ')}
       ORDER BY reported_at DESC, id LIMIT ${limit}`,
      params,
    );
    await this.audit.record({
      type: '110110',
      subtype: 'search-type',
      action: 'R',
      agent,
      entities: rows.map((row) => ({ type: 'Communication', id: row.communication_id })),
      patientIds: rows.map((row) => row.patient_id),
      query: `critical-values?${new URLSearchParams(status ? { status } : {}).toString()}`,
    });
    return { alerts: await this.views(rows) };
  }

  /** One alert with its events; not visible answers 404 like a missing one. Audited. */
  async get(
    id: string,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<CriticalAlertView & { events: CriticalAlertEventView[] }> {
    const params: unknown[] = [id];
    const alert = UUID.test(id)
      ? (
          await this.store.manager.query<AlertRow[]>(
            `SELECT * FROM gateway.critical_alert WHERE id = $1 AND ${scopeSql(scopeOf(principal), params)}`,
            params,
          )
        )[0]
      : undefined;
    await this.audit.record({
      type: '110110',
      subtype: 'read',
      action: 'R',
      agent,
      entities: alert ? [{ type: 'Communication', id: alert.communication_id }] : [],
      patientIds: alert ? [alert.patient_id] : [],
      ...(alert ? {} : { outcome: '4' as const, outcomeDesc: notFound(id) }),
    });
    if (!alert) throw FhirError.notFound(notFound(id));
    const events = await this.store.manager.query<EventRow[]>(
      `SELECT * FROM gateway.critical_alert_event WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    const [view] = await this.views([alert]);
    return { ...view, events: events.map(toEventView) };
  }

  /**
   * The ordering member acknowledges an alert with a read-back (回读). A person acknowledges as
   * themselves; a clinic system names the person who took the call. A read-back that does not
   * match changes nothing but is recorded (event and audit) and answered 422; an alert already
   * acknowledged answers 409 naming who and when. On success the alert, its event and its
   * Communications (completed) are written together and the alert is answered.
   */
  async acknowledge(
    id: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<CriticalAlertView> {
    if (!hasAnyRole(principal, CLINIC_ROLES))
      throw FhirError.forbidden('only the ordering member clinic can acknowledge a critical value');
    const { readBack, acknowledgedBy } = parseBody(acknowledgementBody, body ?? {});
    const person = await this.acknowledger(principal, acknowledgedBy);
    const result = await this.store.transaction(async (manager): Promise<AcknowledgementResult> => {
      const alert = UUID.test(id)
        ? (
            await manager.query<AlertRow[]>(
              `SELECT * FROM gateway.critical_alert WHERE id = $1 AND requester_org = $2 FOR UPDATE`,
              [id, principal.org],
            )
          )[0]
        : undefined;
      const refusedAudit = (target: AlertRow | undefined, outcomeDesc: string) =>
        this.audit.record(
          {
            type: '110110',
            subtype: 'update',
            action: 'U',
            agent,
            outcome: '4',
            outcomeDesc,
            entities: target ? [{ type: 'Communication', id: target.communication_id }] : [],
            patientIds: target ? [target.patient_id] : [],
          },
          manager,
        );
      if (!alert) {
        await refusedAudit(undefined, notFound(id));
        return { ok: false, error: FhirError.notFound(notFound(id)) };
      }
      if (alert.status === 'acknowledged') {
        const diagnostics = `critical value ${id} was already acknowledged by ${alert.acknowledged_by} (${alert.acknowledged_org}) at ${alert.acknowledged_at?.toISOString()}`;
        await refusedAudit(alert, diagnostics);
        return { ok: false, error: FhirError.conflict(diagnostics) };
      }
      const check = checkReadBack(findingOf(alert), readBack);
      if (!check.ok) {
        const diagnostics = `the read-back does not confirm critical value ${id}: ${check.reason} / ${check.reasonZh}`;
        await this.addEvent(manager, id, {
          kind: 'acknowledgement-refused',
          actor: person,
          actorAccount: principal.subject,
          actorOrg: principal.org,
          readBack,
          detail: check.reason,
        });
        await refusedAudit(alert, diagnostics);
        return { ok: false, error: FhirError.unprocessable(diagnostics, ['readBack']) };
      }
      const at = new Date();
      const [updated] = await manager.query<[AlertRow[], number]>(
        `UPDATE gateway.critical_alert SET status = 'acknowledged', acknowledged_by = $2,
           acknowledged_org = $3, acknowledged_at = $4, read_back = $5
         WHERE id = $1 RETURNING *`,
        [id, person, principal.org, at, readBack],
      );
      const escalations = await manager.query<Array<{ communication_id: string }>>(
        `SELECT communication_id FROM gateway.critical_alert_event
         WHERE alert_id = $1 AND kind = 'escalated' AND communication_id IS NOT NULL ORDER BY id`,
        [id],
      );
      const communicationIds = [
        alert.communication_id,
        ...escalations.map((e) => e.communication_id),
      ];
      await this.addEvent(manager, id, {
        kind: 'acknowledged',
        actor: person,
        actorAccount: principal.subject,
        actorOrg: principal.org,
        readBack,
        detail: `acknowledged ${Math.round((at.getTime() - alert.reported_at.getTime()) / 1000)} s after release`,
      });
      for (const communicationId of communicationIds) {
        const communication = await this.store.lockForUpdate<Communication & StoredResource>(
          manager,
          'Communication',
          communicationId,
        );
        if (!communication || communication.status === 'completed') continue;
        await this.store.update(
          manager,
          {
            ...communication,
            status: 'completed',
            received: at.toISOString(),
            note: [
              ...(communication.note ?? []),
              {
                text: `已回读确认 Acknowledged by ${person} (${principal.org}), read back: ${readBack}`,
                time: at.toISOString(),
              },
            ],
          },
          [],
          agent,
        );
      }
      return { ok: true, alert: updated[0] };
    });
    if (!result.ok) throw result.error;
    this.logger.log({ alertId: id, org: principal.org }, 'critical value acknowledged');
    const [view] = await this.views([result.alert]);
    return view;
  }

  /**
   * Closed-loop indicators over alerts released in [from, to): per centre, per ordering member and
   * overall. Administrators see every centre, centre staff their own centre.
   */
  async indicators(
    query: Record<string, unknown>,
    principal: Principal,
  ): Promise<CriticalValueIndicators> {
    let scope: AlertScope;
    // Consortium managers read the indicators of every centre and clinic (aggregates only).
    if (hasAnyRole(principal, ['admin', 'manager'])) scope = { kind: 'all' };
    else if (hasAnyRole(principal, CENTRE_ROLES)) scope = { kind: 'centre', org: principal.org };
    else
      throw FhirError.forbidden(
        'critical-value indicators are for administrators, managers and centre staff',
      );
    const range = parseBody(indicatorQuery, query ?? {});
    const from = range.from ? new Date(range.from) : undefined;
    // A date alone as `to` includes that whole day.
    const to = range.to
      ? new Date(new Date(range.to).getTime() + (range.to.length === 10 ? 86_400_000 : 0))
      : undefined;
    const params: unknown[] = [this.config.ackTargetSeconds];
    const where = [scopeSql(scope, params)];
    if (from) where.push(`reported_at >= $${params.push(from)}`);
    if (to) where.push(`reported_at < $${params.push(to)}`);
    const rows = await this.store.manager.query<
      Array<{
        grouped_by: 'centre' | 'clinic' | 'overall';
        centre: Centre | null;
        requester_org: string | null;
        total: number;
        acknowledged: number;
        late: number;
        median: number | null;
        p90: number | null;
      }>
    >(
      `WITH a AS (
         SELECT centre, requester_org, status,
           extract(epoch FROM acknowledged_at - reported_at) AS ack_seconds,
           CASE WHEN status = 'acknowledged'
             THEN acknowledged_at - reported_at > make_interval(secs => $1)
             ELSE now() - reported_at > make_interval(secs => $1) END AS late
         FROM gateway.critical_alert WHERE ${where.join(' AND ')}
       )
       SELECT CASE WHEN GROUPING(centre) = 0 THEN 'centre'
                   WHEN GROUPING(requester_org) = 0 THEN 'clinic' ELSE 'overall' END AS grouped_by,
         centre, requester_org,
         count(*)::int AS total,
         count(*) FILTER (WHERE status = 'acknowledged')::int AS acknowledged,
         count(*) FILTER (WHERE late)::int AS late,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_seconds) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ack_seconds) AS p90
       FROM a GROUP BY GROUPING SETS ((centre), (requester_org), ())
       ORDER BY centre NULLS LAST, requester_org NULLS LAST`,
      params,
    );
    const indicator = (row?: (typeof rows)[number]): CriticalValueIndicator => ({
      total: row?.total ?? 0,
      acknowledged: row?.acknowledged ?? 0,
      unacknowledged: (row?.total ?? 0) - (row?.acknowledged ?? 0),
      late: row?.late ?? 0,
      medianSeconds: seconds(row?.median),
      p90Seconds: seconds(row?.p90),
    });
    return {
      from: from?.toISOString() ?? null,
      to: to?.toISOString() ?? null,
      targetSeconds: this.config.ackTargetSeconds,
      overall: indicator(rows.find((r) => r.grouped_by === 'overall')),
      byCentre: rows
        .filter((r) => r.grouped_by === 'centre')
        .map((r) => ({ centre: r.centre as Centre, ...indicator(r) })),
      byClinic: rows
        .filter((r) => r.grouped_by === 'clinic')
        .map((r) => ({ org: r.requester_org as string, ...indicator(r) })),
    };
  }

  /**
   * The alerts as the API answers them: each with its patient (name, masked identity number), the
   * reporter's name and the organisations' names, read in one query.
   */
  private async views(rows: AlertRow[]): Promise<CriticalAlertView[]> {
    if (rows.length === 0) return [];
    const context = await this.store.manager.query<AlertContextRow[]>(
      `SELECT a.id, p.content AS patient, u.display_name AS reported_by_name,
         co.name AS centre_name, co.name_en AS centre_name_en,
         ro.name AS requester_name, ro.name_en AS requester_name_en
       FROM gateway.critical_alert a
       LEFT JOIN gateway.fhir_resource p ON p.resource_type = 'Patient' AND p.id = a.patient_id
       LEFT JOIN gateway.app_user u ON u.username = a.reported_by
       LEFT JOIN gateway.organization co ON co.code = a.centre_org
       LEFT JOIN gateway.organization ro ON ro.code = a.requester_org
       WHERE a.id = ANY($1::uuid[])`,
      [rows.map((row) => row.id)],
    );
    const byId = new Map(context.map((c) => [c.id, c]));
    return rows.map((row) => withContext(toView(row), row, byId.get(row.id)));
  }

  private async scheduleEscalation(
    manager: EntityManager,
    alertId: string,
    level: number,
    traceId: string,
  ): Promise<void> {
    await enqueueInOutbox(
      manager,
      Queues.HubCriticalValues,
      JobNames.CriticalValueEscalate,
      { alertId, level, traceId },
      {
        jobId: jobIds.criticalValueEscalate(alertId, level),
        delay: this.config.ackTimeoutSeconds * 1000,
        priority: 1,
      },
    );
  }

  /** One of an organisation's critical-value contacts, from its FHIR Organization. */
  private async contact(
    manager: EntityManager,
    org: OrganizationRecord,
    role: CriticalContactRole,
  ): Promise<NotifiedContact | undefined> {
    const rows = await manager.query<Array<{ content: Organization }>>(
      `SELECT content FROM gateway.fhir_resource WHERE resource_type = 'Organization' AND id = $1`,
      [org.resourceId],
    );
    const contact = rows[0] && criticalContactsOf(rows[0].content)[role];
    return contact && { ...contact, org: org.code, role };
  }

  /** Who acknowledges: a person as themselves; for a system client, the person it names. */
  private async acknowledger(principal: Principal, named: string | undefined): Promise<string> {
    if (principal.kind === 'client') {
      if (!named)
        throw FhirError.badRequest(
          'acknowledgedBy is required from a clinic system: the person who took the call',
          ['acknowledgedBy'],
        );
      return named;
    }
    const rows = await this.store.manager.query<Array<{ display_name: string }>>(
      `SELECT display_name FROM gateway.app_user WHERE username = $1`,
      [principal.subject],
    );
    const self = rows[0]?.display_name ?? principal.subject;
    if (named && named !== self && named !== principal.subject)
      throw FhirError.badRequest(
        `acknowledgedBy names someone else: a signed-in user acknowledges as themselves (${self})`,
        ['acknowledgedBy'],
      );
    return self;
  }

  private async addEvent(
    manager: EntityManager,
    alertId: string,
    event: Omit<CriticalAlertEventView, 'at' | 'notified'> & { notified?: NotifiedContact[] },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO gateway.critical_alert_event
         (alert_id, kind, actor, actor_account, actor_org, level, notified, communication_id, read_back, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        alertId,
        event.kind,
        event.actor,
        event.actorAccount && event.actorAccount !== event.actor ? event.actorAccount : null,
        event.actorOrg ?? null,
        event.level ?? null,
        JSON.stringify(event.notified ?? []),
        event.communicationId ?? null,
        event.readBack ?? null,
        event.detail ?? null,
      ],
    );
  }
}

function scopeOf(principal: Principal): AlertScope {
  if (hasAnyRole(principal, ['admin'])) return { kind: 'all' };
  if (hasAnyRole(principal, CLINIC_ROLES)) return { kind: 'clinic', org: principal.org };
  if (hasAnyRole(principal, CENTRE_ROLES)) return { kind: 'centre', org: principal.org };
  throw FhirError.forbidden('your role does not give access to critical values (patient data)');
}

/** The SQL condition for a scope; binds its parameters into `params`. */
function scopeSql(scope: AlertScope, params: unknown[]): string {
  switch (scope.kind) {
    case 'all':
      return 'true';
    case 'clinic':
      return `requester_org = $${params.push(scope.org)}`;
    case 'centre': {
      const org = `$${params.push(scope.org)}`;
      return `centre_org = ${org} AND ${org} = ANY(owner_orgs)`;
    }
  }
}

function notFound(id: string): string {
  return `critical value ${id} is not known`;
}

function seconds(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10;
}

function withoutObservation(
  finding: CriticalFinding & { observationId?: string },
): CriticalFinding {
  const { observationId: _observationId, ...rest } = finding;
  return rest;
}

function findingOf(row: AlertRow): CriticalFinding {
  return {
    code: row.code,
    display: row.display,
    displayZh: row.display_zh,
    ...(row.value !== null ? { value: Number(row.value) } : {}),
    ...(row.unit ? { unit: row.unit } : {}),
    ...(row.flag ? { flag: row.flag } : {}),
    ...(row.finding_text ? { text: row.finding_text } : {}),
  };
}

function noticeOf(alert: AlertRow, clinic: OrganizationRecord, centre: OrganizationRecord) {
  return {
    alertId: alert.id,
    subject: { reference: `Patient/${alert.patient_id}` },
    recipientOrganizationId: clinic.resourceId,
    senderOrganizationId: centre.resourceId,
    orderId: alert.order_id,
    reportId: alert.report_id,
    observationId: alert.observation_id ?? undefined,
    finding: findingOf(alert),
  };
}

function toView(row: AlertRow): CriticalAlertView {
  return {
    id: row.id,
    centre: row.centre,
    centreOrg: row.centre_org,
    orderId: row.order_id,
    reportId: row.report_id,
    reportVersion: row.report_version,
    requesterOrg: row.requester_org,
    subject: { reference: `Patient/${row.patient_id}` },
    finding: findingOf(row),
    ...(row.observation_id ? { observationId: row.observation_id } : {}),
    communicationId: row.communication_id,
    reportedBy: row.reported_by,
    reportedAt: row.reported_at.toISOString(),
    raisedAt: row.raised_at.toISOString(),
    status: row.status,
    escalationLevel: row.escalation_level,
    ...(row.status === 'acknowledged' && row.acknowledged_at
      ? {
          acknowledgement: {
            by: row.acknowledged_by ?? '',
            org: row.acknowledged_org ?? '',
            at: row.acknowledged_at.toISOString(),
            readBack: row.read_back ?? '',
          },
        }
      : {}),
  };
}

function withContext(
  view: CriticalAlertView,
  row: AlertRow,
  context: AlertContextRow | undefined,
): CriticalAlertView {
  if (!context) return view;
  const name = (zh: string | null, en: string | null) => (zh ? { zh, en: en ?? zh } : undefined);
  const centreName = name(context.centre_name, context.centre_name_en);
  const requesterName = name(context.requester_name, context.requester_name_en);
  return {
    ...view,
    patient: patientSummary(row.patient_id, context.patient),
    ...(context.reported_by_name ? { reportedByName: context.reported_by_name } : {}),
    ...(centreName ? { centreName } : {}),
    ...(requesterName ? { requesterName } : {}),
  };
}

function toEventView(row: EventRow): CriticalAlertEventView {
  return {
    kind: row.kind,
    at: row.at.toISOString(),
    actor: row.actor,
    ...(row.actor_account ? { actorAccount: row.actor_account } : {}),
    ...(row.actor_org ? { actorOrg: row.actor_org } : {}),
    ...(row.level !== null ? { level: row.level } : {}),
    notified: row.notified,
    ...(row.communication_id ? { communicationId: row.communication_id } : {}),
    ...(row.read_back ? { readBack: row.read_back } : {}),
    ...(row.detail ? { detail: row.detail } : {}),
  };
}
