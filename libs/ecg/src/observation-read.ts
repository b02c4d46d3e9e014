import type { Observation } from 'fhir/r4';
import { ECG_CODE_SYSTEMS, ECG_LEAD_CODES } from './measurement-codes';
import { type EcgRecording, LEAD_NAMES, type LeadName } from './types';

const LEAD_BY_CODE = new Map(
  LEAD_NAMES.map((lead) => [ECG_LEAD_CODES[lead].code, lead] as [string, LeadName]),
);

/**
 * The 12-lead recording an ECG Observation carries (one `valueSampledData` component per lead, as
 * {@link buildEcgObservation} writes it): mV = origin + factor × each value, the sampling rate from
 * the period (ms). Undefined when the Observation lacks a lead, the leads differ in length or rate,
 * or a value is not a number (the SampledData codes E, L and U included): nothing to draw then.
 */
export function recordingFromObservation(observation: Observation): EcgRecording | undefined {
  const leads = {} as Record<LeadName, Float64Array>;
  let period: number | undefined;
  for (const component of observation.component ?? []) {
    const coding = component.code.coding?.find((c) => c.system === ECG_CODE_SYSTEMS.mdc);
    const lead = coding?.code ? LEAD_BY_CODE.get(coding.code) : undefined;
    const sampled = component.valueSampledData;
    if (!lead || !sampled?.data) continue;
    if (period !== undefined && sampled.period !== period) return undefined;
    period = sampled.period;
    const origin = sampled.origin.value ?? 0;
    const factor = sampled.factor ?? 1;
    const values = sampled.data.trim().split(/\s+/);
    const data = new Float64Array(values.length);
    for (let k = 0; k < values.length; k++) {
      const value = Number(values[k]);
      if (!Number.isFinite(value)) return undefined;
      data[k] = origin + factor * value;
    }
    leads[lead] = data;
  }
  if (!period || !(period > 0)) return undefined;
  const length = leads.I?.length;
  for (const lead of LEAD_NAMES)
    if (!leads[lead] || leads[lead].length !== length) return undefined;
  return { samplingHz: 1000 / period, leads };
}
