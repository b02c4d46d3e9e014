// npm run bench: the HL7 MLLP benchmark (bench/hl7.mjs), then the DICOMweb one (bench/dicomweb.mjs),
// each in its own process. A flag goes to the benchmark that has it (`--instances` to DICOMweb,
// `--connections` to HL7; see bench/lib/knobs.mjs), `--help` to both; the environment goes to both.
// The second runs even when the first found errors; the exit code is the worse of the two, and an
// interruption (Ctrl-C) stops here with 130 once the running benchmark has cleaned up.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DICOMWEB_KNOBS } from './lib/knobs.mjs';

const BENCHMARKS = ['hl7.mjs', 'dicomweb.mjs'];

/** The command-line arguments split into the HL7 benchmark's and the DICOMweb benchmark's. */
function splitArgs(args) {
  const hl7 = [];
  const dicomweb = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      hl7.push(arg);
      dicomweb.push(arg);
      continue;
    }
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const target = name && name in DICOMWEB_KNOBS ? dicomweb : hl7;
    target.push(arg);
    // `--flag value`: the value goes with its flag.
    if (name && !arg.includes('=') && i + 1 < args.length && !args[i + 1].startsWith('--'))
      target.push(args[++i]);
  }
  return [hl7, dicomweb];
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

const argsOf = splitArgs(process.argv.slice(2));
let worst = 0;
for (const [index, script] of BENCHMARKS.entries()) {
  const code = await run(script, argsOf[index]);
  if (code === 130 || interrupted) process.exit(130);
  worst = Math.max(worst, code);
  if (index < BENCHMARKS.length - 1) console.log('');
}
process.exit(worst);
