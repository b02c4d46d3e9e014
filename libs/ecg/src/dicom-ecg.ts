/**
 * DICOM resting ECGs: the 12-Lead ECG and General ECG Waveform IODs (PS3.3 A.34.3, A.34.4) with the
 * Waveform module (C.10.9) and the Waveform Annotation module (C.10.10). Read with dicom-parser;
 * written by a small encoder below, hand-written because no npm package writes DICOM waveforms.
 */
import { newUid } from '@hub/dicom';
import * as dicomParser from 'dicom-parser';
import iconv from 'iconv-lite';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  assembleEcgFile,
  type CartMeasurements,
  cartValue,
  chooseLeadGroups,
  compactToIso,
  defined,
  type EcgFile,
  EcgFileError,
  EcgSopClasses,
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

/** Lead n of CID 3001 is MDC 2:n and SCPECG 5.6.3-9-n (PS3.16 CID 3001 "ECG Leads"). */
const LEAD_NUMBER: Record<LeadName, number> = {
  I: 1,
  II: 2,
  V1: 3,
  V2: 4,
  V3: 5,
  V4: 6,
  V5: 7,
  V6: 8,
  III: 61,
  aVR: 62,
  aVL: 63,
  aVF: 64,
};
const LEAD_BY_NUMBER = new Map(
  Object.entries(LEAD_NUMBER).map(([lead, n]) => [n, lead as LeadName]),
);
/** MDC codes in the partitioned form (2:n) and the context-free one (2 × 65536 + n). */
const MDC_PARTITION_ECG = 2;

/**
 * Cart measurements as MDC codes (ISO/IEEE 11073-10101): heart rate MDC_ECG_HEART_RATE; the
 * global durations of CID 3689 (PR, QRS, QT, RR); QTc of CID 3227 (global, or Bazett's or
 * Fridericia's); the frontal axes of CID 3229. The first code of each entry is the one written.
 */
const CART_CODES: Array<{
  key: Exclude<keyof CartMeasurements, 'statements'>;
  kind: 'interval' | 'rate' | 'angle';
  codes: string[];
  meaning: string;
}> = [
  { key: 'heartRateBpm', kind: 'rate', codes: ['2:16770'], meaning: 'ECG Heart Rate' },
  { key: 'rrMs', kind: 'interval', codes: ['2:16000', '2:16168'], meaning: 'RR interval global' },
  { key: 'prMs', kind: 'interval', codes: ['2:15872'], meaning: 'PR interval global' },
  { key: 'qrsMs', kind: 'interval', codes: ['2:16156'], meaning: 'QRS duration global' },
  { key: 'qtMs', kind: 'interval', codes: ['2:16160'], meaning: 'QT interval global' },
  {
    key: 'qtcMs',
    kind: 'interval',
    codes: ['2:15876', '2:15880', '2:15892'],
    meaning: 'QTc interval global',
  },
  { key: 'pAxisDeg', kind: 'angle', codes: ['2:16128'], meaning: 'P axis' },
  { key: 'qrsAxisDeg', kind: 'angle', codes: ['2:16132'], meaning: 'QRS axis' },
  { key: 'tAxisDeg', kind: 'angle', codes: ['2:16136'], meaning: 'T axis' },
];
const CART_UNITS = {
  interval: ['ms', 'millisecond'],
  rate: ['/min', 'per minute'],
  angle: ['deg', 'degree'],
} as const;

/** SOP classes a cart or a PACS may send instead of an ECG waveform, named in the refusal. */
const OTHER_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.2': 'a CT image',
  '1.2.840.10008.5.1.4.1.1.4': 'an MR image',
  '1.2.840.10008.5.1.4.1.1.1': 'a CR image',
  '1.2.840.10008.5.1.4.1.1.1.1': 'a digital X-ray image',
  '1.2.840.10008.5.1.4.1.1.6.1': 'an ultrasound image',
  '1.2.840.10008.5.1.4.1.1.7': 'a secondary capture image (a screenshot or scanned page)',
  '1.2.840.10008.5.1.4.1.1.104.1': 'an encapsulated PDF (a printed report, not the signal)',
  '1.2.840.10008.5.1.4.1.1.9.2.1': 'a hemodynamic waveform',
  '1.2.840.10008.5.1.4.1.1.9.3.1': 'a cardiac electrophysiology waveform',
  '1.2.840.10008.5.1.4.1.1.9.4.1': 'a voice audio recording',
};
const AMBULATORY_ECG = '1.2.840.10008.5.1.4.1.1.9.1.3';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** The VRs of the sequences and binary data read here, for Implicit VR files. */
const IMPLICIT_VRS: Record<string, string> = {
  x54000100: 'SQ', // WaveformSequence
  x003a0200: 'SQ', // ChannelDefinitionSequence
  x003a0208: 'SQ', // ChannelSourceSequence
  x003a0211: 'SQ', // ChannelSensitivityUnitsSequence
  x0040b020: 'SQ', // WaveformAnnotationSequence
  x0040a043: 'SQ', // ConceptNameCodeSequence
  x004008ea: 'SQ', // MeasurementUnitsCodeSequence
  x00400555: 'SQ', // AcquisitionContextSequence
  x54001010: 'OW', // WaveformData
};

