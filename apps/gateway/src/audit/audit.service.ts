import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditEvent, Bundle, BundleEntry } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { FhirError } from '@hub/fhir';
import { maskResidentIdsInText } from '@hub/identity';
import { dateRange } from '../fhir/search-parameters';
import { type AuditAgent } from './accessor';

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AuditRecord {
  /** DICOM audit event type code: 110110 Patient Record, 110114 User Authentication, 110106 Export … */
  type: keyof typeof EVENT_TYPES;
  /** FHIR restful interaction (read, vread, history-instance, search-type, create, update, …) or login/logout. */
  subtype: string;
  action: AuditAction;
  outcome?: '0' | '4' | '8';
  outcomeDesc?: string;
  agent: AuditAgent;
  entities?: Array<{ type: string; id: string }>;
  patientIds?: string[];
  /** The query of a search (identity numbers masked). */
  query?: string;
}

const EVENT_TYPES = {
  '110110': 'Patient Record',
  '110114': 'User Authentication',
  '110106': 'Export',
  '110100': 'Application Activity',
  '110112': 'Query',
} as const;

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const SEARCH_PARAMS = new Set([
  'date',
  'agent',
  'entity',
  'patient',
  'action',
  'type',
  'subtype',
  'outcome',
  '_count',
  '_offset',
]);

interface AuditRow {
  id: string;
  recorded: Date;
  type_code: keyof typeof EVENT_TYPES;
  subtype: string;
  action: AuditAction;
  outcome: '0' | '4' | '8';
  outcome_desc: string | null;
  agent_subject: string;
  agent_kind: string;
  agent_org: string | null;
  agent_roles: string[];
  source_ip: string | null;
  purpose: string | null;
  entities: Array<{ type: string; id: string }>;
  patient_ids: string[];
  query: string | null;
}

/**
 * The INSERT of one audit row; `bind` adds a parameter to the caller's statement and returns its
 * placeholder, so a writer can put the row in the same statement as the change it records.
 */
export function auditInsertSql(event: AuditRecord, bind: (value: unknown) => string): string {
  const values = [
    event.type,
    event.subtype,
    event.action,
    event.outcome ?? '0',
    event.outcomeDesc ? auditText(event.outcomeDesc) : null,
    event.agent.subject,
    event.agent.kind,
    event.agent.org ?? null,
    event.agent.roles,
    event.agent.ip ?? null,
    event.agent.purpose ?? null,
    JSON.stringify(event.entities ?? []),
    [...new Set(event.patientIds ?? [])],
    event.query ? auditText(event.query) : null,
  ].map(bind);
  return `INSERT INTO gateway.audit_event
         (type_code, subtype, action, outcome, outcome_desc, agent_subject, agent_kind, agent_org, agent_roles,
          source_ip, purpose, entities, patient_ids, query)
       VALUES (${values.join(', ')})`;
}

