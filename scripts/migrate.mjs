// npm run migrate: create the database if missing and run every app's pending migrations.
import { existsSync } from 'node:fs';
import { APPS, dataSourceOf } from './lib/apps.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  build,
  checkServices,
  installIfNeeded,
  migrateAll,
  say,
} from './lib/setup.mjs';

installIfNeeded();
if (!APPS.every((app) => existsSync(dataSourceOf(app.name)))) build();
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
await checkServices(databaseUrl, process.env.REDIS_URL || DEFAULT_REDIS_URL);
const applied = await migrateAll(
  databaseUrl,
  APPS.map((a) => a.name),
);
for (const [app, names] of Object.entries(applied))
  say(`${app}: ${names.length ? names.join(', ') : 'up to date'}`);
