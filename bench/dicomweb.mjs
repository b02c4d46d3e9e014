// The DICOMweb benchmark (`npm run bench` runs it after the HL7 one; `npm run bench:dicomweb` runs
// it alone). Writes an archive of Part 10 files once (100,000 instances by default, with the hub's
// own writer), sends it by STOW-RS to the hub (five compiled apps on a database, Redis prefix and
// data directory of their own) and to Orthanc with its DICOMweb plugin (started here, with its own
// storage), then times the same QIDO-RS searches on both, and prints ingest rate (instances/s,
// MB/s), QIDO latency (p50/p95/p99) and the hub/Orthanc ratios. Without Orthanc it says how to
// install it and measures the hub alone.
// Knobs: see bench/README.md or `npm run bench:dicomweb -- --help`.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
import {
  IMAGE_SIZE,
  dicomWriterFile,
  fileOf,
  planArchive,
  qidoQueries,
  writeArchive,
} from './lib/dicom-archive.mjs';
import { runQido, runStow } from './lib/dicomweb-load.mjs';
import { DICOMWEB_KNOBS, knobLines, readKnobs } from './lib/knobs.mjs';
import { lifecycle } from './lib/lifecycle.mjs';
import { cpuBusy, machineLine, percent } from './lib/machine.mjs';
import { ORTHANC_INSTALL, findOrthanc, launchOrthanc } from './lib/orthanc.mjs';
import { launchHub } from './lib/processes.mjs';
import { formatTable, ms, percentile, ratio } from './lib/report.mjs';
import { resultRow, writeResults } from './lib/results.mjs';
import {
  archiveCounts,
  createDatabase,
  databaseUrlFor,
  deleteRedisKeys,
  dropDatabase,
} from './lib/storage.mjs';

const HELP = `npm run bench:dicomweb [-- --instances N --per-study N --batch N --clients N --repeats N --max-minutes N]
(npm run bench runs it after the HL7 benchmark and takes the same flags)
${knobLines(DICOMWEB_KNOBS)}
  DATABASE_URL (server only; the database is hub_bench_<pid>), REDIS_URL as for npm start
  ORTHANC_BIN, ORTHANC_DICOMWEB_PLUGIN   where Orthanc and its plugin are (found by default)
  TMPDIR                                 where the files, the hub's and Orthanc's storage go`;

/** Disk the run needs per instance: the file, the hub's copy and index rows, Orthanc's copy. */
const DISK_PER_INSTANCE = 50_000;
const PROGRESS_EVERY_MS = 30_000;
/** The demo accounts the hub is driven with: a clinic's system sends, a radiologist searches. */
const STOW_CLIENT = { client_id: 'clinic-a', client_secret: 'clinic-a-secret' };
const QIDO_USER = { username: 'radiologist', password: 'demo-password' };

const run = promisify(execFile);
const mb = (bytes) => bytes / 1e6;
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const count = (n) => n.toLocaleString('en-US');
const studiesOf = (n) => `${count(n)} ${n === 1 ? 'study' : 'studies'}`;

const { signal, defer, cleanUp, checkpoint } = lifecycle(
  'stopping the hub and Orthanc, dropping the bench database, deleting the files',
);

/** Disk usage of a directory in bytes (`du`: blocks, as the files take them). */
async function diskUsage(dir) {
  const { stdout } = await run('du', ['-sk', dir]);
  return Number(stdout.split('\t')[0]) * 1024;
}

/** A bearer token from the hub's gateway: client credentials (form) or a person's login (JSON). */
async function hubToken(gateway, kind) {
  const response =
    kind === 'client'
      ? await fetch(`${gateway}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', ...STOW_CLIENT }),
        })
      : await fetch(`${gateway}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(QIDO_USER),
        });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200 || !body.access_token)
    throw new Error(
      `the gateway gave no token for ${kind === 'client' ? STOW_CLIENT.client_id : QIDO_USER.username}: ` +
        `HTTP ${response.status} ${JSON.stringify(body)}`,
    );
  return `Bearer ${body.access_token}`;
}

/** Prints how far an ingest is, at most every 30 s. */
function progressPrinter(name, total) {
  let last = 0;
  return (result, elapsedMs) => {
    if (elapsedMs - last < PROGRESS_EVERY_MS) return;
    last = elapsedMs;
    say(
      `${name}: ${count(result.instances)} of ${count(total)} instances sent, ` +
        `${Math.round(result.instances / (elapsedMs / 1000))}/s, ${result.failed} failed`,
    );
  };
}

