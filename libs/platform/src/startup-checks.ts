import Redis from 'ioredis';
import { Client } from 'pg';
import { redactUrl, redisOptions } from './config';

const START_HINTS = {
  postgres:
    'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis:
    'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
};

/**
 * Checks PostgreSQL and Redis before the app starts, so a missing service gives one clear line
 * (which one, where, how to start it) instead of a stack trace or endless reconnects.
 * Returns the problem, or undefined when both answer.
 */
export async function checkDependencies(config: {
  DATABASE_URL: string;
  REDIS_URL: string;
}): Promise<string | undefined> {
  const pg = new Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    return `PostgreSQL cannot be reached at ${redactUrl(config.DATABASE_URL)} (${(error as Error).message}); ${START_HINTS.postgres}`;
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
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis cannot be reached at ${redactUrl(config.REDIS_URL)} (${(error as Error).message}); ${START_HINTS.redis}`;
  } finally {
    redis.disconnect();
  }
  return undefined;
}
