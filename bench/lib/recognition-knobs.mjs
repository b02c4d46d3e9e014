// The recognition benchmark's knobs, apart from bench/lib/knobs.mjs so that `npm run bench` can hand
// each flag to the benchmarks that have it. `--clients` is also a DICOMweb and an ECG knob; the
// others are this benchmark's alone, and so are all the environment variables.
export const RECOGNITION_KNOBS = {
  patients: { env: 'BENCH_RECOGNITION_PATIENTS', fallback: 1_000_000, min: 1000, max: 10_000_000 },
  observations: {
    env: 'BENCH_RECOGNITION_OBSERVATIONS',
    fallback: 10_000_000,
    min: 1000,
    max: 100_000_000,
  },
  checks: { env: 'BENCH_RECOGNITION_CHECKS', fallback: 10_000, min: 1, max: 1_000_000 },
  'warmup-checks': { env: 'BENCH_RECOGNITION_WARMUP', fallback: 500, min: 0, max: 100_000 },
  clients: { env: 'BENCH_RECOGNITION_CLIENTS', fallback: 8, min: 1, max: 256 },
  history: { env: 'BENCH_RECOGNITION_HISTORY', fallback: 0, min: 0, max: 1 },
  database: {
    env: 'BENCH_RECOGNITION_DB',
    fallback: '',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    describe: 'a database name (lower-case letters, digits, _)',
  },
};
