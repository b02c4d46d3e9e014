import { filtfilt, highPass, lowPass, movingAverage, notch } from './filters';
import { type EcgRecording, INDEPENDENT_LEADS, LEAD_NAMES, type LeadName } from './types';

// Module-level aliases: the hot loops run per sample, and a global lookup costs more in some VMs
// (Jest's sandbox among them).
const { abs, min, max, sqrt, round, cos, sin, PI, hypot, atan2, cbrt } = Math;

/** Global (all-lead) measurements of a resting ECG, as a cart's measurement program reports them. */
export interface EcgMeasurement {
  /** Mean ventricular rate from the mean RR interval. */
  heartRateBpm: number;
  rrMs: number[];
  rrRegularity: {
    /** Standard deviation of RR. */
    sdMs: number;
    /** SD / mean of RR: below ~0.1 reads as regular. */
    cv: number;
    longestRrMs: number;
    shortestRrMs: number;
  };
  /** Absent when no P wave could be delineated (none present, or buried in the previous T). */
  prMs?: number;
  qrsMs: number;
  qtMs: number;
  qtcBazettMs: number;
  qtcFridericiaMs: number;
  /** Frontal-plane QRS axis, degrees in (−180, 180]. */
  axisDeg: number;
  /** R-peak (QRS fiducial) sample indices. */
  beats: number[];
  quality: {
    beatsDetected: number;
    /** Beats whose whole window lies inside the recording, used for the median beat. */
    beatsAveraged: number;
    /** Median RMS difference between each beat and the median beat (residual noise), mV. */
    beatNoiseMv: number;
    /** Largest 50 Hz amplitude in the raw independent leads, mV. */
    mainsMv: number;
    /** Largest peak-to-peak of the removed baseline (below 0.5 Hz), mV. */
    baselineWanderMv: number;
    /** Leads with under 0.05 mV peak-to-peak after filtering (lead off?). */
    flatLeads: LeadName[];
  };
}

/** The recording cannot be measured; the message says why. */
export class EcgMeasurementError extends Error {
  override name = 'EcgMeasurementError';
}

type Leads = Record<LeadName, Float64Array>;

/**
 * Measures heart rate, RR, PR, QRS, QT/QTc and the frontal QRS axis of a 12-lead recording.
 *
 * 1. Filters each lead with zero-phase 0.5 Hz high-pass, 50 Hz notch and 40 Hz low-pass, then
 *    subtracts a line through one beat-locked knot per beat (residual wander).
 * 2. Detects QRS complexes Pan–Tompkins style on all eight independent leads combined (5–15 Hz band,
 *    squared derivative, 150 ms integration, adaptive signal/noise thresholds, 200 ms refractory
 *    period, search-back at 1.66 × the mean RR).
 * 3. Builds a median beat per lead around the R peaks and delineates it globally on the eight
 *    independent leads: QRS onset/offset where the summed absolute slope stays below 5 % of its
 *    peak for 10 ms, refined by the tangent to the spatial magnitude; T end by the tangent at the
 *    steepest descent of the spatial magnitude; P onset by the tangent at its steepest ascent,
 *    searched only after the previous T end (a P wave on the T wave gives no PR).
 * 4. QTc by Bazett (QT/√RR) and Fridericia (QT/∛RR), with the median RR in seconds.
 * 5. Axis = atan2 of the net QRS areas in aVF and I.
 *
 * Throws {@link EcgMeasurementError} when the recording is too short, leads are missing or of
 * different lengths, or fewer than three QRS complexes are found.
 */
