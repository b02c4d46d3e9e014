// The baselines every throughput figure is printed beside, measured in the same run on the same
// machine, because absolute figures on a shared machine drift: a bare NestJS HTTP echo (the
// gateway's framework and platform, nothing else), PostgreSQL's single-row INSERT+COMMIT rate and
// Redis's SET round-trip rate, each over N connections with one request outstanding per
// connection, for a fixed time.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import Redis from 'ioredis';
import { closedLoop, figures, openPool } from './http-load.mjs';
import { startEchoServer } from './processes.mjs';
import { percentile } from './report.mjs';

const NEST_ECHO = fileURLToPath(new URL('./nest-echo-server.mjs', import.meta.url));

/** A ServiceRequest-sized FHIR body (what the FHIR benchmark's clients send) for the HTTP echo. */
function defaultBody() {
  return JSON.stringify({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority: 'routine',
    identifier: [
      {
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }],
        },
        system: 'urn:hub:placer:CLINIC-A',
        value: 'BASELINE-0',
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
    subject: { identifier: { system: 'urn:oid:2.16.156.10011.1.3', value: '11010119500101000X' } },
    requester: { reference: 'Organization/clinic-a' },
  });
}

/**
 * The bare NestJS HTTP echo (bench/lib/nest-echo-server.mjs, its own process) loaded by
 * `connections` closed-loop clients for `seconds` with the same undici client the FHIR benchmark
 * uses; each answer must be 201 with the body back.
 */
export async function measureHttpEcho({ seconds, connections, body = defaultBody(), signal }) {
  const server = await startEchoServer(NEST_ECHO);
  const pool = openPool(server.port, connections);
  const expected = JSON.stringify(JSON.parse(body));
  try {
    const request = () => ({
      path: '/fhir/ServiceRequest',
      headers: { 'content-type': 'application/fhir+json' },
      body,
    });
    const judge = (status, text) =>
      status !== 201
        ? `HTTP ${status}`
        : text === expected
          ? undefined
          : 'the echo differs from the request';
    // A short warm-up: the JIT and the connections, as the hub gets.
    await closedLoop({
      pool,
      clients: connections,
      seconds: 1,
      makeRequest: request,
      judge,
      signal,
    });
    const phase = await closedLoop({
      pool,
      clients: connections,
      seconds,
      makeRequest: request,
      judge,
      signal,
    });
    return { phase, ...figures(phase) };
  } finally {
    await pool.destroy().catch(() => undefined);
    await server.stop();
  }
}

/** Runs `work(client)` on `connections` connections at once until `seconds` have passed. */
async function perConnection(connections, seconds, open, work, signal) {
  const clients = [];
  try {
    for (let i = 0; i < connections; i++) clients.push(await open());
    let count = 0;
    const latencies = [];
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < deadline && !signal?.aborted) {
          const sentAt = performance.now();
          await work(client, count++);
          latencies.push(performance.now() - sentAt);
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    const sorted = Float64Array.from(latencies).sort();
    return {
      count: latencies.length,
      perSecond: latencies.length / (elapsedMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/**
 * Single-row INSERT + COMMIT transactions on `connections` connections into a table of this run.
 * An ordinary (logged) table, not a TEMP one: a temporary table writes no WAL, so its COMMIT
 * would skip the flush to disk that every order the hub stores pays.
 */
export async function measurePostgres({ databaseUrl, seconds, connections, signal }) {
  const table = `bench_baseline_${process.pid}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
    const open = async () => {
      const client = new pg.Client({
        connectionString: databaseUrl,
        application_name: 'bench-baseline',
      });
      await client.connect();
      return { client, close: () => client.end() };
    };
    const insert = async ({ client }, n) => {
      await client.query('BEGIN');
      await client.query({
        name: 'bench-baseline-insert',
        text: `INSERT INTO ${table} (id, payload) VALUES ($1, $2)`,
        values: [n, `order ${n}`],
      });
      await client.query('COMMIT');
    };
    return await perConnection(connections, seconds, open, insert, signal);
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await admin.end();
  }
}

/** SET round trips (one outstanding per connection, no pipelining) on `connections` connections. */
export async function measureRedis({ redisUrl, seconds, connections, signal }) {
  const prefix = `bench${process.pid}:baseline:`;
  const open = async () => {
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableAutoPipelining: false,
    });
    await redis.connect();
    return { redis, close: () => redis.quit().catch(() => redis.disconnect()) };
  };
  // Each key expires on its own: a run cut short leaves nothing behind for long.
  const set = ({ redis }, n) => redis.set(`${prefix}${n % 1000}`, `order ${n}`, 'EX', 60);
  return perConnection(connections, seconds, open, set, signal);
}

/**
 * The three baselines, one after the other (each alone on the machine), over `connections`
 * connections (default 32, the FHIR benchmark's clients) for `seconds` each. `databaseUrl`: a
 * database the run may create a table in (dropped afterwards); `redisUrl`: keys go under
 * `bench<pid>:baseline:` and expire after 60 s.
 */
export async function measureBaselines({
  databaseUrl,
  redisUrl,
  seconds,
  connections = 32,
  body,
  signal,
}) {
  const http = await measureHttpEcho({ seconds, connections, body, signal });
  const postgres = await measurePostgres({ databaseUrl, seconds, connections, signal });
  const redis = await measureRedis({ redisUrl, seconds, connections, signal });
  return {
    http: {
      name: 'bare NestJS HTTP echo',
      perSecond: http.rate,
      p50Ms: http.p50,
      p99Ms: http.p99,
      errors: http.errors,
      problems: http.phase.problems,
    },
    postgres: {
      name: 'PostgreSQL INSERT+COMMIT',
      perSecond: postgres.perSecond,
      p50Ms: postgres.p50,
      p99Ms: postgres.p99,
    },
    redis: {
      name: 'Redis command (SET)',
      perSecond: redis.perSecond,
      p50Ms: redis.p50,
      p99Ms: redis.p99,
    },
  };
}
