// npm run seed: seed the demo consortium (organisations, catalogue; demo clients and users in demo mode).
import { existsSync } from 'node:fs';
import { dataSourceOf } from './lib/apps.mjs';
import { DEFAULT_DATABASE_URL, build, demoMode, installIfNeeded, say, seed } from './lib/setup.mjs';

installIfNeeded();
if (!existsSync(dataSourceOf('gateway'))) build();
const result = await seed(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, demoMode());
say(
  result.created
    ? 'seeded the demo consortium'
    : 'the consortium was already seeded; nothing changed',
);