/**
 * The audit trail (审计日志): who did what to which record, when, from where and why. Rows are
 * written in the same transaction as the access they record and can never be changed (the table
 * refuses UPDATE and DELETE). Administrators read it as FHIR AuditEvents.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(
    event: AuditRecord,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const params: unknown[] = [];
    await manager.query(
      auditInsertSql(event, (value) => `$${params.push(value)}`),
      params,
    );
  }

  /** Searches the trail (administrators): date, agent, entity, patient, action, type, subtype, outcome. */
  async search(query: Array<[string, string]>, baseUrl: string): Promise<Bundle> {
    const params: unknown[] = [];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    let count = 50;
    let offset = 0;
    for (const [name, value] of query) {
      if (!SEARCH_PARAMS.has(name)) {
        throw FhirError.badRequest(
          `unknown search parameter "${name}" for AuditEvent; supported: ${[...SEARCH_PARAMS].join(', ')}`,
        );
      }
      switch (name) {
        case '_count':
          count = Math.min(Math.max(Number(value) || 0, 0), 200);
          break;
        case '_offset':
          offset = Math.max(Number(value) || 0, 0);
          break;
        case 'date': {
          const prefix = /^(ge|le|gt|lt|eq)/.exec(value)?.[1] ?? 'eq';
          const range = dateRange(value.replace(/^(ge|le|gt|lt|eq)/, ''));
          if (!range) throw FhirError.badRequest(`"${value}" is not a valid date for date`);
          if (prefix === 'ge' || prefix === 'gt') where.push(`recorded >= ${add(range.low)}`);
          else if (prefix === 'le' || prefix === 'lt') where.push(`recorded <= ${add(range.high)}`);
          else where.push(`recorded BETWEEN ${add(range.low)} AND ${add(range.high)}`);
          break;
        }
        case 'agent':
          where.push(`agent_subject = ${add(value)}`);
          break;
        case 'entity': {
          const [type, id] = value.split('/');
          if (!type || !id) throw FhirError.badRequest('entity must look like Type/id');
          where.push(`entities @> ${add(JSON.stringify([{ type, id }]))}::jsonb`);
          break;
        }
        case 'patient':
          where.push(`${add(value.replace(/^Patient\//, ''))} = ANY(patient_ids)`);
          break;
        case 'action':
          where.push(`action = ${add(value)}`);
          break;
        case 'type':
          where.push(`type_code = ${add(value.split('|').pop())}`);
          break;
        case 'subtype':
          where.push(`subtype = ${add(value.split('|').pop())}`);
          break;
        case 'outcome':
          where.push(`outcome = ${add(value)}`);
          break;
      }
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (
      await this.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM gateway.audit_event ${clause}`,
        params,
      )
    )[0].n;
    const rows = await this.dataSource.query<AuditRow[]>(
      `SELECT * FROM gateway.audit_event ${clause} ORDER BY id DESC LIMIT ${count} OFFSET ${offset}`,
      params,
    );
    const link = (at: number) => {
      const search = new URLSearchParams(query.filter(([n]) => n !== '_offset'));
      search.set('_offset', String(at));
      search.set('_count', String(count));
      return `${baseUrl}/AuditEvent?${search.toString()}`;
    };
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link: [
        { relation: 'self', url: link(offset) },
        ...(offset + count < total ? [{ relation: 'next', url: link(offset + count) }] : []),
      ],
      entry: rows.map((row): BundleEntry => ({
        fullUrl: `${baseUrl}/AuditEvent/${row.id}`,
        resource: toAuditEvent(row),
        search: { mode: 'match' },
      })),
    };
  }

  async read(id: string): Promise<AuditEvent> {
    if (!/^\d{1,18}$/.test(id)) throw FhirError.notFound(`AuditEvent/${id} is not known`);
    const rows = await this.dataSource.query<AuditRow[]>(
      `SELECT * FROM gateway.audit_event WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw FhirError.notFound(`AuditEvent/${id} is not known`);
    return toAuditEvent(rows[0]);
  }
}

/**
 * Text as the audit trail keeps it: identity numbers masked, and NUL (which PostgreSQL text cannot
 * hold; a refused upload's reason may quote it) as U+FFFD, so recording a refusal cannot fail.
 */
export function auditText(text: string): string {
  return maskResidentIdsInText(text).replaceAll('\u0000', '\uFFFD');
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id: String(row.id),
    meta: { versionId: '1', lastUpdated: new Date(row.recorded).toISOString() },
    type: { system: DCM, code: row.type_code, display: EVENT_TYPES[row.type_code] },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: row.subtype }],
    action: row.action,
    recorded: new Date(row.recorded).toISOString(),
    outcome: row.outcome,
    ...(row.outcome_desc ? { outcomeDesc: row.outcome_desc } : {}),
    ...(row.purpose
      ? {
          purposeOfEvent: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: row.purpose },
              ],
            },
          ],
        }
      : {}),
    agent: [
      {
        type: { coding: [{ system: 'urn:hub:agent-kind', code: row.agent_kind }] },
        who: {
          identifier: {
            system: `urn:hub:${row.agent_kind === 'client' ? 'client' : 'user'}`,
            value: row.agent_subject,
          },
        },
        ...(row.agent_org ? { altId: row.agent_org } : {}),
        role: row.agent_roles.map((role) => ({ coding: [{ system: 'urn:hub:role', code: role }] })),
        requestor: true,
        ...(row.source_ip ? { network: { address: row.source_ip, type: '2' as const } } : {}),
      },
    ],
    source: {
      site: 'consortium-hub',
      observer: { display: 'gateway' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4' }],
    },
    entity: [
      ...row.entities.map((entity) => ({
        what: { reference: `${entity.type}/${entity.id}` },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' },
      })),
      ...(row.query
        ? [
            {
              type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                code: '2',
              },
              query: Buffer.from(row.query).toString('base64'),
            },
          ]
        : []),
    ],
  };
}
