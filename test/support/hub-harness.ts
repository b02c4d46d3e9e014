import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';

const ROOT = join(__dirname, '..', '..');
export const APPS = [
  'gateway',
  'lab-center',
  'imaging-center',
  'ecg-center',
  'pathology-center',
] as const;
export type AppName = (typeof APPS)[number];

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

/** A failure that no amount of waiting will fix (a process exited). */
class StartupFailed extends Error {}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await check().catch((error: unknown) => {
      if (error instanceof StartupFailed) throw error;
      return false;
    });
    if (ready) return;
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
  /** Where a persistent Redis keeps its append-only file (removed with `stop`). */
  private dir?: string;

  /**
   * @param persistent keep an append-only file fsynced on every write (`appendfsync always`), as a
   * production Redis under BullMQ must; a restart then keeps every queued job. Without it (the
   * default for e2e runs) a restart loses them all.
   */
  constructor(
    readonly port: number,
    readonly persistent = false,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence = this.persistent
      ? [
          '--dir',
          (this.dir ??= mkdtempSync(join(tmpdir(), 'hub-e2e-redis-'))),
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--maxmemory-policy',
          'noeviction',
        ]
      : ['--appendonly', 'no'];
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      {
        stdio: 'ignore',
      },
    );
    const started = this.process;
    await waitFor(
      async () => started.exitCode === null && (await redisLoaded(this.port)),
      `redis-server on port ${this.port}`,
      10_000,
    );
  }

  /**
   * Stops Redis with `signal`: SIGTERM is a graceful shutdown (Redis flushes its append-only file
   * first), SIGKILL a crash.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const running = this.process;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  }

  /** Stops Redis (gracefully or not) and starts it again on the same port and files. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** True once Redis answers PING with PONG (not LOADING while it replays its append-only file). */
function redisLoaded(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      socket.end();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Loads a module of the compiled hub (dist/): the e2e suite prepares its database with exactly the
 * code `npm start` runs.
 */
function loadCompiled<T>(...path: string[]): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ROOT, 'dist', ...path)) as T;
}

/**
 * A database of its own for one e2e run, migrated with the real (compiled) migrations and seeded,
 * dropped afterwards: runs never see each other's rows or outbox.
 */
export class PrivateDatabase {
  readonly url: string;

  /** `serverUrl`: any database on the server to use (default: TEST_DATABASE_URL's server). */
  constructor(
    readonly name: string,
    private readonly serverUrl = TEST_DATABASE_URL,
  ) {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    this.url = url.toString();
  }

  async create(): Promise<void> {
    const { ensureDatabase, migrateAppSchema } = loadCompiled<typeof import('@hub/persistence')>(
      'libs',
      'persistence',
      'src',
      'index.js',
    );
    await this.drop();
    await ensureDatabase(this.url);
    for (const app of APPS) {
      const { buildDataSource, SCHEMA } = loadCompiled<{
        buildDataSource(url: string): import('typeorm').DataSource;
        SCHEMA: string;
      }>('apps', app, 'src', 'data-source.js');
      await migrateAppSchema(buildDataSource(this.url), SCHEMA);
    }
    const gateway = loadCompiled<{
      buildDataSource(url: string): import('typeorm').DataSource;
    }>('apps', 'gateway', 'src', 'data-source.js');
    const { seedDemo } = loadCompiled<{
      seedDemo(
        dataSource: import('typeorm').DataSource,
        options: { demo: boolean },
      ): Promise<unknown>;
    }>('apps', 'gateway', 'src', 'seed', 'seed.js');
    const dataSource = gateway.buildDataSource(this.url);
    await dataSource.initialize();
    try {
      await seedDemo(dataSource, { demo: true });
    } finally {
      await dataSource.destroy();
    }
  }

