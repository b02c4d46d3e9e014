import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Bundle, BundleEntry } from 'fhir/r4';
import { type DataSource } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { type Accessor } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { normalizeString, patientIdsOf, scopeClause } from './fhir-store.service';
import {
  dateRange,
  searchParameters,
  sortableParams,
  type SearchParamDefinition,
} from './search-parameters';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

/** Parameters that control the result rather than filter it. */
const RESULT_PARAMS = new Set(['_count', '_sort', '_offset', '_format', '_total']);

/** A search query as received: each name with every value it was given (repeats are AND). */
export type SearchQuery = Array<[string, string]>;

class SqlBuilder {
  readonly params: unknown[] = [];
  add(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

const DATE_PREFIXES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'sa', 'eb', 'ap'] as const;

/**
 * FHIR search over the index tables: token, reference, date and string parameters with comma = OR
 * and repeated parameters = AND, `_count`, `_sort`, paging with `next` links. Unknown parameters
 * are refused with a 400 naming them, so a typo never silently returns everything.
 */
@Injectable()
export class FhirSearchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Searches what the caller may see; the search and what it returned are audited. */
  async search(
    type: string,
    query: SearchQuery,
    accessor: Accessor,
    baseUrl: string,
  ): Promise<Bundle> {
    const bundle = await this.run(type, query, accessor, baseUrl);
    const resources = (bundle.entry ?? []).map((e) => e.resource as StoredResource);
    await this.audit.record({
      type: '110112',
      subtype: 'search-type',
      action: 'E',
      agent: accessor.agent,
      entities: resources.map((r) => ({ type: r.resourceType, id: r.id })),
      patientIds: resources.flatMap(patientIdsOf),
      query: `${type}?${new URLSearchParams(query).toString()}`,
    });
    return bundle;
  }

  private async run(
    type: string,
    query: SearchQuery,
    accessor: Accessor,
    baseUrl: string,
  ): Promise<Bundle> {
    const scope = accessor.scope;
    const definitions = searchParameters[type];
    if (!definitions) throw FhirError.notFound(`resource type ${type} is not supported`);
    const sql = new SqlBuilder();
    const conditions = [`r.resource_type = ${sql.add(type)}`];
    conditions.push(scopeClause(type, scope, (value) => sql.add(value)));

    let count = DEFAULT_PAGE_SIZE;
    let offset = 0;
    let sort: Array<{ name: string; descending: boolean }> = [];
    for (const [rawName, value] of query) {
      const [name, modifier] = rawName.split(':', 2);
      if (name === '_count') {
        count = parseBoundedInt(value, '_count', 0, MAX_PAGE_SIZE);
        continue;
      }
      if (name === '_offset') {
        offset = parseBoundedInt(value, '_offset', 0, 1_000_000);
        continue;
      }
      if (name === '_sort') {
        sort = value.split(',').map((key) => {
          const descending = key.startsWith('-');
          const sortName = descending ? key.slice(1) : key;
          if (!sortableParams(type).includes(sortName)) {
            throw FhirError.badRequest(
              `_sort by "${sortName}" is not supported for ${type}; use one of ${sortableParams(type).join(', ')}`,
            );
          }
          return { name: sortName, descending };
        });
        continue;
      }
      if (RESULT_PARAMS.has(name)) continue;
      if (name === '_lastUpdated') {
        conditions.push(
          `(${value
            .split(',')
            .map((v) => dateCondition(sql, 'r.last_updated', 'r.last_updated', v, name))
            .join(' OR ')})`,
        );
        continue;
      }
      const definition = definitions.find((d) => d.name === name);
      if (!definition) {
        throw FhirError.badRequest(
          `unknown search parameter "${name}" for ${type}; supported: ${[...definitions.map((d) => d.name), '_lastUpdated', '_count', '_sort'].join(', ')}`,
        );
      }
      conditions.push(paramCondition(sql, type, definition, modifier, value));
    }

    const where = conditions.join(' AND ');
    const whereParams = [...sql.params];
    const order = sort.length
      ? sort.map((s) => orderExpression(sql, type, s.name, s.descending)).join(', ') + ', r.id'
      : 'r.last_updated DESC, r.id';
    const totalRows = await this.dataSource.query<Array<{ total: number }>>(
      `SELECT count(*)::int AS total FROM gateway.fhir_resource r WHERE ${where}`,
      whereParams,
    );
    const total = totalRows[0].total;
    const rows = await this.dataSource.query<Array<{ content: StoredResource }>>(
      `SELECT r.content FROM gateway.fhir_resource r WHERE ${where} ORDER BY ${order} LIMIT ${count} OFFSET ${offset}`,
      sql.params,
    );

    const selfParams = new URLSearchParams(query.filter(([n]) => n !== '_offset'));
    const link = (at: number) => {
      const params = new URLSearchParams(selfParams);
      params.set('_offset', String(at));
      if (!params.has('_count')) params.set('_count', String(count));
      return `${baseUrl}/${type}?${params.toString()}`;
    };
    const links: Bundle['link'] = [{ relation: 'self', url: link(offset) }];
    if (count > 0 && offset + count < total)
      links.push({ relation: 'next', url: link(offset + count) });
    if (offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link: links,
      entry: rows.map((row): BundleEntry => ({
        fullUrl: `${baseUrl}/${type}/${row.content.id}`,
        resource: row.content as BundleEntry['resource'],
        search: { mode: 'match' },
      })),
    };
  }
}

function parseBoundedInt(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw FhirError.badRequest(`${name} must be a whole number`);
  return Math.min(Math.max(Number(value), min), max);
}

