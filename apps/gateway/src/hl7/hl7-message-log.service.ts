import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { JobNames, Queues, jobIds } from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { enqueueInOutbox } from '@hub/persistence';
import { Hl7v2Message, decode, declaredCharset } from '@hub/hl7v2';
import { maskResidentIdsInText } from '@hub/identity';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { Hl7InboundService } from './hl7-inbound.service';

export interface Hl7LogEntry {
  id: string;
  direction: 'in' | 'out';
  transport: string;
  peer: string;
  facility: string | null;
  messageType: string | null;
  controlId: string | null;
  charset: string | null;
  status: string;
  ackCode: string | null;
  error: string | null;
  orderIds: string[];
  patientId: string | null;
  receivedAt: string;
  completedAt: string | null;
  replayOf: string | null;
  /** The message as text with identity numbers and patient names masked (detail view only). */
  text?: string;
  ack?: string;
}

interface Row {
  id: string;
  direction: 'in' | 'out';
  transport: string;
  peer: string;
  facility: string | null;
  message_type: string | null;
  control_id: string | null;
  charset: string | null;
  status: string;
  ack_code: string | null;
  error: string | null;
  order_ids: string[];
  patient_id: string | null;
  received_at: Date;
  completed_at: Date | null;
  replay_of: string | null;
  raw?: Buffer;
  ack?: Buffer | null;
}

const FILTERS: Record<string, string> = {
  controlId: 'control_id',
  type: 'message_type',
  status: 'status',
  peer: 'peer',
  facility: 'facility',
  direction: 'direction',
  patient: 'patient_id',
};

/**
 * The HL7 message log for IT staff: search, read (identity numbers and names masked), replay a
 * refused or failed inbound message (the replay is a new logged message linked to the original,
 * and audited), and the retention pruning that keeps the log at its configured age.
 */
