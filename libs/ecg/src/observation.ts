import type {
  Annotation,
  CodeableConcept,
  Observation,
  ObservationComponent,
  Reference,
} from 'fhir/r4';
import { type EcgMeasurement } from './measure';
import {
  ECG_CODE_SYSTEMS,
  ECG_LEAD_CODES,
  ECG_MEASUREMENT_CODES,
  ECG_MEASUREMENT_NAMES,
  ECG_STUDY_CODING,
  ecgMeasurementConcept,
  type EcgMeasurementName,
  type EcgMeasurementSource,
} from './measurement-codes';
import { type CartMeasurements } from './ecg-file-model';
import { type EcgRecording, LEAD_NAMES, type LeadName } from './types';

export interface EcgObservationInput {
  recording: EcgRecording;
  /**
   * Raw integer samples per lead and mV per unit: valueSampledData.data = samples, factor =
   * factorMv. If absent, the recording is quantised to factorMv (1 µV, 0.001, unless given).
   */
  samples?: Record<LeadName, Int32Array>;
  factorMv?: number;
  /** The hub's own; absent when the signal could not be measured. */
  measurement?: EcgMeasurement;
  /** Why the hub could not measure (goes into a note). */
  measurementError?: string;
  /** The cart's, kept beside the hub's. */
  cart?: CartMeasurements;
  /** Machine critical flags. */
  flags: Array<{ code: string; text: string }>;
  status: 'preliminary' | 'final' | 'amended';
  /** Acquisition time. */
  effectiveDateTime: string;
  /** The recording's id. */
  identifier: { system: string; value: string };
  basedOn?: Reference;
  subject?: Reference;
  performer?: Reference[];
  device?: { manufacturer?: string; model?: string };
}

/** Quantisation step (mV per unit) when no raw samples are given: 1 µV. */
export const ECG_DEFAULT_FACTOR_MV = 0.001;

/**
 * The FHIR Observation of a resting 12-lead ECG (LOINC 11524-6): one SampledData component per lead
 * (MDC_ECG_ELEC_POTL_*, mV, period = 1000 / fs ms), then the global measurements with LOINC codes,
 * the hub's and the cart's side by side (the hub-local coding `urn:hub:ecg-measurement`
 * `hub.…`/`cart.…` tells them apart; the hub's are rounded to whole ms, /min and degrees, the cart's
 * kept as given). Cart statements, the reason the hub could not measure and the machine critical
 * flags become notes; the flags are also the Observation's `interpretation`.
 *
 * Throws when `samples` lack a lead or disagree in length with the recording, or the factor is not
 * a positive number.
 */
export function buildEcgObservation(input: EcgObservationInput): Observation {
  const observation: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: input.identifier.system, value: input.identifier.value }],
    status: input.status,
    category: [
      {
        coding: [
          {
            system: ECG_CODE_SYSTEMS.observationCategory,
            code: 'procedure',
            display: 'Procedure',
          },
        ],
      },
    ],
    code: { coding: [ECG_STUDY_CODING], text: '十二导联心电图 12-lead ECG' },
    effectiveDateTime: input.effectiveDateTime,
  };
  if (input.basedOn) observation.basedOn = [input.basedOn];
  if (input.subject) observation.subject = input.subject;
  if (input.performer?.length) observation.performer = input.performer;
  if (input.flags.length > 0) {
    observation.interpretation = input.flags.map((flag): CodeableConcept => ({
      coding: [{ system: ECG_CODE_SYSTEMS.flag, code: flag.code, display: flag.text }],
      text: flag.text,
    }));
  }
  const notes = observationNotes(input);
  if (notes.length > 0) observation.note = notes;
  const device = [input.device?.manufacturer, input.device?.model].filter(Boolean).join(' ');
  if (device) observation.device = { display: device };
  observation.component = [
    ...leadComponents(input),
    ...measurementComponents(input.measurement, input.cart),
  ];
  return observation;
}

function leadComponents(input: EcgObservationInput): ObservationComponent[] {
  const { recording, samples } = input;
  const factor = input.factorMv ?? ECG_DEFAULT_FACTOR_MV;
  if (!(factor > 0 && Number.isFinite(factor))) {
    throw new RangeError(`factorMv ${factor} is not a positive number`);
  }
  if (!(recording.samplingHz > 0)) {
    throw new RangeError(`sampling rate ${recording.samplingHz} Hz is not positive`);
  }
  return LEAD_NAMES.map((lead) => {
    const signal = recording.leads[lead];
    if (!signal) throw new Error(`recording has no lead ${lead}`);
    let data: string;
    if (samples) {
      const raw = samples[lead];
      if (!raw) throw new Error(`samples have no lead ${lead}`);
      if (raw.length !== signal.length) {
        throw new Error(
          `lead ${lead} has ${raw.length} raw samples but the recording has ${signal.length}`,
        );
      }
      data = raw.join(' ');
    } else {
      data = quantise(signal, factor);
    }
    return {
      code: {
        coding: [{ system: ECG_CODE_SYSTEMS.mdc, ...ECG_LEAD_CODES[lead] }],
        text: `Lead ${lead}`,
      },
      valueSampledData: {
        origin: { value: 0, unit: 'mV', system: ECG_CODE_SYSTEMS.ucum, code: 'mV' },
        period: 1000 / recording.samplingHz,
        factor,
        dimensions: 1,
        data,
      },
    };
  });
}

