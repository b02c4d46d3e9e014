// The ECG benchmark (`npm run bench` runs it after the DICOMweb one; `npm run bench:ecg` runs it
// alone). Writes synthetic 12-lead ECGs of known rate once as DICOM files (the hub's own library,
// dist/libs/ecg), then measures how many recordings a second are read and measured:
// - in this process, `readEcgFile` + `measureEcg` on one core, no hub (the baseline);
// - by a bare Express server that takes the same bytes and answers at once (the HTTP baseline);
// - by the hub: `POST /api/ecg/recordings?order=<id>` on the gateway, N clients, each upload
//   for an ECG order placed (untimed) beforehand and accepted by the ECG centre;
// and prints recordings/s, latency p50/p95/p99, the hub/baseline ratios, and how many measured
// heart rates differ from the synthetic ones by more than 2/min.
// Knobs: see bench/README.md or `npm run bench:ecg -- --help`.
import { performance } from 'node:perf_hooks';
import { APP_NAMES, entryOf } from '../scripts/lib/apps.mjs';
import { compiledFiles } from '../scripts/lib/database.mjs';
import { bold, complain, fail, ok, runMain, say } from '../scripts/lib/output.mjs';
import { buildIfMissing } from '../scripts/lib/prepare.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  checkServices,
  redactUrl,
} from '../scripts/lib/services.mjs';
import {
  clinicToken,
  placeEcgOrders,
  runUploads,
  startEcgEchoServer,
  storedRecordings,
} from './lib/ecg-hub.mjs';
import { ECG_KNOBS } from './lib/ecg-knobs.mjs';
import { resultRow, writeResults } from './lib/results.mjs';
import {
  DURATION_S,
  RATE_TOLERANCE_BPM,
  SAMPLING_HZ,
  ecgLibFile,
  loadEcgLib,
  measureInProcess,
  planRecordings,
  rateProblem,
  writeRecordings,
} from './lib/ecg-recordings.mjs';
import { knobLines, readKnobs } from './lib/knobs.mjs';
import { lifecycle } from './lib/lifecycle.mjs';
import { cpuBusy, machineLine, percent } from './lib/machine.mjs';
import { launchHub } from './lib/processes.mjs';
import { formatTable, ms, percentile, ratio } from './lib/report.mjs';
import { createDatabase, databaseUrlFor, deleteRedisKeys, dropDatabase } from './lib/storage.mjs';

const HELP = `npm run bench:ecg [-- --recordings N --clients N]
(npm run bench runs it after the DICOMweb benchmark and takes the same flags)
${knobLines(ECG_KNOBS)}
  DATABASE_URL (server only; the database is hub_bench_<pid>), REDIS_URL as for npm start`;

const PROGRESS_EVERY_MS = 10_000;
const count = (n) => n.toLocaleString('en-US');
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const { signal, defer, cleanUp, checkpoint } = lifecycle(
  'stopping the apps and dropping the bench database',
);

