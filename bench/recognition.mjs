// The recognition benchmark (`npm run bench` runs it after the ECG one; `npm run bench:recognition`
// runs it alone). Generates 1,000,000 patients and 10,000,000 lab Observations (in 4,000,000
// DiagnosticReports) inside PostgreSQL, rows as the gateway writes them, then measures the mutual
// recognition check `POST /fhir/ServiceRequest/$recognition-check` on the gateway with N clients
// over a mix of patients and items, next to two baselines measured in the same run: a bare Express
// server answering the same requests (what HTTP and the framework cost) and the check's prior-report
// query run directly with `pg` (what the database costs). Prints requests/s, latency p50/p95/p99,
// the ratios, the query's plan, and whether issue 11's target (p99 ≤ 10 ms) is met.
// Knobs: see bench/README.md or `npm run bench:recognition -- --help`.
import { statfsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { APP_NAMES, entryOf } from '../scripts/lib/apps.mjs';
import { compiledFiles, migrateAll } from '../scripts/lib/database.mjs';
import { bold, complain, ok, runMain, say } from '../scripts/lib/output.mjs';
import { buildIfMissing } from '../scripts/lib/prepare.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  checkServices,
  redactUrl,
} from '../scripts/lib/services.mjs';
import { clinicToken } from './lib/ecg-hub.mjs';
import { knobLines, readKnobs } from './lib/knobs.mjs';
import { lifecycle } from './lib/lifecycle.mjs';
import { busySince, cpuBusy, cpuSnapshot, machineLine, percent } from './lib/machine.mjs';
import { launchHub, startEchoServer } from './lib/processes.mjs';
import {
  PANEL,
  consortiumLibFile,
  generate,
  readGeneration,
  reportsFor,
} from './lib/recognition-data.mjs';
import { RECOGNITION_KNOBS } from './lib/recognition-knobs.mjs';
import {
  explainPriorQuery,
  judgeEcho,
  judgeHub,
  planChecks,
  runChecks,
  runPriorQueries,
  samplePools,
} from './lib/recognition-load.mjs';
import { formatTable, ms, percentile, ratio } from './lib/report.mjs';
import { resultRow, writeResults } from './lib/results.mjs';
import { createDatabase, databaseUrlFor, deleteRedisKeys, dropDatabase } from './lib/storage.mjs';

const HELP = `npm run bench:recognition [-- --patients N --observations N --checks N --warmup-checks N --clients N --history 0|1 --database NAME]
(npm run bench runs it after the ECG benchmark and takes the same flags)
${knobLines(RECOGNITION_KNOBS)}
  --database: generate into this database and keep it; a later run with the same name, patients,
  observations and history reuses it instead of generating again (generating 1M/10M takes ~30 min)
  DATABASE_URL (server only; without --database the database is hub_bench_<pid>), REDIS_URL as for npm start`;

/** Issue 11's target for the check at 1M patients / 10M observations. */
const TARGET_P99_MS = 10;
const TARGET_SIZE = { patients: 1_000_000, observations: 10_000_000 };
/** Disk a generation takes, measured on PostgreSQL 15 (with the search index and PKs). */
const BYTES_PER_OBSERVATION = { 0: 5_600, 1: 8_100 };
const count = (n) => n.toLocaleString('en-US');
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const gigabytes = (bytes) => `${(bytes / 1e9).toFixed(1)} GB`;

const { signal, defer, cleanUp, checkpoint } = lifecycle(
  'stopping the apps and dropping the bench database',
);

/** Figures of one phase: requests/s and latency p50/p95/p99 (ms). */
function figures(name, clients, run) {
  const sorted = Float64Array.from(run.latencies).sort();
  return {
    name,
    clients,
    run,
    busy: run.busy,
    rate: run.ok / (run.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

function resultTable(rows, ratios) {
  return formatTable(
    [
      'target',
      'clients',
      'requests',
      'seconds',
      'requests/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'CPUs busy',
    ],
    [
      ...rows.map((t) => [
        t.name,
        String(t.clients),
        count(t.run.requests),
        fixed(t.run.elapsedMs / 1000, 1),
        fixed(t.rate, 0),
        ms(t.p50),
        ms(t.p95),
        ms(t.p99),
        String(t.run.errors),
        percent(t.busy),
      ]),
      ...ratios.map(([label, hub, base]) => [
        label,
        '',
        '',
        '',
        ratio(hub.rate / base.rate),
        ratio(hub.p50 / base.p50),
        ratio(hub.p95 / base.p95),
        ratio(hub.p99 / base.p99),
        '',
        '',
      ]),
    ],
  );
}

/** Free bytes where the PostgreSQL server keeps its data, when it is on this machine. */
async function serverFreeBytes(serverUrl) {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(serverUrl).hostname)) return undefined;
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query(`SHOW data_directory`);
    const { bavail, bsize } = statfsSync(rows[0].data_directory);
    return { directory: rows[0].data_directory, free: bavail * bsize };
  } catch {
    return undefined; // another machine, or not allowed to say: no check
  } finally {
    await client.end();
  }
}

