import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { redactUrl, redisOptions } from './config';

const installed = (binary: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const PG_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const REDIS_START =
  'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';

/**
 * Checks that PostgreSQL and Redis answer, so a missing service gives a clear message (which one,
 * where, how to start or install it) instead of a stack trace or endless reconnects. Returns one
 * message per problem; empty when both answer. The database itself need not exist yet
 * (`checkDatabaseServer` connects to `postgres`).
 */
export async function checkDependencies(
  config: { DATABASE_URL: string; REDIS_URL: string },
  options: { databaseServerOnly?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const target = new URL(config.DATABASE_URL);
  if (options.databaseServerOnly) target.pathname = '/postgres';
  const pg = new Client({ connectionString: target.toString(), connectionTimeoutMillis: 3000 });
  pg.on('error', () => undefined);
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    const how =
      existsSync('/etc/postgresql') || installed('pg_ctlcluster')
        ? `start it with: ${PG_START}`
        : `install and start it with: apt-get update && apt-get install -y postgresql && ${PG_START}`;
    problems.push(
      `PostgreSQL cannot be reached at ${redactUrl(config.DATABASE_URL)} (${(error as Error).message}); ${how}; or set DATABASE_URL`,
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis({
    ...redisOptions(config.REDIS_URL),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const how = installed('redis-server')
      ? `start it with: ${REDIS_START}`
      : `install and start it with: apt-get update && apt-get install -y redis-server && ${REDIS_START}`;
    problems.push(
      `Redis cannot be reached at ${redactUrl(config.REDIS_URL)} (${(cause ?? (error as Error)).message}); ${how}; or set REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
  return problems;
}
