// The FHIR order intake benchmark (`npm run bench` runs it first; `npm run bench:fhir` runs it
// alone). Measures the baselines first (a bare NestJS HTTP echo, PostgreSQL INSERT+COMMIT, Redis
// SET; bench/lib/baselines.mjs), then starts the hub (five compiled apps on a database and Redis
// prefix of their own), signs in as the clinic-a API client and posts orders to the gateway:
// (a) single ServiceRequests from N closed-loop clients, (b) transaction Bundles (Patient +
// ServiceRequests) the same way, (c) single ServiceRequests at fixed offered loads (open loop,
// latency from the scheduled send time). Prints orders/s and p50/p99 beside the baselines, checks
// that every order sent was stored exactly once, and writes its rows to .run/bench/fhir.json.
// Knobs: see bench/README.md or `npm run bench:fhir -- --help`.
import pg from 'pg';
import { APP_NAMES, entryOf } from '../scripts/lib/apps.mjs';
import { compiledFiles } from '../scripts/lib/database.mjs';
import { bold, complain, ok, runMain, say } from '../scripts/lib/output.mjs';
import { buildIfMissing } from '../scripts/lib/prepare.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  checkServices,
  redactUrl,
} from '../scripts/lib/services.mjs';
import { measureBaselines } from './lib/baselines.mjs';
import { clinicToken } from './lib/ecg-hub.mjs';
import { FHIR_KNOBS } from './lib/fhir-knobs.mjs';
import { bundleProblem, orderBundle, singleOrder, singleProblem } from './lib/fhir-orders.mjs';
import { MAX_BACKLOG_SECONDS, closedLoop, figures, openLoop, openPool } from './lib/http-load.mjs';
import { knobLines, readKnobs } from './lib/knobs.mjs';
import { lifecycle } from './lib/lifecycle.mjs';
import { cpuBusy, machineLine, percent } from './lib/machine.mjs';
import { launchHub } from './lib/processes.mjs';
import { formatTable, ms, ratio } from './lib/report.mjs';
import { resultRow, writeResults } from './lib/results.mjs';
import {
  createDatabase,
  databaseUrlFor,
  deleteRedisKeys,
  dropDatabase,
  settledOrderCount,
} from './lib/storage.mjs';

const HELP = `npm run bench:fhir [-- --clients N --seconds N --warmup-seconds N --rates R,R --bundle-orders N --baseline-seconds N]
(or node bench/fhir.mjs …)
${knobLines(FHIR_KNOBS)}
  DATABASE_URL (server only; the database is hub_bench_<pid>), REDIS_URL as for npm start`;

/** Issue 11's targets for FHIR order intake on a 2-core machine. */
const TARGET_RATE = 1000; // orders/s sustained with 32 concurrent clients
const TARGET_P99 = { rate: 300, ms: 50 }; // p99 at 300 orders/s offered

const count = (n) => n.toLocaleString('en-US');

const { signal, defer, cleanUp, checkpoint } = lifecycle(
  'stopping the apps and dropping the bench database',
);

function readConfig() {
  const knobs = readKnobs(FHIR_KNOBS, HELP);
  return {
    clients: knobs.clients,
    seconds: knobs.seconds,
    warmupSeconds: knobs['warmup-seconds'],
    rates: knobs.rates === '0' ? [] : knobs.rates.split(',').map(Number),
    bundleOrders: knobs['bundle-orders'],
    baselineSeconds: knobs['baseline-seconds'],
  };
}

