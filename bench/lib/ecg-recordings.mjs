// The recordings the ECG benchmark sends: synthetic 12-lead ECGs of known rate, written once as
// DICOM 12-lead ECG files with the hub's own library (dist/libs/ecg), and the in-process
// baseline, which reads and measures the same files with the same library and no hub around it.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { distOf } from '../../scripts/lib/apps.mjs';

const require = createRequire(import.meta.url);

/** The compiled ECG library: `syntheticEcg`, `writeDicomEcg`, `readEcgFile`, `measureEcg`. */
export const ecgLibFile = () => distOf('libs', 'ecg', 'src', 'index.js');

const NEEDED = ['syntheticEcg', 'writeDicomEcg', 'readEcgFile', 'measureEcg'];

/**
 * The compiled library, or the names it lacks (a dist/ built before they were written: `npm run
 * build` compiles them).
 */
export function loadEcgLib() {
  const lib = require(ecgLibFile());
  const missing = NEEDED.filter((name) => typeof lib[name] !== 'function');
  return missing.length ? { missing } : { lib };
}

export const DURATION_S = 10;
export const SAMPLING_HZ = 500;
/** A measured rate further than this from the synthetic one is a mismatch (the lib's tolerance). */
export const RATE_TOLERANCE_BPM = 2;
const RATES = { min: 40, max: 180 };
/** Both loops below let Ctrl-C in after this many recordings (they are CPU-bound otherwise). */
const YIELD_EVERY = 10;

/** QT by rate, from the grid the library's accuracy was measured on (libs/ecg/README.md). */
const QT_BY_RATE = [
  [40, 450],
  [60, 400],
  [75, 380],
  [100, 340],
  [140, 300],
  [180, 210],
];

function qtFor(rate) {
  const upper = QT_BY_RATE.findIndex(([r]) => r >= rate);
  if (upper <= 0) return QT_BY_RATE[Math.max(upper, 0)][1];
  const [r0, qt0] = QT_BY_RATE[upper - 1];
  const [r1, qt1] = QT_BY_RATE[upper];
  return Math.round(qt0 + ((qt1 - qt0) * (rate - r0)) / (r1 - r0));
}

/**
 * What each of `count` recordings is: its rate (spread over 40–180/min, not in order), PR, QRS,
 * QT and axis, noise, and seed. Deterministic: the same count gives the same recordings.
 */
export function planRecordings(count) {
  const span = RATES.max - RATES.min + 1;
  return Array.from({ length: count }, (_, i) => {
    const heartRateBpm = RATES.min + ((i * 97) % span);
    return {
      index: i,
      heartRateBpm,
      prMs: heartRateBpm >= 150 ? 120 : heartRateBpm >= 120 ? 140 : 160,
      qrsMs: [80, 90, 100][i % 3],
      qtMs: qtFor(heartRateBpm),
      axisDeg: [-30, 0, 30, 60, 90][i % 5],
      // Up to the noise the library's accuracy was measured with (mains 0.1, muscle 0.03, wander 0.4 mV).
      noise: {
        mainsMv: [0.05, 0.075, 0.1][i % 3],
        muscleMv: [0.02, 0.03][i % 2],
        wanderMv: [0.2, 0.3, 0.4][i % 3],
      },
      seed: i + 1,
    };
  });
}

/**
 * The plan's files: each recording synthesized and written as a DICOM 12-lead ECG (explicit VR
 * little endian, 16-bit samples), with no accession number (the upload names its order). Returns
 * one `{ ...plan entry, file }` per recording; stops between recordings once `signal` aborts.
 */
export async function writeRecordings(plan, lib, { signal } = {}) {
  const written = [];
  for (const entry of plan) {
    if (entry.index % YIELD_EVERY === 0) await yieldToEvents();
    if (signal?.aborted) throw new Error('interrupted');
    const recording = lib.syntheticEcg({
      heartRateBpm: entry.heartRateBpm,
      prMs: entry.prMs,
      qrsMs: entry.qrsMs,
      qtMs: entry.qtMs,
      axisDeg: entry.axisDeg,
      durationS: DURATION_S,
      samplingHz: SAMPLING_HZ,
      noise: entry.noise,
      seed: entry.seed,
    });
    const n = entry.index + 1;
    const file = lib.writeDicomEcg(recording, {
      patientId: `ECGBENCH${n}`,
      patientName: `BENCH^ECG${n}`,
      patientSex: n % 2 ? 'M' : 'F',
      patientBirthDate: '19600501',
    });
    written.push({ ...entry, file });
  }
  return written;
}

/** What is wrong with `measured` (bpm, or undefined) as the rate of `recording`, or undefined. */
export function rateProblem(recording, measured) {
  if (typeof measured !== 'number') return 'no heart rate measured';
  if (Math.abs(measured - recording.heartRateBpm) <= RATE_TOLERANCE_BPM) return undefined;
  return `heart rate ${measured}/min for a ${recording.heartRateBpm}/min recording`;
}

/**
 * The baseline: every file read (`readEcgFile`) and measured (`measureEcg`) in this process, one
 * after the other (one core), no hub, no HTTP, no database. Same result shape as the uploads.
 * Every 10 recordings it lets other events in (a Ctrl-C), which costs microseconds.
 */
export async function measureInProcess(recordings, lib, { signal } = {}) {
  const result = {
    recordings: 0,
    ok: 0,
    errors: 0,
    mismatches: 0,
    latencies: [],
    problems: new Map(),
    mismatchExamples: [],
  };
  const started = performance.now();
  for (const recording of recordings) {
    if (recording.index % YIELD_EVERY === 0) await yieldToEvents();
    if (signal?.aborted) break;
    const from = performance.now();
    result.recordings++;
    try {
      const measured = lib.measureEcg(
        lib.readEcgFile(recording.file, 'application/dicom').recording,
      );
      result.latencies.push(performance.now() - from);
      result.ok++;
      const problem = rateProblem(recording, measured.heartRateBpm);
      if (problem) {
        result.mismatches++;
        if (result.mismatchExamples.length < 5) result.mismatchExamples.push(problem);
      }
    } catch (error) {
      result.errors++;
      const text = `${error.name}: ${error.message}`;
      result.problems.set(text, (result.problems.get(text) ?? 0) + 1);
    }
  }
  result.elapsedMs = performance.now() - started;
  return result;
}
