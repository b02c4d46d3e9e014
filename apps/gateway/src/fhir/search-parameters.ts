import type { CodeableConcept, Identifier, Reference } from 'fhir/r4';
import { parseReference } from '@hub/fhir';

/**
 * The search parameters the hub supports, per resource type, and how each is extracted from a
 * resource into the index tables. The CapabilityStatement is generated from this table, so what is
 * advertised is exactly what works.
 */
export type SearchParamType = 'token' | 'reference' | 'date' | 'string';

export interface TokenValue {
  system?: string;
  value: string;
}

export interface DateRange {
  low: Date;
  high: Date;
}

export interface SearchParamDefinition {
  name: string;
  type: SearchParamType;
  documentation: string;
  /** For reference parameters: the resource types a bare id refers to. */
  targets?: string[];
  extract(
    resource: Record<string, unknown>,
  ): Array<TokenValue | { type: string; id: string } | DateRange | string>;
}

type R = Record<string, unknown>;

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const identifiers = (resource: R): TokenValue[] =>
  asArray(resource.identifier as Identifier[] | undefined)
    .filter((i) => i.value)
    .map((i) => ({ system: i.system, value: i.value as string }));

const codings = (concept: CodeableConcept | CodeableConcept[] | undefined): TokenValue[] =>
  asArray(concept)
    .flatMap((c) => asArray(c.coding))
    .filter((c) => c.code)
    .map((c) => ({ system: c.system, value: c.code as string }));

const code = (value: unknown): TokenValue[] => (typeof value === 'string' ? [{ value }] : []);

const references = (value: Reference | Reference[] | undefined) =>
  asArray(value)
    .map((ref) => parseReference(ref))
    .filter((ref): ref is { type: string; id: string } => ref !== undefined);

