import { filtfilt, highPass, lowPass } from './filters';
import { type EcgRecording, type LeadName } from './types';

// Module-level aliases: the hot loops run per sample, and a global lookup costs more in some VMs
// (Jest's sandbox among them).
const { sin, cos, sqrt, log, max, min, ceil, round, imul, PI } = Math;

/** Options for {@link syntheticEcg}. Times in ms unless the name says otherwise. */
export interface SyntheticEcgOptions {
  heartRateBpm: number;
  /** P onset → QRS onset. */
  prMs: number;
  /** QRS onset → QRS offset (J point). */
  qrsMs: number;
  /** QRS onset → T end. */
  qtMs: number;
  /** Frontal-plane QRS axis, degrees (0° = lead I, +90° = aVF). */
  axisDeg: number;
  durationS: number;
  samplingHz?: number;
  /** Added noise: 50 Hz mains amplitude, muscle (EMG) RMS, baseline wander peak amplitude, in mV. */
  noise?: { mainsMv?: number; muscleMv?: number; wanderMv?: number };
  seed?: number;
  /** Each RR is the nominal RR × (1 + irregularity × u), u uniform in [−1, 1]. */
  irregularity?: number;
  /** The first RR interval that starts at or after this time becomes a sinus pause of `pauseMs`. */
  pauseAtS?: number;
  /** Length of that pause; 3,200 ms unless given. */
  pauseMs?: number;
}

/** Seeded PRNG (mulberry32) so a recording can be rebuilt exactly from its options. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = max(random(), 1e-12);
  return sqrt(-2 * log(u)) * cos(2 * PI * random());
}

type IndependentLead = 'I' | 'II' | 'V1' | 'V2' | 'V3' | 'V4' | 'V5' | 'V6';
const PRECORDIAL = ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;

/**
 * Precordial amplitudes (mV) of q, r, s, T and P: an rS complex in V1 growing into a qR complex in
 * V5–V6 (normal R-wave progression, transition around V3).
 */
const PRECORDIAL_WAVES: Record<
  (typeof PRECORDIAL)[number],
  [number, number, number, number, number]
> = {
  V1: [0, 0.25, 1.1, 0.08, 0.06],
  V2: [0, 0.45, 1.3, 0.3, 0.08],
  V3: [0, 0.85, 0.85, 0.4, 0.08],
  V4: [0.05, 1.3, 0.5, 0.4, 0.08],
  V5: [0.1, 1.4, 0.3, 0.35, 0.08],
  V6: [0.1, 1.1, 0.15, 0.25, 0.07],
};

/** Frontal-plane vector magnitudes (mV) and the P axis. */
const QRS_MV = 1.2;
const Q_REL = 0.12;
const S_REL = 0.25;
const T_MV = 0.35;
const P_MV = 0.15;
const P_AXIS_DEG = 60;

/**
 * A plausible 12-lead ECG with known intervals and axis, for tests and demos.
 *
 * Each beat is built from compact wave shapes with exact edges, so the requested intervals are the
 * true ones: P a half-sine; QRS an overlapping q (0–20 %), R (15–70 %) and s (60–100 %) half-sine;
 * T a slow raised-cosine upstroke and a quarter-cosine downstroke that is steepest where it meets the
 * baseline (so its end is where the tangent method puts it). The frontal leads are projections of
 * the wave vectors onto I (0°) and II (60°); III, aVR, aVL and aVF are then derived from I and II
 * (Einthoven/Goldberger), noise included, exactly as a cart does.
 */
