import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Bundle, BundleEntry } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { type AuditAgent, type Accessor } from '../audit/accessor';
import { type AuditRecord, AuditService, auditInsertSql } from '../audit/audit.service';
import { type AccessScope } from './access-scope';
import { type DateRange, type TokenValue, searchParameters } from './search-parameters';

/** Resource types that every authenticated caller may read (consortium directory data). */
const PUBLIC_TYPES = new Set(['Organization']);

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

interface ResourceRow {
  content: StoredResource;
  owner_orgs: string[];
  version_id: number;
}

/**
 * The consortium record: FHIR resources stored as JSONB with every version kept, and the search
 * index kept in step in the same transaction. Callers pass the EntityManager of their transaction
 * so a business change and its resources commit together.
 */
@Injectable()
export class FhirStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Stores a new resource (version 1). Assigns an id unless one is given. */
  async create<T extends { resourceType: string; id?: string }>(
    manager: EntityManager,
    resource: T,
    owners: string[],
    agent?: AuditAgent,
  ): Promise<T & StoredResource> {
    const id = resource.id ?? randomUUID();
    if (!ID_PATTERN.test(id))
      throw FhirError.badRequest(`id "${id}" is not a valid FHIR id`, [
        `${resource.resourceType}.id`,
      ]);
    const now = new Date();
    const stored = this.withMeta({ ...resource, id }, 1, now) as T & StoredResource;
    // One statement (one round trip) writes the resource, its first history row, its search
    // index and the audit row: an order stores several resources, and each round trip counted.
    const params: unknown[] = [
      stored.resourceType,
      id,
      now,
      JSON.stringify(stored),
      dedupe(owners),
    ];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const steps = [
      `INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs)
       VALUES ($1, $2, 1, $3, $4, $5)`,
      `INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content)
       VALUES ($1, $2, 1, $3, $4)`,
      ...indexInserts(stored, bind, ''),
      ...(agent ? [auditInsertSql(this.writeEvent('C', stored, agent), bind)] : []),
    ];
    await manager.query(withSteps(steps, 'SELECT 1'), params);
    return stored;
  }

  /**
   * Stores a new version of an existing resource. `addOwners` are added to the owners (a patient
   * seen by a second clinic). The caller should have read it with {@link lockForUpdate}.
   */
  async update<T extends StoredResource>(
    manager: EntityManager,
    resource: T,
    addOwners: string[] = [],
    agent?: AuditAgent,
  ): Promise<T> {
    const now = new Date();
    // One statement: the new version (its meta.versionId set from the row), its history row, the
    // search index replaced and the audit row, each step only when the resource exists.
    const params: unknown[] = [
      resource.resourceType,
      resource.id,
      now,
      JSON.stringify(this.withMeta(resource, 0, now)),
      dedupe(addOwners),
    ];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const exists = 'EXISTS (SELECT 1 FROM current)';
    const steps = [
      `UPDATE gateway.fhir_resource SET version_id = version_id + 1, last_updated = $3,
         owner_orgs = ARRAY(SELECT DISTINCT unnest(owner_orgs || $5::text[])),
         content = jsonb_set($4::jsonb, '{meta,versionId}', to_jsonb((version_id + 1)::text))
       WHERE resource_type = $1 AND id = $2 RETURNING version_id, content`,
      `INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content)
       SELECT $1, $2, version_id, $3, content FROM current`,
      ...INDEX_TABLES.map(
        (table) =>
          `DELETE FROM gateway.fhir_search_${table} WHERE resource_type = $1 AND resource_id = $2 AND ${exists}`,
      ),
      ...indexInserts(resource, bind, `WHERE ${exists}`),
      // Unguarded: when the resource is missing the error below rolls the caller's transaction back.
      ...(agent ? [auditInsertSql(this.writeEvent('U', resource, agent), bind)] : []),
    ];
    const rows = await manager.query<Array<{ version_id: number }>>(
      withSteps(steps, 'SELECT version_id FROM current', 'current'),
      params,
    );
    const version = rows[0]?.version_id;
    if (!version) throw FhirError.notFound(`${resource.resourceType}/${resource.id} is not known`);
    return this.withMeta(resource, version, now) as T;
  }

  /** Reads the current version with a row lock, for a read-modify-write inside a transaction. */
  async lockForUpdate<T extends StoredResource>(
    manager: EntityManager,
    type: string,
    id: string,
  ): Promise<T | undefined> {
    const rows = await manager.query<Array<{ content: T }>>(
      `SELECT content FROM gateway.fhir_resource WHERE resource_type = $1 AND id = $2 FOR UPDATE`,
      [type, id],
    );
    return rows[0]?.content;
  }

  /** Reads a resource the caller may see, or undefined (not found and not visible look the same). */
  async find<T extends StoredResource>(
    type: string,
    id: string,
    scope: AccessScope,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<T | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const params: unknown[] = [type, id];
    const clause = scopeClause(type, scope, (value) => `$${params.push(value)}`);
    const rows = await manager.query<ResourceRow[]>(
      `SELECT content FROM gateway.fhir_resource r WHERE resource_type = $1 AND id = $2 AND ${clause}`,
      params,
    );
    return rows[0]?.content as T | undefined;
  }

  /**
   * Reads a resource the caller may see, or throws a 404 OperationOutcome (another member's
   * resource looks exactly like a missing one). Audited either way: one AuditEvent per read.
   */
  async read<T extends StoredResource>(
    type: string,
    id: string,
    accessor: Accessor,
    subtype = 'read',
  ): Promise<T> {
    const found = await this.find<T>(type, id, accessor.scope);
    await this.audit.record({
      type: '110110',
      subtype,
      action: 'R',
      agent: accessor.agent,
      entities: [{ type, id }],
      patientIds: found ? patientIdsOf(found) : [],
      ...(found
        ? {}
        : { outcome: '4' as const, outcomeDesc: `${type}/${id} not found or not visible` }),
    });
    if (!found) throw FhirError.notFound(`${type}/${id} is not known`);
    return found;
  }

  /** Reads one version of a resource the caller may see. */
  async vread(
    type: string,
    id: string,
    versionId: string,
    accessor: Accessor,
  ): Promise<StoredResource> {
    await this.read(type, id, accessor, 'vread');
    if (!/^\d{1,9}$/.test(versionId))
      throw FhirError.notFound(`${type}/${id}/_history/${versionId} is not known`);
    const rows = await this.dataSource.query<ResourceRow[]>(
      `SELECT content FROM gateway.fhir_resource_history WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
      [type, id, Number(versionId)],
    );
    if (!rows[0]) throw FhirError.notFound(`${type}/${id}/_history/${versionId} is not known`);
    return rows[0].content;
  }

  /** Every version of a resource, newest first, as a `history` Bundle. */
  async history(type: string, id: string, accessor: Accessor, baseUrl: string): Promise<Bundle> {
    await this.read(type, id, accessor, 'history-instance');
    const rows = await this.dataSource.query<ResourceRow[]>(
      `SELECT content FROM gateway.fhir_resource_history WHERE resource_type = $1 AND id = $2 ORDER BY version_id DESC`,
      [type, id],
    );
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: rows.length,
      link: [{ relation: 'self', url: `${baseUrl}/${type}/${id}/_history` }],
      entry: rows.map((row, index): BundleEntry => ({
        fullUrl: `${baseUrl}/${type}/${id}`,
        resource: row.content as BundleEntry['resource'],
        request: {
          method: index === rows.length - 1 ? 'POST' : 'PUT',
          url: index === rows.length - 1 ? type : `${type}/${id}`,
        },
        response: {
          status: index === rows.length - 1 ? '201' : '200',
          lastModified: row.content.meta?.lastUpdated,
        },
      })),
    };
  }

  /** Records an access to one resource in the caller's transaction. */
  async auditAccess(
    manager: EntityManager,
    action: 'C' | 'R' | 'U',
    subtype: string,
    resource: StoredResource,
    agent: AuditAgent,
  ): Promise<void> {
    await this.audit.record(this.accessEvent(action, subtype, resource, agent), manager);
  }

  private accessEvent(
    action: 'C' | 'R' | 'U',
    subtype: string,
    resource: StoredResource,
    agent: AuditAgent,
  ): AuditRecord {
    return {
      type: '110110',
      subtype,
      action,
      agent,
      entities: [{ type: resource.resourceType, id: resource.id }],
      patientIds: patientIdsOf(resource),
    };
  }

  private writeEvent(action: 'C' | 'U', resource: StoredResource, agent: AuditAgent): AuditRecord {
    return this.accessEvent(action, action === 'C' ? 'create' : 'update', resource, agent);
  }

  private withMeta(resource: StoredResource, version: number, at: Date): StoredResource {
    return {
      ...resource,
      meta: { ...resource.meta, versionId: String(version), lastUpdated: at.toISOString() },
    };
  }
}

const INDEX_TABLES = ['token', 'reference', 'date', 'string'] as const;

/** `WITH step0 AS (…), step1 AS (…) … final`; the first step is named `first` when given. */
function withSteps(steps: string[], final: string, first?: string): string {
  const named = steps.map((step, i) => `${i === 0 && first ? first : `step${i}`} AS (${step})`);
  return `WITH ${named.join(',\n')}\n${final}`;
}

/**
 * The INSERTs of a resource's search index rows (what its search parameters extract) for the
 * resource named by $1 (type) and $2 (id); `bind` adds the value arrays as parameters, `where`
 * guards each row.
 */
function indexInserts(
  resource: StoredResource,
  bind: (value: unknown) => string,
  where: string,
): string[] {
  const tokens: Array<[string, string | null, string]> = [];
  const refs: Array<[string, string, string]> = [];
  const dates: Array<[string, Date, Date]> = [];
  const strings: Array<[string, string]> = [];
  for (const param of searchParameters[resource.resourceType] ?? []) {
    for (const value of param.extract(resource as unknown as Record<string, unknown>)) {
      switch (param.type) {
        case 'token': {
          const token = value as TokenValue;
          tokens.push([param.name, token.system ?? null, token.value]);
          break;
        }
        case 'reference': {
          const ref = value as { type: string; id: string };
          refs.push([param.name, ref.type, ref.id]);
          break;
        }
        case 'date': {
          const range = value as DateRange;
          dates.push([param.name, range.low, range.high]);
          break;
        }
        case 'string':
          strings.push([param.name, normalizeString(value as string)]);
          break;
      }
    }
  }
  const column = <R extends unknown[]>(rows: R[], index: number) => rows.map((row) => row[index]);
  const inserts: string[] = [];
  if (tokens.length)
    inserts.push(
      `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value)
       SELECT $1, $2, * FROM unnest(${bind(column(tokens, 0))}::text[], ${bind(column(tokens, 1))}::text[], ${bind(column(tokens, 2))}::text[]) ${where}`,
    );
  if (refs.length)
    inserts.push(
      `INSERT INTO gateway.fhir_search_reference (resource_type, resource_id, param, target_type, target_id)
       SELECT $1, $2, * FROM unnest(${bind(column(refs, 0))}::text[], ${bind(column(refs, 1))}::text[], ${bind(column(refs, 2))}::text[]) ${where}`,
    );
  if (dates.length)
    inserts.push(
      `INSERT INTO gateway.fhir_search_date (resource_type, resource_id, param, low, high)
       SELECT $1, $2, * FROM unnest(${bind(column(dates, 0))}::text[], ${bind(column(dates, 1))}::timestamptz[], ${bind(column(dates, 2))}::timestamptz[]) ${where}`,
    );
  if (strings.length)
    inserts.push(
      `INSERT INTO gateway.fhir_search_string (resource_type, resource_id, param, value)
       SELECT $1, $2, * FROM unnest(${bind(column(strings, 0))}::text[], ${bind(column(strings, 1))}::text[]) ${where}`,
    );
  return inserts;
}

/** The patients a resource is about: itself for a Patient, its subject (or Task.for) otherwise. */
export function patientIdsOf(resource: StoredResource): string[] {
  if (resource.resourceType === 'Patient') return [resource.id];
  const r = resource as StoredResource & {
    subject?: { reference?: string };
    for?: { reference?: string };
  };
  return [r.subject?.reference, r.for?.reference]
    .map((reference) => /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference ?? '')?.[1])
    .filter((id): id is string => id !== undefined);
}

/** Case- and accent-insensitive form used for string search. */
export function normalizeString(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

/**
 * The SQL condition limiting rows of alias `r` to what `scope` may see. `bind` adds a parameter
 * to the caller's query and returns its placeholder.
 */
export function scopeClause(
  type: string,
  scope: AccessScope,
  bind: (value: unknown) => string,
): string {
  if (scope.kind === 'all' || PUBLIC_TYPES.has(type)) return 'true';
  return `r.owner_orgs && ${bind(scope.orgs)}::text[]`;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