/** The instant range a FHIR date, dateTime or instant covers (a day covers the whole day). */
export function dateRange(value: string): DateRange | undefined {
  const match =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(
      value,
    );
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = match;
  if (h !== undefined) {
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${tz ?? 'Z'}`;
    const instant = new Date(iso);
    if (Number.isNaN(instant.getTime())) return undefined;
    const high = new Date(instant.getTime() + (s === undefined ? 59_999 : frac ? 0 : 999));
    return { low: instant, high };
  }
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  const low = new Date(Date.UTC(year, month, day));
  if (low.getUTCMonth() !== month || low.getUTCDate() !== day) return undefined;
  const end = d
    ? Date.UTC(year, month, day + 1)
    : mo
      ? Date.UTC(year, month + 1, 1)
      : Date.UTC(year + 1, 0, 1);
  return { low, high: new Date(end - 1) };
}

const dates = (...values: unknown[]): DateRange[] =>
  values
    .filter((v): v is string => typeof v === 'string')
    .map(dateRange)
    .filter((r): r is DateRange => r !== undefined);

const periodOrDate = (value: unknown, period: unknown): DateRange[] => {
  const p = period as { start?: string; end?: string } | undefined;
  if (p?.start || p?.end) {
    const low = p.start ? dateRange(p.start)?.low : new Date(-8.64e15);
    const high = p.end ? dateRange(p.end)?.high : new Date(8.64e15);
    return low && high ? [{ low, high }] : [];
  }
  return dates(value);
};

const humanNames = (resource: R): string[] =>
  asArray(resource.name as Array<{ text?: string; family?: string; given?: string[] }> | undefined)
    // A name that is not an object (null, a string) names nobody; it must not fail the write.
    .filter((n) => typeof n === 'object' && n !== null)
    .flatMap((n) => {
      const given = asArray(n.given).filter((g) => typeof g === 'string');
      const family = typeof n.family === 'string' ? n.family : undefined;
      return [n.text, family, ...given, [family, ...given].filter(Boolean).join('')].filter(
        (s): s is string => typeof s === 'string' && s.length > 0,
      );
    });

const subjectParams = (targets: string[]): SearchParamDefinition[] => [
  {
    name: 'subject',
    type: 'reference',
    targets,
    documentation: 'Who the resource is about',
    extract: (r) => references(r.subject as Reference),
  },
  {
    name: 'patient',
    type: 'reference',
    targets: ['Patient'],
    documentation: 'The patient the resource is about',
    extract: (r) => references(r.subject as Reference).filter((ref) => ref.type === 'Patient'),
  },
];

const common: SearchParamDefinition[] = [
  {
    name: '_id',
    type: 'token',
    documentation: 'Logical id of the resource',
    extract: (r) => code(r.id),
  },
];

/** Parameters per resource type. `_lastUpdated` is served from the resource table directly. */
export const searchParameters: Record<string, SearchParamDefinition[]> = {
  Patient: [
    ...common,
    {
      name: 'identifier',
      type: 'token',
      documentation: '居民身份证号 or a member MRN (system|value)',
      extract: identifiers,
    },
    {
      name: 'name',
      type: 'string',
      documentation: 'Family, given or full name (starts with)',
      extract: humanNames,
    },
    {
      name: 'gender',
      type: 'token',
      documentation: 'Administrative gender',
      extract: (r) => code(r.gender),
    },
    {
      name: 'birthdate',
      type: 'date',
      documentation: 'Date of birth',
      extract: (r) => dates(r.birthDate),
    },
  ],
  Organization: [
    ...common,
    {
      name: 'identifier',
      type: 'token',
      documentation: 'Organisation code (also its HL7 facility name)',
      extract: identifiers,
    },
    {
      name: 'name',
      type: 'string',
      documentation: 'Name (starts with)',
      extract: (r) =>
        [r.name, ...asArray(r.alias as string[])].filter((s): s is string => typeof s === 'string'),
    },
    {
      name: 'partof',
      type: 'reference',
      targets: ['Organization'],
      documentation: 'The organisation it is part of',
      extract: (r) => references(r.partOf as Reference),
    },
  ],
  ServiceRequest: [
    ...common,
    ...subjectParams(['Patient']),
    {
      name: 'identifier',
      type: 'token',
      documentation: 'Placer (PLAC) or hub (FILL) order number',
      extract: identifiers,
    },
    {
      name: 'code',
      type: 'token',
      documentation: 'What was ordered (catalogue code)',
      extract: (r) => codings(r.code as CodeableConcept),
    },
    {
      name: 'status',
      type: 'token',
      documentation: 'Order status',
      extract: (r) => code(r.status),
    },
    {
      name: 'priority',
      type: 'token',
      documentation: 'routine | urgent | asap | stat',
      extract: (r) => code(r.priority),
    },
    {
      name: 'authored',
      type: 'date',
      documentation: 'When the order was signed',
      extract: (r) => dates(r.authoredOn),
    },
    {
      name: 'requester',
      type: 'reference',
      targets: ['Organization', 'Practitioner'],
      documentation: 'Who ordered',
      extract: (r) => references(r.requester as Reference),
    },
    {
      name: 'performer',
      type: 'reference',
      targets: ['Organization'],
      documentation: 'The performing centre',
      extract: (r) => references(r.performer as Reference[]),
    },
  ],
  Task: [
    ...common,
    { name: 'identifier', type: 'token', documentation: 'Task identifier', extract: identifiers },
    {
      name: 'based-on',
      type: 'reference',
      targets: ['ServiceRequest'],
      documentation: 'The order the task fulfils',
      extract: (r) => references(r.basedOn as Reference[]),
    },
    {
      name: 'focus',
      type: 'reference',
      targets: ['ServiceRequest'],
      documentation: 'What the task acts on',
      extract: (r) => references(r.focus as Reference),
    },
    {
      name: 'patient',
      type: 'reference',
      targets: ['Patient'],
      documentation: 'The patient (Task.for)',
      extract: (r) => references(r.for as Reference),
    },
    {
      name: 'owner',
      type: 'reference',
      targets: ['Organization'],
      documentation: 'The centre responsible',
      extract: (r) => references(r.owner as Reference),
    },
    {
      name: 'requester',
      type: 'reference',
      targets: ['Organization'],
      documentation: 'The requesting clinic',
      extract: (r) => references(r.requester as Reference),
    },
    { name: 'status', type: 'token', documentation: 'Task status', extract: (r) => code(r.status) },
    {
      name: 'authored-on',
      type: 'date',
      documentation: 'When the task was created',
      extract: (r) => dates(r.authoredOn),
    },
    {
      name: 'modified',
      type: 'date',
      documentation: 'When the task last changed',
      extract: (r) => dates(r.lastModified),
    },
  ],
  Observation: [
    ...common,
    ...subjectParams(['Patient']),
    {
      name: 'identifier',
      type: 'token',
      documentation: 'Observation identifier',
      extract: identifiers,
    },
    {
      name: 'based-on',
      type: 'reference',
      targets: ['ServiceRequest'],
      documentation: 'The order',
      extract: (r) => references(r.basedOn as Reference[]),
    },
    {
      name: 'code',
      type: 'token',
      documentation: 'LOINC code',
      extract: (r) => codings(r.code as CodeableConcept),
    },
    {
      name: 'category',
      type: 'token',
      documentation: 'Category (laboratory, …)',
      extract: (r) => codings(r.category as CodeableConcept[]),
    },
    {
      name: 'status',
      type: 'token',
      documentation: 'Result status',
      extract: (r) => code(r.status),
    },
    {
      name: 'date',
      type: 'date',
      documentation: 'Clinically relevant time',
      extract: (r) => periodOrDate(r.effectiveDateTime, r.effectivePeriod),
    },
  ],
  DiagnosticReport: [
    ...common,
    ...subjectParams(['Patient']),
    { name: 'identifier', type: 'token', documentation: 'Report identifier', extract: identifiers },
    {
      name: 'based-on',
      type: 'reference',
      targets: ['ServiceRequest'],
      documentation: 'The order',
      extract: (r) => references(r.basedOn as Reference[]),
    },
    {
      name: 'code',
      type: 'token',
      documentation: 'Report code',
      extract: (r) => codings(r.code as CodeableConcept),
    },
    {
      name: 'category',
      type: 'token',
      documentation: 'Service section (LAB, RAD, …)',
      extract: (r) => codings(r.category as CodeableConcept[]),
    },
    {
      name: 'status',
      type: 'token',
      documentation: 'Report status',
      extract: (r) => code(r.status),
    },
    {
      name: 'date',
      type: 'date',
      documentation: 'Clinically relevant time',
      extract: (r) => periodOrDate(r.effectiveDateTime, r.effectivePeriod),
    },
    {
      name: 'issued',
      type: 'date',
      documentation: 'When the report was released',
      extract: (r) => dates(r.issued),
    },
    {
      name: 'result',
      type: 'reference',
      targets: ['Observation'],
      documentation: 'An observation in the report',
      extract: (r) => references(r.result as Reference[]),
    },
  ],
  Specimen: [
    ...common,
    ...subjectParams(['Patient']),
    {
      name: 'accession',
      type: 'token',
      documentation: 'Accession number (the barcode on the label)',
      extract: (r) => {
        const accession = r.accessionIdentifier as Identifier | undefined;
        return accession?.value ? [{ system: accession.system, value: accession.value }] : [];
      },
    },
    {
      name: 'status',
      type: 'token',
      documentation: 'available | unavailable | unsatisfactory | entered-in-error',
      extract: (r) => code(r.status),
    },
    {
      name: 'type',
      type: 'token',
      documentation: 'Specimen type',
      extract: (r) => codings(r.type as CodeableConcept),
    },
    {
      name: 'collected',
      type: 'date',
      documentation: 'When the specimen was collected',
      extract: (r) =>
        dates((r.collection as { collectedDateTime?: string } | undefined)?.collectedDateTime),
    },
  ],
  ImagingStudy: [
    ...common,
    ...subjectParams(['Patient']),
    {
      name: 'identifier',
      type: 'token',
      documentation: 'Study Instance UID (urn:oid:…) or accession number',
      extract: identifiers,
    },
    {
      name: 'basedon',
      type: 'reference',
      targets: ['ServiceRequest'],
      documentation: 'The order the study was made for',
      extract: (r) => references(r.basedOn as Reference[]),
    },
    {
      name: 'modality',
      type: 'token',
      documentation: 'Modality in the study (DICOM CID 29)',
      extract: (r) => codings(r.modality as CodeableConcept[]),
    },
    {
      name: 'started',
      type: 'date',
      documentation: 'When the study started',
      extract: (r) => dates(r.started),
    },
    {
      name: 'status',
      type: 'token',
      documentation: 'registered | available | cancelled | entered-in-error',
      extract: (r) => code(r.status),
    },
  ],
  Communication: [
    ...common,
    ...subjectParams(['Patient']),
    {
      name: 'status',
      type: 'token',
      documentation: 'in-progress (unacknowledged) | completed (acknowledged)',
      extract: (r) => code(r.status),
    },
    {
      name: 'category',
      type: 'token',
      documentation: 'Category (critical-value alerts: alert)',
      extract: (r) => codings(r.category as CodeableConcept[]),
    },
    {
      name: 'recipient',
      type: 'reference',
      targets: ['Organization'],
      documentation: 'Who is notified',
      extract: (r) => references(r.recipient as Reference[]),
    },
    {
      name: 'about',
      type: 'reference',
      targets: ['Observation', 'DiagnosticReport'],
      documentation: 'The result the communication is about',
      extract: (r) => references(r.about as Reference[]),
    },
    {
      name: 'sent',
      type: 'date',
      documentation: 'When it was sent',
      extract: (r) => dates(r.sent),
    },
  ],
};

/** Resource types the hub stores. */
export const supportedTypes = Object.keys(searchParameters);

/** Sort keys accepted by `_sort` per type (date parameters and `_lastUpdated`). */
export function sortableParams(type: string): string[] {
  return [
    '_lastUpdated',
    ...(searchParameters[type] ?? []).filter((p) => p.type === 'date').map((p) => p.name),
  ];
}
