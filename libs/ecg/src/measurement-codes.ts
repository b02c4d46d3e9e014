import type { CodeableConcept, Coding } from 'fhir/r4';
import { type LeadName } from './types';

/** Code systems used by the ECG Observation. */
export const ECG_CODE_SYSTEMS = {
  loinc: 'http://loinc.org',
  /** ISO/IEEE 11073-10101 (MDC) by its HL7 OID, as the FHIR core ECG example writes it. */
  mdc: 'urn:oid:2.16.840.1.113883.6.24',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  /** Hub-local: `{source}.{name}`, e.g. `hub.qtc-bazett`, `cart.qtc`. */
  measurement: 'urn:hub:ecg-measurement',
  /** Hub-local: machine critical flags, by their code (`ECG_PAUSE`, …). */
  flag: 'urn:hub:ecg-flag',
} as const;

/** LOINC 11524-6, the whole resting ECG study. */
export const ECG_STUDY_CODING: Coding = {
  system: ECG_CODE_SYSTEMS.loinc,
  code: '11524-6',
  display: 'EKG study',
};

/**
 * MDC codes of each lead's electric potential (MDC_ECG_ELEC_POTL_*, partition 2, 256 + the lead's
 * MDC_ECG_LEAD_* term code): what a waveform component carries, as in the FHIR core ECG example.
 * The bare lead identifiers (MDC_ECG_LEAD_I = 131073, …) are a different concept.
 */
export const ECG_LEAD_CODES: Record<LeadName, { code: string; display: string }> = {
  I: { code: '131329', display: 'MDC_ECG_ELEC_POTL_I' },
  II: { code: '131330', display: 'MDC_ECG_ELEC_POTL_II' },
  III: { code: '131389', display: 'MDC_ECG_ELEC_POTL_III' },
  aVR: { code: '131390', display: 'MDC_ECG_ELEC_POTL_AVR' },
  aVL: { code: '131391', display: 'MDC_ECG_ELEC_POTL_AVL' },
  aVF: { code: '131392', display: 'MDC_ECG_ELEC_POTL_AVF' },
  V1: { code: '131331', display: 'MDC_ECG_ELEC_POTL_V1' },
  V2: { code: '131332', display: 'MDC_ECG_ELEC_POTL_V2' },
  V3: { code: '131333', display: 'MDC_ECG_ELEC_POTL_V3' },
  V4: { code: '131334', display: 'MDC_ECG_ELEC_POTL_V4' },
  V5: { code: '131335', display: 'MDC_ECG_ELEC_POTL_V5' },
  V6: { code: '131336', display: 'MDC_ECG_ELEC_POTL_V6' },
};

/** Who measured: the hub's own program (measureEcg) or the acquiring cart. */
export type EcgMeasurementSource = 'hub' | 'cart';

export interface EcgMeasurementCode {
  loinc: string;
  loincDisplay: string;
  /** UCUM code, also used as the display unit. */
  unit: string;
  /** English label for `code.text`, before ", hub" / ", cart". */
  label: string;
  zh: string;
}

/**
 * The global ECG measurements the Observation carries, in report order. Both QTc formulas share
 * LOINC 8636-3 (Q-T interval corrected); the hub-local coding tells them apart. `qtc` is a cart's
 * QTc by whatever formula the cart uses.
 */
export const ECG_MEASUREMENT_CODES = {
  'heart-rate': {
    loinc: '8867-4',
    loincDisplay: 'Heart rate',
    unit: '/min',
    label: 'Heart rate',
    zh: '心率',
  },
  rr: {
    loinc: '8637-1',
    loincDisplay: 'R-R interval by EKG',
    unit: 'ms',
    label: 'RR (mean)',
    zh: 'RR间期 (平均)',
  },
  pr: { loinc: '8625-6', loincDisplay: 'P-R interval', unit: 'ms', label: 'PR', zh: 'PR间期' },
  qrs: { loinc: '8633-0', loincDisplay: 'QRS duration', unit: 'ms', label: 'QRS', zh: 'QRS时限' },
  qt: { loinc: '8634-8', loincDisplay: 'Q-T interval', unit: 'ms', label: 'QT', zh: 'QT间期' },
  'qtc-bazett': {
    loinc: '8636-3',
    loincDisplay: 'Q-T interval corrected',
    unit: 'ms',
    label: 'QTc (Bazett)',
    zh: 'QTc (Bazett)',
  },
  'qtc-fridericia': {
    loinc: '8636-3',
    loincDisplay: 'Q-T interval corrected',
    unit: 'ms',
    label: 'QTc (Fridericia)',
    zh: 'QTc (Fridericia)',
  },
  qtc: {
    loinc: '8636-3',
    loincDisplay: 'Q-T interval corrected',
    unit: 'ms',
    label: 'QTc',
    zh: 'QTc',
  },
  'p-axis': {
    loinc: '8626-4',
    loincDisplay: 'P wave axis',
    unit: 'deg',
    label: 'P axis',
    zh: 'P电轴',
  },
  'qrs-axis': {
    loinc: '8632-2',
    loincDisplay: 'QRS axis',
    unit: 'deg',
    label: 'QRS axis',
    zh: 'QRS电轴',
  },
  't-axis': {
    loinc: '8638-9',
    loincDisplay: 'T wave axis',
    unit: 'deg',
    label: 'T axis',
    zh: 'T电轴',
  },
} as const satisfies Record<string, EcgMeasurementCode>;

export type EcgMeasurementName = keyof typeof ECG_MEASUREMENT_CODES;

const MEASUREMENT_NAMES = Object.keys(ECG_MEASUREMENT_CODES) as EcgMeasurementName[];

/** The names in report order (the order of {@link ECG_MEASUREMENT_CODES}). */
export const ECG_MEASUREMENT_NAMES: readonly EcgMeasurementName[] = MEASUREMENT_NAMES;

/** `hub.qtc-bazett`, `cart.qtc`, …: the code in the `urn:hub:ecg-measurement` system. */
export function ecgMeasurementKey(source: EcgMeasurementSource, name: EcgMeasurementName): string {
  return `${source}.${name}`;
}

/** Reads a `urn:hub:ecg-measurement` code back; undefined when it is not one of ours. */
export function parseEcgMeasurementKey(
  key: string,
): { source: EcgMeasurementSource; name: EcgMeasurementName } | undefined {
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const source = key.slice(0, dot);
  const name = key.slice(dot + 1) as EcgMeasurementName;
  if (source !== 'hub' && source !== 'cart') return undefined;
  if (!MEASUREMENT_NAMES.includes(name)) return undefined;
  return { source, name };
}

/**
 * The component code of one measurement: the LOINC coding, the hub-local coding that says whose
 * value it is, and a text such as 'QTc (Bazett), hub'.
 */
export function ecgMeasurementConcept(
  source: EcgMeasurementSource,
  name: EcgMeasurementName,
): CodeableConcept {
  const entry: EcgMeasurementCode = ECG_MEASUREMENT_CODES[name];
  const text = `${entry.label}, ${source}`;
  return {
    coding: [
      { system: ECG_CODE_SYSTEMS.loinc, code: entry.loinc, display: entry.loincDisplay },
      {
        system: ECG_CODE_SYSTEMS.measurement,
        code: ecgMeasurementKey(source, name),
        display: text,
      },
    ],
    text,
  };
}
