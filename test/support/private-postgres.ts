import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './hub-harness';

const run = promisify(execFile);

/** How `stop()` ends the server: `fast` is a clean shutdown, `immediate` a crash (recovery on start). */
export type PostgresStopMode = 'fast' | 'immediate';

/**
 * A PostgreSQL cluster private to a test run (initdb in a temp directory, trust authentication,
 * 127.0.0.1 on a free port, no Unix socket), so a test can stop or crash PostgreSQL without
 * touching the machine's server that other tests use.
 *
 * PostgreSQL refuses to run as root: as root, the binaries run as the `postgres` OS user (via
 * `runuser`) on a directory owned by it; otherwise they run as the current user. The binaries are
 * taken from PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else PATH.
 */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'hub-pg-'));
  private readonly dataDir = join(this.dir, 'data');
  private readonly logFile = join(this.dir, 'postgres.log');
  private initialized = false;

  private constructor(readonly port: number) {}

  /** A cluster on a free port, initialised and started. */
  static async create(): Promise<PrivatePostgres> {
    const postgres = new PrivatePostgres(await freePort());
    try {
      await postgres.start();
    } catch (error) {
      await postgres.destroy();
      throw error;
    }
    return postgres;
  }

  /** The URL of `database` on this server (user postgres, trust). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server (initialising the cluster the first time); resolves once it accepts connections. */
  async start(): Promise<void> {
    if (!this.initialized) await this.initdb();
    await this.pgCtl(['start', '-w', '-t', '30', '-l', this.logFile]);
  }

  /** Stops the server: `fast` (clean) or `immediate` (as if it crashed). */
  async stop(options: { mode?: PostgresStopMode } = {}): Promise<void> {
    if (!this.initialized) return;
    await this.pgCtl(['stop', '-w', '-t', '30', '-m', options.mode ?? 'fast']);
  }

  async restart(options: { mode?: PostgresStopMode } = {}): Promise<void> {
    await this.stop(options);
    await this.start();
  }

  /** Whether the server is running (pg_ctl status). */
  async running(): Promise<boolean> {
    if (!this.initialized) return false;
    return this.pgCtl(['status']).then(
      () => true,
      () => false,
    );
  }

  /** Stops the server if it runs and removes the cluster. */
  async destroy(): Promise<void> {
    if (await this.running()) await this.stop({ mode: 'immediate' }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's log, for a failure message. */
  logTail(lines = 30): string {
    return existsSync(this.logFile)
      ? readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n')
      : '';
  }

  private async initdb(): Promise<void> {
    if (asRoot()) {
      const { uid, gid } = localUser('postgres');
      chownSync(this.dir, uid, gid);
    }
    await this.exec('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    // fsync off: the machine does not crash under a test, the server does. synchronous_commit
    // stays on, or an `immediate` stop (a crash) would lose commits the apps were told of. Five
    // apps with a pool each, and the tests' own clients, need more than 100 connections at times.
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `port = ${this.port}`,
        "unix_socket_directories = ''",
        'fsync = off',
        'full_page_writes = off',
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    this.initialized = true;
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.exec('pg_ctl', ['-D', this.dataDir, ...args]);
  }

  private async exec(binary: string, args: string[]): Promise<void> {
    const path = join(binDir(), binary);
    const [file, argv] = asRoot()
      ? ['runuser', ['-u', 'postgres', '--', path, ...args]]
      : [path, args];
    try {
      await run(file, argv, { cwd: this.dir, timeout: 60_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(
        `${binary} ${args.join(' ')} failed: ${stderr || stdout || String(error)}\n${this.logTail()}`,
      );
    }
  }
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid and gid of a local user, from /etc/passwd. */
function localUser(name: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith(`${name}:`));
  if (!line)
    throw new Error(`running as root, PostgreSQL needs the "${name}" OS user, which is missing`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((entry) => existsSync(join(base, entry, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], 'bin');
  }
  return ''; // PATH
}
