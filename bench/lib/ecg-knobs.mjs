// The ECG benchmark's knobs, apart from bench/lib/knobs.mjs (the HL7 and DICOMweb ones) so that
// `npm run bench` can hand each flag to the benchmarks that have it. `--clients` is also a
// DICOMweb knob; the environment variables are the ECG benchmark's own.
export const ECG_KNOBS = {
  recordings: { env: 'BENCH_ECG_RECORDINGS', fallback: 300, min: 1, max: 10_000 },
  clients: { env: 'BENCH_ECG_CLIENTS', fallback: 4, min: 1, max: 256 },
};