export function measureEcg(recording: EcgRecording): EcgMeasurement {
  const fs = recording.samplingHz;
  const n = validate(recording);
  const ms = (samples: number) => (samples * 1000) / fs;
  const samples = (milliseconds: number) => round((milliseconds * fs) / 1000);

  const filtered = {} as Leads;
  const lowFrequency = {} as Partial<Leads>;
  const sections = [highPass(0.5, fs), lowPass(min(40, 0.4 * fs), fs)];
  if (fs > 120) sections.push(notch(50, fs, 5));
  for (const lead of INDEPENDENT_LEADS) {
    const raw = recording.leads[lead];
    filtered[lead] = filtfilt(raw, sections, samples(2000));
    lowFrequency[lead] = filtfilt(raw, [lowPass(0.5, fs)], samples(2000));
  }

  const beats = detectQrs(recording, filtered);
  if (beats.length < 3) {
    throw new EcgMeasurementError(
      `only ${beats.length} QRS complexes found; at least 3 are needed`,
    );
  }
  for (const lead of INDEPENDENT_LEADS) removeBaseline(filtered[lead], beats, fs);
  const { I, II } = filtered;
  filtered.III = II.map((v, k) => v - I[k]);
  filtered.aVR = I.map((v, k) => -(v + II[k]) / 2);
  filtered.aVL = I.map((v, k) => v - II[k] / 2);
  filtered.aVF = II.map((v, k) => v - I[k] / 2);
  const rr = beats.slice(1).map((b, i) => ms(b - beats[i]));
  const meanRr = mean(rr);
  const medianRr = median(rr);
  const sdRr = sqrt(mean(rr.map((x) => (x - meanRr) ** 2)));

  // Median beat: the window reaches back past a long PR and forward past a long QT.
  const pre = samples(450);
  const post = samples(650);
  const usable = beats.filter((b) => b - pre >= 0 && b + post < n);
  if (usable.length < 2) throw new EcgMeasurementError('fewer than 2 complete beats to average');
  const template = {} as Leads;
  for (const lead of LEAD_NAMES) template[lead] = medianBeat(filtered[lead], usable, pre, post);

  const d = delineate(template, pre, fs, samples(medianRr));
  const qt = ms(d.tEnd - d.qrsOnset);
  const rrS = medianRr / 1000;
  const area = (lead: LeadName) => {
    const base = isoelectric(template[lead], d.qrsOnset, fs);
    let sum = 0;
    for (let k = d.qrsOnset; k <= d.qrsOffset; k++) sum += template[lead][k] - base;
    return sum;
  };
  let axisDeg = (atan2(area('aVF'), area('I')) * 180) / PI;
  if (axisDeg <= -180) axisDeg += 360;

  return {
    heartRateBpm: 60000 / meanRr,
    rrMs: rr,
    rrRegularity: {
      sdMs: sdRr,
      cv: sdRr / meanRr,
      longestRrMs: max(...rr),
      shortestRrMs: min(...rr),
    },
    prMs: d.pOnset === undefined ? undefined : ms(d.qrsOnset - d.pOnset),
    qrsMs: ms(d.qrsOffset - d.qrsOnset),
    qtMs: qt,
    qtcBazettMs: qt / sqrt(rrS),
    qtcFridericiaMs: qt / cbrt(rrS),
    axisDeg,
    beats,
    quality: quality(recording, filtered, lowFrequency, template, beats.length, usable, pre, post),
  };
}

function validate(recording: EcgRecording): number {
  const fs = recording.samplingHz;
  if (!(fs >= 100)) throw new EcgMeasurementError(`sampling rate ${fs} Hz is below 100 Hz`);
  const n = recording.leads.I?.length ?? 0;
  for (const lead of LEAD_NAMES) {
    const data = recording.leads[lead];
    if (!data) throw new EcgMeasurementError(`lead ${lead} is missing`);
    if (data.length !== n)
      throw new EcgMeasurementError(`lead ${lead} has ${data.length} samples, lead I ${n}`);
  }
  if (n < 4 * fs)
    throw new EcgMeasurementError(`recording is ${(n / fs).toFixed(1)} s; at least 4 s are needed`);
  return n;
}

/**
 * Pan–Tompkins QRS detection on the eight independent leads combined; returns R-peak indices (the
 * peak of the spatial magnitude of `filtered`, the 0.5–40 Hz leads, near each detection).
 */