/** STOW-RS then QIDO-RS against one server; `counts()` says what it stored. */
async function measure(name, { baseUrl, stowHeaders, qidoHeaders, counts }, job) {
  say(
    `${name}: STOW-RS of ${count(job.plan.instances)} instances, ${job.clients} clients, ` +
      `${job.batch} instances a request`,
  );
  const stow = await runStow({
    baseUrl,
    headers: stowHeaders,
    plan: job.plan,
    fileOf: (study, k) => fileOf(job.archiveDir, study, k),
    clients: job.clients,
    batch: job.batch,
    maxSeconds: job.maxMinutes * 60,
    signal,
    onProgress: progressPrinter(name, job.plan.instances),
  });
  checkpoint();
  const stored = await counts();
  say(
    `${name}: ${count(stow.stored)} stored in ${fixed(stow.elapsedMs / 1000, 1)} s; ` +
      `QIDO-RS, ${job.queries.length} queries × ${job.repeats}`,
  );
  const qido = await runQido({ baseUrl, headers: qidoHeaders, queries: job.queries, signal });
  checkpoint();
  return { name, stow, stored, qido };
}

/** The hub: its database, Redis prefix and data directory, five apps, tokens, then `measure`. */
async function measureHub(job, { serverUrl, redisUrl }) {
  const databaseUrl = databaseUrlFor(serverUrl, `hub_bench_${process.pid}`);
  const redisPrefix = `bench${process.pid}`;
  const dataDir = join(job.workDir, 'hub-data');
  await mkdir(dataDir);
  say(`creating ${redactUrl(databaseUrl)} (migrations and demo seed of dist/)`);
  const drop = () => dropDatabase(databaseUrl);
  defer(`dropping ${redactUrl(databaseUrl)}`, drop);
  await createDatabase(databaseUrl);
  defer(`deleting Redis keys ${redisPrefix}:*`, () => deleteRedisKeys(redisUrl, redisPrefix));
  checkpoint();
  say(`starting the hub (DATA_DIR ${dataDir}) and waiting for /health`);
  const apps = await launchHub({
    databaseUrl,
    redisUrl,
    prefix: redisPrefix,
    env: {
      DATA_DIR: dataDir,
      // A token lasts the whole ingest, however long 100,000 instances take.
      JWT_TTL_SECONDS: '86400',
    },
  });
  defer('stopping the hub', apps.stop);
  await apps.ready(signal);
  checkpoint();
  const gateway = `http://127.0.0.1:${apps.gatewayPort}`;
  const result = await measure(
    'hub',
    {
      baseUrl: `${gateway}/dicomweb`,
      stowHeaders: { authorization: await hubToken(gateway, 'client') },
      // A clinic sees only studies of its own orders; the radiologist sees the whole archive.
      qidoHeaders: { authorization: await hubToken(gateway, 'user') },
      counts: async () => {
        const counts = await archiveCounts(databaseUrl);
        return {
          instances: counts.instances,
          filesBytes: await diskUsage(dataDir),
          indexBytes: counts.databaseBytes,
          index: 'PostgreSQL database',
        };
      },
    },
    job,
  );
  const dead = apps.exited();
  if (dead) result.died = `${dead.name} exited during the run\n${apps.describe()}`;
  // Not beside Orthanc: stop it, and give the disk back before Orthanc fills it again.
  await apps.stop();
  await drop();
  await rm(dataDir, { recursive: true, force: true });
  return result;
}