/**
 * Reads a 12-lead or General ECG waveform object (Implicit or Explicit VR Little Endian, Explicit
 * VR Big Endian, Deflated).
 *
 * The leads come from the first original multiplex group holding I, II and V1–V6 (or from several
 * groups of one length). A channel is a lead by its Channel Source code (MDC 2:n, its context-free
 * form, or SCPECG 5.6.3-9-n of CID 3001), else by its label ("Lead II", "aVR"). Values are
 * (sample × sensitivity + baseline) × correction factor, in the sensitivity's units (PS3.3
 * C.10.9.1.4.2: the baseline is in those units). Cart measurements come from the Waveform
 * Annotation Sequence: coded numeric values and unformatted text statements.
 * @throws EcgFileError with the reason the file cannot be used
 */
export function parseDicomEcg(bytes: Buffer): EcgFile {
  const dataSet = readDataSet(bytes);
  const decode = textDecoder(dataSet.string('x00080005'));
  const text = (ds: dicomParser.DataSet, tag: string) => {
    const element = ds.elements[tag];
    if (!element || element.length === 0) return undefined;
    const raw = Buffer.from(
      ds.byteArray.buffer,
      ds.byteArray.byteOffset + element.dataOffset,
      element.length,
    );
    return decode(raw).replace(/\0+$/, '').trim() || undefined;
  };
  const uid = (tag: string) => dataSet.string(tag)?.replace(/\0/g, '').trim() || undefined;

  const sopClassUid = uid('x00080016');
  checkSopClass(sopClassUid);
  const bigEndian = dataSet.string('x00020010')?.replace(/\0/g, '').trim() === BIG_ENDIAN;
  const items = dataSet.elements.x54000100?.items ?? [];
  if (items.length === 0)
    throw new EcgFileError(
      'missing-leads',
      'The ECG file holds no waveform: its Waveform Sequence (5400,0100) is missing or empty, so the cart sent the header without the signal.',
    );
  const groups = items.flatMap((item, index) =>
    item.dataSet ? [readGroup(item.dataSet, index + 1)] : [],
  );
  const from = chooseLeadGroups(groups);
  for (const index of new Set(from.values())) checkEncoding(groups[index]);

  const stored: Partial<Record<LeadName, StoredLead>> = {};
  for (const [lead, index] of from) stored[lead] = decodeLead(groups[index], lead, bigEndian);
  const samplingHz = groups[from.get('I') ?? 0].samplingHz;

  return assembleEcgFile(samplingHz, stored, {
    format: 'dicom',
    sopClassUid,
    sopInstanceUid: uid('x00080018'),
    studyInstanceUid: uid('x0020000d'),
    seriesInstanceUid: uid('x0020000e'),
    accessionNumber: text(dataSet, 'x00080050'),
    patient: defined({
      id: text(dataSet, 'x00100020'),
      name: text(dataSet, 'x00100010'),
      birthDate: isoDate(dataSet.string('x00100030')),
      sex: patientSex(dataSet.string('x00100040')),
    }),
    acquiredAt: acquisitionTime(dataSet),
    device: nonEmpty(
      defined({ manufacturer: text(dataSet, 'x00080070'), model: text(dataSet, 'x00081090') }),
    ),
    cart: cartMeasurements(dataSet, text),
  });
}

function readDataSet(bytes: Buffer): dicomParser.DataSet {
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM')
    throw new EcgFileError(
      'corrupt',
      'The file is not a DICOM file (it lacks the "DICM" marker at byte 128); it may be damaged or in another format.',
    );
  let dataSet: dicomParser.DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      inflater,
      vrCallback: (tag: string) => IMPLICIT_VRS[tag],
    });
  } catch (error) {
    throw new EcgFileError(
      'corrupt',
      `The DICOM file is damaged or cut short and cannot be read (${reason(error)}).`,
    );
  }
  const size = dataSet.byteArray.length;
  const overrun = (ds: dicomParser.DataSet): boolean =>
    Object.values(ds.elements).some(
      (e) =>
        e.dataOffset + e.length > size ||
        (e.items ?? []).some((item) => item.dataSet !== undefined && overrun(item.dataSet)),
    );
  if (overrun(dataSet))
    throw new EcgFileError(
      'corrupt',
      'The DICOM file is cut short: an element runs past the end of the file. Send the file again.',
    );
  return dataSet;
}

