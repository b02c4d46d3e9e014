// npm start: install what is missing, build, check PostgreSQL and Redis, create and migrate the
// database, seed the demo consortium, start the five apps, wait until each answers /health and
// print where to find them. Ctrl-C (or SIGTERM) stops all of them.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { APPS, ROOT, entryOf, portOf } from './lib/apps.mjs';
import {
  demoAccounts,
  demoMode,
  describeMigrations,
  migrateAll,
  seedConsortium,
} from './lib/database.mjs';
import { bold, complain, fail, ok, runMain, say } from './lib/output.mjs';
import { build, installIfNeeded } from './lib/prepare.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  checkServices,
  redactUrl,
} from './lib/services.mjs';

// START_TIMEOUT_SECONDS: for slow machines (a cold start on a small VM).
const HEALTH_TIMEOUT_MS = (Number(process.env.START_TIMEOUT_SECONDS) || 60) * 1000;
const STOP_GRACE_MS = 10_000;
const LOG_DIR = join(ROOT, '.run', 'logs');
// The pids of the running apps, so a later start can tell a leftover hub from a stranger on a port.
const PID_FILE = join(ROOT, '.run', 'hub.pids.json');

/** name → { child, log (path), logStart (byte offset where this run's output begins) } */
const running = new Map();
let stopping = false;

runMain(async () => {
  installIfNeeded();
  build();

  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  let demo;
  try {
    demo = demoMode();
  } catch (error) {
    fail(error.message);
  }

  say(`checking PostgreSQL (${redactUrl(databaseUrl)}) and Redis (${redactUrl(redisUrl)})`);
  const problems = await checkServices({ databaseUrl, redisUrl });
  if (problems.length) {
    problems.forEach(complain);
    process.exit(1);
  }
  await refuseBusyPorts(); // before touching the database: a running hub is the likelier mistake

  const migration = await migrateAll(databaseUrl);
  if (migration.created) ok(`created database ${redactUrl(databaseUrl)}`);
  describeMigrations(migration).forEach(ok);
  const { created } = await seedConsortium(databaseUrl, demo);
  ok(
    `${created ? 'seeded the demo consortium' : 'demo consortium already seeded'}` +
      (demo ? ' (demo mode: demo clients and users on)' : ' (demo accounts off)'),
  );

  startApps();
  if (!(await waitUntilHealthy())) return; // an app died: stopAll is already under way
  printBanner(demo);
});

/** Stops with a clear message when an app's port is taken (often a hub from an earlier start). */
async function refuseBusyPorts() {
  let earlier = {};
  try {
    earlier = JSON.parse(readFileSync(PID_FILE, 'utf8'));
  } catch {
    // no earlier run recorded
  }
  const busy = [];
  for (const { name, portVariable } of APPS) {
    const port = portOf(name);
    if (await portIsFree(port)) continue;
    const pid = earlier[name];
    busy.push(
      isOurApp(pid, name)
        ? `port ${port} for ${name} is taken by pid ${pid}, the ${name} of an earlier npm start: stop it with  kill ${pid}`
        : `port ${port} for ${name} is already in use: stop what listens there, or set ${portVariable}`,
    );
  }
  if (hl7Port() && !(await portIsFree(hl7Port()))) {
    busy.push(
      `port ${hl7Port()} for the gateway's MLLP listener is already in use: stop what listens there, or set HL7_PORT`,
    );
  }
  if (busy.length) {
    busy.forEach(complain);
    process.exit(1);
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // The apps listen on 0.0.0.0, so try the same.
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Whether `pid` still runs this checkout's `name` (a recorded pid may have been reused since). */
function isOurApp(pid, name) {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entryOf(name));
  } catch {
    return false; // gone, or no /proc here
  }
}

function startApps() {
  mkdirSync(LOG_DIR, { recursive: true });
  // Installed before the first spawn so a Ctrl-C from here on stops what has started.
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  // `kill <npm pid>` reaches only npm's shell, which dies and leaves this script running: notice
  // that the parent has gone (we are re-parented) and stop as if signalled.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) onSignal('parent exit');
  }, 1000).unref();
  // Last resort if this script dies some other way: never leave the apps behind.
  process.on('exit', () => {
    for (const { child } of running.values()) if (isRunning(child)) child.kill('SIGKILL');
    rmSync(PID_FILE, { force: true });
  });

  for (const { name } of APPS) {
    const log = join(LOG_DIR, `${name}.log`);
    const logStart = existsSync(log) ? statSync(log).size : 0;
    // The app writes straight into its log (appending), so nothing is lost if this script dies.
    const fd = openSync(log, 'a');
    const child = spawn(process.execPath, [entryOf(name)], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', fd, fd],
      // Own process group: a Ctrl-C in the terminal reaches only this script, which then stops the
      // apps once, in order. (The apps treat a second signal as "exit at once".)
      detached: true,
    });
    closeSync(fd);
    running.set(name, { child, log, logStart });
    child.on('exit', (code, signal) => onExit(name, code, signal));
    console.log(
      `  ${name.padEnd(17)} pid ${String(child.pid).padEnd(7)} port ${portOf(name)}   log ${relative(ROOT, log)}`,
    );
  }
  writeFileSync(
    PID_FILE,
    JSON.stringify(Object.fromEntries([...running].map(([name, { child }]) => [name, child.pid]))),
  );
}

const isRunning = (child) => child.exitCode === null && child.signalCode === null;

function onExit(name, code, signal) {
  if (stopping) return;
  complain(
    `${name} exited unexpectedly (${signal ?? `exit code ${code}`}). ` +
      `Last lines of ${relative(ROOT, running.get(name).log)}:\n${logTail(name)}`,
  );
  void stopAll(1);
}

let firstSignalAt = 0;