export function syntheticEcg(options: SyntheticEcgOptions): EcgRecording {
  const fs = options.samplingHz ?? 500;
  const n = round(options.durationS * fs);
  const random = mulberry32(options.seed ?? 1);
  const pr = options.prMs / 1000;
  const qrs = options.qrsMs / 1000;
  const qt = options.qtMs / 1000;
  const rr = 60 / options.heartRateBpm;
  const irregularity = options.irregularity ?? 0;
  const pause = (options.pauseMs ?? 3200) / 1000;

  const leads = {} as Record<IndependentLead, Float64Array>;
  for (const lead of ['I', 'II', ...PRECORDIAL] as const) leads[lead] = new Float64Array(n);

  // Projection of a frontal vector of magnitude m at angle a onto lead I (0°) and II (60°).
  const frontal = (m: number, axisDeg: number): [number, number] => {
    const a = (axisDeg * PI) / 180;
    return [m * cos(a), m * cos(a - PI / 3)];
  };
  const qrsFrontal = frontal(QRS_MV, options.axisDeg);
  const tFrontal = frontal(T_MV, options.axisDeg);
  const pFrontal = frontal(P_MV, P_AXIS_DEG);

  // Adds amp × shape(t) to a lead for t in [start, start + width).
  const add = (
    lead: Float64Array,
    start: number,
    width: number,
    amp: number,
    shape: (x: number) => number,
  ) => {
    if (amp === 0) return;
    const from = max(0, ceil(start * fs));
    const to = min(n, ceil((start + width) * fs));
    for (let i = from; i < to; i++) lead[i] += amp * shape((i / fs - start) / width);
  };
  const halfSine = (x: number) => sin(PI * x);
  const pDuration = min(0.1, 0.6 * pr);
  const tStart = 0.2 * (qt - qrs);
  const tRise = 0.6 * (qt - qrs - tStart);
  const tFall = qt - qrs - tStart - tRise;
  const tUp = (x: number) => 0.5 - 0.5 * cos(PI * x);
  const tDown = (x: number) => cos((PI / 2) * x);

  const addBeat = (q0: number) => {
    const perLead = (lead: IndependentLead): [number, number, number, number, number] => {
      if (lead === 'I' || lead === 'II') {
        const k = lead === 'I' ? 0 : 1;
        return [
          Q_REL * qrsFrontal[k],
          qrsFrontal[k],
          S_REL * qrsFrontal[k],
          tFrontal[k],
          pFrontal[k],
        ];
      }
      return PRECORDIAL_WAVES[lead];
    };
    for (const name of Object.keys(leads) as IndependentLead[]) {
      const [q, r, s, t, p] = perLead(name);
      const lead = leads[name];
      add(lead, q0 - pr, pDuration, p, halfSine);
      add(lead, q0, 0.2 * qrs, -q, halfSine);
      add(lead, q0 + 0.15 * qrs, 0.55 * qrs, r, halfSine);
      add(lead, q0 + 0.6 * qrs, 0.4 * qrs, -s, halfSine);
      add(lead, q0 + qrs + tStart, tRise, t, tUp);
      add(lead, q0 + qrs + tStart + tRise, tFall, t, tDown);
    }
  };

  let paused = options.pauseAtS === undefined;
  for (let q0 = pr + 0.1; q0 - pr < options.durationS;) {
    addBeat(q0);
    let next = rr * (1 + irregularity * (2 * random() - 1));
    if (!paused && q0 >= (options.pauseAtS ?? 0)) {
      next = pause;
      paused = true;
    }
    q0 += next;
  }

  addNoise(leads, fs, random, options.noise ?? {});

  const { I, II } = leads;
  const derived = (f: (i: number, ii: number) => number) => I.map((v, k) => f(v, II[k]));
  const all: Record<LeadName, Float64Array> = {
    I,
    II,
    III: derived((i, ii) => ii - i),
    aVR: derived((i, ii) => -(i + ii) / 2),
    aVL: derived((i, ii) => i - ii / 2),
    aVF: derived((i, ii) => ii - i / 2),
    V1: leads.V1,
    V2: leads.V2,
    V3: leads.V3,
    V4: leads.V4,
    V5: leads.V5,
    V6: leads.V6,
  };
  return { samplingHz: fs, leads: all };
}

/** Mains hum, muscle noise (white noise band-limited to 20–150 Hz) and 0.1–0.5 Hz wander, per lead. */
function addNoise(
  leads: Record<IndependentLead, Float64Array>,
  fs: number,
  random: () => number,
  noise: NonNullable<SyntheticEcgOptions['noise']>,
): void {
  const { mainsMv = 0, muscleMv = 0, wanderMv = 0 } = noise;
  for (const lead of Object.values(leads)) {
    const n = lead.length;
    if (mainsMv > 0) {
      const phase = 2 * PI * random();
      for (let i = 0; i < n; i++) lead[i] += mainsMv * sin((2 * PI * 50 * i) / fs + phase);
    }
    if (muscleMv > 0) {
      const white = new Float64Array(n);
      for (let i = 0; i < n; i++) white[i] = gaussian(random);
      const band = filtfilt(white, [highPass(20, fs), lowPass(min(150, 0.4 * fs), fs)], fs);
      let power = 0;
      for (const v of band) power += v * v;
      const scale = muscleMv / sqrt(power / n || 1);
      for (let i = 0; i < n; i++) lead[i] += scale * band[i];
    }
    if (wanderMv > 0) {
      // Three components whose peak amplitudes sum to wanderMv (respiration, electrode drift).
      for (let c = 0; c < 3; c++) {
        const f = 0.1 + 0.4 * random();
        const phase = 2 * PI * random();
        for (let i = 0; i < n; i++) lead[i] += (wanderMv / 3) * sin((2 * PI * f * i) / fs + phase);
      }
    }
  }
}
