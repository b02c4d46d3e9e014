// npm test: install what is missing, build (the e2e tests start the compiled apps), check that
// PostgreSQL and Redis answer, then run every jest project: unit, integration, e2e.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/apps.mjs';
import { DEFAULT_REDIS_URL, build, checkServices, installIfNeeded, say } from './lib/setup.mjs';

process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/hub_test';
installIfNeeded();
build();
await checkServices(process.env.TEST_DATABASE_URL, process.env.REDIS_URL || DEFAULT_REDIS_URL);
say('running the test suite (jest)…');
// fhir-kit-client is ESM-only: the e2e specs load it with import(), which needs VM modules.
const nodeOptions = [
  process.env.NODE_OPTIONS,
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
]
  .filter(Boolean)
  .join(' ');
const resultsFile = join(ROOT, '.run', 'jest-results.json');
mkdirSync(join(ROOT, '.run'), { recursive: true });
rmSync(resultsFile, { force: true });
const jestArgs = ['--runInBand', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, [`${ROOT}/node_modules/jest/bin/jest.js`, ...jestArgs], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
// One plain closing line that any CI reader understands.
if (existsSync(resultsFile)) {
  const summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const skipped = summary.numPendingTests ? `, ${summary.numPendingTests} skipped` : '';
  console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped}`);
}
process.exit(result.status ?? 1);