function paramCondition(
  sql: SqlBuilder,
  type: string,
  definition: SearchParamDefinition,
  modifier: string | undefined,
  value: string,
): string {
  const rt = sql.add(type);
  const param = sql.add(definition.name);
  const alternatives = splitValues(value);
  if (alternatives.length === 0 || alternatives.some((v) => v === '')) {
    throw FhirError.badRequest(`search parameter "${definition.name}" needs a value`);
  }
  switch (definition.type) {
    case 'token': {
      if (modifier)
        throw FhirError.badRequest(`modifier :${modifier} is not supported on ${definition.name}`);
      const ors = alternatives.map((alt) => {
        const bar = alt.indexOf('|');
        if (bar < 0) return `t.value = ${sql.add(alt)}`;
        const system = alt.slice(0, bar);
        const code = alt.slice(bar + 1);
        if (system === '') return `(t.system IS NULL AND t.value = ${sql.add(code)})`;
        if (code === '') return `t.system = ${sql.add(system)}`;
        return `(t.system = ${sql.add(system)} AND t.value = ${sql.add(code)})`;
      });
      return `EXISTS (SELECT 1 FROM gateway.fhir_search_token t WHERE t.resource_type = ${rt} AND t.resource_id = r.id AND t.param = ${param} AND (${ors.join(' OR ')}))`;
    }
    case 'reference': {
      if (modifier && !definition.targets?.includes(modifier)) {
        throw FhirError.badRequest(`modifier :${modifier} is not supported on ${definition.name}`);
      }
      const ors = alternatives.map((alt) => {
        const match = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(alt);
        if (match)
          return `(f.target_type = ${sql.add(match[1])} AND f.target_id = ${sql.add(match[2])})`;
        if (!/^[A-Za-z0-9\-.]{1,64}$/.test(alt))
          throw FhirError.badRequest(`"${alt}" is not a reference for ${definition.name}`);
        const targets = modifier ? [modifier] : (definition.targets ?? []);
        return `(f.target_id = ${sql.add(alt)} AND f.target_type = ANY(${sql.add(targets)}::text[]))`;
      });
      return `EXISTS (SELECT 1 FROM gateway.fhir_search_reference f WHERE f.resource_type = ${rt} AND f.resource_id = r.id AND f.param = ${param} AND (${ors.join(' OR ')}))`;
    }
    case 'date': {
      if (modifier)
        throw FhirError.badRequest(`modifier :${modifier} is not supported on ${definition.name}`);
      const ors = alternatives.map((alt) =>
        dateCondition(sql, 'd.low', 'd.high', alt, definition.name),
      );
      return `EXISTS (SELECT 1 FROM gateway.fhir_search_date d WHERE d.resource_type = ${rt} AND d.resource_id = r.id AND d.param = ${param} AND (${ors.join(' OR ')}))`;
    }
    case 'string': {
      if (modifier && modifier !== 'exact' && modifier !== 'contains') {
        throw FhirError.badRequest(`modifier :${modifier} is not supported on ${definition.name}`);
      }
      const ors = alternatives.map((alt) => {
        const normalized = normalizeString(alt);
        const escaped = normalized.replace(/[\\%_]/g, (c) => `\\${c}`);
        if (modifier === 'exact') return `s.value = ${sql.add(normalized)}`;
        if (modifier === 'contains') return `s.value LIKE ${sql.add(`%${escaped}%`)}`;
        return `s.value LIKE ${sql.add(`${escaped}%`)}`;
      });
      return `EXISTS (SELECT 1 FROM gateway.fhir_search_string s WHERE s.resource_type = ${rt} AND s.resource_id = r.id AND s.param = ${param} AND (${ors.join(' OR ')}))`;
    }
  }
}

/** A date comparison with FHIR prefixes against a stored [low, high] range. */
function dateCondition(
  sql: SqlBuilder,
  lowColumn: string,
  highColumn: string,
  raw: string,
  name: string,
): string {
  const prefix = DATE_PREFIXES.find((p) => raw.startsWith(p)) ?? 'eq';
  const value = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
  const range = dateRange(value);
  if (!range)
    throw FhirError.badRequest(
      `"${raw}" is not a valid date for ${name} (use e.g. ge2026-11-01 or 2026-11-23T08:00:00+08:00)`,
    );
  // Parameters are added only where used: PostgreSQL refuses unused bind parameters.
  const low = () => sql.add(range.low);
  const high = () => sql.add(range.high);
  switch (prefix) {
    case 'eq':
    case 'ap':
      return `(${lowColumn} >= ${low()} AND ${highColumn} <= ${high()})`;
    case 'ne':
      return `NOT (${lowColumn} >= ${low()} AND ${highColumn} <= ${high()})`;
    case 'lt':
    case 'eb':
      return `${lowColumn} < ${low()}`;
    case 'le':
      return `${lowColumn} <= ${high()}`;
    case 'gt':
    case 'sa':
      return `${highColumn} > ${high()}`;
    case 'ge':
      return `${highColumn} >= ${low()}`;
  }
}

function orderExpression(sql: SqlBuilder, type: string, name: string, descending: boolean): string {
  if (name === '_lastUpdated') return `r.last_updated ${descending ? 'DESC' : 'ASC'}`;
  const agg = descending ? 'max(d.high)' : 'min(d.low)';
  return `(SELECT ${agg} FROM gateway.fhir_search_date d WHERE d.resource_type = ${sql.add(type)} AND d.resource_id = r.id AND d.param = ${sql.add(name)}) ${descending ? 'DESC' : 'ASC'} NULLS LAST`;
}

/** Splits on commas that are not escaped with a backslash. */
function splitValues(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
}
