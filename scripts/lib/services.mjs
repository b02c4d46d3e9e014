// Are PostgreSQL and Redis reachable? If not, say which, where, and how to start (or install) it.
// Shared by the npm scripts and the jest global set-up. `pg` and `ioredis` are imported inside the
// functions: the scripts import this module before they know node_modules is there.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const TIMEOUT_MS = 3000;

// The commands of ENVIRONMENT.md, so the message can be pasted as is.
const PG_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const PG_INSTALL = 'apt-get update && apt-get install -y postgresql';
const REDIS_START =
  'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';
const REDIS_INSTALL = 'apt-get update && apt-get install -y redis-server';

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a valid URL)';
  }
}

function onPath(binary) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const listDir = (dir) => (existsSync(dir) ? readdirSync(dir) : []);
const isLocal = (url) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname);

/** Rejects after `ms` with "timed out": a server that accepts but never answers must not hang us. */
function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What to do about a PostgreSQL that does not answer: lines for the message. */
function howToStartPostgres(url, variable) {
  if (!isLocal(url)) return ['check that the server is up and reachable from here'];
  const versions = listDir('/etc/postgresql');
  const installed = listDir('/usr/lib/postgresql');
  const how =
    onPath('pg_ctlcluster') && versions.length
      ? `start it:  ${PG_START}`
      : onPath('pg_ctlcluster') && installed.length
        ? `it is installed but has no cluster; create and start one:  pg_createcluster --start ${installed.sort().at(-1)} main`
        : `it is not installed; install and start it:  ${PG_INSTALL} && ${PG_START}`;
  return [how, ...portNote(url, 5432, variable)];
}

function howToStartRedis(url, variable) {
  if (!isLocal(url)) return ['check that the server is up and reachable from here'];
  const how = onPath('redis-server')
    ? `start it:  ${REDIS_START}`
    : `it is not installed; install and start it:  ${REDIS_INSTALL} && ${REDIS_START}`;
  return [how, ...portNote(url, 6379, variable)];
}

/** The start commands use the standard port; say so when the URL names another. */
function portNote(url, standard, variable) {
  const port = Number(new URL(url).port || standard);
  return port === standard ? [] : [`(that listens on port ${standard}; ${variable} says ${port})`];
}

/** One headline and indented lines of advice. */
const message = (headline, advice) => [headline, ...advice.map((line) => `    ${line}`)].join('\n');

/** undefined when PostgreSQL answers at `url`, else a message saying what to do. */
export async function checkPostgres(url, variable = 'DATABASE_URL') {
  const where = `PostgreSQL at ${redactUrl(url)} (${variable})`;
  if (!/^postgres(ql)?:$/.test(safeProtocol(url)))
    return `${variable} must be a postgres:// URL, got ${redactUrl(url)}`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined); // a late socket error must not crash the script
  try {
    await withTimeout(
      client.connect().then(() => client.query('SELECT 1')),
      TIMEOUT_MS + 500,
    );
    return undefined;
  } catch (error) {
    // The database itself may not exist yet: the server answered, and ensureDatabase creates it.
    if (error.code === '3D000') return undefined;
    if (error.code === '28P01' || error.code === '28000')
      return message(`${where} refused the login: ${error.message}`, [
        'allow trust authentication for 127.0.0.1 in pg_hba.conf,',
        `or put the right user and password in ${variable}`,
      ]);
    const reason = error.code && !UNREACHABLE.has(error.code) ? error.message : describe(error);
    return message(`${where} cannot be reached: ${reason}`, [
      ...howToStartPostgres(url, variable),
      `or point ${variable} at a running server`,
    ]);
  } finally {
    client.end().catch(() => undefined);
  }
}

/** undefined when Redis answers PING at `url`, else a message saying what to do. */
export async function checkRedis(url, variable = 'REDIS_URL') {
  const where = `Redis at ${redactUrl(url)} (${variable})`;
  if (!/^rediss?:$/.test(safeProtocol(url)))
    return `${variable} must be a redis:// URL, got ${redactUrl(url)}`;
  const { default: Redis } = await import('ioredis');
  let lastError;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt: we only want to know whether it answers
  });
  redis.on('error', (error) => (lastError ??= error));
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      TIMEOUT_MS + 500,
    );
    return undefined;
  } catch (error) {
    const cause = lastError ?? error;
    if (/NOAUTH|WRONGPASS|invalid password/i.test(cause.message))
      return message(`${where} refused the login: ${cause.message}`, [
        `put the right password in ${variable}`,
      ]);
    return message(`${where} cannot be reached: ${describe(cause)}`, [
      ...howToStartRedis(url, variable),
      `or point ${variable} at a running server`,
    ]);
  } finally {
    redis.disconnect();
  }
}

/**
 * Checks both; returns one message per problem (empty when both answer). The names of the
 * variables go into the messages, so the tests can say TEST_DATABASE_URL.
 */
export async function checkServices({
  databaseUrl,
  redisUrl,
  databaseVariable = 'DATABASE_URL',
  redisVariable = 'REDIS_URL',
}) {
  const problems = await Promise.all([
    checkPostgres(databaseUrl, databaseVariable),
    checkRedis(redisUrl, redisVariable),
  ]);
  return problems.filter(Boolean);
}

/** Whether the e2e tests can start their private Redis, and if not how to get the binary. */
export function redisServerBinaryProblem() {
  return onPath('redis-server')
    ? undefined
    : `redis-server is not on PATH: the e2e tests start a private one. Install it:  ${REDIS_INSTALL}`;
}

function safeProtocol(url) {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

function describe(error) {
  // AggregateError (IPv4 + IPv6 both refused) carries the useful text in its parts.
  if (error.errors?.length) return error.errors.map((e) => e.message).join('; ');
  return error.message || error.code || String(error);
}
