/** The twelve standard leads: limb (Einthoven I–III), augmented (Goldberger aVR/aVL/aVF), precordial. */
export const LEAD_NAMES = [
  'I',
  'II',
  'III',
  'aVR',
  'aVL',
  'aVF',
  'V1',
  'V2',
  'V3',
  'V4',
  'V5',
  'V6',
] as const;

export type LeadName = (typeof LEAD_NAMES)[number];

/** The eight independent leads; the other four are linear combinations of I and II. */
export const INDEPENDENT_LEADS: readonly LeadName[] = [
  'I',
  'II',
  'V1',
  'V2',
  'V3',
  'V4',
  'V5',
  'V6',
];

/** A resting 12-lead ECG (心电图): one sample array per lead, in millivolts, all the same length. */
export interface EcgRecording {
  samplingHz: number;
  leads: Record<LeadName, Float64Array>;
}
