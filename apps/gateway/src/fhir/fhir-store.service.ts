import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Bundle, BundleEntry } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { type AuditAgent, type Accessor } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
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
    await manager.query(
      `INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs)
       VALUES ($1, $2, 1, $3, $4, $5)`,
      [stored.resourceType, id, now, JSON.stringify(stored), dedupe(owners)],
    );
    await this.writeHistory(manager, stored, 1, now);
    await this.writeIndex(manager, stored);
    if (agent) await this.auditWrite(manager, 'C', stored, agent);
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
    const rows = await manager.query<[Array<{ version_id: number }>, number]>(
      `UPDATE gateway.fhir_resource SET version_id = version_id + 1, last_updated = $3,
         owner_orgs = ARRAY(SELECT DISTINCT unnest(owner_orgs || $4::text[]))
       WHERE resource_type = $1 AND id = $2 RETURNING version_id`,
      [resource.resourceType, resource.id, new Date(), dedupe(addOwners)],
    );
    const version = rows[0]?.[0]?.version_id;
    if (!version) throw FhirError.notFound(`${resource.resourceType}/${resource.id} is not known`);
    const now = new Date();
    const stored = this.withMeta(resource, version, now) as T;
    await manager.query(
      `UPDATE gateway.fhir_resource SET content = $3, last_updated = $4 WHERE resource_type = $1 AND id = $2`,
      [resource.resourceType, resource.id, JSON.stringify(stored), now],
    );
    await this.writeHistory(manager, stored, version, now);
    await this.writeIndex(manager, stored);
    if (agent) await this.auditWrite(manager, 'U', stored, agent);
    return stored;
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

  private async auditWrite(
    manager: EntityManager,
    action: 'C' | 'U',
    resource: StoredResource,
    agent: AuditAgent,
  ): Promise<void> {
    await this.auditAccess(manager, action, action === 'C' ? 'create' : 'update', resource, agent);
  }

  /** Records an access to one resource in the caller's transaction. */
  async auditAccess(
    manager: EntityManager,
    action: 'C' | 'R' | 'U',
    subtype: string,
    resource: StoredResource,
    agent: AuditAgent,
  ): Promise<void> {
    await this.audit.record(
      {
        type: '110110',
        subtype,
        action,
        agent,
        entities: [{ type: resource.resourceType, id: resource.id }],
        patientIds: patientIdsOf(resource),
      },
      manager,
    );
  }

  private withMeta(resource: StoredResource, version: number, at: Date): StoredResource {
    return {
      ...resource,
      meta: { ...resource.meta, versionId: String(version), lastUpdated: at.toISOString() },
    };
  }

  private async writeHistory(
    manager: EntityManager,
    resource: StoredResource,
    version: number,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content) VALUES ($1, $2, $3, $4, $5)`,
      [resource.resourceType, resource.id, version, at, JSON.stringify(resource)],
    );
  }

  /** Replaces the resource's rows in the four index tables with what its search parameters extract. */
  private async writeIndex(manager: EntityManager, resource: StoredResource): Promise<void> {
    const type = resource.resourceType;
    const id = resource.id;
    for (const table of ['token', 'reference', 'date', 'string']) {
      await manager.query(
        `DELETE FROM gateway.fhir_search_${table} WHERE resource_type = $1 AND resource_id = $2`,
        [type, id],
      );
    }
    const tokens: Array<[string, string | null, string]> = [];
    const refs: Array<[string, string, string]> = [];
    const dates: Array<[string, Date, Date]> = [];
    const strings: Array<[string, string]> = [];
    for (const param of searchParameters[type] ?? []) {
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
    if (tokens.length) {
      await manager.query(
        `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[])`,
        [type, id, tokens.map((t) => t[0]), tokens.map((t) => t[1]), tokens.map((t) => t[2])],
      );
    }
    if (refs.length) {
      await manager.query(
        `INSERT INTO gateway.fhir_search_reference (resource_type, resource_id, param, target_type, target_id)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[])`,
        [type, id, refs.map((r) => r[0]), refs.map((r) => r[1]), refs.map((r) => r[2])],
      );
    }
    if (dates.length) {
      await manager.query(
        `INSERT INTO gateway.fhir_search_date (resource_type, resource_id, param, low, high)
         SELECT $1, $2, * FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[])`,
        [type, id, dates.map((d) => d[0]), dates.map((d) => d[1]), dates.map((d) => d[2])],
      );
    }
    if (strings.length) {
      await manager.query(
        `INSERT INTO gateway.fhir_search_string (resource_type, resource_id, param, value)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[])`,
        [type, id, strings.map((s) => s[0]), strings.map((s) => s[1])],
      );
    }
  }
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