function checkSopClass(sopClassUid: string | undefined): void {
  if (sopClassUid === EcgSopClasses.TwelveLead || sopClassUid === EcgSopClasses.GeneralEcg) return;
  if (sopClassUid === undefined)
    throw new EcgFileError(
      'corrupt',
      'The DICOM file has no SOP Class UID (0008,0016), so it cannot be recognised as an ECG.',
    );
  if (sopClassUid === AMBULATORY_ECG)
    throw new EcgFileError(
      'unsupported',
      'The file is an ambulatory (Holter) ECG; the hub reads resting 12-lead and general ECGs only.',
    );
  const what = OTHER_CLASSES[sopClassUid] ?? 'not an ECG waveform';
  throw new EcgFileError(
    'not-ecg',
    `The DICOM file is ${what} (SOP Class ${sopClassUid}), not an ECG: a resting ECG is a 12-Lead ECG (${EcgSopClasses.TwelveLead}) or General ECG (${EcgSopClasses.GeneralEcg}) waveform object.`,
  );
}

/** One multiplex group (PS3.3 C.10.9) and its channels. */
interface MultiplexGroup extends LeadGroup {
  number: number;
  dataSet: dicomParser.DataSet;
  channelCount: number;
  bitsAllocated?: number;
  interpretation?: string;
  channels: Channel[];
}

interface Channel {
  lead?: LeadName;
  index: number;
  sensitivity?: number;
  unitMv?: number;
  unit?: string;
  correction: number;
  baseline: number;
}

function readGroup(ds: dicomParser.DataSet, number: number): MultiplexGroup {
  const channels = (ds.elements.x003a0200?.items ?? []).map((item, index) =>
    readChannel(item.dataSet, index),
  );
  const leads: LeadName[] = [];
  for (const channel of channels)
    if (channel.lead && !leads.includes(channel.lead)) leads.push(channel.lead);
  return {
    number,
    dataSet: ds,
    channelCount: ds.uint16('x003a0005') ?? 0,
    samples: ds.uint32('x003a0010') ?? 0,
    samplingHz: ds.floatString('x003a001a') ?? NaN,
    original: (ds.string('x003a0004') ?? 'ORIGINAL').toUpperCase() !== 'DERIVED',
    bitsAllocated: ds.uint16('x54001004'),
    interpretation: ds.string('x54001006'),
    channels,
    leads,
  };
}

function readChannel(ds: dicomParser.DataSet | undefined, index: number): Channel {
  const number = (tag: string, fallback: number) => {
    const value = ds?.floatString(tag);
    return value === undefined || Number.isNaN(value) ? fallback : value;
  };
  const unit = firstItem(ds, 'x003a0211')?.string('x00080100');
  const sensitivity = ds?.floatString('x003a0210');
  return {
    lead: leadFromCode(firstItem(ds, 'x003a0208')) ?? leadFromLabel(ds?.string('x003a0203')),
    index,
    sensitivity: sensitivity === undefined || Number.isNaN(sensitivity) ? undefined : sensitivity,
    unit,
    unitMv: voltsPerUnitMv(unit),
    correction: number('x003a0212', 1),
    baseline: number('x003a0213', 0),
  };
}

