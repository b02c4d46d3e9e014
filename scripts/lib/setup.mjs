// Steps shared by npm start, npm test and the migrate/seed scripts. The install step uses only
// Node built-ins: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, dataSourceOf } from './apps.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const say = (message) => console.log(`\u001b[36m›\u001b[0m ${message}`);
export { say };

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(
      `\n✖ ${what} failed (${command} ${args.join(' ')} exited ${result.status ?? result.signal})`,
    );
    process.exit(result.status || 1);
  }
}

/** Installs dependencies when node_modules is missing or older than the lockfile. */
export function installIfNeeded() {
  // Production images are built with their dependencies; never install at run time there.
  if (process.env.NODE_ENV === 'production') return;
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  const stale =
    !existsSync(marker) ||
    statSync(join(ROOT, 'package.json')).mtimeMs > statSync(marker).mtimeMs ||
    (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  say('installing dependencies (npm install)…');
  // npm ci refuses a lockfile made on this platform (see ENVIRONMENT.md); npm install honours it.
  run('npm', ['install', '--no-audit', '--no-fund'], 'installing dependencies');
}

/** Compiles apps and libs to dist/ (incremental). */
export function build() {
  say('building (tsc)…');
  run('npm', ['run', '--silent', 'build'], 'the build');
}

const redact = (url) => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
};

/** Exits with a message naming the service, its URL and how to start it, if either is unreachable. */
export async function checkServices(databaseUrl, redisUrl) {
  const require = createRequire(join(ROOT, 'package.json'));
  const { checkDependencies } = require(join(ROOT, 'dist', 'libs', 'platform', 'src', 'index.js'));
  const problems = await checkDependencies(
    { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
    { databaseServerOnly: true },
  );
  if (problems.length) {
    for (const problem of problems) console.error(`\n✖ ${problem}`);
    process.exit(1);
  }
}

/** Creates the database if missing and runs every app's migrations. Returns what was applied. */
export async function migrateAll(databaseUrl, apps) {
  const require = createRequire(join(ROOT, 'package.json'));
  const { ensureDatabase, migrateAppSchema } = require(
    join(ROOT, 'dist', 'libs', 'persistence', 'src', 'index.js'),
  );
  if (await ensureDatabase(databaseUrl)) say(`created database ${redact(databaseUrl)}`);
  const applied = {};
  for (const app of apps) {
    const { buildDataSource, SCHEMA } = require(dataSourceOf(app));
    applied[app] = await migrateAppSchema(buildDataSource(databaseUrl), SCHEMA);
  }
  return applied;
}

/** Seeds the demo consortium (idempotent); demo clients and users only in demo mode. */
export async function seed(databaseUrl, demo) {
  const require = createRequire(join(ROOT, 'package.json'));
  const { buildDataSource } = require(dataSourceOf('gateway'));
  const { seedDemo } = require(join(ROOT, 'dist', 'apps', 'gateway', 'src', 'seed', 'seed.js'));
  const dataSource = buildDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    return await seedDemo(dataSource, { demo });
  } finally {
    await dataSource.destroy();
  }
}

/** Demo mode unless production or explicitly off, as the gateway decides it. */
export function demoMode(env = process.env) {
  if (env.DEMO_MODE) return ['true', '1', 'yes'].includes(env.DEMO_MODE);
  return env.NODE_ENV !== 'production';
}
