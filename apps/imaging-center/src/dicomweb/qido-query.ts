import { Attributes, type Keyword, isoDate, tagOf } from './dicom-attributes';
import { isUid } from '../storage/instance-store';

/** What a QIDO-RS request searches for. */
export type QidoLevel = 'study' | 'series' | 'instance';

const RANK: Record<QidoLevel, number> = { study: 0, series: 1, instance: 2 };

/**
 * How a matching key is matched (PS3.4 C.2.2.2): `text` single value or wildcards (`*`, `?`),
 * case-sensitive; `pn` the same, case-insensitive, against each name group; `date` single date or
 * range; `uid` a list of UIDs; `code` single values; `code-array` any of the study's values.
 */
type MatchKind = 'text' | 'pn' | 'date' | 'uid' | 'code' | 'code-array';

interface MatchKey {
  keyword: Keyword;
  level: QidoLevel;
  /** The column in the query (`s` study, `se` series, `i` instance). */
  column: string;
  kind: MatchKind;
}

const MATCH_KEYS: MatchKey[] = [
  { keyword: 'PatientID', level: 'study', column: 's.patient_id', kind: 'text' },
  { keyword: 'PatientName', level: 'study', column: 's.patient_name_search', kind: 'pn' },
  { keyword: 'StudyDate', level: 'study', column: 's.study_date', kind: 'date' },
  { keyword: 'AccessionNumber', level: 'study', column: 's.accession_number', kind: 'text' },
  { keyword: 'ModalitiesInStudy', level: 'study', column: 's.modalities', kind: 'code-array' },
  { keyword: 'StudyInstanceUID', level: 'study', column: 's.study_uid', kind: 'uid' },
  { keyword: 'Modality', level: 'series', column: 'se.modality', kind: 'code' },
  { keyword: 'SeriesInstanceUID', level: 'series', column: 'se.series_uid', kind: 'uid' },
  { keyword: 'SOPInstanceUID', level: 'instance', column: 'i.sop_uid', kind: 'uid' },
  { keyword: 'SOPClassUID', level: 'instance', column: 'i.sop_class_uid', kind: 'uid' },
];

const BY_TAG = new Map<string, MatchKey>(
  MATCH_KEYS.map((key) => [Attributes[key.keyword].tag, key]),
);

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A query the archive cannot answer as asked: the reason says what to change (400). */
export class QidoQueryError extends Error {}

/** A parsed QIDO-RS query: SQL conditions over `s`, `se` and `i`, paging and extra attributes. */
export interface QidoQuery {
  conditions: string[];
  /** Tags to return besides the level's defaults (`includefield`). */
  includeFields: string[];
  /** `includefield=all`. */
  includeAll: boolean;
  limit: number;
  offset: number;
  /** The archive chose the limit (none given, or more than {@link MAX_LIMIT} asked for). */
  limitedByArchive: boolean;
}

/**
 * Parses the query string of a QIDO-RS request at `level`. Matching keys are named by keyword or
 * tag; keys of the level and the levels above may be used (a series search may match on the
 * patient). Values are appended to `params`, and the conditions refer to them by position.
 * @throws QidoQueryError for an unknown or unusable key, a bad value, limit or offset.
 */
export function parseQidoQuery(
  level: QidoLevel,
  search: URLSearchParams,
  params: unknown[],
): QidoQuery {
  const query: QidoQuery = {
    conditions: [],
    includeFields: [],
    includeAll: false,
    limit: DEFAULT_LIMIT,
    offset: 0,
    limitedByArchive: true,
  };
  for (const name of new Set(search.keys())) {
    const values = search.getAll(name);
    switch (name.toLowerCase()) {
      case 'limit': {
        const limit = integer(single(name, values), name, 1);
        query.limit = Math.min(limit, MAX_LIMIT);
        query.limitedByArchive = limit > MAX_LIMIT;
        continue;
      }
      case 'offset':
        query.offset = integer(single(name, values), name, 0);
        continue;
      case 'fuzzymatching': {
        // Allowed and ignored: names are matched as given (PS3.18 8.3.4.5 lets the archive).
        const value = single(name, values);
        if (value !== 'true' && value !== 'false')
          throw new QidoQueryError('fuzzymatching must be true or false');
        continue;
      }
      case 'includefield':
        for (const field of values.flatMap((v) => v.split(','))) {
          const trimmed = field.trim();
          if (trimmed.toLowerCase() === 'all') {
            query.includeAll = true;
            continue;
          }
          const tag = tagOf(trimmed);
          if (!tag)
            throw new QidoQueryError(
              `includefield ${JSON.stringify(trimmed)} is neither a tag (8 hex digits) nor a keyword the archive knows`,
            );
          query.includeFields.push(tag);
        }
        continue;
    }
    const tag = tagOf(name);
    const key = tag ? BY_TAG.get(tag) : undefined;
    if (!key)
      throw new QidoQueryError(
        `${JSON.stringify(name)} is not a query key the archive matches on (it matches ${MATCH_KEYS.map((k) => k.keyword).join(', ')})`,
      );
    if (RANK[key.level] > RANK[level])
      throw new QidoQueryError(
        `${key.keyword} is a ${key.level}-level key and cannot be used to search for ${level === 'series' ? 'series' : `${level}s`}` +
          (key.keyword === 'Modality' ? ' (use ModalitiesInStudy)' : ''),
      );
    const value = key.kind === 'uid' ? values.join('\\') : single(key.keyword, values);
    const condition = matchCondition(key, value, params);
    if (condition) query.conditions.push(condition);
  }
  return query;
}

