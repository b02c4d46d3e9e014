/**
 * Zero-phase IIR filtering: second-order sections (RBJ audio-cookbook biquads) run forward and
 * backward, so wave onsets and ends are not shifted by the filter's group delay.
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function normalize(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): Biquad {
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

/** Second-order Butterworth low-pass (Q = 1/√2). */
export function lowPass(cutoffHz: number, samplingHz: number): Biquad {
  const w = (2 * Math.PI * cutoffHz) / samplingHz;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  return normalize((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

/** Second-order Butterworth high-pass (Q = 1/√2). */
export function highPass(cutoffHz: number, samplingHz: number): Biquad {
  const w = (2 * Math.PI * cutoffHz) / samplingHz;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  return normalize((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
}

/** Notch at `centreHz` with quality factor `q` (bandwidth = centre / q). */
export function notch(centreHz: number, samplingHz: number, q = 5): Biquad {
  const w = (2 * Math.PI * centreHz) / samplingHz;
  const alpha = Math.sin(w) / (2 * q);
  const c = Math.cos(w);
  return normalize(1, -2 * c, 1, 1 + alpha, -2 * c, 1 - alpha);
}

function runBiquad(x: Float64Array, f: Biquad): void {
  // Start in the steady state of the first sample so a DC offset does not ring.
  const dc = (f.b0 + f.b1 + f.b2) / (1 + f.a1 + f.a2);
  let x1 = x[0];
  let x2 = x[0];
  let y1 = x[0] * dc;
  let y2 = y1;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    const y0 = f.b0 * x0 + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
}

/**
 * Applies the sections forward then backward (like MATLAB/SciPy `filtfilt`), with odd reflection
 * padding at both ends to keep the edge transients out of the signal.
 */
export function filtfilt(
  signal: Float64Array,
  sections: readonly Biquad[],
  padSamples: number,
): Float64Array {
  const n = signal.length;
  const pad = Math.max(0, Math.min(padSamples, n - 1));
  const x = new Float64Array(n + 2 * pad);
  for (let i = 0; i < pad; i++) {
    x[pad - 1 - i] = 2 * signal[0] - signal[i + 1];
    x[pad + n + i] = 2 * signal[n - 1] - signal[n - 2 - i];
  }
  x.set(signal, pad);
  for (const s of sections) runBiquad(x, s);
  x.reverse();
  for (const s of sections) runBiquad(x, s);
  x.reverse();
  return x.slice(pad, pad + n);
}

/** Centred moving average over `width` samples (shorter at the edges). */
export function movingAverage(x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(x.length);
  const half = Math.floor(width / 2);
  const prefix = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i] + x[i];
  for (let i = 0; i < x.length; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(x.length, i + half + 1);
    out[i] = (prefix[hi] - prefix[lo]) / (hi - lo);
  }
  return out;
}