function onSignal(signal) {
  if (stopping) {
    // A terminal's Ctrl-C reaches this script twice under `npm start` (directly and forwarded by
    // npm): a repeat within a second is the same key press. A later one means "do not wait".
    if (Date.now() - firstSignalAt < 1000) return;
    say(`${signal} again: killing the apps now`);
    for (const { child } of running.values()) if (isRunning(child)) child.kill('SIGKILL');
    return;
  }
  firstSignalAt = Date.now();
  say(signal === 'parent exit' ? 'npm (the parent process) has gone' : `${signal} received`);
  void stopAll(0);
}

/** SIGTERM to every app, SIGKILL to any still running after the grace period; then exit. */
async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  say(`stopping the apps (SIGTERM, up to ${STOP_GRACE_MS / 1000} s each)…`);
  await Promise.all(
    [...running].map(([name, { child }]) => {
      if (!isRunning(child)) return undefined;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          complain(`${name} did not stop within ${STOP_GRACE_MS / 1000} s: SIGKILL`);
          child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          console.log(`  ${name.padEnd(17)} stopped (${signal ?? `exit code ${code}`})`);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }),
  );
  ok('all apps stopped');
  process.exit(exitCode);
}

/** The last lines this run wrote to an app's log. */
function logTail(name, lines = 40) {
  const { log, logStart } = running.get(name);
  let text = '';
  try {
    const size = statSync(log).size;
    const from = Math.max(logStart, size - 64 * 1024); // enough for the tail; never the whole file
    const buffer = Buffer.alloc(size - from);
    const fd = openSync(log, 'r');
    readSync(fd, buffer, 0, buffer.length, from);
    closeSync(fd);
    text = buffer.toString('utf8');
  } catch {
    // no log: say so below
  }
  const tail = text.trimEnd().split('\n').slice(-lines);
  return tail.join('\n').trim()
    ? tail.map((line) => `    ${line}`).join('\n')
    : '    (nothing logged)';
}

/**
 * Polls every app's /health until each answers 200. The gateway's covers PostgreSQL, Redis and all
 * four centres, so it is usually the last. Returns false if the hub is being stopped meanwhile.
 */
async function waitUntilHealthy() {
  say(`waiting for /health of every app (up to ${HEALTH_TIMEOUT_MS / 1000} s)…`);
  const started = Date.now();
  const last = new Map(); // app → last answer or error, for the time-out message
  const pending = new Set(APPS.map((app) => app.name));
  let nextProgress = started + 10_000;
  while (pending.size && !stopping) {
    for (const name of [...pending]) {
      const url = `http://127.0.0.1:${portOf(name)}/health`;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        const body = await response.text();
        if (stopping) break; // an app died meanwhile: no more progress lines
        if (response.status === 200) {
          pending.delete(name);
          ok(`${name} is healthy (${url}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } else last.set(name, `HTTP ${response.status} ${body.slice(0, 400)}`);
      } catch (error) {
        last.set(name, `no answer: ${error.cause?.code ?? error.cause?.message ?? error.message}`);
      }
    }
    if (!pending.size || stopping) break;
    if (Date.now() > started + HEALTH_TIMEOUT_MS) {
      for (const name of pending)
        complain(
          `${name} is not healthy after ${HEALTH_TIMEOUT_MS / 1000} s (${last.get(name) ?? 'no answer yet'}). ` +
            `Last lines of ${relative(ROOT, running.get(name).log)}:\n${logTail(name)}`,
        );
      await stopAll(1);
      return false;
    }
    if (Date.now() > nextProgress) {
      say(`still waiting for ${[...pending].join(', ')}`);
      nextProgress += 10_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return !stopping;
}

/** The gateway's MLLP port (HL7_PORT, default 2575; 0 turns the listener off). */
function hl7Port() {
  return Number(process.env.HL7_PORT ?? 2575);
}

function printBanner(demo) {
  const base = `http://127.0.0.1:${portOf('gateway')}`;
  const centres = APPS.filter((app) => app.name !== 'gateway')
    .map((app) => `${app.name} :${portOf(app.name)}`)
    .join('  ');
  const rule = '─'.repeat(78);
  const lines = [
    '',
    rule,
    bold('  医共体诊断协同平台已启动 · Consortium Diagnostic Hub is running'),
    rule,
    `  工作台 Workbench             ${base}/   (浏览器打开 · open in a browser)`,
    `  网关 Gateway                ${base}`,
    `  FHIR R4 接口 FHIR base       ${base}/fhir`,
    `  健康检查 Health              ${base}/health`,
    `  队列看板 Queue dashboard     ${base}/admin/queues   (IT staff: itops, admin)`,
    `  MLLP (HL7 v2)               127.0.0.1:${hl7Port()}   (also POST ${base}/hl7)`,
    `  各中心 Centres (/health)     ${centres}`,
    '',
  ];
  if (demo) {
    const { clients, users, password } = demoAccounts();
    lines.push(
      bold('  演示账号 Demo credentials'),
      `  客户端 Clients   POST ${base}/auth/token  (grant_type=client_credentials)`,
      ...clients.map(({ clientId, secret }) => `      ${clientId} / ${secret}`),
      `  用户 Users       ${base}/ or POST ${base}/auth/login  密码 password: ${password}`,
      `      ${users.join(', ')}`,
      '',
    );
  } else {
    lines.push(
      '  演示账号已关闭 Demo accounts are off (NODE_ENV=production or DEMO_MODE=false)',
      '',
    );
  }
  lines.push(
    `  日志 Logs        ${relative(ROOT, LOG_DIR)}/<app>.log`,
    '  按 Ctrl-C 停止 · Press Ctrl-C to stop',
    rule,
    '',
  );
  console.log(lines.join('\n'));
}
