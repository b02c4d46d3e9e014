import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { FilesystemInstanceStore } from './filesystem-instance-store';
import { instanceKey } from './instance-store';

describe('filesystem instance store', () => {
  let dataDir: string;
  let store: FilesystemInstanceStore;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'store-'));
    store = new FilesystemInstanceStore(dataDir);
    await store.init();
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('puts a staged file in place and reads, streams, sizes and deletes it', async () => {
    const staged = store.stagingPath();
    await writeFile(staged, 'DICM bytes');
    const key = instanceKey('1.2.3', '1.2.3.4', '1.2.3.4.5');
    expect(key).toBe('1.2.3/1.2.3.4/1.2.3.4.5.dcm');
    await store.put(key, staged);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect((await store.read(key)).toString()).toBe('DICM bytes');
    expect(await text(store.openReadStream(key))).toBe('DICM bytes');
    expect(await store.size(key)).toBe(10);
    await store.delete(key);
    await expect(store.read(key)).rejects.toThrow(/ENOENT/);
    await store.delete(key);
  });

  it('refuses keys that are not UIDs, so none leaves the archive', async () => {
    expect(() => instanceKey('1.2', '../..', '1.3')).toThrow(/not a DICOM UID/);
    await expect(store.read('../../etc/passwd')).rejects.toThrow(/not an instance key/);
    await expect(store.discardStaged('/etc/hosts')).rejects.toThrow(/not a staged upload/);
  });

  it('sweeps staged files a crash left a day ago, not fresh ones', async () => {
    const old = store.stagingPath();
    const fresh = store.stagingPath();
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(old, twoDaysAgo, twoDaysAgo);
    await new FilesystemInstanceStore(dataDir).init();
    await expect(stat(old)).rejects.toThrow(/ENOENT/);
    expect((await stat(fresh)).isFile()).toBe(true);
  });
});