/** Orthanc with its DICOMweb plugin, storage under the run's directory, then `measure`. */
async function measureOrthanc(job, found) {
  const dir = join(job.workDir, 'orthanc');
  await mkdir(dir);
  say(`starting Orthanc (${found.binary}, plugin ${found.plugin}) and waiting for /system`);
  const orthanc = await launchOrthanc({ ...found, dir });
  defer('stopping Orthanc', orthanc.stop);
  const system = await orthanc.ready(signal);
  checkpoint();
  const result = await measure(
    `Orthanc ${system.Version}`,
    {
      baseUrl: orthanc.dicomwebUrl,
      counts: async () => {
        const statistics = await orthanc.statistics();
        const storage = join(dir, 'storage');
        const total = await diskUsage(storage);
        // The SQLite index is `index` with its -wal and -shm files; the rest are the DICOM files.
        let index = 0;
        for (const name of await readdir(storage))
          if (name.startsWith('index')) index += await diskUsage(join(storage, name));
        return {
          instances: statistics.CountInstances,
          filesBytes: total - index,
          indexBytes: index,
          index: 'SQLite index',
        };
      },
    },
    job,
  );
  if (orthanc.exited()) result.died = `Orthanc exited during the run\n${orthanc.describe()}`;
  await orthanc.stop();
  await rm(dir, { recursive: true, force: true });
  return result;
}

/** The ingest table: one row per server and the hub/Orthanc ratios. */
function ingestTable(results) {
  const rows = results.map(({ name, stow }) => {
    const sorted = Float64Array.from(stow.latencies).sort();
    const seconds = stow.elapsedMs / 1000;
    return {
      cells: [
        name,
        count(stow.instances),
        count(stow.stored),
        count(stow.failed),
        count(stow.requests),
        fixed(seconds, 1),
        fixed(stow.instances / seconds, 0),
        fixed(mb(stow.bytes) / seconds, 2),
        ms(percentile(sorted, 50)),
        ms(percentile(sorted, 99)),
      ],
      rate: stow.instances / seconds,
      mbs: mb(stow.bytes) / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
    };
  });
  if (rows.length === 2) {
    const [hub, other] = rows;
    rows.push({
      cells: [
        'hub / Orthanc',
        '',
        '',
        '',
        '',
        '',
        ratio(hub.rate / other.rate),
        ratio(hub.mbs / other.mbs),
        ratio(hub.p50 / other.p50),
        ratio(hub.p99 / other.p99),
      ],
    });
  }
  return formatTable(
    [
      'target',
      'instances',
      'stored',
      'failed',
      'requests',
      'seconds',
      'instances/s',
      'MB/s',
      'p50 ms/request',
      'p99 ms/request',
    ],
    rows.map((row) => row.cells),
  );
}

/**
 * The rows of the combined table (bench/lib/results.mjs): the hub's STOW-RS rate against
 * Orthanc's (issue 11's target: at least Orthanc's), its request and QIDO-RS p99 beside Orthanc's.
 */
function resultRows(results) {
  const [hub, orthanc] = results.map(({ name, stow, qido }) => {
    const sorted = (latencies) => Float64Array.from(latencies).sort();
    return {
      name,
      rate: stow.instances / (stow.elapsedMs / 1000),
      stowP99: percentile(sorted(stow.latencies), 99),
      qidoP99: percentile(sorted(qido.flatMap((query) => query.latencies)), 99),
    };
  });
  const beside = (value, unit) => (orthanc ? { name: orthanc.name, value, unit } : undefined);
  return [
    resultRow({
      benchmark: 'DICOMweb STOW-RS',
      figure: 'hub instances/s',
      value: hub.rate,
      unit: 'instances/s',
      baseline: beside(orthanc?.rate, 'instances/s'),
      // "hub STOW instances/s ≥ Orthanc's": shown without Orthanc too, as not measured.
      target: { op: '>=', value: orthanc?.rate ?? null, unit: 'instances/s', label: "Orthanc's" },
    }),
    resultRow({
      benchmark: 'DICOMweb STOW-RS',
      figure: 'hub p99 per request',
      value: hub.stowP99,
      unit: 'ms',
      baseline: beside(orthanc?.stowP99, 'ms'),
    }),
    resultRow({
      benchmark: 'DICOMweb QIDO-RS',
      figure: 'hub p99, all queries',
      value: hub.qidoP99,
      unit: 'ms',
      baseline: beside(orthanc?.qidoP99, 'ms'),
    }),
  ];
}