export function detectQrs(recording: EcgRecording, filtered: Leads): number[] {
  const fs = recording.samplingHz;
  const n = recording.leads.I.length;
  const energy = new Float64Array(n);
  for (const lead of INDEPENDENT_LEADS) {
    const band = filtfilt(recording.leads[lead], [highPass(5, fs), lowPass(15, fs)], fs);
    for (let i = 1; i < n - 1; i++) energy[i] += ((band[i + 1] - band[i - 1]) * fs * 0.5) ** 2;
  }
  const mwi = movingAverage(energy, round(0.15 * fs));

  // Candidate peaks: local maxima that are the largest within the 200 ms refractory period.
  const refractory = round(0.2 * fs);
  const candidates: number[] = [];
  for (let i = 1; i < n - 1; i++) {
    if (mwi[i] < mwi[i - 1] || mwi[i] <= mwi[i + 1]) continue;
    let isMax = true;
    for (let j = max(0, i - refractory); j <= min(n - 1, i + refractory) && isMax; j++) {
      if (mwi[j] > mwi[i]) isMax = false;
    }
    if (isMax) candidates.push(i);
  }
  if (candidates.length === 0) return [];

  // Thresholds start from the candidates' own distribution, then adapt beat by beat.
  const heights = candidates.map((i) => mwi[i]).sort((a, b) => b - a);
  const p90 = heights[Math.floor(heights.length * 0.1)];
  const big = heights.filter((h) => h >= 0.3 * p90);
  const small = heights.filter((h) => h < 0.3 * p90);
  let spki = median(big);
  let npki = small.length > 0 ? median(small) : 0;
  const accepted: number[] = [];
  const rrHistory: number[] = [];
  let lastIndex = -1;
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c];
    const threshold = npki + 0.25 * (spki - npki);
    const lastBeat = accepted.length > 0 ? accepted[accepted.length - 1] : undefined;
    // Search back: a gap of 1.66 × the recent mean RR may hide a beat below the threshold.
    if (lastBeat !== undefined && rrHistory.length > 0) {
      const meanRr = mean(rrHistory.slice(-8));
      if (i - lastBeat > 1.66 * meanRr) {
        let best = -1;
        for (let k = lastIndex + 1; k < c; k++) {
          const j = candidates[k];
          if (
            j - lastBeat > 0.36 * fs &&
            i - j > 0.36 * fs &&
            mwi[j] > threshold / 2 &&
            (best < 0 || mwi[j] > mwi[best])
          ) {
            best = j;
          }
        }
        if (best >= 0) {
          rrHistory.push(best - lastBeat);
          accepted.push(best);
          spki = 0.25 * mwi[best] + 0.75 * spki;
        }
      }
    }
    if (mwi[i] > threshold) {
      const prev = accepted.length > 0 ? accepted[accepted.length - 1] : undefined;
      if (prev !== undefined) rrHistory.push(i - prev);
      accepted.push(i);
      lastIndex = c;
      spki = 0.125 * mwi[i] + 0.875 * spki;
    } else {
      npki = 0.125 * mwi[i] + 0.875 * npki;
    }
  }

  // Fiducial: the peak of the spatial magnitude of the filtered leads near the integrator's peak.
  const reach = round(0.08 * fs);
  return accepted.map((i) => {
    let best = i;
    let bestValue = -1;
    for (let j = max(0, i - reach); j <= min(n - 1, i + reach); j++) {
      let s = 0;
      for (const lead of INDEPENDENT_LEADS) s += filtered[lead][j] ** 2;
      if (s > bestValue) {
        bestValue = s;
        best = j;
      }
    }
    return best;
  });
}

/**
 * Subtracts, in place, the straight line through one knot per beat taken at a fixed offset before
 * the R peak (in the PR segment of most beats). The knots are beat-locked, so whatever wave they sit
 * on adds the same constant to every beat and is removed with the PR-segment level later; what
 * varies between beats is the residual baseline wander the high-pass left.
 */
function removeBaseline(x: Float64Array, beats: number[], fs: number): void {
  const from = round(0.085 * fs);
  const to = round(0.06 * fs);
  const knots: Array<[number, number]> = [];
  for (const b of beats) {
    if (b - from < 0) continue;
    knots.push([b - round((from + to) / 2), mean(Array.from(x.subarray(b - from, b - to)))]);
  }
  if (knots.length < 2) return;
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    while (j < knots.length - 2 && i > knots[j + 1][0]) j++;
    const [t0, v0] = knots[j];
    const [t1, v1] = knots[j + 1];
    const at = min(1, max(0, (i - t0) / (t1 - t0)));
    x[i] -= v0 + (v1 - v0) * at;
  }
}

