/**
 * What an ECG file reader returns and the checks every format shares: which leads a file must
 * carry, how its integer samples become millivolts, and how the four derived limb leads are filled
 * in. The readers (dicom-ecg.ts, aecg.ts) import this file; ecg-file.ts re-exports it beside the
 * dispatcher, so that no reader has to import the dispatcher (no import cycle).
 */
import { type EcgRecording, INDEPENDENT_LEADS, LEAD_NAMES, type LeadName } from './types';

/** Why a file is refused. */
export type EcgFileProblem =
  'not-ecg' | 'missing-leads' | 'inconsistent-samples' | 'corrupt' | 'unsupported';

/** The file is refused; `message` says why in plain English a cart technician understands. */
export class EcgFileError extends Error {
  override name = 'EcgFileError';

  constructor(
    readonly problem: EcgFileProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Measurements the cart's own program put in the file (kept beside the hub's own). */
export interface CartMeasurements {
  heartRateBpm?: number;
  rrMs?: number;
  prMs?: number;
  qrsMs?: number;
  qtMs?: number;
  qtcMs?: number;
  pAxisDeg?: number;
  qrsAxisDeg?: number;
  tAxisDeg?: number;
  /** The cart's interpretation statements, as written. */
  statements?: string[];
}

export type EcgPatientSex = 'male' | 'female' | 'other' | 'unknown';

/** A resting 12-lead ECG read from a DICOM waveform object or an HL7 aECG document. */
export interface EcgFile {
  format: 'dicom' | 'aecg';
  /**
   * 12 standard leads in mV (LEAD_NAMES), all the same length. III, aVR, aVL, aVF are derived from
   * I and II when the file lacks them (and listed in derivedLeads).
   */
  recording: EcgRecording;
  derivedLeads: LeadName[];
  /**
   * Raw integer samples per lead and the mV per unit, so FHIR valueSampledData can carry the exact
   * data: mV = sample * factorMv (baseline already removed). `recording` holds exactly these
   * products.
   */
  samples: Record<LeadName, Int32Array>;
  factorMv: number;
  durationS: number;
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  /** (0008,0050) in DICOM; in aECG the placer order id (inFulfillmentOf/placerOrder/id). */
  accessionNumber?: string;
  /** `name` in the DICOM PN form, family^given. */
  patient: { id?: string; name?: string; birthDate?: string; sex?: EcgPatientSex };
  /** ISO 8601 acquisition time if the file has one. */
  acquiredAt?: string;
  device?: { manufacturer?: string; model?: string };
  cart?: CartMeasurements;
}

/** The DICOM waveform SOP classes the hub reads as a resting ECG (PS3.4 B.5). */
export const EcgSopClasses = {
  TwelveLead: '1.2.840.10008.5.1.4.1.1.9.1.1',
  GeneralEcg: '1.2.840.10008.5.1.4.1.1.9.1.2',
} as const;

/** A resting ECG needs this much signal for a rate and a median beat (and so does measureEcg). */
export const MIN_DURATION_S = 4;

/** One lead as the file stores it: mV = value × scaleMv + offsetMv. */
export interface StoredLead {
  values: ArrayLike<number>;
  scaleMv: number;
  offsetMv: number;
}

/** A set of leads sampled together (a DICOM multiplex group, an aECG sequence set). */
export interface LeadGroup {
  leads: LeadName[];
  samples: number;
  samplingHz: number;
  /** False for derived waveforms such as median beats, which are used only when nothing else is. */
  original: boolean;
}

const SEPARATOR = ', ';
const listLeads = (leads: readonly LeadName[]) => leads.join(SEPARATOR);

/**
 * Which group each lead is taken from: the first original group that holds I, II and V1–V6 (a
 * rhythm strip before a median beat), else the first such group of any kind, else the leads
 * gathered over all original groups, which must then have the same length and rate.
 * @throws EcgFileError 'missing-leads' naming the missing leads; 'inconsistent-samples' when the
 * leads are spread over groups of different lengths or rates
 */
export function chooseLeadGroups(groups: readonly LeadGroup[]): Map<LeadName, number> {
  const complete = (g: LeadGroup) => INDEPENDENT_LEADS.every((lead) => g.leads.includes(lead));
  let chosen = groups.findIndex((g) => g.original && complete(g));
  if (chosen < 0) chosen = groups.findIndex(complete);
  if (chosen >= 0) return new Map(groups[chosen].leads.map((lead) => [lead, chosen]));

  const from = new Map<LeadName, number>();
  groups.forEach((g, index) => {
    if (!g.original) return;
    for (const lead of g.leads) if (!from.has(lead)) from.set(lead, index);
  });
  const missing = INDEPENDENT_LEADS.filter((lead) => !from.has(lead));
  if (missing.length > 0) throw missingLeads(missing);
  const used = [...new Set(from.values())].map((index) => groups[index]);
  const first = used[0];
  if (used.some((g) => g.samples !== first.samples || g.samplingHz !== first.samplingHz))
    throw new EcgFileError(
      'inconsistent-samples',
      `The leads are stored in separate blocks of different lengths (${used
        .map((g) => `${g.samples} samples at ${g.samplingHz} Hz`)
        .join(' and ')}), so they cannot be lined up into one 12-lead ECG.`,
    );
  return from;
}

export function missingLeads(missing: readonly LeadName[]): EcgFileError {
  return new EcgFileError(
    'missing-leads',
    `The ECG has no lead ${listLeads(missing)}. A 12-lead ECG needs leads I, II and V1–V6 ` +
      '(III, aVR, aVL and aVF can be derived from I and II); check the electrodes and the cart settings.',
  );
}

/** What the readers found, before the checks every format shares. */
export type EcgFileFields = Omit<
  EcgFile,
  'recording' | 'derivedLeads' | 'samples' | 'factorMv' | 'durationS'
>;

/**
 * Builds the {@link EcgFile}: checks the independent leads are present, of one length and at least
 * {@link MIN_DURATION_S} long, brings every lead to one integer scale, and derives III, aVR, aVL
 * and aVF from I and II when the file lacks them.
 *
 * The common scale is the finest lead's. When every lead's scale and offset are whole multiples of
 * it (always so for files whose leads share one sensitivity and an integral baseline), the samples
 * are exact. Otherwise a lead is requantised to the common scale (an error of at most half its
 * step), and `recording` is the requantised signal, so samples × factor always equals it. Derived
 * augmented leads (−(I+II)/2, I − II/2, II − I/2) need half a step: the factor is then halved.
 * @throws EcgFileError as described in {@link chooseLeadGroups}, and 'corrupt' for an impossible
 * sampling rate or a recording shorter than 4 s
 */
export function assembleEcgFile(
  samplingHz: number,
  stored: Partial<Record<LeadName, StoredLead>>,
  fields: EcgFileFields,
): EcgFile {
  const missing = INDEPENDENT_LEADS.filter((lead) => !stored[lead]);
  if (missing.length > 0) throw missingLeads(missing);
  if (!Number.isFinite(samplingHz) || samplingHz <= 0)
    throw new EcgFileError(
      'corrupt',
      `The sampling rate in the file (${samplingHz}) is not a number of samples per second.`,
    );
  const present = LEAD_NAMES.filter((lead) => stored[lead]);
  const n = stored.I?.values.length ?? 0;
  const uneven = present.filter((lead) => stored[lead]?.values.length !== n);
  if (uneven.length > 0)
    throw new EcgFileError(
      'inconsistent-samples',
      `The leads have different numbers of samples (lead I ${n}, ${uneven
        .map((lead) => `${lead} ${stored[lead]?.values.length}`)
        .join(SEPARATOR)}); the file is damaged or was cut short.`,
    );
  const durationS = n / samplingHz;
  if (durationS < MIN_DURATION_S)
    throw new EcgFileError(
      'corrupt',
      `The ECG is only ${durationS.toFixed(1)} s long; a resting ECG needs at least ${MIN_DURATION_S} s of signal. Record it again.`,
    );

  const factor = Math.min(...present.map((lead) => stored[lead]?.scaleMv ?? Infinity));
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new EcgFileError('corrupt', `The file gives a lead a sensitivity of ${factor} mV.`);
  const derivedLeads = LEAD_NAMES.filter((lead) => !stored[lead]);
  const augmentedDerived = derivedLeads.some((lead) => lead !== 'III');
  const step = augmentedDerived ? 2 : 1;
  const samples = {} as Record<LeadName, Int32Array>;
  for (const lead of present) {
    const { values, scaleMv, offsetMv } = stored[lead] as StoredLead;
    const ratio = scaleMv / factor;
    const shift = offsetMv / factor;
    const out = new Int32Array(n);
    if (isWhole(ratio) && isWhole(shift)) {
      const k = Math.round(ratio) * step;
      const o = Math.round(shift) * step;
      for (let i = 0; i < n; i++) out[i] = values[i] * k + o;
    } else {
      for (let i = 0; i < n; i++) out[i] = Math.round((values[i] * ratio + shift) * step);
    }
    samples[lead] = out;
  }
  // With the doubled scale every sum below is even, so the halves are whole.
  const { I, II } = samples;
  const derive = (f: (i: number, ii: number) => number) => I.map((v, k) => f(v, II[k]));
  const formulas: Record<'III' | 'aVR' | 'aVL' | 'aVF', (i: number, ii: number) => number> = {
    III: (i, ii) => ii - i,
    aVR: (i, ii) => -(i + ii) / 2,
    aVL: (i, ii) => i - ii / 2,
    aVF: (i, ii) => ii - i / 2,
  };
  for (const lead of derivedLeads) samples[lead] = derive(formulas[lead as keyof typeof formulas]);

  const factorMv = factor / step;
  const leads = {} as Record<LeadName, Float64Array>;
  for (const lead of LEAD_NAMES)
    leads[lead] = Float64Array.from(samples[lead], (s) => s * factorMv);
  return {
    ...defined(fields),
    recording: { samplingHz, leads },
    derivedLeads,
    samples,
    factorMv,
    durationS,
  };
}

function isWhole(x: number): boolean {
  return Math.abs(x - Math.round(x)) < 1e-6;
}

/** Milli-, micro- and plain volts as UCUM writes them (DICOM CID 3082, HL7 PQ units). */
export function voltsPerUnitMv(unit: string | undefined): number | undefined {
  switch ((unit ?? '').trim()) {
    case 'uV':
    case 'µV':
    case 'μV':
      return 0.001;
    case 'mV':
      return 1;
    case 'V':
      return 1000;
    default:
      return undefined;
  }
}

/**
 * A cart measurement with its unit, in the unit {@link CartMeasurements} uses (ms, /min, degrees),
 * or undefined for a unit that does not fit the quantity. A missing unit is taken as the usual one.
 */
export function cartValue(
  kind: 'interval' | 'rate' | 'angle',
  value: number,
  unit: string | undefined,
): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const u = (unit ?? '').trim();
  if (kind === 'interval') {
    if (u === '' || u === 'ms') return value;
    if (u === 's') return value * 1000;
    return undefined;
  }
  if (kind === 'rate')
    return ['', '/min', '1/min', 'bpm', '{beats}/min', '{beat}/min'].includes(u)
      ? value
      : undefined;
  return ['', 'deg', '°'].includes(u) ? value : undefined;
}

