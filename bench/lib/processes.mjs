// The processes the benchmarks start: the bare echo server and the five compiled hub apps, on free
// loopback ports, each stopped with SIGTERM (SIGKILL after a grace period) and awaited.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { APP_NAMES, entryOf } from '../../scripts/lib/apps.mjs';

const STOP_GRACE_MS = 10_000;
const HEALTH_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then SIGKILL if the process has not exited after the grace period. */
export async function stopProcess(child, graceMs = STOP_GRACE_MS) {
  // Not started (spawn failed: no 'exit' will come), or gone already.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last lines a process printed, for a failure message. */
export function keepOutput(child) {
  const lines = [];
  const keep = (chunk) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return lines;
}

/**
 * Starts an echo server (bench/echo-server.mjs, the MLLP one, unless `script` names another) and
 * resolves once it says which port it listens on.
 */
export function startEchoServer(
  script = fileURLToPath(new URL('../echo-server.mjs', import.meta.url)),
) {
  const child = spawn(process.execPath, [script, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutput(child);
  return new Promise((resolve, reject) => {
    const onExit = (code) =>
      reject(new Error(`echo server exited with ${code}: ${output.join('\n')}`));
    child.once('exit', onExit);
    child.stdout.on('data', () => {
      const port = output.map((line) => /^listening (\d+)$/.exec(line)?.[1]).find(Boolean);
      if (!port) return;
      child.off('exit', onExit);
      resolve({ port: Number(port), stop: () => stopProcess(child) });
    });
  });
}

/**
 * Starts the five compiled apps against `databaseUrl` and Redis under `prefix` on free ports;
 * `env` adds or overrides variables (e.g. the imaging centre's DATA_DIR).
 * Returns at once, so the caller can arrange to stop them before waiting for `ready()`.
 */
export async function launchHub({ databaseUrl, redisUrl, prefix, env: extra = {} }) {
  const ports = {};
  for (const name of [...APP_NAMES, 'hl7']) ports[name] = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    NODE_OPTIONS: '',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PORT: String(ports.gateway),
    HL7_PORT: String(ports.hl7),
    LAB_PORT: String(ports['lab-center']),
    IMAGING_PORT: String(ports['imaging-center']),
    ECG_PORT: String(ports['ecg-center']),
    PATHOLOGY_PORT: String(ports['pathology-center']),
    // Only HTTP is rate-limited (MLLP is not); the API limit is the most the gateway accepts, so
    // neither the DICOMweb benchmark nor /health polling is ever throttled.
    AUTH_RATE_PER_MINUTE: '1000',
    API_RATE_PER_MINUTE: '1000000',
    ...extra,
  };
  const apps = APP_NAMES.map((name) => {
    const child = spawn(process.execPath, [entryOf(name)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { name, child, output: keepOutput(child) };
  });
  const exited = () =>
    apps.find(({ child }) => child.exitCode !== null || child.signalCode !== null);
  const describe = () =>
    apps
      .map(
        ({ name, child, output }) =>
          `--- ${name} (exit ${child.exitCode ?? child.signalCode ?? 'running'})\n${output.slice(-15).join('\n')}`,
      )
      .join('\n');

  return {
    hl7Port: ports.hl7,
    gatewayPort: ports.gateway,
    /** Each app's name and process id (node runs the app itself: no wrapper in between). */
    processes: () => apps.map(({ name, child }) => ({ name, pid: child.pid })),
    /** The first app that has exited, if any. */
    exited,
    /** Recent output of every app, for a failure message. */
    describe,
    stop: () => Promise.all(apps.map(({ child }) => stopProcess(child))),
    /** Resolves once the gateway's /health answers 200 (database, Redis and centres up). */
    async ready(signal) {
      const deadline = Date.now() + HEALTH_TIMEOUT_MS;
      for (;;) {
        if (signal?.aborted) return;
        const dead = exited();
        if (dead) throw new Error(`${dead.name} exited during start-up\n${describe()}`);
        const healthy = await fetch(`http://127.0.0.1:${ports.gateway}/health`)
          .then((response) => response.status === 200)
          .catch(() => false);
        if (healthy) return;
        if (Date.now() > deadline)
          throw new Error(
            `the hub was not healthy within ${HEALTH_TIMEOUT_MS / 1000} s\n${describe()}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
