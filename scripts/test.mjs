// npm test: install what is missing, build (the e2e tests start the compiled apps), check that
// PostgreSQL and Redis answer, then run jest (every project: unit, integration, e2e, faults,
// browser) in band.
// Extra arguments go to jest: `npm test -- --selectProjects unit`, `npm test -- order-intake`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/apps.mjs';
import { complain, runMain, say } from './lib/output.mjs';
import { build, installIfNeeded } from './lib/prepare.mjs';
import {
  DEFAULT_REDIS_URL,
  checkServices,
  redactUrl,
  redisServerBinaryProblem,
} from './lib/services.mjs';

// A database and a Redis prefix of their own, so the tests can run beside a dev hub.
process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/hub_test';
process.env.TEST_REDIS_PREFIX ||= 'hubtest';

runMain(async () => {
  installIfNeeded();
  build();

  const databaseUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  say(`checking PostgreSQL (${redactUrl(databaseUrl)}) and Redis (${redactUrl(redisUrl)})`);
  const problems = await checkServices({
    databaseUrl,
    redisUrl,
    databaseVariable: 'TEST_DATABASE_URL',
  });
  if (problems.length) {
    problems.forEach(complain);
    process.exit(1);
  }
  const binary = redisServerBinaryProblem();
  if (binary) complain(binary); // only the e2e project needs it: warn, let jest say what fails

  // fhir-kit-client is ESM-only: the specs load it with import(), which jest allows only with VM
  // modules. Appended, so options the caller set survive.
  const nodeOptions = [
    process.env.NODE_OPTIONS,
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
  ]
    .filter(Boolean)
    .join(' ');
  // jest's JSON report gives the plain closing line CI readers understand ('N passed, N failed').
  const resultsFile = join(ROOT, '.run', 'jest-results.json');
  mkdirSync(join(ROOT, '.run'), { recursive: true });
  rmSync(resultsFile, { force: true });
  const args = ['--runInBand', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)];
  say(`jest ${args.join(' ')}`);
  const jest = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), ...args],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
    },
  );
  // A terminal's Ctrl-C reaches jest too and jest winds down by itself; a signal sent to this
  // script alone (a CI time-out) is passed on. Either way we wait for jest's exit code.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => jest.kill('SIGTERM'));
  jest.on('exit', (code, signal) => {
    if (existsSync(resultsFile)) {
      const summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
      const skipped = summary.numPendingTests ? `, ${summary.numPendingTests} skipped` : '';
      console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped}`);
    }
    process.exit(code ?? (signal ? 1 : 0));
  });
});
