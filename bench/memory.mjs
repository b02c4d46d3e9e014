// The memory benchmark (`npm run bench:memory`). Issue 11: "each app's RSS idle and under load; a
// 1 GB DICOM upload does not grow memory by more than 64 MB", targets "each app ≤ 250 MB RSS" and
// "a 1 GB upload adds ≤ 64 MB". Starts the hub (five compiled apps on a database, Redis prefix
// and data directory of their own), reads each app's RSS once idle, writes about 1 GiB of DICOM
// instances to disk with the hub's writer, sends them as ONE STOW-RS request through the gateway's
// /dicomweb proxy (streamed from the files), and samples every app's RSS every 50 ms meanwhile:
// growth = peak during the upload − RSS just before it. (RSS under the HL7 order and result
// loads is measured by bench/results.mjs.)
// Knobs: see bench/README.md or `npm run bench:memory -- --help`.
import { mkdir, mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { resultRow as row, writeResults } from './lib/results.mjs';
import { dicomWriterFile } from './lib/dicom-archive.mjs';
import { knobLines, readKnobs } from './lib/knobs.mjs';
import { stowFromDisk, writeLargeInstances } from './lib/large-upload.mjs';
import { lifecycle } from './lib/lifecycle.mjs';
import { cpuBusy, machineLine, percent } from './lib/machine.mjs';
import { launchHub } from './lib/processes.mjs';
import { formatTable } from './lib/report.mjs';
import { MEMORY_KNOBS } from './lib/results-knobs.mjs';
import { hubTokens } from './lib/results-hub.mjs';
import { megabytes, rssNow, sampleRss } from './lib/rss.mjs';
import {
  archiveCounts,
  createDatabase,
  databaseUrlFor,
  deleteRedisKeys,
  dropDatabase,
} from './lib/storage.mjs';

const HELP = `npm run bench:memory [-- --upload-mb N --part-mb N --sample-ms N]
(npm run bench runs it after the result-to-clinic benchmark and takes the same flags)
${knobLines(MEMORY_KNOBS)}
  DATABASE_URL (server only; the database is hub_bench_<pid>), REDIS_URL as for npm start
  TMPDIR   where the files and the imaging centre's storage go (needs about 2.2 × the upload)`;

const TARGET_RSS_BYTES = 250e6;
const TARGET_GROWTH_BYTES = 64e6;
const IDLE_SETTLE_MS = 3000;
const MIB = 1024 * 1024;

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const instances = (n) => `${n} ${n === 1 ? 'instance' : 'instances'}`;

const { signal, defer, cleanUp, checkpoint } = lifecycle(
  'stopping the apps, dropping the bench database, deleting the files',
);

runMain(async () => {
  const knobs = readKnobs(MEMORY_KNOBS, HELP);
  const config = {
    uploadMb: knobs['upload-mb'],
    partMb: Math.min(knobs['part-mb'], knobs['upload-mb']),
    sampleMs: knobs['sample-ms'],
  };
  buildIfMissing([...compiledFiles(), ...APP_NAMES.map(entryOf), dicomWriterFile()]);

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
  // The files, the imaging centre's staged copy and its stored copy.
  const { bavail, bsize } = await statfs(tmpdir());
  const needed = config.uploadMb * MIB * 2.2;
  if (bavail * bsize < needed)
    fail(
      `${tmpdir()} has ${fixed((bavail * bsize) / 1e9, 1)} GB free; the upload needs about ${fixed(needed / 1e9, 1)} GB (set TMPDIR or --upload-mb)`,
    );

  let apps, idle, before, during, upload, written, stored, hubDied, hubLog;
  try {
    const workDir = await mkdtemp(join(tmpdir(), 'hub-bench-memory-'));
    defer(`deleting ${workDir}`, () => rm(workDir, { recursive: true, force: true }));
    say(
      `writing ${config.uploadMb} MiB of DICOM instances of ${config.partMb} MiB (512×512 16-bit frames) to ${workDir}`,
    );
    await mkdir(join(workDir, 'files'));
    written = await writeLargeInstances(join(workDir, 'files'), {
      totalMb: config.uploadMb,
      partMb: config.partMb,
      signal,
    });
    checkpoint();

    say(`creating ${redactUrl(databaseUrl)} (migrations and demo seed of dist/)`);
    defer(`dropping ${redactUrl(databaseUrl)}`, () => dropDatabase(databaseUrl));
    await createDatabase(databaseUrl);
    defer(`deleting Redis keys ${redisPrefix}:*`, () => deleteRedisKeys(redisUrl, redisPrefix));
    checkpoint();
    say(`starting the hub (REDIS_PREFIX=${redisPrefix}) and waiting for /health`);
    apps = await launchHub({
      databaseUrl,
      redisUrl,
      prefix: redisPrefix,
      env: { DATA_DIR: join(workDir, 'imaging') },
    });
    defer('stopping the hub', apps.stop);
    await apps.ready(signal);
    checkpoint();
    const processes = apps.processes();
    const gateway = `http://127.0.0.1:${apps.gatewayPort}`;
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    idle = rssNow(processes);
    const { clinic } = await hubTokens(gateway);

    say(
      `STOW-RS of ${instances(written.files.length)}, ${fixed(written.bytes / MIB, 0)} MiB, in one request through ${gateway}/dicomweb; RSS every ${config.sampleMs} ms`,
    );
    before = rssNow(processes);
    const sampler = sampleRss(processes, config.sampleMs);
    upload = await stowFromDisk({
      baseUrl: `${gateway}/dicomweb`,
      headers: { authorization: clinic },
      files: written.files,
      signal,
    });
    during = sampler.stop();
    checkpoint();
    stored = await archiveCounts(databaseUrl);
    const dead = apps.exited();
    if (dead) hubDied = `${dead.name} exited during the run\n${apps.describe()}`;
    hubLog = apps.describe();
  } catch (error) {
    if (!signal.aborted) {
      if (apps) console.error(`the apps' last lines (LOG_LEVEL=warn):\n${apps.describe()}`);
      throw error;
    }
  } finally {
    await cleanUp();
  }
  if (signal.aborted) process.exit(130);

  const title = 'Memory: each app’s RSS idle, and its growth during a 1 GB STOW-RS upload';
  console.log(
    `\n${bold(title)}: ${instances(written.files.length)} of ${fixed(written.bytes / written.files.length / MIB, 1)} MiB, ` +
      `${fixed(written.bytes / MIB, 0)} MiB in one request; ${machineLine(busyAtStart)}\n`,
  );
  if (busyAtStart > 0.25)
    complain(
      `the CPUs were ${percent(busyAtStart)} busy before the run: the figures are not those of a quiet machine`,
    );
  const growth = (name) => during[name].peak - before[name];
  console.log(
    formatTable(
      ['RSS (MB = 10⁶ B)', 'idle', 'before upload', 'peak during upload', 'growth', 'samples'],
      APP_NAMES.map((name) => [
        name,
        megabytes(idle[name]),
        megabytes(before[name]),
        megabytes(during[name].peak),
        megabytes(growth(name)),
        String(during[name].samples),
      ]),
    ),
  );
  console.log(
    `(idle: ${IDLE_SETTLE_MS / 1000} s after /health answered; growth = peak during the upload − RSS just before it; ` +
      `the upload took ${fixed(upload.elapsedMs / 1000, 1)} s, ${fixed(upload.bytes / 1e6 / (upload.elapsedMs / 1000), 0)} MB/s)\n`,
  );

  const benchmark = 'memory';
  const rows = [
    ...APP_NAMES.map((name) =>
      row({
        benchmark,
        figure: `${name} RSS idle`,
        value: idle[name] / 1e6,
        unit: 'MB',
        target: { op: '<=', value: TARGET_RSS_BYTES / 1e6, unit: 'MB' },
      }),
    ),
    ...['gateway', 'imaging-center'].flatMap((name) => [
      row({
        benchmark,
        figure: `${name} RSS growth during a ${fixed(written.bytes / MIB, 0)} MiB STOW-RS upload`,
        value: growth(name) / 1e6,
        unit: 'MB',
        target: { op: '<=', value: TARGET_GROWTH_BYTES / 1e6, unit: 'MB' },
      }),
      row({
        benchmark,
        figure: `${name} RSS peak during the upload`,
        value: during[name].peak / 1e6,
        unit: 'MB',
        target: { op: '<=', value: TARGET_RSS_BYTES / 1e6, unit: 'MB' },
      }),
    ]),
    row({
      benchmark,
      figure: 'STOW-RS upload throughput',
      value: upload.bytes / 1e6 / (upload.elapsedMs / 1000),
      unit: 'MB/s',
    }),
  ];
  const file = writeResults({ name: 'memory', title, rows });

  let failed = false;
  const watched = ['gateway', 'imaging-center'];
  const grew = watched.filter((name) => !(growth(name) <= TARGET_GROWTH_BYTES));
  const verdict = (met, text) => (met ? ok(text) : complain(text));
  verdict(
    !grew.length,
    `issue 11 target: a 1 GB upload adds ≤ ${TARGET_GROWTH_BYTES / 1e6} MB: ` +
      watched.map((name) => `${name} +${megabytes(growth(name))} MB`).join(', ') +
      (grew.length ? ': NOT met' : ': met') +
      (written.bytes < 1e9
        ? ` (the upload was ${fixed(written.bytes / 1e9, 2)} GB, not 1 GB)`
        : ''),
  );
  const peaks = APP_NAMES.map((name) => ({
    name,
    peak: Math.max(idle[name], during[name].peak),
  }));
  const over = peaks.filter((p) => !(p.peak <= TARGET_RSS_BYTES));
  verdict(
    !over.length,
    `issue 11 target: each app ≤ ${TARGET_RSS_BYTES / 1e6} MB RSS, idle and during the upload: ` +
      (over.length
        ? `NOT met by ${over.map((p) => `${p.name} (${megabytes(p.peak)} MB)`).join(', ')}`
        : `met (largest ${megabytes(Math.max(...peaks.map((p) => p.peak)))} MB)`),
  );
  const answer = `upload: HTTP ${upload.status}; ${stored.instances} of ${instances(written.files.length)} stored (${fixed(stored.bytes / MIB, 0)} MiB)`;
  if (upload.status === 200 && stored.instances === written.files.length) ok(answer);
  else {
    failed = true;
    complain(`${answer}: ${upload.text.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (hubLog) console.error(`\nthe apps' last lines (LOG_LEVEL=warn):\n${hubLog}`);
  }
  if (hubDied) {
    failed = true;
    complain(hubDied);
  }
  say(`figures written to ${file}`);
  if (failed) process.exit(1);
});
