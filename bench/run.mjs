// npm run bench: the FHIR intake benchmark (bench/fhir.mjs), then the HL7 MLLP one (bench/hl7.mjs),
// the DICOMweb one (bench/dicomweb.mjs), the ECG one (bench/ecg.mjs), the result-to-clinic one
// (bench/results.mjs), the memory one (bench/memory.mjs) and the recognition one
// (bench/recognition.mjs), each in its own process, then one table of all their figures (each wrote
// .run/bench/<name>.json, see bench/lib/results.mjs), also written to .run/bench/summary.md.
// A flag goes to every benchmark that has it (see bench/lib/fhir-knobs.mjs, knobs.mjs,
// ecg-knobs.mjs, results-knobs.mjs and recognition-knobs.mjs; `--clients` goes to FHIR, DICOMweb,
// ECG and recognition, a flag no benchmark has to HL7), `--help` to all; the environment goes to
// all. Each runs even when one before it found errors; the exit code is the worst of them, and an
// interruption (Ctrl-C) stops here with 130 once the running benchmark has cleaned up.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ECG_KNOBS } from './lib/ecg-knobs.mjs';
import { FHIR_KNOBS } from './lib/fhir-knobs.mjs';
import { DICOMWEB_KNOBS } from './lib/knobs.mjs';
import { RECOGNITION_KNOBS } from './lib/recognition-knobs.mjs';
import { MEMORY_KNOBS, RESULTS_KNOBS } from './lib/results-knobs.mjs';
import {
  RESULTS_DIR,
  clearResults,
  combinedMarkdown,
  combinedTable,
  readResults,
} from './lib/results.mjs';
import { bold } from '../scripts/lib/output.mjs';
import { installIfNeeded } from '../scripts/lib/prepare.mjs';

/** In running order; `knobs: undefined` takes the flags no other benchmark has. */
const BENCHMARKS = [
  { script: 'fhir.mjs', knobs: FHIR_KNOBS },
  { script: 'hl7.mjs', knobs: undefined },
  { script: 'dicomweb.mjs', knobs: DICOMWEB_KNOBS },
  { script: 'ecg.mjs', knobs: ECG_KNOBS },
  { script: 'results.mjs', knobs: RESULTS_KNOBS },
  { script: 'memory.mjs', knobs: MEMORY_KNOBS },
  { script: 'recognition.mjs', knobs: RECOGNITION_KNOBS },
];

/** The command-line arguments split per benchmark, in the order of BENCHMARKS. */
function splitArgs(args) {
  const argsOf = BENCHMARKS.map(() => []);
  const fallback = BENCHMARKS.findIndex(({ knobs }) => !knobs);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      argsOf.forEach((list) => list.push(arg));
      continue;
    }
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const owners = BENCHMARKS.flatMap(({ knobs }, index) =>
      name && knobs && name in knobs ? [index] : [],
    );
    const targets = owners.length ? owners : [fallback];
    // `--flag value`: the value goes with its flag.
    const value =
      name && !arg.includes('=') && i + 1 < args.length && !args[i + 1].startsWith('--')
        ? [args[++i]]
        : [];
    for (const index of targets) argsOf[index].push(arg, ...value);
  }
  return argsOf;
}

function run(script, args) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL(script, import.meta.url)), ...args],
    {
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    // Ctrl-C reaches the benchmark through the terminal's process group; it cleans up and exits 130.
    // A SIGTERM sent to this process alone is passed on.
    process.removeAllListeners('SIGTERM');
    process.on('SIGTERM', () => child.kill('SIGTERM'));
  });
}

let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true; // the running benchmark handles it; the next one is not started
});

/**
 * One table of every benchmark's rows (each wrote `.run/bench/<name>.json`, see
 * bench/lib/results.mjs), printed and written as Markdown to `.run/bench/summary.md`.
 */
function printSummary() {
  const results = readResults();
  if (!results.length) return;
  const file = join(RESULTS_DIR, 'summary.md');
  const markdown =
    `# Benchmark summary\n\nRun finished ${new Date().toISOString()}; ` +
    `\`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`` +
    `\n\n${results.map(({ title }) => `- ${title}`).join('\n')}\n\n${combinedMarkdown(results)}`;
  writeFileSync(file, markdown);
  console.log(`\n${bold('Summary')} (ratio: value / baseline, both measured in this run)\n`);
  console.log(combinedTable(results));
  console.log(`\n(written to ${file})`);
}

// On a fresh clone: the benchmarks need node_modules (each builds dist/ itself when missing).
if (!process.argv.includes('--help') && !process.argv.includes('-h')) installIfNeeded();
const argsOf = splitArgs(process.argv.slice(2));
// A figure of an earlier run must never appear in this run's summary.
clearResults();
let worst = 0;
for (const [index, { script }] of BENCHMARKS.entries()) {
  const code = await run(script, argsOf[index]);
  if (code === 130 || interrupted) process.exit(130);
  worst = Math.max(worst, code);
  if (index < BENCHMARKS.length - 1) console.log('');
}
printSummary();
process.exit(worst);