/** Integers of `factor` mV, space-separated; a sample that is not a number becomes 'E' (error). */
function quantise(signal: Float64Array, factor: number): string {
  const parts = new Array<string>(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const q = Math.round(signal[i] / factor);
    parts[i] = Number.isFinite(q) ? String(q) : 'E';
  }
  return parts.join(' ');
}

type MeasurementValues = Partial<Record<EcgMeasurementName, number>>;

function hubValues(m: EcgMeasurement): MeasurementValues {
  return {
    'heart-rate': m.heartRateBpm,
    rr: m.rrMs.reduce((sum, rr) => sum + rr, 0) / m.rrMs.length,
    pr: m.prMs,
    qrs: m.qrsMs,
    qt: m.qtMs,
    'qtc-bazett': m.qtcBazettMs,
    'qtc-fridericia': m.qtcFridericiaMs,
    'qrs-axis': m.axisDeg,
  };
}

function cartValues(c: CartMeasurements): MeasurementValues {
  return {
    'heart-rate': c.heartRateBpm,
    rr: c.rrMs,
    pr: c.prMs,
    qrs: c.qrsMs,
    qt: c.qtMs,
    qtc: c.qtcMs,
    'p-axis': c.pAxisDeg,
    'qrs-axis': c.qrsAxisDeg,
    't-axis': c.tAxisDeg,
  };
}

/** Each measurement name in report order, the hub's value first and the cart's after it. */
function measurementComponents(
  measurement: EcgMeasurement | undefined,
  cart: CartMeasurements | undefined,
): ObservationComponent[] {
  const hub = measurement ? hubValues(measurement) : undefined;
  const carts = cart ? cartValues(cart) : undefined;
  const components: ObservationComponent[] = [];
  for (const name of ECG_MEASUREMENT_NAMES) {
    // A key the hub sets to undefined (PR without a P wave) was attempted and failed: say so.
    if (hub && name in hub) {
      const value = hub[name];
      components.push(
        value === undefined || !Number.isFinite(value)
          ? notMeasured('hub', name)
          : quantity('hub', name, Math.round(value)),
      );
    }
    const cartValue = carts?.[name];
    if (cartValue !== undefined && Number.isFinite(cartValue)) {
      components.push(quantity('cart', name, cartValue));
    }
  }
  return components;
}

function quantity(
  source: EcgMeasurementSource,
  name: EcgMeasurementName,
  value: number,
): ObservationComponent {
  const unit = ECG_MEASUREMENT_CODES[name].unit;
  return {
    code: ecgMeasurementConcept(source, name),
    valueQuantity: { value, unit, system: ECG_CODE_SYSTEMS.ucum, code: unit },
  };
}

/** A measurement the hub attempts but could not make on this recording (a PR without a P wave). */
function notMeasured(source: EcgMeasurementSource, name: EcgMeasurementName): ObservationComponent {
  const { label, zh } = ECG_MEASUREMENT_CODES[name];
  return {
    code: ecgMeasurementConcept(source, name),
    dataAbsentReason: {
      coding: [{ system: ECG_CODE_SYSTEMS.dataAbsentReason, code: 'unknown', display: 'Unknown' }],
      text: `${zh}无法测量 / ${label} not measurable`,
    },
  };
}

function observationNotes(input: EcgObservationInput): Annotation[] {
  const notes: string[] = [];
  if (!input.measurement) {
    notes.push(`Hub measurement not available: ${input.measurementError ?? 'not measured'}`);
  } else if (input.measurementError) {
    notes.push(`Hub measurement: ${input.measurementError}`);
  }
  for (const statement of input.cart?.statements ?? []) {
    notes.push(`Cart interpretation: ${statement}`);
  }
  for (const flag of input.flags) notes.push(`Machine critical flag ${flag.code}: ${flag.text}`);
  return notes.map((text) => ({ text }));
}

/** The items of a one-line measurement summary, Chinese and English; QTc is Bazett's. */
export function ecgMeasurementSummaryParts(measurement: EcgMeasurement): {
  zh: string[];
  en: string[];
} {
  const r = Math.round;
  const pr = measurement.prMs;
  const qtQtc = `QT/QTc ${r(measurement.qtMs)}/${r(measurement.qtcBazettMs)} ms`;
  return {
    zh: [
      `心率 ${r(measurement.heartRateBpm)} 次/分`,
      pr === undefined ? 'PR 无法测量' : `PR ${r(pr)} ms`,
      `QRS ${r(measurement.qrsMs)} ms`,
      qtQtc,
      `电轴 ${r(measurement.axisDeg)}°`,
    ],
    en: [
      `HR ${r(measurement.heartRateBpm)} bpm`,
      pr === undefined ? 'PR not measurable' : `PR ${r(pr)} ms`,
      `QRS ${r(measurement.qrsMs)} ms`,
      qtQtc,
      `Axis ${r(measurement.axisDeg)}°`,
    ],
  };
}

/**
 * One-line summary of the hub's measurements for the report's findings, e.g.
 * `心率 75 次/分，PR 160 ms，QRS 92 ms，QT/QTc 380/412 ms，电轴 60°` and
 * `HR 75 bpm, PR 160 ms, QRS 92 ms, QT/QTc 380/412 ms, Axis 60°` (QTc by Bazett, axis = frontal
 * QRS axis).
 */
export function ecgMeasurementSummary(measurement?: EcgMeasurement): { zh: string; en: string } {
  if (!measurement) {
    return { zh: '心电图未能自动测量', en: 'ECG measurements not available' };
  }
  const parts = ecgMeasurementSummaryParts(measurement);
  return { zh: parts.zh.join('，'), en: parts.en.join(', ') };
}