/**
 * ISO 8601 from the compact date-time of DICOM DT and HL7 TS (YYYYMMDDHHMMSS.FFFFFF±ZZZZ, any
 * precision from the year on); undefined when the text is not one.
 */
export function compactToIso(value: string | undefined, fallbackZone?: string): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$/.exec(
    (value ?? '').trim(),
  );
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone = fallbackZone] = m;
  if (!month) return year;
  if (!day) return `${year}-${month}`;
  if (!hour) return `${year}-${month}-${day}`;
  const time = `${hour}:${minute ?? '00'}:${second ?? '00'}${fraction ?? ''}`;
  const offset = zone && /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : '';
  return `${year}-${month}-${day}T${time}${offset}`;
}

/**
 * The compact form (DICOM DT, HL7 TS) of an ISO 8601 date or date-time; `Z` becomes +0000.
 * @throws TypeError for text that is not ISO 8601
 */
export function isoToCompact(iso: string): string {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      iso.trim(),
    );
  if (!m) throw new TypeError(`"${iso}" is not an ISO 8601 date or date-time`);
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = m;
  const date = `${year}${month}${day}`;
  if (!hour) return date;
  const offset = zone === undefined ? '' : zone === 'Z' ? '+0000' : zone.replace(':', '');
  return `${date}${hour}${minute}${second}${fraction}${offset}`;
}

/** A birth date as YYYY-MM-DD from YYYYMMDD (DICOM DA, HL7 TS) or YYYY-MM-DD. */
export function isoDate(value: string | undefined): string | undefined {
  const iso = compactToIso(value?.replace(/-/g, ''));
  return iso && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso : undefined;
}

/** Sex as the writers accept it: the EcgFile words, or DICOM's M/F/O. */
export type PatientSexOption = EcgPatientSex | 'M' | 'F' | 'O';

export function sexWord(sex: PatientSexOption | undefined): EcgPatientSex | undefined {
  const words: Record<PatientSexOption, EcgPatientSex> = {
    M: 'male',
    F: 'female',
    O: 'other',
    male: 'male',
    female: 'female',
    other: 'other',
    unknown: 'unknown',
  };
  return sex === undefined ? undefined : words[sex];
}

/** Drops the undefined properties (so that a missing value and an absent one look the same). */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The object, or undefined when it has no keys (an empty device or cart block is no block). */
export function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}
