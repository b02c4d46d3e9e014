/**
 * HL7 annotated ECG (aECG, HL7 v3 XML in namespace urn:hl7-org:v3, the FDA's format for ECG
 * waveforms): read with fast-xml-parser, written as text.
 *
 * AnnotatedECG
 *   effectiveTime/low@value                           acquisition time
 *   inFulfillmentOf/placerOrder/id@extension          the accession number (the hub's convention)
 *   componentOf/timepointEvent/componentOf/subjectAssignment/subject/trialSubject
 *     id@extension; subjectDemographicPerson: name, administrativeGenderCode, birthTime
 *   component/series (the rhythm series)
 *     author/seriesAuthor: manufacturedSeriesDevice/manufacturerModelName, manufacturerOrganization/name
 *     component/sequenceSet/component/sequence
 *       code TIME_ABSOLUTE | TIME_RELATIVE, value GLIST_TS | GLIST_PQ: head, increment (s or ms)
 *       code MDC_ECG_LEAD_*, value SLIST_PQ: origin, scale (µV or mV), digits; value = origin + scale × digit
 *     subjectOf/annotationSet/component/annotation (nested annotations too): cart measurements
 */
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import {
  assembleEcgFile,
  type CartMeasurements,
  cartValue,
  chooseLeadGroups,
  compactToIso,
  defined,
  type EcgFile,
  EcgFileError,
  isoDate,
  isoToCompact,
  type LeadGroup,
  type PatientSexOption,
  sexWord,
  type StoredLead,
  voltsPerUnitMv,
  nonEmpty,
} from './ecg-file-model';
import { type EcgRecording, LEAD_NAMES, type LeadName } from './types';

/** HL7's OID for the MDC (ISO/IEEE 11073) vocabulary. */
const MDC_SYSTEM = '2.16.840.1.113883.6.24';
const ACT_CODE_SYSTEM = '2.16.840.1.113883.5.4';
const GENDER_SYSTEM = '2.16.840.1.113883.5.1';

const leadCode = (lead: LeadName) => `MDC_ECG_LEAD_${lead.toUpperCase()}`;
const LEAD_BY_CODE = new Map(LEAD_NAMES.map((lead) => [leadCode(lead), lead]));

/**
 * aECG annotation codes of the cart's global measurements, matched without regard to case (vendors
 * write QTc and QTC); the first of each is written.
 */
const CART_CODES: Array<{
  key: Exclude<keyof CartMeasurements, 'statements'>;
  kind: 'interval' | 'rate' | 'angle';
  codes: string[];
  unit: string;
}> = [
  { key: 'heartRateBpm', kind: 'rate', codes: ['MDC_ECG_HEART_RATE'], unit: '/min' },
  { key: 'rrMs', kind: 'interval', codes: ['MDC_ECG_TIME_PD_RR'], unit: 'ms' },
  { key: 'prMs', kind: 'interval', codes: ['MDC_ECG_TIME_PD_PR'], unit: 'ms' },
  { key: 'qrsMs', kind: 'interval', codes: ['MDC_ECG_TIME_PD_QRS'], unit: 'ms' },
  { key: 'qtMs', kind: 'interval', codes: ['MDC_ECG_TIME_PD_QT'], unit: 'ms' },
  {
    key: 'qtcMs',
    kind: 'interval',
    codes: ['MDC_ECG_TIME_PD_QTc', 'MDC_ECG_TIME_PD_QTcB', 'MDC_ECG_TIME_PD_QTcF'],
    unit: 'ms',
  },
  { key: 'pAxisDeg', kind: 'angle', codes: ['MDC_ECG_ANGLE_P_FRONT'], unit: 'deg' },
  { key: 'qrsAxisDeg', kind: 'angle', codes: ['MDC_ECG_ANGLE_QRS_FRONT'], unit: 'deg' },
  { key: 'tAxisDeg', kind: 'angle', codes: ['MDC_ECG_ANGLE_T_FRONT'], unit: 'deg' },
];
const STATEMENT_CODES = new Set(['MDC_ECG_INTERPRETATION_STATEMENT', 'MDC_ECG_INTERPRETATION']);

