// The knobs of the result-to-clinic benchmark (bench/results.mjs) and of the memory benchmark
// (bench/memory.mjs), apart from bench/lib/knobs.mjs so that `npm run bench` can hand each flag to
// the benchmark that has it. No name is shared with another benchmark, and so are the environment
// variables.
export const RESULTS_KNOBS = {
  'result-rate': { env: 'BENCH_RESULTS_RATE', fallback: 100, min: 1, max: 10_000 },
  results: { env: 'BENCH_RESULTS', fallback: 1000, min: 1, max: 1_000_000 },
  'results-warmup': { env: 'BENCH_RESULTS_WARMUP', fallback: 100, min: 0, max: 100_000 },
  'analyser-connections': {
    env: 'BENCH_RESULTS_CONNECTIONS',
    fallback: 32,
    min: 1,
    max: 256,
  },
  'poll-ms': { env: 'BENCH_RESULTS_POLL_MS', fallback: 50, min: 1, max: 10_000 },
  'drain-seconds': { env: 'BENCH_RESULTS_DRAIN_SECONDS', fallback: 120, min: 1, max: 3600 },
};

export const MEMORY_KNOBS = {
  'upload-mb': { env: 'BENCH_MEMORY_UPLOAD_MB', fallback: 1024, min: 1, max: 16_384 },
  'part-mb': { env: 'BENCH_MEMORY_PART_MB', fallback: 16, min: 1, max: 16_384 },
  'sample-ms': { env: 'BENCH_MEMORY_SAMPLE_MS', fallback: 50, min: 1, max: 10_000 },
};
