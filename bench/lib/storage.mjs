// The benchmark's own database and Redis keys: created, migrated and seeded with the compiled hub
// exactly as `npm start` and the e2e harness do, and removed afterwards.
import pg from 'pg';
import Redis from 'ioredis';
import { migrateAll, seedConsortium } from '../../scripts/lib/database.mjs';

/** `serverUrl` with its database replaced by `name`. */
export function databaseUrlFor(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops the database of `url` if it exists (FORCE: apps that died may have left connections). */
export async function dropDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  await withClient(databaseUrlFor(url, 'postgres'), (client) =>
    client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
}

/** A fresh database at `url`: created, every app's migrations run, the demo consortium seeded. */
export async function createDatabase(url) {
  await dropDatabase(url);
  await migrateAll(url);
  await seedConsortium(url, true); // demo: CLINIC-A is a member facility
}

/** How many orders the gateway stored whose placer number starts with `prefix`. */
function countOrders(url, prefix) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM gateway.service_order WHERE placer_value LIKE $1`,
      [`${prefix}%`],
    );
    return rows[0].n;
  });
}

/**
 * The orders stored under `prefix` once the gateway is done: at once when all `expected` are there,
 * else when the count has not moved for 2 s (a message whose ACK timed out may still be committing).
 */
export async function settledOrderCount(url, prefix, expected) {
  let last = await countOrders(url, prefix);
  let since = Date.now();
  const deadline = Date.now() + 30_000;
  while (last < expected && Date.now() - since < 2000 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await countOrders(url, prefix);
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return last;
}

/** Deletes every Redis key under `prefix:` (queues and rate limits of the benchmark's hub). */
export async function deleteRedisKeys(url, prefix) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined); // reported by the failing command below
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** What the hub's imaging archive holds: instances indexed, their bytes, and the database's size. */
export function archiveCounts(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT count(*)::int AS instances, coalesce(sum(size_bytes), 0)::bigint AS bytes,
              pg_database_size(current_database())::bigint AS database_bytes
         FROM imaging.instance`,
    );
    return {
      instances: rows[0].instances,
      bytes: Number(rows[0].bytes),
      databaseBytes: Number(rows[0].database_bytes),
    };
  });
}
