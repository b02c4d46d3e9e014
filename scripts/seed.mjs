// npm run seed: seed the demo consortium (organisations, catalogue; demo clients and users in demo
// mode). Idempotent. Run `npm run migrate` first on a new database.
import { compiledFiles, demoMode, seedConsortium } from './lib/database.mjs';
import { fail, ok, runMain, say } from './lib/output.mjs';
import { buildIfMissing, installIfNeeded } from './lib/prepare.mjs';
import { DEFAULT_DATABASE_URL, checkPostgres, redactUrl } from './lib/services.mjs';

runMain(async () => {
  installIfNeeded();
  buildIfMissing(compiledFiles());
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  let demo;
  try {
    demo = demoMode();
  } catch (error) {
    fail(error.message);
  }
  const problem = await checkPostgres(databaseUrl);
  if (problem) fail(problem);
  say(
    `seeding ${redactUrl(databaseUrl)} (${demo ? 'demo mode: with demo clients and users' : 'no demo accounts'})`,
  );
  let created;
  try {
    ({ created } = await seedConsortium(databaseUrl, demo));
  } catch (error) {
    // 42P01: undefined table, i.e. the gateway's migrations have not run on this database.
    if (error.code === '42P01') fail(`${error.message}: run \`npm run migrate\` first`);
    throw error;
  }
  ok(
    created
      ? 'seeded the demo consortium'
      : 'the consortium was already seeded; nothing new to add',
  );
});