  async drop(): Promise<void> {
    const admin = new PgClient({ connectionString: this.serverUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

/** The five compiled apps running against a private database and a private Redis. */
export class RunningHub {
  readonly output: Record<string, string[]> = {};
  private readonly children = new Map<AppName, ChildProcess>();

  constructor(
    readonly redis: PrivateRedis,
    readonly database: PrivateDatabase,
    readonly ports: Record<AppName, number>,
    readonly prefix: string,
    private readonly overrides: Record<string, string> = {},
  ) {}

  /** The gateway's MLLP port. */
  hl7Port = 0;

  /** The imaging archive's storage, private to this hub and removed with it. */
  readonly dataDir = mkdtempSync(join(tmpdir(), 'hub-e2e-data-'));

  /** The hub's database, for assertions on what was (not) stored. */
  get databaseUrl(): string {
    return this.database.url;
  }

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
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      REDIS_PREFIX: this.prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      PORT: String(this.ports.gateway),
      HL7_PORT: String(this.hl7Port),
      LAB_PORT: String(this.ports['lab-center']),
      IMAGING_PORT: String(this.ports['imaging-center']),
      ECG_PORT: String(this.ports['ecg-center']),
      PATHOLOGY_PORT: String(this.ports['pathology-center']),
      OUTBOX_POLL_MS: '200',
      DATA_DIR: this.dataDir,
      // The suite signs in far more often than a person would; the limits have their own tests.
      AUTH_RATE_PER_MINUTE: process.env.TEST_AUTH_RATE_PER_MINUTE ?? '1000',
      ...this.overrides,
    };
  }

  async start(): Promise<void> {
    for (const app of APPS) this.spawnApp(app);
    try {
      await waitFor(
        async () => {
          const exited = [...this.children.entries()].find(([, child]) => child.exitCode !== null);
          if (exited)
            throw new StartupFailed(
              `${exited[0]} exited with code ${exited[1].exitCode} during start-up`,
            );
          return (await fetch(`${this.baseUrl}/health`)).status === 200;
        },
        'the hub to become healthy',
        60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    }
  }

  private spawnApp(app: AppName): ChildProcess {
    const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
    if (!existsSync(entry))
      throw new Error(`${entry} is missing: run "npm run build" first (npm test does it)`);
    const child = spawn(process.execPath, [entry], {
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = (this.output[app] ??= []);
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (lines.length > 400) lines.splice(0, lines.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.children.set(app, child);
    return child;
  }

  /** Sends `signal` to one app (SIGKILL: a crash, nothing flushed) and waits until it is gone. */
  async kill(app: AppName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(app);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /**
   * Starts one app again (after `kill`) with the same environment and ports, and waits until its
   * `/health` answers 200 (the gateway's on `PORT`, a centre's on its own port).
   */
  async restart(app: AppName): Promise<void> {
    await this.kill(app, 'SIGTERM');
    const child = this.spawnApp(app);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null)
            throw new StartupFailed(`${app} exited with code ${child.exitCode} on restart`);
          return (await fetch(`http://127.0.0.1:${this.ports[app]}/health`)).status === 200;
        },
        `${app} to become healthy again`,
        120_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    }
  }

  /** The apps whose process is no longer running (crashed, or killed and not restarted). */
  exited(): AppName[] {
    return APPS.filter((app) => {
      const child = this.children.get(app);
      return !child || child.exitCode !== null || child.signalCode !== null;
    });
  }

  /** Recent output of every app, for a failure message. */
  describe(): string {
    return APPS.map(
      (app) =>
        `--- ${app} (exit ${this.children.get(app)?.exitCode ?? 'running'})\n${(this.output[app] ?? []).slice(-15).join('\n')}`,
    ).join('\n');
  }

  /** Stops the apps, Redis and drops the database. */
  async shutdown(): Promise<void> {
    await this.stop();
    await this.redis.stop();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Stops the five apps. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

let hubs = 0;

/**
 * Starts a private Redis, a private database and the five apps on free ports. `postgres` puts the
 * database on another server (a `PrivatePostgres`, or a URL of any database on it) instead of
 * TEST_DATABASE_URL's.
 */
export async function startHub(
  options: {
    env?: Record<string, string>;
    postgres?: { url(): string } | string;
    /** Run Redis as production must: append-only file, fsync on every write (see PrivateRedis). */
    persistentRedis?: boolean;
  } = {},
): Promise<RunningHub> {
  const redis = new PrivateRedis(await freePort(), options.persistentRedis ?? false);
  await redis.start();
  const server = typeof options.postgres === 'object' ? options.postgres.url() : options.postgres;
  const database = new PrivateDatabase(`hub_e2e_${process.pid}_${++hubs}`, server);
  await database.create();
  const ports = {} as Record<AppName, number>;
  for (const app of APPS) ports[app] = await freePort();
  const hub = new RunningHub(redis, database, ports, `e2e${process.pid}`, options.env ?? {});
  hub.hl7Port = await freePort();
  try {
    await hub.start();
  } catch (error) {
    await hub.shutdown();
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
