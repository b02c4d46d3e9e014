// Jest globalSetup of the integration and e2e projects: PostgreSQL and Redis answer, the test
// database exists, every app's migrations have run on it and the demo consortium is seeded (with
// the demo clients and users). Nothing is dropped, so it can run while a dev hub runs: the tests
// use their own database (TEST_DATABASE_URL) and Redis prefix (TEST_REDIS_PREFIX).
//
// The apps' TypeScript sources are loaded, not dist/: jest transforms what globalSetup requires
// (with @swc/jest), so the migrations that run are those of the working tree even without a build.
// Jest's moduleNameMapper does not apply here, so the @hub/* aliases are resolved below.
const Module = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = join(__dirname, '..', '..');
const APPS = ['gateway', 'lab-center', 'imaging-center', 'ecg-center', 'pathology-center'];

module.exports = async function globalSetup() {
  // The same defaults as `npm test`, for a bare `npx jest`.
  process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/hub_test';
  process.env.TEST_REDIS_PREFIX ||= 'hubtest';
  const url = process.env.TEST_DATABASE_URL;

  const services = await import(pathToFileURL(join(ROOT, 'scripts', 'lib', 'services.mjs')).href);
  const problems = await services.checkServices({
    databaseUrl: url,
    redisUrl: process.env.REDIS_URL || services.DEFAULT_REDIS_URL,
    databaseVariable: 'TEST_DATABASE_URL',
  });
  if (problems.length)
    throw new Error(
      `the integration and e2e tests need PostgreSQL and Redis:\n${problems.join('\n')}`,
    );

  const restore = resolveHubAliases();
  try {
    const { ensureDatabase, migrateAppSchema } = require(join(ROOT, 'libs', 'persistence', 'src'));
    await ensureDatabase(url);
    for (const app of APPS) {
      const { buildDataSource, SCHEMA } = require(join(ROOT, 'apps', app, 'src', 'data-source'));
      try {
        await migrateAppSchema(buildDataSource(url), SCHEMA);
      } catch (error) {
        error.message = `migrating ${app} (schema "${SCHEMA}") for the tests failed: ${error.message}`;
        throw error;
      }
    }
    const { buildDataSource } = require(join(ROOT, 'apps', 'gateway', 'src', 'data-source'));
    const { seedDemo } = require(join(ROOT, 'apps', 'gateway', 'src', 'seed', 'seed'));
    const dataSource = buildDataSource(url);
    await dataSource.initialize();
    try {
      await seedDemo(dataSource, { demo: true });
    } finally {
      await dataSource.destroy();
    }
  } finally {
    restore();
  }
};

/**
 * Resolves `@hub/<lib>` to `libs/<lib>/src` (as tsconfig's paths and jest's moduleNameMapper do)
 * while the set-up runs; returns a function that undoes it.
 */
function resolveHubAliases() {
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const alias = /^@hub\/([a-z][a-z0-9-]*)$/.exec(request);
    return original.call(this, alias ? join(ROOT, 'libs', alias[1], 'src') : request, ...rest);
  };
  return () => {
    Module._resolveFilename = original;
  };
}
