// Jest globalSetup for the integration and e2e projects: the test database exists, every app's
// migrations have run on it (the real migrations, from the compiled apps: `npm test` builds first)
// and the demo consortium is seeded. It never drops anything, so it can run beside a dev hub.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const APPS = ['gateway', 'lab-center', 'imaging-center', 'ecg-center', 'pathology-center'];

module.exports = async () => {
  const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/hub_test';
  const compiled = (app) => join(ROOT, 'dist', 'apps', app, 'src', 'data-source.js');
  const missing = APPS.filter((app) => !existsSync(compiled(app)));
  if (missing.length)
    throw new Error(
      `dist/ is missing ${missing.join(', ')}: run "npm run build" first (npm test does it)`,
    );
  const { ensureDatabase, migrateAppSchema } = require(
    join(ROOT, 'dist', 'libs', 'persistence', 'src', 'index.js'),
  );
  try {
    await ensureDatabase(url);
  } catch (error) {
    throw new Error(`PostgreSQL cannot be reached for the tests at ${url}: ${error.message}`);
  }
  for (const app of APPS) {
    const { buildDataSource, SCHEMA } = require(compiled(app));
    await migrateAppSchema(buildDataSource(url), SCHEMA);
  }
  const { buildDataSource } = require(compiled('gateway'));
  const { seedDemo } = require(join(ROOT, 'dist', 'apps', 'gateway', 'src', 'seed', 'seed.js'));
  const dataSource = buildDataSource(url);
  await dataSource.initialize();
  try {
    await seedDemo(dataSource, { demo: true });
  } finally {
    await dataSource.destroy();
  }
};