@Injectable()
export class Hl7MessageLogService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Hl7MessageLogService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inbound: Hl7InboundService,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelayService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const prune = () =>
      this.prune().then(
        (removed) => removed && this.logger.log({ removed }, 'HL7 message log pruned'),
        (error: unknown) => this.logger.error({ err: error }, 'HL7 message log pruning failed'),
      );
    void prune();
    this.timer = setInterval(() => void prune(), 3600_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async search(
    query: Record<string, string>,
    agent: AuditAgent,
  ): Promise<{ total: number; entries: Hl7LogEntry[] }> {
    const params: unknown[] = [];
    const where: string[] = [];
    for (const [name, value] of Object.entries(query)) {
      if (name === '_count' || name === '_offset') continue;
      if (name === 'from' || name === 'to') {
        const at = new Date(value);
        if (Number.isNaN(at.getTime()))
          throw FhirError.badRequest(`${name} must be an ISO date/time`);
        params.push(at);
        where.push(`received_at ${name === 'from' ? '>=' : '<='} $${params.length}`);
        continue;
      }
      const column = FILTERS[name];
      if (!column)
        throw FhirError.badRequest(
          `unknown filter "${name}"; use ${[...Object.keys(FILTERS), 'from', 'to', '_count', '_offset'].join(', ')}`,
        );
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    const count = Math.min(Math.max(Number(query._count) || 50, 1), 200);
    const offset = Math.max(Number(query._offset) || 0, 0);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (
      await this.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM gateway.hl7_message ${clause}`,
        params,
      )
    )[0].n;
    const rows = await this.dataSource.query<Row[]>(
      `SELECT id, direction, transport, peer, facility, message_type, control_id, charset, status, ack_code, error, order_ids,
              patient_id, received_at, completed_at, replay_of
       FROM gateway.hl7_message ${clause} ORDER BY id DESC LIMIT ${count} OFFSET ${offset}`,
      params,
    );
    await this.audit.record({
      type: '110112',
      subtype: 'hl7-log-search',
      action: 'E',
      agent,
      patientIds: rows.map((r) => r.patient_id).filter((p): p is string => !!p),
      query: new URLSearchParams(query).toString(),
    });
    return { total, entries: rows.map((row) => toEntry(row)) };
  }

  async read(id: string, agent: AuditAgent): Promise<Hl7LogEntry> {
    const row = await this.row(id);
    await this.audit.record({
      type: '110110',
      subtype: 'hl7-log-read',
      action: 'R',
      agent,
      patientIds: row.patient_id ? [row.patient_id] : [],
      query: `hl7_message ${id}`,
    });
    return {
      ...toEntry(row),
      text: maskedText(row.raw as Buffer),
      ack: row.ack ? maskedText(row.ack) : undefined,
    };
  }

  /** Runs a refused or failed inbound message again; answers with the new log entry. */
  async replay(id: string, agent: AuditAgent): Promise<Hl7LogEntry> {
    const row = await this.row(id);
    if (row.direction === 'out') return this.replayDelivery(row, agent);
    if (row.status !== 'refused' && row.status !== 'failed' && row.status !== 'received') {
      throw FhirError.conflict(
        `message ${id} was ${row.status}; only a refused, failed or unfinished message is replayed`,
      );
    }
    const result = await this.inbound.handle(row.raw as Buffer, {
      transport: row.transport === 'http' ? 'http' : 'mllp',
      peer: `replay by ${agent.subject}`,
      replayOf: id,
    });
    await this.audit.record({
      type: '110100',
      subtype: 'hl7-replay',
      action: 'E',
      agent,
      query: `replay hl7_message ${id} as ${result.messageId}: ${result.ackCode}`,
    });
    return toEntry(await this.row(result.messageId));
  }

  /**
   * Sends a failed delivery again: a new ReportDeliver job for the same report (through the
   * outbox, so it survives a Redis outage), recorded in the audit trail. Answers with the log
   * entry of the failed attempt; the new attempt appears in the log as it happens.
   */
  private async replayDelivery(row: Row, agent: AuditAgent): Promise<Hl7LogEntry> {
    if (row.status !== 'failed') {
      throw FhirError.conflict(
        `message ${row.id} was ${row.status}; only a failed delivery is sent again`,
      );
    }
    const orderId = row.order_ids[0];
    const reports = await this.dataSource.query<Array<{ id: string; version_id: number }>>(
      `SELECT r.id, r.version_id FROM gateway.fhir_resource r
       JOIN gateway.fhir_search_reference f ON f.resource_type = r.resource_type AND f.resource_id = r.id
       WHERE r.resource_type = 'DiagnosticReport' AND f.param = 'based-on' AND f.target_type = 'ServiceRequest' AND f.target_id = $1`,
      [orderId],
    );
    if (!reports[0] || !row.facility)
      throw FhirError.conflict(`the report of message ${row.id} is no longer in the record`);
    const report = reports[0];
    await this.dataSource.transaction((manager) =>
      enqueueInOutbox(
        manager,
        Queues.HubDeliveries,
        JobNames.ReportDeliver,
        {
          reportId: report.id,
          orderId,
          org: row.facility as string,
          version: String(report.version_id),
          traceId: randomUUID(),
        },
        { jobId: `${jobIds.reportDeliver(report.id, String(report.version_id))}-replay-${row.id}` },
      ),
    );
    this.relay.kick();
    await this.audit.record({
      type: '110100',
      subtype: 'hl7-replay',
      action: 'E',
      agent,
      query: `replay delivery hl7_message ${row.id} (report ${report.id})`,
    });
    return toEntry(row);
  }

  /** Deletes messages older than the retention (a replay keeps the message it replays). */
  async prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.HL7_LOG_RETENTION_DAYS * 86400_000);
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM gateway.hl7_message m WHERE m.received_at < $1
         AND NOT EXISTS (SELECT 1 FROM gateway.hl7_message r WHERE r.replay_of = m.id)`,
      [cutoff],
    );
    return result[1];
  }

  private async row(id: string): Promise<Row> {
    if (!/^\d{1,18}$/.test(id)) throw FhirError.notFound(`HL7 message ${id} is not known`);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM gateway.hl7_message WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw FhirError.notFound(`HL7 message ${id} is not known`);
    return rows[0];
  }
}

function toEntry(row: Row): Hl7LogEntry {
  return {
    id: String(row.id),
    direction: row.direction,
    transport: row.transport,
    peer: row.peer,
    facility: row.facility,
    messageType: row.message_type,
    controlId: row.control_id,
    charset: row.charset,
    status: row.status,
    ackCode: row.ack_code,
    error: row.error ? maskResidentIdsInText(row.error) : null,
    orderIds: row.order_ids,
    patientId: row.patient_id,
    receivedAt: new Date(row.received_at).toISOString(),
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    replayOf: row.replay_of ? String(row.replay_of) : null,
  };
}

function maskName(name: string): string {
  return name
    .split('^')
    .map((component, index) => {
      const chars = [...component];
      if (chars.length === 0) return component;
      return index === 0
        ? `${chars[0]}${'*'.repeat(Math.max(chars.length - 1, 1))}`
        : '*'.repeat(chars.length);
    })
    .join('^');
}

/** The message as text, with identity numbers (first 6 and last 4 kept) and PID-5 names masked. */
export function maskedText(raw: Buffer): string {
  let text: string;
  try {
    text = decode(raw, declaredCharset(raw).encoding);
  } catch {
    text = raw.toString('utf8');
  }
  const masked = maskResidentIdsInText(text);
  let separator = '|';
  try {
    separator = Hl7v2Message.parse(masked).separators.field;
  } catch {
    return masked;
  }
  return masked
    .split(/\r\n|\r|\n/)
    .map((segment) => {
      if (!segment.startsWith(`PID${separator}`)) return segment;
      const fields = segment.split(separator);
      // Keep the first character of the family name (as Chinese records show 张**), mask the rest.
      if (fields[5]) fields[5] = fields[5].split('~').map(maskName).join('~');
      return fields.join(separator);
    })
    .join('\r');
}
