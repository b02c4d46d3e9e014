import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { type InstanceStore } from './instance-store';

/** Staged uploads older than this are left over from a crash and swept at start. */
const STALE_STAGED_MS = 24 * 3600_000;
const KEY = /^[0-9.]+\/[0-9.]+\/[0-9.]+\.dcm$/;

/**
 * Instances as files under `<DATA_DIR>/instances/<study>/<series>/<sop>.dcm`; uploads are staged in
 * `<DATA_DIR>/tmp` (the same filesystem, so putting one in place is a `rename`).
 */
export class FilesystemInstanceStore implements InstanceStore {
  private readonly logger = new Logger(FilesystemInstanceStore.name);
  private readonly instances: string;
  private readonly staging: string;

  constructor(dataDir: string) {
    this.instances = join(dataDir, 'instances');
    this.staging = join(dataDir, 'tmp');
  }

  /** Creates the directories and sweeps staged files a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.instances, { recursive: true });
    await mkdir(this.staging, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(this.staging)) {
      const path = join(this.staging, name);
      const info = await stat(path).catch(() => undefined);
      // Other replicas share the directory: only files no upload can still be writing go.
      if (info && now - info.mtimeMs > STALE_STAGED_MS) {
        await rm(path, { force: true });
        this.logger.warn({ path }, 'removed a stale staged upload');
      }
    }
  }

  stagingPath(): string {
    return join(this.staging, `${randomUUID()}.part`);
  }

  async put(key: string, stagedFile: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(stagedFile, target);
  }

  async discardStaged(stagedFile: string): Promise<void> {
    if (dirname(stagedFile) !== this.staging)
      throw new Error(`${stagedFile} is not a staged upload`);
    await rm(stagedFile, { force: true });
  }

  async read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  openReadStream(key: string): Readable {
    return createReadStream(this.path(key));
  }

  async size(key: string): Promise<number> {
    return (await stat(this.path(key))).size;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`not an instance key: ${key}`);
    return join(this.instances, key);
  }
}
