// Install and build. Only Node built-ins here: this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './apps.mjs';
import { fail, say } from './output.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * A source checkout can install and build; a deployed image (sources left out, dist/ and the
 * production node_modules baked in) must not try to, as it has neither the sources nor tsc.
 */
export const isSourceCheckout = () => existsSync(join(ROOT, 'tsconfig.build.json'));

/** Why dependencies must be (re)installed, or undefined when node_modules is current. */
export function installReason() {
  // npm writes node_modules/.package-lock.json on every install: its age is the install's age.
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return 'node_modules is missing';
  const installed = statSync(marker).mtimeMs;
  for (const file of ['package.json', 'package-lock.json']) {
    const path = join(ROOT, file);
    if (existsSync(path) && statSync(path).mtimeMs > installed) return `${file} changed since`;
  }
  return undefined;
}

function run(args, what) {
  const result = spawnSync(npm, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (result.error) fail(`${what}: could not run npm (${result.error.message})`);
  if (result.status !== 0)
    fail(`${what} failed: \`npm ${args.join(' ')}\` exited ${result.status ?? result.signal}`);
}

/** Runs `npm install` when node_modules is missing or older than package(-lock).json. */
export function installIfNeeded() {
  if (!isSourceCheckout()) return;
  const reason = installReason();
  if (!reason) return;
  say(`installing dependencies (${reason}): npm install --no-audit --no-fund`);
  // Not `npm ci`: it refuses a lockfile made on this platform (see ENVIRONMENT.md); `npm install`
  // still honours the lockfile. --include=dev: the build needs tsc even with NODE_ENV=production.
  run(['install', '--no-audit', '--no-fund', '--include=dev'], 'installing dependencies');
  // An install that changes nothing may leave the marker alone; touch it so we do not install again.
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
}

/** Compiles apps and libs to dist/ (tsc is incremental, so an unchanged tree builds fast). */
export function build() {
  if (!isSourceCheckout()) return;
  say('building: npm run build');
  run(['run', '--silent', 'build'], 'the build');
}

/** Builds unless every file in `needed` exists already (for the one-step scripts). */
export function buildIfMissing(needed) {
  const missing = needed.filter((file) => !existsSync(file));
  if (!missing.length) return;
  if (!isSourceCheckout())
    fail(`${missing.join(', ')} missing and this is no source checkout to build from`);
  build();
}