/** The generated data to measure on: reused when `--database` holds the same, else generated. */
async function prepareData({ knobs, serverUrl, databaseUrl, keep }) {
  const wanted = {
    patients: knobs.patients,
    observations: knobs.observations,
    history: Boolean(knobs.history),
  };
  if (keep) {
    const found = await readGeneration(databaseUrl);
    if (
      found &&
      found.patients === wanted.patients &&
      found.observations >= wanted.observations &&
      found.observations < wanted.observations + 3 &&
      found.history === wanted.history
    ) {
      // Migrations written since (e.g. a new index) are applied, as `npm start` would.
      const { applied } = await migrateAll(databaseUrl);
      const names = applied.flatMap((app) => app.names);
      say(
        `reusing ${redactUrl(databaseUrl)}: generated ${found.generatedAt}` +
          (names.length ? `; applied ${names.join(', ')}` : ''),
      );
      return { ...found, reused: true };
    }
    if (found)
      say(
        `${redactUrl(databaseUrl)} holds ${count(found.patients)} patients / ` +
          `${count(found.observations)} observations: generating it again`,
      );
  }
  const need = knobs.observations * BYTES_PER_OBSERVATION[knobs.history];
  const disk = await serverFreeBytes(serverUrl);
  if (disk && disk.free < need * 1.15)
    throw new Error(
      `the generation needs about ${gigabytes(need)} (and room to build indexes) where PostgreSQL ` +
        `keeps its data (${disk.directory}), which has ${gigabytes(disk.free)} free; ` +
        'lower --observations (and --patients)' +
        (knobs.history ? ', or leave out the history with --history 0' : ''),
    );
  say(
    `creating ${redactUrl(databaseUrl)} (migrations and demo seed of dist/) and generating ` +
      `${count(knobs.patients)} patients, ${count(reportsFor(knobs.observations))} reports, ` +
      `${count(knobs.observations)} observations (about ${gigabytes(need)}` +
      `${disk ? ` of ${gigabytes(disk.free)} free` : ''})`,
  );
  await createDatabase(databaseUrl);
  checkpoint();
  const generation = await generate(databaseUrl, {
    patients: knobs.patients,
    observations: knobs.observations,
    history: knobs.history === 1,
    say,
    signal,
  });
  return { ...generation, reused: false };
}

function describeData(data) {
  const s = data.seconds;
  const total = s.prepare + s.load + s.indexes + s.vacuum + s.count;
  return (
    `${count(data.patients)} patients, ${count(data.reports)} DiagnosticReports, ` +
    `${count(data.observations)} Observations${data.history ? '' : ' (no fhir_resource_history rows)'}; ` +
    `database ${gigabytes(data.databaseBytes)}; generated in ${fixed(total / 60, 1)} min ` +
    `(rows ${fixed(s.load / 60, 1)} min, indexes ${fixed(s.indexes / 60, 1)} min, ` +
    `VACUUM ANALYZE ${fixed(s.vacuum / 60, 1)} min)${data.reused ? `, reused from ${data.generatedAt}` : ''}`
  );
}

/** Runs a phase and adds how busy all CPUs were during it (by anything: the hub, the client, others). */
async function timed(phase, options) {
  const before = cpuSnapshot();
  const result = await phase(options);
  return { ...result, busy: busySince(before) };
}

