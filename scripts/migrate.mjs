// npm run migrate: create the database if missing and run every app's pending migrations.
import { compiledFiles, describeMigrations, migrateAll } from './lib/database.mjs';
import { fail, ok, runMain, say } from './lib/output.mjs';
import { buildIfMissing, installIfNeeded } from './lib/prepare.mjs';
import { DEFAULT_DATABASE_URL, checkPostgres, redactUrl } from './lib/services.mjs';

runMain(async () => {
  installIfNeeded();
  buildIfMissing(compiledFiles());
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  // Migrations need PostgreSQL only; Redis may well be down.
  const problem = await checkPostgres(databaseUrl);
  if (problem) fail(problem);
  say(`migrating ${redactUrl(databaseUrl)}`);
  const result = await migrateAll(databaseUrl);
  if (result.created) ok(`created database ${redactUrl(databaseUrl)}`);
  for (const line of describeMigrations(result)) ok(line);
});