function firstItem(ds: dicomParser.DataSet | undefined, tag: string) {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

function leadFromCode(code: dicomParser.DataSet | undefined): LeadName | undefined {
  const value = (code?.string('x00080100') ?? code?.string('x00080119'))?.trim();
  const scheme = code?.string('x00080102')?.trim().toUpperCase();
  if (!value) return undefined;
  if (scheme === 'SCPECG') {
    const m = /^5\.6\.3-9-(\d+)$/.exec(value);
    return m ? LEAD_BY_NUMBER.get(Number(m[1])) : undefined;
  }
  if (scheme === 'MDC') {
    const partitioned = /^(\d+):(\d+)$/.exec(value);
    if (partitioned)
      return Number(partitioned[1]) === MDC_PARTITION_ECG
        ? LEAD_BY_NUMBER.get(Number(partitioned[2]))
        : undefined;
    if (/^\d+$/.test(value)) {
      const n = Number(value);
      return Math.floor(n / 65536) === MDC_PARTITION_ECG
        ? LEAD_BY_NUMBER.get(n % 65536)
        : undefined;
    }
  }
  return undefined;
}

function leadFromLabel(label: string | undefined): LeadName | undefined {
  const bare = (label ?? '')
    .trim()
    .replace(/^lead\s*/i, '')
    .toUpperCase();
  return LEAD_NAMES.find((lead) => lead.toUpperCase() === bare);
}

function checkEncoding(group: MultiplexGroup): void {
  const where = `waveform group ${group.number}`;
  if (group.bitsAllocated !== 16)
    throw new EcgFileError(
      'unsupported',
      `The ${where} stores ${group.bitsAllocated ?? 'an unknown number of'}-bit samples; the hub reads 16-bit signed samples (Waveform Bits Allocated 16, interpretation SS), which the 12-lead ECG standard requires.`,
    );
  if (group.interpretation?.trim() !== 'SS')
    throw new EcgFileError(
      'unsupported',
      `The ${where} stores samples as "${group.interpretation ?? '?'}"; the hub reads 16-bit signed samples (interpretation SS).`,
    );
  if (group.channels.length !== group.channelCount)
    throw new EcgFileError(
      'inconsistent-samples',
      `The ${where} announces ${group.channelCount} channels but defines ${group.channels.length}; the file is damaged.`,
    );
  const data = group.dataSet.elements.x54001010;
  const expected = group.channelCount * group.samples * 2;
  if (!data || data.length !== expected)
    throw new EcgFileError(
      'inconsistent-samples',
      `The ${where} holds ${data?.length ?? 0} bytes of signal, but its header announces ${group.channelCount} channels × ${group.samples} samples × 2 bytes = ${expected}: the recording was cut short or the file is damaged.`,
    );
  for (const channel of group.channels) {
    if (!channel.lead) continue;
    if (channel.sensitivity === undefined || channel.sensitivity <= 0)
      throw new EcgFileError(
        'unsupported',
        `Lead ${channel.lead} has no channel sensitivity, so its samples cannot be converted to millivolts.`,
      );
    if (channel.unitMv === undefined)
      throw new EcgFileError(
        'unsupported',
        `Lead ${channel.lead} is in "${channel.unit ?? 'no unit'}"; the hub reads ECG leads in µV or mV.`,
      );
  }
}

function decodeLead(group: MultiplexGroup, lead: LeadName, bigEndian: boolean): StoredLead {
  const channel = group.channels.find((c) => c.lead === lead) as Channel;
  const data = group.dataSet.elements.x54001010;
  const bytes = group.dataSet.byteArray;
  const view = new DataView(bytes.buffer, bytes.byteOffset + data.dataOffset, data.length);
  const values = new Int16Array(group.samples);
  const stride = group.channelCount * 2;
  for (let k = 0, at = channel.index * 2; k < values.length; k++, at += stride)
    values[k] = view.getInt16(at, !bigEndian);
  const unitMv = channel.unitMv ?? 1;
  return {
    values,
    scaleMv: (channel.sensitivity ?? 1) * channel.correction * unitMv,
    offsetMv: channel.baseline * channel.correction * unitMv,
  };
}

function cartMeasurements(
  dataSet: dicomParser.DataSet,
  text: (ds: dicomParser.DataSet, tag: string) => string | undefined,
): CartMeasurements | undefined {
  const cart: CartMeasurements = {};
  const statements: string[] = [];
  for (const item of dataSet.elements.x0040b020?.items ?? []) {
    const ds = item.dataSet;
    if (!ds) continue;
    const statement = text(ds, 'x00700006');
    if (statement) statements.push(statement);
    // A measurement of one channel (ReferencedWaveformChannels group, channel ≠ 0) is not global.
    const referenced = ds.elements.x0040a0b0;
    if (referenced && referenced.length >= 4 && ds.uint16('x0040a0b0', 1) !== 0) continue;
    const code = firstItem(ds, 'x0040a043');
    const value = ds.floatString('x0040a30a');
    if (!code || value === undefined) continue;
    const scheme = code.string('x00080102')?.trim().toUpperCase();
    const codeValue = code.string('x00080100')?.trim() ?? '';
    const entry = CART_CODES.find((c) => scheme === 'MDC' && c.codes.includes(codeValue));
    if (!entry || cart[entry.key] !== undefined) continue;
    const unit = firstItem(ds, 'x004008ea')?.string('x00080100');
    const converted = cartValue(entry.kind, value, unit);
    if (converted !== undefined) cart[entry.key] = converted;
  }
  if (statements.length > 0) cart.statements = statements;
  return nonEmpty(cart);
}

function acquisitionTime(dataSet: dicomParser.DataSet): string | undefined {
  const zone = dataSet.string('x00080201')?.trim();
  const dateTime = (date?: string, time?: string) =>
    date ? `${date.trim()}${(time ?? '').trim().replace(/:/g, '')}` : undefined;
  return (
    compactToIso(dataSet.string('x0008002a'), zone) ??
    compactToIso(dateTime(dataSet.string('x00080022'), dataSet.string('x00080032')), zone) ??
    compactToIso(dateTime(dataSet.string('x00080023'), dataSet.string('x00080033')), zone)
  );
}

function patientSex(value: string | undefined): EcgFile['patient']['sex'] {
  const code = value?.trim().toUpperCase();
  if (!code) return undefined;
  return code === 'M' || code === 'F' || code === 'O' ? sexWord(code) : 'unknown';
}

/** Text VRs by SpecificCharacterSet: UTF-8, GB18030, GBK, else Latin-1 (which covers ASCII). */
function textDecoder(characterSet: string | undefined): (bytes: Buffer) => string {
  const terms = (characterSet ?? '').split('\\').map((t) => t.trim().toUpperCase());
  if (terms.includes('ISO_IR 192')) return (b) => b.toString('utf8');
  if (terms.includes('GB18030')) return (b) => iconv.decode(b, 'gb18030');
  if (terms.includes('GBK')) return (b) => iconv.decode(b, 'gbk');
  return (b) => b.toString('latin1');
}

function inflater(array: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(array.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(array.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

function reason(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const inner = (error as { exception?: unknown } | undefined)?.exception;
  return typeof inner === 'string' ? inner : 'unreadable data';
}

// ---------------------------------------------------------------------------------------------
// Writing

/** What {@link writeDicomEcg} writes besides the signal. */
export interface DicomEcgWriteOptions {
  /** Default 12-Lead ECG; {@link EcgSopClasses}.GeneralEcg for other rates or lengths. */
  sopClassUid?: string;
  accessionNumber?: string;
  patientId?: string;
  /** DICOM PN: family^given. */
  patientName?: string;
  /** YYYYMMDD (or YYYY-MM-DD). */
  patientBirthDate?: string;
  patientSex?: PatientSexOption;
  /** Generated (2.25 UUID UIDs) when absent. */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  /** ISO 8601 (e.g. 2024-03-01T08:15:30+08:00) or DICOM DT; default now. */
  acquisitionDateTime?: string;
  /** Which leads to write, default all 12. */
  leads?: LeadName[];
  /** µV per unit, default 2.5. */
  sensitivityUv?: number;
  /** ChannelBaseline in µV: the value of sample 0 (default 0). */
  baseline?: number;
  cart?: CartMeasurements;
  device?: { manufacturer?: string; model?: string };
  /** Default explicit-le. */
  transferSyntax?: keyof typeof TRANSFER_SYNTAXES;
}

const TRANSFER_SYNTAXES = {
  'explicit-le': '1.2.840.10008.1.2.1',
  'implicit-le': '1.2.840.10008.1.2',
  deflated: '1.2.840.10008.1.2.1.99',
} as const;
/** The 12-Lead ECG IOD's limits (PS3.3 A.34.3.4). */
const TWELVE_LEAD_LIMITS = { channels: 13, samples: 16384, minHz: 200, maxHz: 1000 };
const IMPLEMENTATION_CLASS_UID = '2.25.287718839083034229422847010240328601985';

/**
 * Writes a Part 10 12-lead (or General) ECG waveform object: file meta, patient, study, series,
 * equipment and waveform identification attributes, one multiplex group of 16-bit signed samples
 * interleaved by channel, each channel coded MDC (CID 3001) with its sensitivity in µV (UCUM), and
 * the cart's measurements and statements as waveform annotations.
 * @throws RangeError when a lead is missing, the leads differ in length, a value does not fit 16
 * bits at the sensitivity, or the 12-Lead ECG IOD's limits are exceeded (use General ECG)
 */
export function writeDicomEcg(recording: EcgRecording, options: DicomEcgWriteOptions = {}): Buffer {
  return encodePart10(dicomEcgDataset(recording, options), options.transferSyntax);
}

/** A data element to encode: text for string VRs, numbers, raw bytes, or sequence items. */
export interface DicomElement {
  tag: number;
  vr: string;
  value: string | number | readonly number[] | Buffer | ReadonlyArray<readonly DicomElement[]>;
}

/**
 * The dataset {@link writeDicomEcg} encodes, as elements: for callers (and tests) that need to add
 * or change attributes before {@link encodePart10}.
 */
export function dicomEcgDataset(
  recording: EcgRecording,
  options: DicomEcgWriteOptions = {},
): DicomElement[] {
  const leads = options.leads ?? [...LEAD_NAMES];
  const sensitivityUv = options.sensitivityUv ?? 2.5;
  const baselineUv = options.baseline ?? 0;
  const sopClassUid = options.sopClassUid ?? EcgSopClasses.TwelveLead;
  if (!(sensitivityUv > 0))
    throw new RangeError(`sensitivityUv must be positive; got ${sensitivityUv}`);
  if (leads.length === 0) throw new RangeError('write at least one lead');
  const n = recording.leads[leads[0]]?.length ?? 0;
  for (const lead of leads) {
    const data = recording.leads[lead] as Float64Array | undefined;
    if (!data) throw new RangeError(`lead ${lead} is not in the recording`);
    if (data.length !== n)
      throw new RangeError(`lead ${lead} has ${data.length} samples, ${leads[0]} ${n}`);
  }
  const fs = recording.samplingHz;
  if (sopClassUid === EcgSopClasses.TwelveLead) {
    const { channels, samples, minHz, maxHz } = TWELVE_LEAD_LIMITS;
    if (leads.length > channels || n > samples || fs < minHz || fs > maxHz)
      throw new RangeError(
        `a 12-Lead ECG object holds at most ${channels} channels of ${samples} samples at ${minHz}–${maxHz} Hz (got ${leads.length} × ${n} at ${fs} Hz); write a General ECG`,
      );
  }

  const data = Buffer.alloc(leads.length * n * 2);
  leads.forEach((lead, c) => {
    const values = recording.leads[lead];
    for (let k = 0; k < n; k++) {
      const sample = Math.round((values[k] * 1000 - baselineUv) / sensitivityUv);
      if (!(sample >= -32768 && sample <= 32767))
        throw new RangeError(
          `lead ${lead} reaches ${values[k].toFixed(2)} mV at sample ${k}, beyond 16 bits at ${sensitivityUv} µV per unit; raise sensitivityUv`,
        );
      data.writeInt16LE(sample, (k * leads.length + c) * 2);
    }
  });

  const acquired = options.acquisitionDateTime
    ? /^\d{8,}/.test(options.acquisitionDateTime)
      ? options.acquisitionDateTime
      : isoToCompact(options.acquisitionDateTime)
    : isoToCompact(new Date().toISOString());
  const date = acquired.slice(0, 8);
  const time = acquired.slice(8).replace(/[+-]\d{4}$/, '');
  const birthDate = options.patientBirthDate?.replace(/-/g, '') ?? '';
  const sex = { male: 'M', female: 'F', other: 'O', unknown: '' }[
    sexWord(options.patientSex) ?? 'unknown'
  ];
  const code = (value: string, scheme: string, meaning: string): DicomElement[] => [
    { tag: 0x00080100, vr: 'SH', value },
    { tag: 0x00080102, vr: 'SH', value: scheme },
    { tag: 0x00080104, vr: 'LO', value: meaning },
  ];
  const channel = (lead: LeadName): DicomElement[] => [
    { tag: 0x003a0203, vr: 'SH', value: lead },
    { tag: 0x003a0205, vr: 'CS', value: 'OK' },
    {
      tag: 0x003a0208,
      vr: 'SQ',
      value: [code(`${MDC_PARTITION_ECG}:${LEAD_NUMBER[lead]}`, 'MDC', `Lead ${lead}`)],
    },
    { tag: 0x003a0210, vr: 'DS', value: sensitivityUv },
    { tag: 0x003a0211, vr: 'SQ', value: [code('uV', 'UCUM', 'microvolt')] },
    { tag: 0x003a0212, vr: 'DS', value: 1 },
    { tag: 0x003a0213, vr: 'DS', value: baselineUv },
    { tag: 0x003a0214, vr: 'DS', value: 0 },
    { tag: 0x003a021a, vr: 'US', value: 16 },
  ];
  const group: DicomElement[] = [
    { tag: 0x00181068, vr: 'DS', value: 0 },
    { tag: 0x003a0004, vr: 'CS', value: 'ORIGINAL' },
    { tag: 0x003a0005, vr: 'US', value: leads.length },
    { tag: 0x003a0010, vr: 'UL', value: n },
    { tag: 0x003a001a, vr: 'DS', value: fs },
    { tag: 0x003a0020, vr: 'SH', value: 'RHYTHM' },
    { tag: 0x003a0200, vr: 'SQ', value: leads.map(channel) },
    { tag: 0x54001004, vr: 'US', value: 16 },
    { tag: 0x54001006, vr: 'CS', value: 'SS' },
    { tag: 0x54001010, vr: 'OW', value: data },
  ];

  const elements: DicomElement[] = [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' },
    { tag: 0x00080016, vr: 'UI', value: sopClassUid },
    { tag: 0x00080018, vr: 'UI', value: options.sopInstanceUid ?? newUid() },
    { tag: 0x00080020, vr: 'DA', value: date },
    { tag: 0x00080023, vr: 'DA', value: date },
    { tag: 0x0008002a, vr: 'DT', value: acquired },
    { tag: 0x00080030, vr: 'TM', value: time },
    { tag: 0x00080033, vr: 'TM', value: time },
    { tag: 0x00080050, vr: 'SH', value: options.accessionNumber ?? '' },
    { tag: 0x00080060, vr: 'CS', value: 'ECG' },
    { tag: 0x00080070, vr: 'LO', value: options.device?.manufacturer ?? '' },
    { tag: 0x00080090, vr: 'PN', value: '' },
    { tag: 0x00100010, vr: 'PN', value: options.patientName ?? '' },
    { tag: 0x00100020, vr: 'LO', value: options.patientId ?? '' },
    { tag: 0x00100030, vr: 'DA', value: birthDate },
    { tag: 0x00100040, vr: 'CS', value: sex },
    { tag: 0x0020000d, vr: 'UI', value: options.studyInstanceUid ?? newUid() },
    { tag: 0x0020000e, vr: 'UI', value: options.seriesInstanceUid ?? newUid() },
    { tag: 0x00200010, vr: 'SH', value: '' },
    { tag: 0x00200011, vr: 'IS', value: 1 },
    { tag: 0x00200013, vr: 'IS', value: 1 },
    { tag: 0x00400555, vr: 'SQ', value: [] },
    { tag: 0x54000100, vr: 'SQ', value: [group] },
  ];
  if (options.device?.model)
    elements.push({ tag: 0x00081090, vr: 'LO', value: options.device.model });
  const annotations = cartAnnotations(options.cart);
  if (annotations.length > 0) elements.push({ tag: 0x0040b020, vr: 'SQ', value: annotations });
  return elements;
}

/** Waveform annotations (PS3.3 C.10.10): coded numeric measurements, then text statements. */
function cartAnnotations(cart: CartMeasurements | undefined): DicomElement[][] {
  if (!cart) return [];
  const items: DicomElement[][] = [];
  for (const { key, kind, codes, meaning } of CART_CODES) {
    const value = cart[key];
    if (value === undefined) continue;
    const [unit, unitMeaning] = CART_UNITS[kind];
    items.push([
      {
        tag: 0x0040a043,
        vr: 'SQ',
        value: [
          [
            { tag: 0x00080100, vr: 'SH', value: codes[0] },
            { tag: 0x00080102, vr: 'SH', value: 'MDC' },
            { tag: 0x00080104, vr: 'LO', value: meaning },
          ],
        ],
      },
      {
        tag: 0x004008ea,
        vr: 'SQ',
        value: [
          [
            { tag: 0x00080100, vr: 'SH', value: unit },
            { tag: 0x00080102, vr: 'SH', value: 'UCUM' },
            { tag: 0x00080104, vr: 'LO', value: unitMeaning },
          ],
        ],
      },
      { tag: 0x0040a180, vr: 'US', value: 1 },
      { tag: 0x0040a30a, vr: 'DS', value },
    ]);
  }
  for (const statement of cart.statements ?? [])
    items.push([
      { tag: 0x0040a180, vr: 'US', value: 2 },
      { tag: 0x00700006, vr: 'ST', value: statement },
    ]);
  return items;
}

// ---------------------------------------------------------------------------------------------
// Encoding (PS3.5, PS3.10)

/** VRs with the long explicit header: 2 reserved bytes and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);
/** Text VRs, written as UTF-8 under SpecificCharacterSet ISO_IR 192; other strings are ASCII. */
const TEXT_VRS = new Set(['SH', 'LO', 'PN', 'LT', 'ST', 'UT', 'UC']);
const NUMBER_VRS: Record<
  string,
  { size: number; write: (b: Buffer, v: number, at: number) => void }
> = {
  US: { size: 2, write: (b, v, at) => b.writeUInt16LE(v, at) },
  SS: { size: 2, write: (b, v, at) => b.writeInt16LE(v, at) },
  UL: { size: 4, write: (b, v, at) => b.writeUInt32LE(v, at) },
  FL: { size: 4, write: (b, v, at) => b.writeFloatLE(v, at) },
  FD: { size: 8, write: (b, v, at) => b.writeDoubleLE(v, at) },
};

/**
 * A Part 10 file of `elements`: preamble, "DICM", the file meta group (its SOP class and instance
 * taken from the dataset) and the dataset in Explicit (default) or Implicit VR Little Endian, or
 * Deflated Explicit VR Little Endian.
 * Sequences and items are written with defined lengths.
 * @throws TypeError for a value its VR cannot hold
 */
export function encodePart10(
  elements: readonly DicomElement[],
  transferSyntax: keyof typeof TRANSFER_SYNTAXES = 'explicit-le',
): Buffer {
  const value = (tag: number) => {
    const found = elements.find((e) => e.tag === tag)?.value;
    return typeof found === 'string' ? found : '';
  };
  const meta = encodeDataset(
    [
      { tag: 0x00020001, vr: 'OB', value: Buffer.from([0, 1]) },
      { tag: 0x00020002, vr: 'UI', value: value(0x00080016) },
      { tag: 0x00020003, vr: 'UI', value: value(0x00080018) },
      { tag: 0x00020010, vr: 'UI', value: TRANSFER_SYNTAXES[transferSyntax] },
      { tag: 0x00020012, vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
      { tag: 0x00020013, vr: 'SH', value: 'HUB_ECG_WRITER' },
    ],
    true,
  );
  const groupLength = encodeDataset([{ tag: 0x00020000, vr: 'UL', value: meta.length }], true);
  let dataset = encodeDataset(elements, transferSyntax !== 'implicit-le');
  // PS3.5 A.5: the deflated stream is padded to an even length.
  if (transferSyntax === 'deflated') dataset = padEven(deflateRawSync(dataset), 0);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    groupLength,
    meta,
    dataset,
  ]);
}

function encodeDataset(elements: readonly DicomElement[], explicit: boolean): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return Buffer.concat(
    sorted.flatMap((element) => {
      const value = encodeValue(element, explicit);
      return [elementHeader(element.tag, element.vr, value.length, explicit), value];
    }),
  );
}

function encodeValue({ tag, vr, value }: DicomElement, explicit: boolean): Buffer {
  const where = `(${tag.toString(16).padStart(8, '0')}) ${vr}`;
  if (vr === 'SQ') {
    if (!Array.isArray(value)) throw new TypeError(`${where}: a sequence takes an array of items`);
    return Buffer.concat(
      (value as ReadonlyArray<readonly DicomElement[]>).flatMap((item) => {
        const body = encodeDataset(item, explicit);
        const header = Buffer.alloc(8);
        header.writeUInt16LE(0xfffe, 0);
        header.writeUInt16LE(0xe000, 2);
        header.writeUInt32LE(body.length, 4);
        return [header, body];
      }),
    );
  }
  if (Buffer.isBuffer(value)) return padEven(value, 0);
  const number = NUMBER_VRS[vr];
  if (number) {
    const values = typeof value === 'number' ? [value] : (value as readonly number[]);
    const out = Buffer.alloc(values.length * number.size);
    values.forEach((v, i) => number.write(out, v, i * number.size));
    return out;
  }
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new TypeError(`${where}: give text or a number`);
  const text = typeof value === 'number' ? numberText(value, vr, where) : value;
  const bytes = Buffer.from(text, TEXT_VRS.has(vr) ? 'utf8' : 'latin1');
  return padEven(bytes, vr === 'UI' ? 0 : 0x20);
}

/** IS as an integer; DS in at most 16 characters (PS3.5 6.2). */
function numberText(value: number, vr: string, where: string): string {
  if (!Number.isFinite(value)) throw new TypeError(`${where}: ${value} is not a number`);
  if (vr === 'IS') return String(Math.round(value));
  let text = String(value);
  for (let precision = 15; text.length > 16 && precision > 0; precision--)
    text = String(Number(value.toPrecision(precision)));
  return text;
}

function elementHeader(tag: number, vr: string, length: number, explicit: boolean): Buffer {
  const long = !explicit || LONG_VRS.has(vr);
  const out = Buffer.alloc(explicit && long ? 12 : 8);
  out.writeUInt16LE(tag >>> 16, 0);
  out.writeUInt16LE(tag & 0xffff, 2);
  if (!explicit) {
    out.writeUInt32LE(length, 4);
    return out;
  }
  out.write(vr, 4, 'latin1');
  if (long) out.writeUInt32LE(length, 8);
  else if (length > 0xffff)
    throw new TypeError(`(${tag.toString(16)}) ${vr}: ${length} bytes do not fit`);
  else out.writeUInt16LE(length, 6);
  return out;
}

function padEven(bytes: Buffer, pad: number): Buffer {
  return bytes.length % 2 ? Buffer.concat([bytes, Buffer.from([pad])]) : bytes;
}