function medianBeat(x: Float64Array, beats: number[], pre: number, post: number): Float64Array {
  const out = new Float64Array(pre + post + 1);
  const column = new Float64Array(beats.length);
  for (let k = 0; k <= pre + post; k++) {
    for (let b = 0; b < beats.length; b++) column[b] = x[beats[b] - pre + k];
    column.sort();
    const mid = column.length >> 1;
    out[k] = column.length % 2 === 1 ? column[mid] : (column[mid - 1] + column[mid]) / 2;
  }
  return out;
}

/** Level of the PR segment just before the QRS onset. */
function isoelectric(x: Float64Array, qrsOnset: number, fs: number): number {
  const from = max(0, qrsOnset - round(0.02 * fs));
  const to = max(from + 1, qrsOnset - round(0.008 * fs));
  return mean(Array.from(x.subarray(from, to)));
}

interface Delineation {
  pOnset?: number;
  qrsOnset: number;
  qrsOffset: number;
  tEnd: number;
}

/** Global delineation of the median beats; indices are into the template, R peak at `r`. */
function delineate(template: Leads, r: number, fs: number, rr: number): Delineation {
  const len = template.I.length;
  const at = (ms: number) => round((ms * fs) / 1000);
  const leads = INDEPENDENT_LEADS.map((l) => template[l]);

  // Summed absolute slope, mV/s, lightly smoothed (3 samples).
  const slope = new Float64Array(len);
  for (let k = 1; k < len - 1; k++) {
    for (const x of leads) slope[k] += abs(x[k + 1] - x[k - 1]) * fs * 0.5;
  }
  const velocity = movingAverage(slope, 3);
  let vMax = 0;
  for (let k = r - at(80); k <= r + at(80); k++) vMax = max(vMax, velocity[k]);
  const threshold = 0.05 * vMax;

  // The QRS spans the samples around R until the slope stays below threshold for 10 ms; leads may
  // all be momentarily flat inside the complex (at a common R peak), hence the run length.
  const quiet = at(10);
  const edge = (direction: -1 | 1) => {
    let k = r;
    let run = 0;
    let last = r;
    while (run < quiet && abs(k - r) < at(150) && k > 1 && k < len - 2) {
      k += direction;
      if (velocity[k] > threshold) {
        run = 0;
        last = k;
      } else run++;
    }
    return last;
  };
  const onsetCrossing = edge(-1);
  const offsetCrossing = edge(1);
  // Spatial magnitude relative to the PR-segment level of each lead.
  const bases = leads.map((x) => isoelectric(x, onsetCrossing, fs));
  const magnitude = new Float64Array(len);
  for (let k = 0; k < len; k++) {
    let s = 0;
    leads.forEach((x, l) => (s += (x[k] - bases[l]) ** 2));
    magnitude[k] = sqrt(s);
  }
  const derivative = new Float64Array(len);
  for (let k = 1; k < len - 1; k++)
    derivative[k] = (magnitude[k + 1] - magnitude[k - 1]) * fs * 0.5;

  // QRS onset and offset: the tangent at the steepest slope of the spatial magnitude next to the
  // slope-threshold crossing, extended to the PR-segment level (onset) or the ST level (offset).
  const near = at(10);
  // The magnitude of the residual noise is the floor the onset tangent runs down to.
  const prLevel = isoelectric(magnitude, onsetCrossing, fs);
  let rising = onsetCrossing;
  for (let k = onsetCrossing - near; k <= onsetCrossing + near; k++) {
    if (derivative[k] > derivative[rising]) rising = k;
  }
  const qrsOnset = clamp(
    round(rising - ((magnitude[rising] - prLevel) / derivative[rising]) * fs),
    onsetCrossing - 2 * near,
    onsetCrossing + near,
  );
  let falling = offsetCrossing;
  for (let k = offsetCrossing - near; k <= offsetCrossing + near; k++) {
    if (derivative[k] < derivative[falling]) falling = k;
  }
  let stLevel = Infinity;
  for (let k = offsetCrossing; k <= offsetCrossing + at(40); k++)
    stLevel = min(stLevel, magnitude[k]);
  const qrsOffset = clamp(
    round(falling - ((magnitude[falling] - stLevel) / derivative[falling]) * fs),
    offsetCrossing - near,
    offsetCrossing + 2 * near,
  );

  // T: the largest deflection after the ST segment, before the next beat's P wave.
  const tSearchEnd = min(len - 2, r + min(at(600), round(0.7 * rr)));
  let tPeak = qrsOffset + at(40);
  for (let k = tPeak; k <= tSearchEnd; k++) if (magnitude[k] > magnitude[tPeak]) tPeak = k;
  let steepest = tPeak;
  for (
    let k = tPeak;
    k < min(len - 1, tPeak + at(250)) && magnitude[k] > 0.05 * magnitude[tPeak];
    k++
  ) {
    // A rise after the T wave's descent is the next P wave (P on T at fast rates): stop there.
    if (magnitude[k] < 0.5 * magnitude[tPeak] && derivative[k] >= 0) break;
    if (derivative[k] < derivative[steepest]) steepest = k;
  }
  const tEnd =
    derivative[steepest] < 0
      ? round(steepest - (magnitude[steepest] / derivative[steepest]) * fs)
      : steepest;

  // P: searched between the previous beat's T end and the QRS onset.
  const previousTEnd = tEnd - rr;
  const pFrom = max(1, qrsOnset - at(320), previousTEnd);
  const pTo = qrsOnset - at(20);
  let pOnset: number | undefined;
  if (pTo - pFrom > at(30)) {
    let pPeak = pFrom;
    for (let k = pFrom; k <= pTo; k++) if (magnitude[k] > magnitude[pPeak]) pPeak = k;
    const qrsPeak = magnitude[r];
    // The P wave must rise from the baseline inside the window: not one that began on the T wave.
    let foot = pPeak;
    for (let k = pPeak; k >= pFrom; k--) if (magnitude[k] < magnitude[foot]) foot = k;
    if (magnitude[pPeak] > 0.03 * qrsPeak && magnitude[foot] < 0.3 * magnitude[pPeak]) {
      let up = pPeak;
      for (let k = pPeak; k >= foot; k--) if (derivative[k] > derivative[up]) up = k;
      const onset = round(up - ((magnitude[up] - magnitude[foot]) / derivative[up]) * fs);
      if (derivative[up] > 0 && onset >= pFrom - at(10)) pOnset = onset;
    }
  }
  return { pOnset, qrsOnset, qrsOffset, tEnd };
}

