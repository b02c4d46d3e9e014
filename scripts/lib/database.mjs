// Database steps on the compiled apps (dist/): create the database, run each app's migrations in its
// own schema, seed the demo consortium. The migrations are the apps' own, so what runs here is
// exactly what the apps expect.
import { createRequire } from 'node:module';
import { APP_NAMES, dataSourceOf, persistenceLib, seedModule } from './apps.mjs';
import { redactUrl } from './services.mjs';

const require = createRequire(import.meta.url);

/** The dist/ files these steps load, so a caller can build first when one is missing. */
export const compiledFiles = () => [
  persistenceLib(),
  seedModule(),
  ...APP_NAMES.map((app) => dataSourceOf(app)),
];

/**
 * Creates the database if missing and runs every app's pending migrations.
 * Returns whether the database was created and, per app, the migrations applied.
 */
export async function migrateAll(databaseUrl, apps = APP_NAMES) {
  const { ensureDatabase, migrateAppSchema } = require(persistenceLib());
  const created = await ensureDatabase(databaseUrl);
  const applied = [];
  for (const app of apps) {
    const { buildDataSource, SCHEMA } = require(dataSourceOf(app));
    try {
      applied.push({
        app,
        schema: SCHEMA,
        names: await migrateAppSchema(buildDataSource(databaseUrl), SCHEMA),
      });
    } catch (error) {
      error.message = `migrating ${app} (schema "${SCHEMA}") on ${redactUrl(databaseUrl)} failed: ${error.message}`;
      throw error;
    }
  }
  return { created, applied };
}

/** Seeds the demo consortium (idempotent); the demo clients and users only when `demo`. */
export async function seedConsortium(databaseUrl, demo) {
  const { buildDataSource } = require(dataSourceOf('gateway'));
  const { seedDemo } = require(seedModule());
  const dataSource = buildDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    return await seedDemo(dataSource, { demo });
  } finally {
    await dataSource.destroy();
  }
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/**
 * Demo mode as the gateway decides it: on unless NODE_ENV=production, DEMO_MODE overrides, and
 * demo accounts are refused in production (the gateway would refuse to start).
 * @throws Error naming DEMO_MODE when its value is not a boolean or contradicts production.
 */
export function demoMode(env = process.env) {
  const production = env.NODE_ENV === 'production';
  const value = env.DEMO_MODE?.trim().toLowerCase();
  if (!value) return !production;
  if (![...TRUE, ...FALSE].includes(value))
    throw new Error(`DEMO_MODE must be true or false (or 1/0, yes/no), got "${env.DEMO_MODE}"`);
  const demo = TRUE.includes(value);
  if (demo && production) throw new Error('DEMO_MODE=true cannot be used with NODE_ENV=production');
  return demo;
}

/** The demo accounts to print: from the seed module when it exports them, else the documented set. */
export function demoAccounts() {
  let seed = {};
  try {
    seed = require(seedModule());
  } catch {
    // printing credentials must not fail the start; fall back to the documented accounts
  }
  return {
    clients: seed.demoClients?.map(({ clientId, secret }) => ({ clientId, secret })) ?? [
      { clientId: 'clinic-a', secret: 'clinic-a-secret' },
      { clientId: 'clinic-b', secret: 'clinic-b-secret' },
    ],
    users: seed.demoUsers?.map(({ username }) => username) ?? [
      'radiologist',
      'cardiologist',
      'labtech',
      'labdoc',
      'pathologist',
      'clinic-a-doctor',
      'itops',
      'admin',
    ],
    password: seed.DEMO_PASSWORD ?? 'demo-password',
  };
}

/** One line per app for the console: what was applied, or that it was up to date. */
export function describeMigrations({ applied }) {
  return applied.map(({ app, schema, names }) =>
    names.length
      ? `${app} (schema ${schema}): applied ${names.join(', ')}`
      : `${app} (schema ${schema}): up to date`,
  );
}