function outcomeLine(run) {
  const total = [...run.outcomes.values()].reduce((a, b) => a + b, 0);
  return [...run.outcomes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${fixed((100 * n) / total, 1)} %`)
    .join(', ');
}

runMain(async () => {
  const knobs = readKnobs(RECOGNITION_KNOBS, HELP);
  buildIfMissing([...compiledFiles(), ...APP_NAMES.map(entryOf), consortiumLibFile()]);

  const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const keep = knobs.database !== '';
  const databaseUrl = databaseUrlFor(serverUrl, keep ? knobs.database : `hub_bench_${process.pid}`);
  const redisPrefix = `bench${process.pid}`;
  say(`checking PostgreSQL (${redactUrl(serverUrl)}) and Redis (${redactUrl(redisUrl)})`);
  const problems = await checkServices({ databaseUrl: serverUrl, redisUrl });
  if (problems.length) {
    problems.forEach(complain);
    process.exit(1);
  }

  const clients = knobs.clients;
  const measured = knobs.checks;
  let data, busyAtStart, plan, echo, hubOne, hubMany, sql, hubDied, hubLog, pools;
  try {
    if (!keep) defer(`dropping ${redactUrl(databaseUrl)}`, () => dropDatabase(databaseUrl));
    data = await prepareData({ knobs, serverUrl, databaseUrl, keep });
    checkpoint();

    // The generation loads the CPUs: say how busy they are from here on.
    busyAtStart = await cpuBusy(1000);
    pools = await samplePools(databaseUrl);
    if (!pools.known.length) throw new Error('the generated database has no patients to ask about');
    const warmup = planChecks(pools, knobs['warmup-checks'], 1);
    // Each phase has checks of its own, so no phase finds the pages of another's patients cached.
    const echoChecks = planChecks(pools, measured, 2);
    const manyChecks = planChecks(pools, measured, 3);
    const oneChecks = planChecks(pools, measured, 4);
    const sqlChecks = planChecks(pools, measured, 5);
    checkpoint();

    say(`HTTP baseline: bare Express echo server, ${count(measured)} requests, ${clients} clients`);
    const echoServer = await startEchoServer(
      fileURLToPath(new URL('./lib/recognition-echo-server.mjs', import.meta.url)),
    );
    defer('stopping the echo server', echoServer.stop);
    const echoHeaders = { 'content-type': 'application/fhir+json' };
    await runChecks({
      port: echoServer.port,
      checks: warmup,
      clients,
      headers: echoHeaders,
      judge: judgeEcho,
      signal,
    });
    echo = await timed(runChecks, {
      port: echoServer.port,
      checks: echoChecks,
      clients,
      headers: echoHeaders,
      judge: judgeEcho,
      signal,
    });
    checkpoint();
    await echoServer.stop(); // not running beside the hub

    defer(`deleting Redis keys ${redisPrefix}:*`, () => deleteRedisKeys(redisUrl, redisPrefix));
    say(`starting the hub (REDIS_PREFIX=${redisPrefix}) and waiting for /health`);
    const apps = await launchHub({
      databaseUrl,
      redisUrl,
      prefix: redisPrefix,
      env: { JWT_TTL_SECONDS: '86400' },
    });
    defer('stopping the hub', apps.stop);
    await apps.ready(signal);
    checkpoint();
    const headers = {
      authorization: await clinicToken(`http://127.0.0.1:${apps.gatewayPort}`),
      'content-type': 'application/fhir+json',
    };
    const hubRun = (checks, n) =>
      timed(runChecks, {
        port: apps.gatewayPort,
        checks,
        clients: n,
        headers,
        judge: judgeHub,
        signal,
      });
    say(`hub: ${count(warmup.length)} warm-up checks, ${clients} clients (not counted)`);
    await hubRun(warmup, clients);
    checkpoint();
    say(`hub: ${count(measured)} checks, ${clients} clients`);
    hubMany = await hubRun(manyChecks, clients);
    checkpoint();
    say(`hub: ${count(measured)} checks, 1 client`);
    hubOne = await hubRun(oneChecks, 1);
    checkpoint();
    const dead = apps.exited();
    if (dead) hubDied = `${dead.name} exited during the run\n${apps.describe()}`;
    else if (hubMany.errors || hubOne.errors) hubLog = apps.describe();
    await apps.stop(); // the SQL baseline runs alone

    const queries = sqlChecks.reduce((sum, check) => sum + check.queries.length, 0);
    say(
      `SQL baseline: the prior-report query with pg, ${count(queries)} queries, ${clients} clients`,
    );
    sql = await timed(runPriorQueries, { url: databaseUrl, checks: sqlChecks, clients, signal });
    checkpoint();
    const typical = pools.recent.find((row) => row.code === PANEL) ?? pools.recent[0];
    if (typical)
      plan = await explainPriorQuery(databaseUrl, [
        typical.patient_id,
        'http://loinc.org',
        typical.code,
      ]);
  } catch (error) {
    if (!signal.aborted) throw error; // after the clean-up below
  } finally {
    await cleanUp();
  }
  if (signal.aborted) process.exit(130);

  const rows = [
    figures('HTTP echo (bare Express)', clients, echo),
    figures('hub (1 client)', 1, hubOne),
    figures(`hub (${clients} clients)`, clients, hubMany),
    figures('SQL prior-report query (pg)', clients, sql),
  ];
  const [echoRow, oneRow, manyRow, sqlRow] = rows;
  console.log(
    `\n${bold('Recognition check benchmark')}: POST /fhir/ServiceRequest/$recognition-check as ` +
      `clinic-a; ${describeData(data)}; ${machineLine(busyAtStart)}\n`,
  );
  if (busyAtStart > 0.25)
    complain(
      `the CPUs were ${percent(busyAtStart)} busy before the measurements: the figures are not those of a quiet machine`,
    );
  console.log(
    resultTable(rows, [
      [`hub / HTTP echo (${clients} clients)`, manyRow, echoRow],
      [`hub / SQL query (${clients} clients)`, manyRow, sqlRow],
    ]),
  );
  console.log(
    `(CPUs busy: all ${cpus().length} CPUs, by anything, during the phase; at 1 client the hub and ` +
      `PostgreSQL keep about one CPU busy, so much more than ${percent(1 / cpus().length)} there ` +
      'means other work was running)',
  );
  console.log(
    `(latency: from sending a request to having read the whole answer; SQL: per query, ` +
      `${fixed(sql.rows / Math.max(1, sql.ok), 1)} reports a query; each phase ${count(measured)} ` +
      `checks of its own drawn from the same mix, after ${count(knobs['warmup-checks'])} warm-up checks)`,
  );
  console.log(
    'mix: 30 % a patient with a result of the item in the last 6 days (+0–2 items), 50 % a patient ' +
      'at random by 居民身份证号 or MRN (1–3 items), 10 % an unknown patient, 10 % a pathology item ' +
      '(not recognized); items: CBC, K, glucose, HbA1c, creatinine, ALT, sodium (never generated)',
  );
  console.log(`answers (${clients} clients): ${outcomeLine(hubMany)}\n`);
  if (plan) {
    console.log(
      'EXPLAIN (ANALYZE, BUFFERS) of the prior-report query, a patient with a recent CBC:',
    );
    plan.forEach((line) => console.log(`  ${line}`));
    console.log('');
  }

  let failed = false;
  for (const { name, run } of rows) {
    if (run.requests < (name.startsWith('SQL') ? 1 : measured)) {
      failed = true;
      complain(`${name}: stopped after ${count(run.requests)} requests`);
    }
    if (run.errors) {
      failed = true;
      complain(`${name}: ${run.errors} of ${run.requests} failed:`);
      [...run.problems.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .forEach(([text, n]) => console.error(`    ${n} × ${text}`));
    }
  }
  if (hubLog) console.error(`\nthe apps' last lines (LOG_LEVEL=warn):\n${hubLog}`);
  if (hubDied) {
    failed = true;
    complain(hubDied);
  }

  const atSize =
    data.patients >= TARGET_SIZE.patients && data.observations >= TARGET_SIZE.observations;
  const verdict = (row) =>
    `${row.name}: p99 ${ms(row.p99)} ms, ${row.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`;
  const line =
    `issue 11 target: check p99 ≤ ${TARGET_P99_MS} ms at ${count(TARGET_SIZE.patients)} patients / ` +
    `${count(TARGET_SIZE.observations)} observations${atSize ? '' : ' (this run is smaller: not judged at size)'}; ` +
    `${verdict(oneRow)}; ${verdict(manyRow)}`;
  if (oneRow.p99 <= TARGET_P99_MS && manyRow.p99 <= TARGET_P99_MS) ok(line);
  else complain(line);
  const size = `${count(data.patients)} patients`;
  const target = { op: '<=', value: TARGET_P99_MS, unit: 'ms' };
  writeResults({
    name: 'recognition',
    title: `Recognition check: ${size}, ${count(data.observations)} Observations, ${clients} clients`,
    rows: [
      resultRow({
        benchmark: `recognition check (${size})`,
        figure: 'hub checks/s',
        value: manyRow.rate,
        unit: 'checks/s',
        baseline: { name: echoRow.name, value: echoRow.rate, unit: 'requests/s' },
      }),
      resultRow({
        benchmark: `recognition check (${size})`,
        figure: 'hub p99, 1 client',
        value: oneRow.p99,
        unit: 'ms',
        target,
      }),
      resultRow({
        benchmark: `recognition check (${size})`,
        figure: `hub p99, ${clients} clients`,
        value: manyRow.p99,
        unit: 'ms',
        baseline: { name: sqlRow.name, value: sqlRow.p99, unit: 'ms' },
        target,
      }),
    ],
  });
  if (failed) process.exit(1);
});