/** The QIDO table: per query, one row per server and the ratios; then all queries together. */
function qidoTable(results) {
  const figures = (latencies) => {
    const sorted = Float64Array.from(latencies).sort();
    return [50, 95, 99].map((p) => percentile(sorted, p));
  };
  const mean = (values) => {
    const numbers = values.filter(Number.isFinite);
    return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : NaN;
  };
  const rows = [];
  const labels = [
    ...results[0].qido.map((query) => query.label),
    `all ${results[0].qido.length} queries`,
  ];
  labels.forEach((label, q) => {
    const all = q === results[0].qido.length;
    const per = results.map(({ name, qido }) => {
      const latencies = all ? qido.flatMap((query) => query.latencies) : qido[q].latencies;
      const matches = all ? qido.flatMap((query) => query.matches) : qido[q].matches;
      const errors = all ? qido.reduce((sum, query) => sum + query.errors, 0) : qido[q].errors;
      return { name, latencies, matches, errors, percentiles: figures(latencies) };
    });
    per.forEach((server, i) =>
      rows.push([
        i === 0 ? label : '',
        server.name,
        count(server.latencies.length + server.errors),
        fixed(mean(server.matches), 1),
        ...server.percentiles.map(ms),
        String(server.errors),
      ]),
    );
    if (per.length === 2)
      rows.push([
        '',
        'hub / Orthanc',
        '',
        '',
        ...per[0].percentiles.map((value, i) => ratio(value / per[1].percentiles[i])),
        '',
      ]);
  });
  return formatTable(
    ['query (limit=100)', 'target', 'requests', 'matches', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'],
    rows,
    2,
  );
}

/** Storage after ingest: the files and the index of each server. */
function storageTable(results) {
  return formatTable(
    ['target', 'instances', 'files MB', 'index MB', 'index'],
    results.map(({ name, stored }) => [
      name,
      count(stored.instances),
      fixed(mb(stored.filesBytes), 1),
      fixed(mb(stored.indexBytes), 1),
      stored.index,
    ]),
  );
}

/** Problems worth a line each; returns whether the run failed. */
function verdicts(results, plan) {
  let failed = false;
  for (const { name, stow, stored, qido, died } of results) {
    if (stow.stoppedAt) {
      failed = true;
      complain(
        `${name}: ingest stopped ${stow.stoppedAt}, after ${count(stow.instances)} instances`,
      );
    }
    if (stow.failed) {
      failed = true;
      complain(
        `${name}: ${count(stow.failed)} of ${count(stow.instances)} instances failed (${stow.failedRequests} requests answered other than 200):`,
      );
      [...stow.problems.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .forEach(([text, n]) => console.error(`    ${n} × ${text}`));
    }
    const line = `${name}: ${count(stored.instances)} instances stored of ${count(plan.instances)} sent`;
    if (stored.instances === plan.instances) ok(line);
    else {
      failed = true;
      complain(line);
    }
    for (const query of qido)
      if (query.errors) {
        failed = true;
        complain(`${name}: ${query.errors} × QIDO ${query.label} failed:`);
        [...query.problems.entries()]
          .slice(0, 3)
          .forEach(([text, n]) => console.error(`    ${n} × ${text}`));
      }
    if (died) {
      failed = true;
      complain(died);
    }
  }
  if (results.length === 2) {
    // The same query on the same archive must match the same studies on both servers.
    const [hub, other] = results;
    hub.qido.forEach((query, q) => {
      const differ = query.matches.filter((n, i) => n !== other.qido[q].matches[i]).length;
      if (!differ) return;
      const first = query.matches.findIndex((n, i) => n !== other.qido[q].matches[i]);
      complain(
        `QIDO ${query.label}: ${differ} of ${query.matches.length} requests matched a different number of studies ` +
          `(e.g. ${query.matches[first]} on the hub, ${other.qido[q].matches[first]} on ${other.name})`,
      );
    });
  }
  return failed;
}

runMain(async () => {
  const knobs = readKnobs(DICOMWEB_KNOBS, HELP);
  const job = {
    clients: knobs.clients,
    batch: knobs.batch,
    repeats: knobs.repeats,
    maxMinutes: knobs['max-minutes'],
    plan: planArchive({ instances: knobs.instances, perStudy: knobs['per-study'] }),
  };
  job.queries = qidoQueries(job.plan, job.repeats);
  buildIfMissing([...compiledFiles(), ...APP_NAMES.map(entryOf), dicomWriterFile()]);

  const orthanc = findOrthanc();
  if (orthanc.missing) complain(`${orthanc.missing}. The Orthanc column is skipped.`);

  const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  say(`checking PostgreSQL (${redactUrl(serverUrl)}) and Redis (${redactUrl(redisUrl)})`);
  const [problems, busyAtStart] = await Promise.all([
    checkServices({ databaseUrl: serverUrl, redisUrl }),
    cpuBusy(1000),
  ]);
  if (problems.length) {
    problems.forEach(complain);
    process.exit(1);
  }
  const needed = job.plan.instances * DISK_PER_INSTANCE;
  const disk = await statfs(tmpdir());
  if (disk.bavail * disk.bsize < needed) {
    complain(
      `${tmpdir()} has ${fixed(mb(disk.bavail * disk.bsize) / 1000, 1)} GB free; ${count(job.plan.instances)} ` +
        `instances need about ${fixed(mb(needed) / 1000, 1)} GB there (files, the hub's and Orthanc's copies). ` +
        'Set TMPDIR to a larger disk or send fewer (--instances, BENCH_DICOM_INSTANCES).',
    );
    process.exit(1);
  }

  const results = [];
  let orthancError;
  const started = Date.now();
  try {
    job.workDir = await mkdtemp(join(tmpdir(), 'hub-bench-dicomweb-'));
    defer(`deleting ${job.workDir}`, () => rm(job.workDir, { recursive: true, force: true }));
    job.archiveDir = join(job.workDir, 'archive');
    say(
      `writing ${count(job.plan.instances)} instances in ${studiesOf(job.plan.studies.length)} ` +
        `to ${job.archiveDir}`,
    );
    const writeStart = Date.now();
    job.archiveBytes = await writeArchive(job.plan, job.archiveDir, { signal });
    job.archiveDisk = await diskUsage(job.archiveDir);
    say(
      `written in ${fixed((Date.now() - writeStart) / 1000, 1)} s: ${fixed(mb(job.archiveBytes), 1)} MB ` +
        `(${fixed(mb(job.archiveDisk), 1)} MB on disk)`,
    );
    checkpoint();
    results.push(await measureHub(job, { serverUrl, redisUrl }));
    if (!orthanc.missing)
      try {
        results.push(await measureOrthanc(job, orthanc));
      } catch (error) {
        if (signal.aborted) throw error;
        // Installed but not working: the hub's figures still stand; the run fails below.
        orthancError = error.message;
      }
  } catch (error) {
    if (!signal.aborted) throw error; // after the clean-up below
  } finally {
    await cleanUp();
  }
  if (signal.aborted) process.exit(130);

  const { plan } = job;
  const studies = plan.studies.length;
  console.log(
    `\n${bold('DICOMweb benchmark')}: ${count(plan.instances)} instances in ${studiesOf(studies)} ` +
      `(one series each, up to ${plan.perStudy} instances; ${IMAGE_SIZE}×${IMAGE_SIZE} 16-bit MONOCHROME2, ` +
      `explicit VR little endian, ${fixed(job.archiveBytes / plan.instances / 1000, 1)} kB each, ` +
      `${fixed(mb(job.archiveBytes), 1)} MB in all), STOW-RS ${job.clients} clients × ${job.batch} instances a request, ` +
      `QIDO-RS ${job.queries.length} queries × ${job.repeats}; ${machineLine(busyAtStart)}; whole run ` +
      `${fixed((Date.now() - started) / 60_000, 1)} min\n`,
  );
  if (busyAtStart > 0.25)
    complain(
      `the CPUs were ${percent(busyAtStart)} busy before the run: the figures are not those of a quiet machine`,
    );
  console.log(`${bold('STOW-RS ingest')} (the same files to each; MB = 10⁶ bytes of DICOM files)`);
  console.log(ingestTable(results));
  console.log(
    `\n${bold('QIDO-RS study searches')} (one client, one request at a time; latency from sending to the whole answer read)`,
  );
  console.log(qidoTable(results));
  console.log(`\n${bold('storage after ingest')} (du)`);
  console.log(storageTable(results));
  if (orthanc.missing)
    console.log(`\nOrthanc: skipped, not installed (\`${ORTHANC_INSTALL}\` adds the column)`);
  console.log('');
  if (results.length)
    writeResults({
      name: 'dicomweb',
      title: `DICOMweb: ${count(plan.instances)} instances, ${job.clients} STOW-RS clients`,
      rows: resultRows(results),
    });
  let failed = verdicts(results, plan);
  if (orthancError) {
    failed = true;
    complain(`Orthanc could not be measured: ${orthancError}`);
  }
  if (failed) process.exit(1);
});
