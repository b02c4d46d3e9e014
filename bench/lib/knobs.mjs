// The knobs of both benchmarks (a flag, else an environment variable, else the default), in one
// place so that `npm run bench`, which runs both, can hand each flag to the benchmark it belongs to.
// A knob is a whole number from `min` to `max`, or, with a `pattern` (and `describe`), a text.
import { parseArgs } from 'node:util';
import { fail } from '../../scripts/lib/output.mjs';

export const HL7_KNOBS = {
  connections: { env: 'BENCH_CONNECTIONS', fallback: 8, min: 1, max: 256 },
  messages: { env: 'BENCH_MESSAGES', fallback: 2000, min: 1, max: 1_000_000 },
  warmup: { env: 'BENCH_WARMUP', fallback: 200, min: 0, max: 100_000 },
  'ack-timeout-ms': { env: 'BENCH_ACK_TIMEOUT_MS', fallback: 10_000, min: 100, max: 120_000 },
  'max-seconds': { env: 'BENCH_MAX_SECONDS', fallback: 120, min: 1, max: 3600 },
  rate: { env: 'BENCH_HL7_RATE', fallback: 200, min: 0, max: 100_000 },
  'rate-seconds': { env: 'BENCH_HL7_RATE_SECONDS', fallback: 10, min: 1, max: 3600 },
};

export const DICOMWEB_KNOBS = {
  instances: { env: 'BENCH_DICOM_INSTANCES', fallback: 100_000, min: 1, max: 1_000_000 },
  'per-study': { env: 'BENCH_DICOM_PER_STUDY', fallback: 100, min: 1, max: 10_000 },
  batch: { env: 'BENCH_DICOM_BATCH', fallback: 50, min: 1, max: 1000 },
  clients: { env: 'BENCH_DICOM_CLIENTS', fallback: 8, min: 1, max: 256 },
  repeats: { env: 'BENCH_DICOM_REPEATS', fallback: 200, min: 1, max: 100_000 },
  'max-minutes': { env: 'BENCH_DICOM_MAX_MINUTES', fallback: 60, min: 1, max: 1440 },
};

/** One line per knob: flag, variable, default. */
export function knobLines(knobs) {
  return Object.entries(knobs)
    .map(
      ([name, knob]) =>
        `  --${name.padEnd(15)} or ${knob.env.padEnd(23)} default ${knob.fallback === '' ? '(none)' : knob.fallback}`,
    )
    .join('\n');
}

/**
 * The knobs from `args`, else the environment, else the defaults, by flag name; `--help` prints
 * `help` and exits 0; a bad or unknown one stops the script with the help.
 */
export function readKnobs(knobs, help, args = process.argv.slice(2)) {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(knobs).map((name) => [name, { type: 'string' }])),
      },
    }));
  } catch (error) {
    fail(`${error.message}\n${help}`);
  }
  if (values.help) {
    console.log(help);
    process.exit(0);
  }
  const config = {};
  for (const [name, knob] of Object.entries(knobs)) {
    const raw = values[name] ?? process.env[knob.env];
    // A text knob (e.g. a database name): any value its pattern allows, '' for none.
    if (knob.pattern) {
      if (raw && !knob.pattern.test(raw))
        fail(`--${name} / ${knob.env} must be ${knob.describe}, got "${raw}"`);
      config[name] = raw || knob.fallback;
      continue;
    }
    const value = raw === undefined || raw === '' ? knob.fallback : Number(raw);
    if (!Number.isInteger(value) || value < knob.min || value > knob.max)
      fail(
        `--${name} / ${knob.env} must be a whole number from ${knob.min} to ${knob.max}, got "${raw}"`,
      );
    config[name] = value;
  }
  return config;
}