/** Stored orders under `prefix`: all rows, and distinct placer numbers (a duplicate shows here). */
async function orderRows(url, prefix) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n, count(DISTINCT placer_value)::int AS distinct_placers
         FROM gateway.service_order WHERE placer_value LIKE $1`,
      [`${prefix}%`],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

runMain(async () => {
  const config = readConfig();
  buildIfMissing([...compiledFiles(), ...APP_NAMES.map(entryOf)]);

  const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const databaseUrl = databaseUrlFor(serverUrl, `hub_bench_${process.pid}`);
  const redisPrefix = `bench${process.pid}`;
  say(`checking PostgreSQL (${redactUrl(serverUrl)}) and Redis (${redactUrl(redisUrl)})`);
  const [problems, busyAtStart] = await Promise.all([
    checkServices({ databaseUrl: serverUrl, redisUrl }),
    cpuBusy(1000),
  ]);
  if (problems.length) {
    problems.forEach(complain);
    process.exit(1);
  }

  // Every order has its own placer number under this prefix, so the stored ones can be counted.
  const placerPrefix = `FHIRBENCH${process.pid}-`;
  let seq = 0;
  /** Orders sent in requests (answered or not), and those in requests answered right. */
  const orders = { sent: 0, answered: 0 };
  const single = () => {
    const n = seq++;
    orders.sent++;
    return { body: JSON.stringify(singleOrder(n, `${placerPrefix}${n}`)), orders: 1 };
  };
  const bundle = () => {
    const first = seq;
    const placers = Array.from({ length: config.bundleOrders }, () => `${placerPrefix}${seq++}`);
    orders.sent += placers.length;
    return {
      // The patient's number is the first order's: no other request uses it.
      body: JSON.stringify(orderBundle(first, placers)),
      orders: placers.length,
      entries: placers.length + 1,
    };
  };

  let baselines, warmup, singles, bundles, stored, hubDied;
  const offered = [];
  try {
    say(`creating ${redactUrl(databaseUrl)} (migrations and demo seed of dist/)`);
    defer(`dropping ${redactUrl(databaseUrl)}`, () => dropDatabase(databaseUrl));
    await createDatabase(databaseUrl);
    defer(`deleting Redis keys ${redisPrefix}:*`, () => deleteRedisKeys(redisUrl, redisPrefix));
    checkpoint();

    // Before the hub starts, so that each baseline has the machine to itself as the hub will.
    say(
      `baselines: bare NestJS HTTP echo, PostgreSQL INSERT+COMMIT, Redis SET; ` +
        `${config.clients} connections, ${config.baselineSeconds} s each`,
    );
    baselines = await measureBaselines({
      databaseUrl,
      redisUrl,
      seconds: config.baselineSeconds,
      connections: config.clients,
      body: JSON.stringify(singleOrder(0, `${placerPrefix}echo`)),
      signal,
    });
    checkpoint();

    say(`starting the hub (REDIS_PREFIX=${redisPrefix}) and waiting for /health`);
    const apps = await launchHub({
      databaseUrl,
      redisUrl,
      prefix: redisPrefix,
      env: { JWT_TTL_SECONDS: '86400' }, // a token lasts the whole run
    });
    defer('stopping the hub', apps.stop);
    await apps.ready(signal);
    checkpoint();
    const authorization = await clinicToken(`http://127.0.0.1:${apps.gatewayPort}`);
    const pool = openPool(apps.gatewayPort, config.clients);
    defer('closing the client connections', () => pool.destroy().catch(() => undefined));
    const headers = { authorization, 'content-type': 'application/fhir+json' };

    const post = (path, make) => () => ({ path, headers, ...make() });
    // A request answered right counts its orders as answered.
    const judgeSingle = (status, text, request) => {
      const wrong = singleProblem(status, text);
      if (!wrong) orders.answered += request.orders;
      return wrong;
    };
    const judgeBundle = (status, text, request) => {
      const wrong = bundleProblem(status, text, request.entries);
      if (!wrong) orders.answered += request.orders;
      return wrong;
    };
    const singleRequest = post('/fhir/ServiceRequest', single);

    const closed = { pool, clients: config.clients, signal };
    if (config.warmupSeconds) {
      say(`warm-up: single ServiceRequests, ${config.clients} clients, ${config.warmupSeconds} s`);
      warmup = await closedLoop({
        ...closed,
        seconds: config.warmupSeconds,
        makeRequest: singleRequest,
        judge: judgeSingle,
      });
      checkpoint();
    }
    say(`(a) single ServiceRequests, ${config.clients} clients, ${config.seconds} s`);
    singles = await closedLoop({
      ...closed,
      seconds: config.seconds,
      makeRequest: singleRequest,
      judge: judgeSingle,
    });
    checkpoint();
    say(
      `(b) transaction Bundles (Patient + ${config.bundleOrders} ServiceRequests), ` +
        `${config.clients} clients, ${config.seconds} s`,
    );
    bundles = await closedLoop({
      ...closed,
      seconds: config.seconds,
      makeRequest: post('/fhir', bundle),
      judge: judgeBundle,
    });
    checkpoint();
    for (const rate of config.rates) {
      say(`(c) single ServiceRequests offered at ${rate}/s for ${config.seconds} s (open loop)`);
      const phase = await openLoop({
        pool,
        rate,
        seconds: config.seconds,
        makeRequest: singleRequest,
        judge: judgeSingle,
        signal,
      });
      offered.push({ rate, phase });
      checkpoint();
    }

    stored = await settledOrderCount(databaseUrl, placerPrefix, orders.sent);
    stored = { ...(await orderRows(databaseUrl, placerPrefix)), settled: stored };
    const dead = apps.exited();
    if (dead) hubDied = `${dead.name} exited during the run\n${apps.describe()}`;
  } catch (error) {
    if (!signal.aborted) throw error; // after the clean-up below
  } finally {
    await cleanUp();
  }
  if (signal.aborted) process.exit(130);

  const http = baselines.http;
  const a = figures(singles);
  const b = figures(bundles);
  // Orders/s of the Bundle phase: each right answer stored `bundleOrders` orders.
  const bundleOrderRate = b.rate * config.bundleOrders;
  const c = offered.map(({ rate, phase }) => ({ ...figures(phase), offered: rate, phase }));

  console.log(
    `\n${bold('FHIR order intake benchmark')}: clinic-a (client credentials), ${config.clients} ` +
      `clients, ${config.seconds} s a phase after ${config.warmupSeconds} s warm-up; ` +
      `${machineLine(busyAtStart)}\n`,
  );
  if (busyAtStart > 0.25)
    complain(
      `the CPUs were ${percent(busyAtStart)} busy before the run: the figures are not those of a quiet machine`,
    );
  const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const rows = [
    [
      `bare NestJS HTTP echo (${config.clients} clients)`,
      '-',
      fixed(http.perSecond),
      fixed(http.perSecond),
      ms(http.p50Ms),
      ms(http.p99Ms),
      String(http.errors),
    ],
    [
      `(a) ServiceRequest (${config.clients} clients)`,
      count(a.requests),
      fixed(a.rate),
      fixed(a.rate),
      ms(a.p50),
      ms(a.p99),
      String(a.errors),
    ],
    [
      `(b) Bundle, ${config.bundleOrders} orders (${config.clients} clients)`,
      count(b.requests),
      fixed(b.rate),
      fixed(bundleOrderRate),
      ms(b.p50),
      ms(b.p99),
      String(b.errors),
    ],
    ...c.map((o) => [
      `(c) ServiceRequest offered ${o.offered}/s`,
      count(o.requests),
      fixed(o.rate),
      fixed(o.rate),
      ms(o.p50),
      ms(o.p99),
      String(o.errors),
    ]),
    [
      '(a) / HTTP echo',
      '',
      ratio(a.rate / http.perSecond),
      '',
      ratio(a.p50 / http.p50Ms),
      ratio(a.p99 / http.p99Ms),
      '',
    ],
  ];
  console.log(
    formatTable(
      ['target', 'requests', 'requests/s', 'orders/s', 'p50 ms', 'p99 ms', 'errors'],
      rows,
    ),
  );
  console.log(
    `(closed loop: each client sends, reads the whole answer, sends the next; open loop: requests ` +
      `sent on schedule over ${config.clients} connections whatever the answers do, latency from the ` +
      `SCHEDULED send time; requests/s and orders/s count right answers only)`,
  );
  console.log(
    `baselines, ${config.clients} connections, one request outstanding each: ` +
      `${baselines.postgres.name} ${fixed(baselines.postgres.perSecond)}/s ` +
      `(p50 ${ms(baselines.postgres.p50Ms)} ms), ${baselines.redis.name} ` +
      `${fixed(baselines.redis.perSecond)}/s (p50 ${ms(baselines.redis.p50Ms)} ms)\n`,
  );

  const rate = (value, unit = 'orders/s') => ({ value, unit });
  const beside = (base, unit) => ({ name: base.name, value: base.perSecond, unit });
  const closedBenchmark = `FHIR ServiceRequest (${config.clients} clients)`;
  const bundleBenchmark = `FHIR Bundle of ${config.bundleOrders} (${config.clients} clients)`;
  const resultRows = [
    ...['http', 'postgres', 'redis'].map((kind) =>
      resultRow({
        benchmark: closedBenchmark,
        figure: 'hub orders/s',
        ...rate(a.rate),
        baseline: beside(
          baselines[kind],
          { http: 'requests/s', postgres: 'commits/s' }[kind] ?? 'commands/s',
        ),
        target: kind === 'http' ? { op: '>=', value: TARGET_RATE, unit: 'orders/s' } : undefined,
      }),
    ),
    resultRow({
      benchmark: closedBenchmark,
      figure: 'hub p50',
      value: a.p50,
      unit: 'ms',
      baseline: { name: http.name, value: http.p50Ms, unit: 'ms' },
    }),
    resultRow({
      benchmark: closedBenchmark,
      figure: 'hub p99',
      value: a.p99,
      unit: 'ms',
      baseline: { name: http.name, value: http.p99Ms, unit: 'ms' },
    }),
    resultRow({
      benchmark: bundleBenchmark,
      figure: 'hub orders/s',
      ...rate(bundleOrderRate),
      baseline: beside(baselines.postgres, 'commits/s'),
      target: { op: '>=', value: TARGET_RATE, unit: 'orders/s' },
    }),
    resultRow({ benchmark: bundleBenchmark, figure: 'hub p50', value: b.p50, unit: 'ms' }),
    resultRow({ benchmark: bundleBenchmark, figure: 'hub p99', value: b.p99, unit: 'ms' }),
    ...c.flatMap((o) => {
      const benchmark = `FHIR ServiceRequest offered ${o.offered}/s`;
      // A phase that gave up measured only the requests it sent: its p99 understates the waiting.
      const gaveUp = o.phase.overloaded
        ? `, gave up after ${(o.phase.overloaded.afterMs / 1000).toFixed(1)} s`
        : '';
      return [
        resultRow({ benchmark, figure: `achieved orders/s${gaveUp}`, ...rate(o.rate) }),
        resultRow({ benchmark, figure: 'hub p50 (from schedule)', value: o.p50, unit: 'ms' }),
        resultRow({
          benchmark,
          figure: `hub p99 (from schedule${gaveUp})`,
          value: o.p99,
          unit: 'ms',
          target:
            o.offered === TARGET_P99.rate
              ? { op: '<=', value: TARGET_P99.ms, unit: 'ms' }
              : undefined,
          met: o.phase.overloaded && o.offered === TARGET_P99.rate ? false : undefined,
        }),
      ];
    }),
  ];
  writeResults({
    name: 'fhir',
    title: `FHIR intake: ${config.clients} clients, ${config.seconds} s phases, offered ${config.rates.join(', ') || 'none'} orders/s`,
    rows: resultRows,
  });

  let failed = false;
  const phases = [
    ['warm-up', warmup],
    ['(a) ServiceRequest', singles],
    ['(b) Bundle', bundles],
    ...offered.map(({ rate: r, phase }) => [`(c) offered ${r}/s`, phase]),
    ['HTTP echo baseline', { errors: http.errors, requests: NaN, problems: http.problems }],
  ];
  for (const [name, phase] of phases) {
    if (!phase?.errors) continue;
    failed = true;
    complain(`${name}: ${phase.errors} of ${phase.requests} requests failed:`);
    [...phase.problems.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .forEach(([text, n]) => console.error(`    ${n} × ${text}`));
  }
  for (const o of c) {
    if (o.phase.overloaded)
      complain(
        `(c) offered ${o.offered}/s: gave up after ${(o.phase.overloaded.afterMs / 1000).toFixed(1)} s with ` +
          `${count(o.phase.overloaded.pending)} requests unanswered (over ${MAX_BACKLOG_SECONDS} s of the ` +
          `offered load); ${count(o.phase.overloaded.unsent)} scheduled requests not sent: the hub cannot ` +
          `take this load, and the p99 of the requests sent understates the waiting`,
      );
    else if (o.phase.scheduleMs > config.seconds * 1000 * 1.05)
      complain(
        `(c) offered ${o.offered}/s: the client fell behind its schedule (${(o.phase.scheduleMs / 1000).toFixed(1)} s ` +
          `to send ${config.seconds} s of requests): the machine is too busy for this offered load`,
      );
  }

  // Every order sent must be stored exactly once; fewer means lost orders, whatever the answers said.
  const line =
    `orders: ${count(orders.sent)} sent (warm-up included), ${count(orders.answered)} answered ` +
    `created, ${count(stored.n)} stored in gateway.service_order`;
  if (
    stored.n === orders.sent &&
    orders.answered === orders.sent &&
    stored.distinct_placers === stored.n
  )
    ok(line);
  else {
    failed = true;
    const verdict =
      stored.distinct_placers !== stored.n
        ? `${stored.n - stored.distinct_placers} placer numbers stored MORE THAN ONCE`
        : stored.n < orders.answered
          ? `${orders.answered - stored.n} orders answered created but LOST`
          : stored.n > orders.sent
            ? `${stored.n - orders.sent} more stored than sent`
            : 'not every order was answered created (see above)';
    complain(`${line}: ${verdict}`);
  }

  const targets = [
    `≥ ${count(TARGET_RATE)} orders/s with 32 clients: (a) ${fixed(a.rate)} orders/s` +
      `${config.clients === 32 ? '' : ` (with ${config.clients} clients)`}, ` +
      `${a.rate >= TARGET_RATE ? 'met' : 'NOT met'}`,
  ];
  const at300 = c.find((o) => o.offered === TARGET_P99.rate);
  targets.push(
    at300
      ? `p99 ≤ ${TARGET_P99.ms} ms at ${TARGET_P99.rate} orders/s: ${ms(at300.p99)} ms` +
          `${at300.phase.overloaded ? ' (gave up: overloaded)' : ''}, ` +
          `${!at300.phase.overloaded && at300.p99 <= TARGET_P99.ms ? 'met' : 'NOT met'}`
      : `p99 ≤ ${TARGET_P99.ms} ms at ${TARGET_P99.rate} orders/s: not measured (--rates has no ${TARGET_P99.rate})`,
  );
  const allMet =
    a.rate >= TARGET_RATE && at300 && !at300.phase.overloaded && at300.p99 <= TARGET_P99.ms;
  (allMet ? ok : complain)(`issue 11 targets: ${targets.join('; ')}`);
  if (hubDied) {
    failed = true;
    complain(hubDied);
  }
  if (failed) process.exit(1);
});
