import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const APPS = ['gateway', 'lab-center', 'imaging-center', 'ecg-center', 'pathology-center'] as const;
type AppName = (typeof APPS)[number];

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hub_test';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A private Redis server for one e2e run, so a test can stop and restart it without touching the
 * machine's Redis (and whatever else uses it).
 */
export class PrivateRedis {
  private process?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const started = this.process;
    await waitFor(
      async () => started.exitCode === null && (await tcpOpen(this.port)),
      `redis-server on port ${this.port}`,
      10_000,
    );
  }

  async stop(): Promise<void> {
    const running = this.process;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The five compiled apps running against the test database and a private Redis. */
export class RunningHub {
  readonly output: Record<string, string[]> = {};
  private readonly children = new Map<AppName, ChildProcess>();

  constructor(
    readonly redis: PrivateRedis,
    readonly ports: Record<AppName, number>,
    readonly prefix: string,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  get fhirUrl(): string {
    return `${this.baseUrl}/fhir`;
  }

  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'test',
      NODE_OPTIONS: '',
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: this.redis.url,
      REDIS_PREFIX: this.prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      PORT: String(this.ports.gateway),
      LAB_PORT: String(this.ports['lab-center']),
      IMAGING_PORT: String(this.ports['imaging-center']),
      ECG_PORT: String(this.ports['ecg-center']),
      PATHOLOGY_PORT: String(this.ports['pathology-center']),
      OUTBOX_POLL_MS: '200',
    };
  }

  async start(): Promise<void> {
    for (const app of APPS) {
      const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
      if (!existsSync(entry))
        throw new Error(`${entry} is missing: run "npm run build" first (npm test does it)`);
      const child = spawn(process.execPath, [entry], {
        env: this.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = (this.output[app] = []);
      const keep = (chunk: Buffer) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        if (lines.length > 400) lines.splice(0, lines.length - 400);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      this.children.set(app, child);
    }
    try {
      await waitFor(
        async () => (await fetch(`${this.baseUrl}/health`)).status === 200,
        'the hub to become healthy',
        60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    }
  }

  /** Recent output of every app, for a failure message. */
  describe(): string {
    return APPS.map(
      (app) =>
        `--- ${app} (exit ${this.children.get(app)?.exitCode ?? 'running'})\n${(this.output[app] ?? []).slice(-15).join('\n')}`,
    ).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Starts a private Redis and the five apps on free ports. */
export async function startHub(): Promise<RunningHub> {
  const redis = new PrivateRedis(await freePort());
  await redis.start();
  const ports = {} as Record<AppName, number>;
  for (const app of APPS) ports[app] = await freePort();
  const hub = new RunningHub(redis, ports, `e2e${process.pid}`);
  try {
    await hub.start();
  } catch (error) {
    await hub.stop();
    await redis.stop();
    throw error;
  }
  return hub;
}

/** Polls `read` until `accept` holds for its result, or fails with the last value seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      last = error as T;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 500)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