/** A parsed element: every child element is an array (isArray), attributes are `@_name`. */
type XmlNode = string | { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Also decodes numeric character references (&#176;), which vendors write; the default
  // decodes only the five named XML entities.
  htmlEntities: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/**
 * Reads an HL7 aECG document. Namespace prefixes, whitespace and line breaks in the digits, and
 * nested annotations are accepted. Leads come from the first sequence set that holds I, II and
 * V1–V6 (or from several sets of one length).
 * @throws EcgFileError with the reason the document cannot be used
 */
export function parseAecg(xml: Buffer | string): EcgFile {
  const text = typeof xml === 'string' ? xml : decodeXml(xml);
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new EcgFileError(
      'corrupt',
      `The file is not well-formed XML (${valid.err.msg} at line ${valid.err.line}); it is damaged or not an XML document.`,
    );
  const document = parser.parse(text) as Record<string, unknown>;
  const rootName = Object.keys(document).find((key) => !key.startsWith('?') && key !== '#text');
  if (rootName !== 'AnnotatedECG')
    throw new EcgFileError(
      'not-ecg',
      `The XML document is ${rootName ? `a <${rootName}>` : 'empty'}, not an HL7 annotated ECG (<AnnotatedECG>).`,
    );
  const root = (document.AnnotatedECG as XmlNode[])[0];

  const allSeries = children(root, 'component').flatMap((c) => children(c, 'series'));
  const sets = allSeries.flatMap((series) =>
    children(series, 'component').flatMap((c) => children(c, 'sequenceSet')),
  );
  const groups = sets.map((set, index) => readSequenceSet(set, index + 1));
  const from = chooseLeadGroups(groups);
  const stored: Partial<Record<LeadName, StoredLead>> = {};
  for (const [lead, index] of from) stored[lead] = groups[index].stored[lead];
  const first = groups[from.get('I') ?? 0];

  const series = allSeries[0];
  const subject = child(
    root,
    'componentOf',
    'timepointEvent',
    'componentOf',
    'subjectAssignment',
    'subject',
    'trialSubject',
  );
  const person = child(subject, 'subjectDemographicPerson');
  const seriesAuthor = child(series, 'author', 'seriesAuthor');
  return assembleEcgFile(first.samplingHz, stored, {
    format: 'aecg',
    accessionNumber: attr(child(root, 'inFulfillmentOf', 'placerOrder', 'id'), 'extension'),
    patient: defined({
      id: attr(child(subject, 'id'), 'extension'),
      name: personName(child(person, 'name')),
      birthDate: isoDate(attr(child(person, 'birthTime'), 'value')),
      sex: gender(attr(child(person, 'administrativeGenderCode'), 'code')),
    }),
    acquiredAt: compactToIso(
      attr(child(root, 'effectiveTime', 'low'), 'value') ??
        attr(child(series, 'effectiveTime', 'low'), 'value') ??
        first.start,
    ),
    device: nonEmpty(
      defined({
        manufacturer: textOf(child(seriesAuthor, 'manufacturerOrganization', 'name')),
        model: textOf(child(seriesAuthor, 'manufacturedSeriesDevice', 'manufacturerModelName')),
      }),
    ),
    cart: cartMeasurements(allSeries),
  });
}

interface SequenceSet extends LeadGroup {
  stored: Partial<Record<LeadName, StoredLead>>;
  /** The time sequence's head (TIME_ABSOLUTE), a fallback acquisition time. */
  start?: string;
}

function readSequenceSet(set: XmlNode, number: number): SequenceSet {
  const sequences = children(set, 'component').flatMap((c) => children(c, 'sequence'));
  const stored: Partial<Record<LeadName, StoredLead>> = {};
  let samplingHz = NaN;
  let start: string | undefined;
  for (const sequence of sequences) {
    const code = attr(child(sequence, 'code'), 'code')?.trim().toUpperCase() ?? '';
    const value = child(sequence, 'value');
    if (code.startsWith('TIME_')) {
      samplingHz = samplingRate(value);
      if (attr(value, 'type') === 'GLIST_TS') start = attr(child(value, 'head'), 'value');
      continue;
    }
    const lead = LEAD_BY_CODE.get(code);
    if (lead && !stored[lead]) stored[lead] = readLead(lead, value);
  }
  const leads = LEAD_NAMES.filter((lead) => stored[lead]);
  const lengths = new Set(leads.map((lead) => stored[lead]?.values.length));
  if (lengths.size > 1)
    throw new EcgFileError(
      'inconsistent-samples',
      `The leads have different numbers of samples (${leads
        .map((lead) => `${lead} ${stored[lead]?.values.length}`)
        .join(', ')}); the file is damaged or was cut short.`,
    );
  if (leads.length > 0 && !(samplingHz > 0))
    throw new EcgFileError(
      'corrupt',
      `Sequence set ${number} has no usable time sequence (TIME_ABSOLUTE or TIME_RELATIVE with an increment in s or ms), so the sampling rate is unknown.`,
    );
  return {
    stored,
    leads,
    samples: stored[leads[0]]?.values.length ?? 0,
    samplingHz,
    original: true,
    start,
  };
}

function samplingRate(value: XmlNode | undefined): number {
  const increment = child(value, 'increment');
  const step = Number(attr(increment, 'value'));
  const unit = attr(increment, 'unit')?.trim() ?? 's';
  const seconds = unit === 's' ? step : unit === 'ms' ? step / 1000 : NaN;
  // 1 / 0.002 is 500, but 1 / 0.0033333 is not quite 300: six decimals are plenty.
  return Math.round(1e6 / seconds) / 1e6;
}

function readLead(lead: LeadName, value: XmlNode | undefined): StoredLead {
  const type = attr(value, 'type');
  if (type !== 'SLIST_PQ')
    throw new EcgFileError(
      'unsupported',
      `Lead ${lead} is stored as ${type ?? 'an untyped value'}; the hub reads aECG leads as SLIST_PQ (origin, scale and digits).`,
    );
  const quantity = (name: 'origin' | 'scale', fallback?: number) => {
    const node = child(value, name);
    const number = node === undefined ? fallback : Number(attr(node, 'value'));
    const unitMv = node === undefined ? 1 : voltsPerUnitMv(attr(node, 'unit'));
    if (number === undefined || !Number.isFinite(number) || unitMv === undefined)
      throw new EcgFileError(
        'unsupported',
        `Lead ${lead} has no usable ${name} (a value in µV or mV), so its digits cannot be converted to millivolts.`,
      );
    return number * unitMv;
  };
  const scaleMv = quantity('scale');
  const offsetMv = quantity('origin', 0);
  const digits = (textOf(child(value, 'digits')) ?? '').trim();
  const tokens = digits === '' ? [] : digits.split(/\s+/);
  const values = new Int32Array(tokens.length);
  tokens.forEach((token, i) => {
    if (!/^[+-]?\d{1,9}$/.test(token))
      throw new EcgFileError(
        'corrupt',
        `Lead ${lead} has "${token.slice(0, 20)}" at sample ${i + 1}; aECG digits must be whole numbers.`,
      );
    values[i] = Number(token);
  });
  return { values, scaleMv, offsetMv };
}

function cartMeasurements(allSeries: XmlNode[]): CartMeasurements | undefined {
  const cart: CartMeasurements = {};
  const statements: string[] = [];
  const visit = (annotation: XmlNode) => {
    // An annotation with a `support` applies to a lead or a stretch of time, not the whole ECG.
    if (child(annotation, 'support')) return;
    const code = attr(child(annotation, 'code'), 'code')?.trim().toUpperCase() ?? '';
    const value = child(annotation, 'value');
    if (STATEMENT_CODES.has(code)) {
      const statement = textOf(value)?.trim();
      if (statement) statements.push(statement);
    }
    const entry = CART_CODES.find((c) => c.codes.some((known) => known.toUpperCase() === code));
    if (entry && cart[entry.key] === undefined && value !== undefined) {
      const converted = cartValue(entry.kind, Number(attr(value, 'value')), attr(value, 'unit'));
      if (converted !== undefined) cart[entry.key] = converted;
    }
    for (const c of children(annotation, 'component'))
      for (const nested of children(c, 'annotation')) visit(nested);
  };
  for (const series of allSeries) {
    const derived = children(series, 'derivation').flatMap((d) => children(d, 'derivedSeries'));
    for (const s of [series, ...derived])
      for (const subjectOf of children(s, 'subjectOf'))
        for (const set of children(subjectOf, 'annotationSet'))
          for (const c of children(set, 'component'))
            for (const annotation of children(c, 'annotation')) visit(annotation);
  }
  if (statements.length > 0) cart.statements = statements;
  return nonEmpty(cart);
}

/** PN form family^given from <family>/<given> parts, or the name's text as written. */
function personName(name: XmlNode | undefined): string | undefined {
  const family = textOf(child(name, 'family'))?.trim();
  const given = children(name, 'given')
    .map((g) => textOf(g)?.trim())
    .filter(Boolean);
  if (family || given.length > 0)
    return [family ?? '', given.join(' ')].join('^').replace(/\^$/, '');
  return textOf(name)?.trim() || undefined;
}

function gender(code: string | undefined): EcgFile['patient']['sex'] {
  switch (code?.trim().toUpperCase()) {
    case undefined:
    case '':
      return undefined;
    case 'M':
      return 'male';
    case 'F':
      return 'female';
    case 'UN':
      return 'other';
    default:
      return 'unknown';
  }
}

/** UTF-8 unless the XML declaration names another encoding iconv knows (GB2312, ISO-8859-1…). */
function decodeXml(bytes: Buffer): string {
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/.exec(
    bytes.toString('latin1', 0, 200),
  )?.[1];
  const text =
    declared && !/^utf-?8$/i.test(declared) && iconv.encodingExists(declared)
      ? iconv.decode(bytes, declared)
      : bytes.toString('utf8');
  return text.replace(/^\uFEFF/, '');
}

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const value = node[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

/** The first element down a path of names. */
function child(node: XmlNode | undefined, ...path: string[]): XmlNode | undefined {
  let current = node;
  for (const name of path) current = children(current, name)[0];
  return current;
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function textOf(node: XmlNode | undefined): string | undefined {
  if (typeof node === 'string') return node;
  const value = node?.['#text'];
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** What {@link writeAecg} writes besides the signal. */
export interface AecgWriteOptions {
  /** Written as inFulfillmentOf/placerOrder/id@extension. */
  accessionNumber?: string;
  patientId?: string;
  /** family^given (DICOM PN form). */
  patientName?: string;
  /** YYYYMMDD or YYYY-MM-DD. */
  patientBirthDate?: string;
  patientSex?: PatientSexOption;
  /** ISO 8601; absent, the time axis is relative (TIME_RELATIVE) and no effectiveTime is written. */
  acquiredAt?: string;
  /** Which leads to write, default all 12. */
  leads?: LeadName[];
  /** µV per digit, default 2.5. */
  scaleUv?: number;
  cart?: CartMeasurements;
  device?: { manufacturer?: string; model?: string };
}

/**
 * Writes an HL7 aECG document that {@link parseAecg} reads back: one rhythm series, one sequence
 * set (the time axis, then each lead as SLIST_PQ digits with origin 0), the cart's measurements and
 * statements as annotations. It carries no clinical-trial elements, which the FDA schema requires
 * of trial submissions.
 * @throws RangeError when a lead is missing or the leads differ in length
 */
export function writeAecg(recording: EcgRecording, options: AecgWriteOptions = {}): string {
  const leads = options.leads ?? [...LEAD_NAMES];
  const scaleUv = options.scaleUv ?? 2.5;
  if (!(scaleUv > 0)) throw new RangeError(`scaleUv must be positive; got ${scaleUv}`);
  const n = recording.leads[leads[0]]?.length ?? 0;
  for (const lead of leads) {
    const data = recording.leads[lead] as Float64Array | undefined;
    if (!data) throw new RangeError(`lead ${lead} is not in the recording`);
    if (data.length !== n)
      throw new RangeError(`lead ${lead} has ${data.length} samples, ${leads[0]} ${n}`);
  }
  const fs = recording.samplingHz;
  const start = options.acquiredAt === undefined ? undefined : isoToCompact(options.acquiredAt);
  const end =
    options.acquiredAt === undefined
      ? undefined
      : isoToCompact(shiftIso(options.acquiredAt, (n / fs) * 1000));
  const e = new XmlWriter();

  e.open('AnnotatedECG', {
    xmlns: 'urn:hl7-org:v3',
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    type: 'Observation',
  });
  e.empty('id', { root: randomUUID() });
  e.empty('code', { code: '93000', codeSystem: '2.16.840.1.113883.6.12', codeSystemName: 'CPT-4' });
  if (start && end) {
    e.open('effectiveTime');
    e.empty('low', { value: start, inclusive: 'true' });
    e.empty('high', { value: end, inclusive: 'false' });
    e.close();
  }
  if (options.accessionNumber !== undefined) {
    e.open('inFulfillmentOf').open('placerOrder');
    e.empty('id', { extension: options.accessionNumber });
    e.close().close();
  }
  e.open('componentOf').open('timepointEvent').open('componentOf').open('subjectAssignment');
  e.open('subject').open('trialSubject');
  if (options.patientId !== undefined) e.empty('id', { extension: options.patientId });
  e.open('subjectDemographicPerson');
  if (options.patientName !== undefined) {
    const [family = '', ...given] = options.patientName.split('^');
    e.open('name');
    if (family) e.leaf('family', family);
    for (const name of given.filter(Boolean)) e.leaf('given', name);
    e.close();
  }
  const sex = sexWord(options.patientSex);
  if (sex !== undefined)
    e.empty('administrativeGenderCode', {
      code: { male: 'M', female: 'F', other: 'UN', unknown: 'UN' }[sex],
      codeSystem: GENDER_SYSTEM,
    });
  if (options.patientBirthDate !== undefined)
    e.empty('birthTime', { value: options.patientBirthDate.replace(/-/g, '') });
  // subjectDemographicPerson … componentOf
  for (let i = 0; i < 7; i++) e.close();

  e.open('component').open('series');
  e.empty('id', { root: randomUUID() });
  e.empty('code', { code: 'RHYTHM', codeSystem: ACT_CODE_SYSTEM, codeSystemName: 'ActCode' });
  if (options.device) {
    e.open('author').open('seriesAuthor').open('manufacturedSeriesDevice');
    if (options.device.model) e.leaf('manufacturerModelName', options.device.model);
    e.close();
    if (options.device.manufacturer) {
      e.open('manufacturerOrganization');
      e.leaf('name', options.device.manufacturer);
      e.close();
    }
    e.close().close();
  }
  e.open('component').open('sequenceSet');
  e.open('component').open('sequence');
  e.empty('code', { code: start ? 'TIME_ABSOLUTE' : 'TIME_RELATIVE', codeSystem: ACT_CODE_SYSTEM });
  e.open('value', { 'xsi:type': start ? 'GLIST_TS' : 'GLIST_PQ' });
  e.empty('head', start ? { value: start } : { value: '0', unit: 's' });
  e.empty('increment', { value: String(1 / fs), unit: 's' });
  e.close().close().close();
  for (const lead of leads) {
    const values = recording.leads[lead];
    const digits = Array.from(values, (mv, k) => {
      const digit = Math.round((mv * 1000) / scaleUv);
      if (!Number.isFinite(digit)) throw new RangeError(`lead ${lead} is ${mv} at sample ${k}`);
      return digit;
    }).join(' ');
    e.open('component').open('sequence');
    e.empty('code', { code: leadCode(lead), codeSystem: MDC_SYSTEM, codeSystemName: 'MDC' });
    e.open('value', { 'xsi:type': 'SLIST_PQ' });
    e.empty('origin', { value: '0', unit: 'uV' });
    e.empty('scale', { value: String(scaleUv), unit: 'uV' });
    e.leaf('digits', digits);
    e.close().close().close();
  }
  e.close().close();
  writeAnnotations(e, options.cart);
  e.close().close();
  e.close();
  return e.toString();
}

function writeAnnotations(e: XmlWriter, cart: CartMeasurements | undefined): void {
  if (!cart) return;
  const measured = CART_CODES.filter(({ key }) => cart[key] !== undefined);
  const statements = cart.statements ?? [];
  if (measured.length === 0 && statements.length === 0) return;
  e.open('subjectOf').open('annotationSet');
  for (const { key, codes, unit } of measured) {
    e.open('component').open('annotation');
    e.empty('code', { code: codes[0], codeSystem: MDC_SYSTEM });
    e.empty('value', { 'xsi:type': 'PQ', value: String(cart[key]), unit });
    e.close().close();
  }
  if (statements.length > 0) {
    e.open('component').open('annotation');
    e.empty('code', { code: 'MDC_ECG_INTERPRETATION', codeSystem: MDC_SYSTEM });
    for (const statement of statements) {
      e.open('component').open('annotation');
      e.empty('code', { code: 'MDC_ECG_INTERPRETATION_STATEMENT', codeSystem: MDC_SYSTEM });
      e.leaf('value', statement, { 'xsi:type': 'ST' });
      e.close().close();
    }
    e.close().close();
  }
  e.close().close();
}

/** An ISO 8601 time `ms` later, keeping its written offset (or its absence). */
function shiftIso(iso: string, ms: number): string {
  const zone = /(Z|[+-]\d{2}:?\d{2})$/.exec(iso)?.[1];
  const minutes = zone === undefined || zone === 'Z' ? 0 : offsetMinutes(zone);
  const utc = Date.parse(zone === undefined ? `${iso}Z` : iso);
  if (Number.isNaN(utc)) throw new TypeError(`"${iso}" is not an ISO 8601 date-time`);
  const local = new Date(utc + ms + minutes * 60_000).toISOString().replace(/Z$/, '');
  return zone === undefined ? local : `${local}${zone}`;
}

function offsetMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.replace(/[^0-9]/g, '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

/** Indented XML text, elements opened and closed in order. */
class XmlWriter {
  private readonly lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  private readonly stack: string[] = [];

  open(name: string, attributes: Record<string, string> = {}): this {
    this.lines.push(`${this.indent()}<${name}${attrs(attributes)}>`);
    this.stack.push(name);
    return this;
  }

  close(): this {
    const name = this.stack.pop();
    this.lines.push(`${this.indent()}</${name}>`);
    return this;
  }

  empty(name: string, attributes: Record<string, string> = {}): this {
    this.lines.push(`${this.indent()}<${name}${attrs(attributes)}/>`);
    return this;
  }

  leaf(name: string, text: string, attributes: Record<string, string> = {}): this {
    this.lines.push(`${this.indent()}<${name}${attrs(attributes)}>${escape(text)}</${name}>`);
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }

  private indent(): string {
    return '  '.repeat(this.stack.length);
  }
}

function attrs(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escape(value)}"`)
    .join('');
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