function quality(
  recording: EcgRecording,
  filtered: Leads,
  lowFrequency: Partial<Leads>,
  template: Leads,
  beatsDetected: number,
  beats: number[],
  pre: number,
  post: number,
): EcgMeasurement['quality'] {
  const fs = recording.samplingHz;
  const n = recording.leads.I.length;
  const edge = min(fs, Math.floor(n / 4));
  const cos50 = new Float64Array(n);
  const sin50 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cos50[i] = cos((2 * PI * 50 * i) / fs);
    sin50[i] = sin((2 * PI * 50 * i) / fs);
  }
  let mainsMv = 0;
  let baselineWanderMv = 0;
  for (const lead of INDEPENDENT_LEADS) {
    const raw = recording.leads[lead];
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += raw[i] * cos50[i];
      im += raw[i] * sin50[i];
    }
    mainsMv = max(mainsMv, (2 * hypot(re, im)) / n);
    const low = (lowFrequency[lead] ?? new Float64Array(0)).subarray(edge, n - edge);
    if (low.length > 0) baselineWanderMv = max(baselineWanderMv, max(...low) - min(...low));
  }
  const residuals = beats.map((b) => {
    let sum = 0;
    for (const lead of INDEPENDENT_LEADS) {
      for (let k = 0; k <= pre + post; k++)
        sum += (filtered[lead][b - pre + k] - template[lead][k]) ** 2;
    }
    return sqrt(sum / (INDEPENDENT_LEADS.length * (pre + post + 1)));
  });
  const flatLeads = LEAD_NAMES.filter((lead) => {
    return peakToPeak(filtered[lead].subarray(edge, n - edge)) < 0.05;
  });
  return {
    beatsDetected,
    beatsAveraged: beats.length,
    beatNoiseMv: median(residuals),
    mainsMv,
    baselineWanderMv,
    flatLeads,
  };
}

function peakToPeak(x: Float64Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = min(lo, v);
    hi = max(hi, v);
  }
  return hi - lo;
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? min(hi, max(lo, x)) : lo;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