function single(name: string, values: string[]): string {
  if (values.length > 1) throw new QidoQueryError(`${name} is given more than once`);
  return values[0];
}

function integer(value: string, name: string, min: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min)
    throw new QidoQueryError(`${name} must be a whole number of at least ${min}`);
  return Number(value);
}

/** The SQL condition for one key (undefined for universal matching: an empty value). */
function matchCondition(key: MatchKey, value: string, params: unknown[]): string | undefined {
  if (value === '') return undefined;
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (key.kind) {
    case 'date': {
      const range = dateRange(value);
      if (!range)
        throw new QidoQueryError(
          `${key.keyword} ${JSON.stringify(value)} is not a date or a date range (YYYYMMDD, YYYYMMDD-YYYYMMDD, -YYYYMMDD, YYYYMMDD-)`,
        );
      const [from, to] = range;
      if (from && to && from === to) return `${key.column} = ${param(from)}::date`;
      return [
        from ? `${key.column} >= ${param(from)}::date` : undefined,
        to ? `${key.column} <= ${param(to)}::date` : undefined,
      ]
        .filter(Boolean)
        .join(' AND ');
    }
    case 'uid': {
      const uids = value
        .split(/[\\,]/)
        .map((uid) => uid.trim())
        .filter(Boolean);
      const bad = uids.find((uid) => !isUid(uid));
      if (bad !== undefined)
        throw new QidoQueryError(`${key.keyword} ${JSON.stringify(bad)} is not a UID`);
      return `${key.column} = ANY (${param(uids)}::text[])`;
    }
    case 'code':
    case 'code-array': {
      const codes = value.split('\\').map((code) => code.trim());
      if (codes.some((code) => !/^[A-Z0-9 _]{1,16}$/.test(code)))
        throw new QidoQueryError(
          `${key.keyword} ${JSON.stringify(value)} is not a code (CT, MR, …)`,
        );
      return key.kind === 'code'
        ? `${key.column} = ANY (${param(codes)}::text[])`
        : `${key.column} && ${param(codes)}::text[]`;
    }
    case 'text': {
      const alternatives = value.split('\\').map((v) => {
        if (!hasWildcard(v)) return `${key.column} = ${param(v)}`;
        return `${key.column} LIKE ${param(likePattern(v))}`;
      });
      return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`;
    }
    case 'pn': {
      // Any name group (Alphabetic=Ideographic=Phonetic) or the whole name, case-insensitive.
      const alternatives = value.split('\\').map((v) => {
        const pattern = param(likePattern(v.toUpperCase()));
        return (
          `(${key.column} LIKE ${pattern} OR EXISTS (SELECT 1 FROM unnest(string_to_array(` +
          `${key.column}, '=')) AS name_group (v) WHERE name_group.v LIKE ${pattern}))`
        );
      });
      return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' OR ')})`;
    }
  }
}

function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/** A DICOM wildcard value as a LIKE pattern (backslash escapes, PostgreSQL's default). */
export function likePattern(value: string): string {
  return value
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}

/** A DA single value or range as ISO dates [from, to] (either may be open), or undefined. */
export function dateRange(value: string): [string | undefined, string | undefined] | undefined {
  const match = /^(\d{8})?(-)?(\d{8})?$/.exec(value.trim());
  if (!match || (!match[1] && !match[3])) return undefined;
  const [, first, dash, second] = match;
  if (!dash) {
    if (second) return undefined;
    const day = isoDate(first);
    return day ? [day, day] : undefined;
  }
  const from = first ? isoDate(first) : undefined;
  const to = second ? isoDate(second) : undefined;
  if ((first && !from) || (second && !to)) return undefined;
  if (from && to && from > to) return undefined;
  return [from ?? undefined, to ?? undefined];
}
