// npm start: install what is missing, build, create and migrate the database, seed the demo
// consortium, start the five apps, wait until they are healthy and print where to find them.
// Ctrl-C (or SIGTERM) stops all of them.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, ROOT, entryOf, portOf } from './lib/apps.mjs';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  build,
  checkServices,
  demoMode,
  installIfNeeded,
  migrateAll,
  say,
  seed,
} from './lib/setup.mjs';

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const LOG_DIR = join(ROOT, '.run', 'logs');

installIfNeeded();
build();
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
await checkServices(databaseUrl, redisUrl);
const applied = await migrateAll(
  databaseUrl,
  APPS.map((a) => a.name),
);
const count = Object.values(applied).flat().length;
say(count ? `applied ${count} migration(s)` : 'database schema up to date');
const demo = demoMode();
const seeded = await seed(databaseUrl, demo);
say(seeded.created ? 'seeded the demo consortium' : 'consortium data present');

mkdirSync(LOG_DIR, { recursive: true });
const children = new Map();
let stopping = false;

function logTail(app, lines = 20) {
  try {
    return readFileSync(join(LOG_DIR, `${app}.log`), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

for (const { name } of APPS) {
  const log = createWriteStream(join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [entryOf(name)], {
    cwd: ROOT,
    env: { ...process.env, DEMO_MODE: String(demo) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.set(name, child);
  say(`started ${name} (pid ${child.pid}, log .run/logs/${name}.log)`);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(
      `\n✖ ${name} exited unexpectedly (${signal ?? `code ${code}`}). Last lines of its log:\n${logTail(name)}`,
    );
    void stopAll(1);
  });
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  say('stopping all apps…');
  await Promise.all(
    [...children.entries()].map(([, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }),
  );
  say('stopped');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

// Wait until every app answers /health with 200 (the gateway's covers PostgreSQL, Redis and the centres).
const deadline = Date.now() + HEALTH_TIMEOUT_MS;
const pending = new Set(APPS.map((a) => a.name));
while (pending.size && Date.now() < deadline && !stopping) {
  for (const app of [...pending]) {
    try {
      const response = await fetch(`http://127.0.0.1:${portOf(app)}/health`, {
        signal: AbortSignal.timeout(3000),
      });
      if (response.status === 200) {
        pending.delete(app);
        say(`${app} is healthy`);
      }
    } catch {
      // not listening yet
    }
  }
  if (pending.size) await new Promise((resolve) => setTimeout(resolve, 500));
}
if (stopping) await new Promise(() => undefined);
if (pending.size) {
  for (const app of pending)
    console.error(
      `\n✖ ${app} did not become healthy within ${HEALTH_TIMEOUT_MS / 1000} s. Last lines of its log:\n${logTail(app)}`,
    );
  await stopAll(1);
}

const base = `http://127.0.0.1:${portOf('gateway')}`;
const lines = [
  '',
  '  医共体诊断协同平台 Consortium Diagnostic Hub — 已启动 running',
  '',
  `  网关 Gateway           ${base}`,
  `  FHIR R4               ${base}/fhir   (CapabilityStatement: ${base}/fhir/metadata)`,
  `  健康检查 Health        ${base}/health`,
  `  队列监控 Queues        ${base}/admin/queues   (itops or admin)`,
  `  令牌 Tokens            POST ${base}/auth/token (client credentials) · POST ${base}/auth/login`,
  `  检验结果 Lab results   POST ${base}/api/lab/results`,
  '',
];
if (demo) {
  lines.push(
    '  演示账号 Demo credentials (demo mode only)',
    '    clients  clinic-a / clinic-a-secret     clinic-b / clinic-b-secret     lab-analyser / lab-analyser-secret',
    '    users    radiologist, cardiologist, labtech, labdoc, pathologist, clinic-a-doctor, itops, admin',
    '             password: demo-password',
    '',
  );
}
lines.push('  Logs: .run/logs/<app>.log    按 Ctrl-C 停止 Press Ctrl-C to stop', '');
console.log(lines.join('\n'));