/** Figures of one target: recordings/s over the phase and latency p50/p95/p99 (ms). */
function figures(name, clients, run) {
  const sorted = Float64Array.from(run.latencies).sort();
  return {
    name,
    clients,
    run,
    rate: run.ok / (run.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** The rows of the combined table (bench/lib/results.mjs): the hub beside both baselines. */
function resultRows(baseline, echo, hub, clients) {
  const benchmark = `ECG upload (${clients} clients)`;
  return [
    resultRow({
      benchmark,
      figure: 'hub recordings/s',
      value: hub.rate,
      unit: 'recordings/s',
      baseline: { name: echo.name, value: echo.rate, unit: 'recordings/s' },
    }),
    resultRow({
      benchmark,
      figure: 'hub recordings/s',
      value: hub.rate,
      unit: 'recordings/s',
      baseline: { name: baseline.name, value: baseline.rate, unit: 'recordings/s' },
    }),
    resultRow({
      benchmark,
      figure: 'hub p99',
      value: hub.p99,
      unit: 'ms',
      baseline: { name: echo.name, value: echo.p99, unit: 'ms' },
    }),
  ];
}

function resultTable(baseline, echo, hub) {
  const rows = [baseline, echo, hub].map((t) => [
    t.name,
    String(t.clients),
    count(t.run.recordings),
    fixed(t.run.elapsedMs / 1000, 1),
    fixed(t.rate, t.rate < 10 ? 1 : 0),
    ms(t.p50),
    ms(t.p95),
    ms(t.p99),
    String(t.run.errors),
    t.name.startsWith('HTTP') ? '-' : String(t.run.mismatches),
  ]);
  for (const [label, base] of [
    ['hub / in-process', baseline],
    ['hub / HTTP echo', echo],
  ])
    rows.push([
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
    ]);
  return formatTable(
    [
      'target',
      'clients',
      'recordings',
      'seconds',
      'recordings/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      `rate off >${RATE_TOLERANCE_BPM}/min`,
    ],
    rows,
  );
}

/** Problems worth a line each; returns whether the run failed. */
function verdicts(targets, { stored, planned, hubDied, hubLog }) {
  let failed = false;
  for (const { name, run } of targets) {
    if (run.recordings < planned) {
      failed = true;
      complain(`${name}: stopped after ${count(run.recordings)} of ${count(planned)} recordings`);
    }
    if (run.errors) {
      failed = true;
      complain(`${name}: ${run.errors} of ${run.recordings} recordings failed:`);
      [...run.problems.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .forEach(([text, n]) => console.error(`    ${n} × ${text}`));
    }
    if (run.mismatches) {
      failed = true;
      complain(
        `${name}: ${run.mismatches} heart rates off by more than ${RATE_TOLERANCE_BPM}/min, e.g.:`,
      );
      run.mismatchExamples.forEach((text) => console.error(`    ${text}`));
    }
  }
  const hub = targets[targets.length - 1].run;
  const line = `hub: ${count(hub.ok)} recordings answered 201, ${count(stored.stored)} stored by the ECG centre (${count(stored.measured)} measured)`;
  if (stored.stored === hub.ok && hub.ok === planned) ok(line);
  else {
    failed = true;
    complain(line);
  }
  if (hubLog) {
    console.error(`\nthe apps' last lines (LOG_LEVEL=warn):\n${hubLog}`);
  }
  if (hubDied) {
    failed = true;
    complain(hubDied);
  }
  return failed;
}

runMain(async () => {
  const knobs = readKnobs(ECG_KNOBS, HELP);
  buildIfMissing([...compiledFiles(), ...APP_NAMES.map(entryOf), ecgLibFile()]);
  const { lib, missing } = loadEcgLib();
  if (missing)
    fail(
      `${ecgLibFile()} lacks ${missing.join(', ')}: dist/ was built before they were written; run npm run build`,
    );

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

  const planned = knobs.recordings;
  const clients = knobs.clients;
  let recordings, writeSeconds, baseline, echo, hub, stored, hubDied, hubLog, ordersSeconds;
  try {
    say(
      `writing ${count(planned)} synthetic 12-lead ECGs (${DURATION_S} s at ${SAMPLING_HZ} Hz, ` +
        'rates 40–180/min, with noise) as DICOM files',
    );
    const writeStart = performance.now();
    recordings = await writeRecordings(planRecordings(planned), lib, { signal });
    writeSeconds = (performance.now() - writeStart) / 1000;
    checkpoint();

    say(`baseline: readEcgFile + measureEcg in this process, one core, ${count(planned)} files`);
    baseline = await measureInProcess(recordings, lib, { signal });
    checkpoint();

    say(`HTTP baseline: bare Express echo server, ${clients} clients`);
    const echoServer = await startEcgEchoServer();
    defer('stopping the ECG echo server', echoServer.stop);
    echo = await runUploads({
      recordings,
      url: () => `http://127.0.0.1:${echoServer.port}/api/ecg/recordings`,
      clients,
      check: (recording, json) =>
        json.bytes === recording.file.length ? undefined : { error: 'echo of another size' },
      signal,
    });
    checkpoint();
    await echoServer.stop(); // not running beside the hub

    say(`creating ${redactUrl(databaseUrl)} (migrations and demo seed of dist/)`);
    defer(`dropping ${redactUrl(databaseUrl)}`, () => dropDatabase(databaseUrl));
    await createDatabase(databaseUrl);
    defer(`deleting Redis keys ${redisPrefix}:*`, () => deleteRedisKeys(redisUrl, redisPrefix));
    checkpoint();
    say(`starting the hub (REDIS_PREFIX=${redisPrefix}) and waiting for /health`);
    const apps = await launchHub({
      databaseUrl,
      redisUrl,
      prefix: redisPrefix,
      // A token lasts the whole run, however long the orders and uploads take.
      env: { JWT_TTL_SECONDS: '86400' },
    });
    defer('stopping the hub', apps.stop);
    await apps.ready(signal);
    checkpoint();
    const gateway = `http://127.0.0.1:${apps.gatewayPort}`;
    const authorization = await clinicToken(gateway);

    say(`placing ${count(planned)} ECG orders (FHIR transactions) and waiting for the ECG centre`);
    const ordersStart = performance.now();
    let lastProgress = ordersStart;
    const orderIds = await placeEcgOrders({
      gateway,
      authorization,
      count: planned,
      placerPrefix: `ECGBENCH${process.pid}-`,
      signal,
      onProgress: (done) => {
        if (performance.now() - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = performance.now();
        say(`${count(done)} of ${count(planned)} orders accepted`);
      },
    }).catch((error) => {
      // The apps' own words on why, before they are stopped.
      if (!signal.aborted) error.message += `\n${apps.describe()}`;
      throw error;
    });
    ordersSeconds = (performance.now() - ordersStart) / 1000;
    recordings.forEach((recording, i) => (recording.orderId = orderIds[i]));
    checkpoint();

    say(`hub: POST /api/ecg/recordings, ${count(planned)} recordings, ${clients} clients`);
    hub = await runUploads({
      recordings,
      url: (recording) => `${gateway}/api/ecg/recordings?order=${recording.orderId}`,
      headers: { authorization },
      clients,
      check: (recording, json) => {
        if (json.orderId !== recording.orderId)
          return { error: `stored for order ${json.orderId}, not ${recording.orderId}` };
        if (!json.measurement)
          return { mismatch: `not measured: ${json.measurementError ?? 'no reason given'}` };
        return { mismatch: rateProblem(recording, json.measurement.heartRateBpm) };
      },
      signal,
    });
    checkpoint();
    stored = await storedRecordings(databaseUrl);
    const dead = apps.exited();
    if (dead) hubDied = `${dead.name} exited during the run\n${apps.describe()}`;
    else if (hub.errors) hubLog = apps.describe();
  } catch (error) {
    if (!signal.aborted) throw error; // after the clean-up below
  } finally {
    await cleanUp();
  }
  if (signal.aborted) process.exit(130);

  const bytes = recordings.reduce((sum, recording) => sum + recording.file.length, 0);
  const targets = [
    figures('in-process (readEcgFile + measureEcg)', 1, baseline),
    figures('HTTP echo (bare Express)', clients, echo),
    figures('hub (POST /api/ecg/recordings)', clients, hub),
  ];
  console.log(
    `\n${bold('ECG benchmark')}: ${count(planned)} DICOM 12-lead ECGs (${DURATION_S} s at ${SAMPLING_HZ} Hz, ` +
      `12 leads, 16-bit, ${fixed(bytes / planned / 1000, 1)} kB each; rates 40–180/min with mains, ` +
      `muscle and wander noise; written in ${fixed(writeSeconds, 1)} s), ${clients} clients; ` +
      `${machineLine(busyAtStart)}\n`,
  );
  if (busyAtStart > 0.25)
    complain(
      `the CPUs were ${percent(busyAtStart)} busy before the run: the figures are not those of a quiet machine`,
    );
  console.log(resultTable(...targets));
  console.log(
    '(recordings/s: answered (or measured) recordings over the wall time of the phase; latency: from ' +
      'sending a file to having read the whole answer, in-process from reading the file to the measurement; ' +
      `the ${count(planned)} orders were placed and accepted beforehand in ${fixed(ordersSeconds, 1)} s, not timed)\n`,
  );
  writeResults({
    name: 'ecg',
    title: `ECG: ${count(planned)} recordings, ${clients} clients`,
    rows: resultRows(...targets, clients),
  });
  if (verdicts(targets, { stored, planned, hubDied, hubLog })) process.exit(1);
});
