// The FHIR intake benchmark's knobs, apart from bench/lib/knobs.mjs so that `npm run bench` can
// hand each flag to the benchmarks that have it. `--clients` is also a DICOMweb, ECG and
// recognition knob; the others, and all the environment variables, are this benchmark's alone.
export const FHIR_KNOBS = {
  clients: { env: 'BENCH_FHIR_CLIENTS', fallback: 32, min: 1, max: 256 },
  seconds: { env: 'BENCH_FHIR_SECONDS', fallback: 10, min: 1, max: 3600 },
  'warmup-seconds': { env: 'BENCH_FHIR_WARMUP_SECONDS', fallback: 3, min: 0, max: 600 },
  rates: {
    env: 'BENCH_FHIR_RATES',
    fallback: '100,300',
    pattern: /^(0|[1-9]\d{0,4})(,[1-9]\d{0,4})*$/,
    describe: 'offered loads in orders/s, comma-separated (e.g. 100,300), or 0 for none',
  },
  'bundle-orders': { env: 'BENCH_FHIR_BUNDLE_ORDERS', fallback: 2, min: 1, max: 50 },
  'baseline-seconds': { env: 'BENCH_FHIR_BASELINE_SECONDS', fallback: 5, min: 1, max: 600 },
};
