import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MalformedMultipartError,
  parseAccept,
  parseMediaType,
  receiveMultipart,
} from './multipart';

describe('multipart/related', () => {
  let dir: string;
  let n = 0;
  const stage = () => join(dir, `${++n}.part`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'multipart-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const body = (boundary: string, parts: Array<{ headers: string; bytes: Buffer }>) =>
    Buffer.concat([
      ...parts.flatMap((p) => [
        Buffer.from(`--${boundary}\r\n${p.headers}\r\n\r\n`),
        p.bytes,
        Buffer.from('\r\n'),
      ]),
      Buffer.from(`--${boundary}--\r\n`),
    ]);

  /** The body in pieces of `size` bytes, as a slow network delivers it. */
  async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it('stages each part byte for byte however the body is cut, with its type and hash', async () => {
    // Bytes that look like the start of a delimiter (CRLF "--") must pass through untouched.
    const first = Buffer.concat([Buffer.from('\r\n--b\r\n-\r\n--'), Buffer.alloc(3000, 7)]);
    const second = Buffer.from('DICM\r\n\r\n');
    const request = body('x', [
      { headers: 'Content-Type: application/dicom', bytes: first },
      { headers: 'Content-ID: <2>', bytes: second },
    ]);
    for (const size of [1, 7, 64 * 1024]) {
      const parts = await receiveMultipart(
        inPieces(request, size),
        'multipart/related; type="application/dicom"; boundary=x',
        stage,
      );
      expect(parts.map((p) => [p.index, p.contentType, p.size])).toEqual([
        [1, 'application/dicom', first.length],
        [2, undefined, second.length],
      ]);
      expect(await readFile(parts[0].path)).toEqual(first);
      expect(await readFile(parts[1].path)).toEqual(second);
      expect(parts[0].sha256).toBe(createHash('sha256').update(first).digest('hex'));
    }
  });

  it('refuses a body without its closing boundary and leaves no staged file', async () => {
    const cut = Buffer.from('--x\r\nContent-Type: application/dicom\r\n\r\nDICM and then nothing');
    await expect(
      receiveMultipart(inPieces(cut, 5), 'multipart/related; boundary=x', stage),
    ).rejects.toThrow(MalformedMultipartError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the staged files when the client goes away', async () => {
    async function* aborted(): AsyncGenerator<Buffer> {
      yield Buffer.from('--x\r\nContent-Type: application/dicom\r\n\r\nsome bytes');
      throw new Error('aborted');
    }
    await expect(
      receiveMultipart(aborted(), 'multipart/related; boundary=x', stage),
    ).rejects.toThrow('aborted');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reads media types and Accept headers with quoted parameters and weights', () => {
    expect(parseMediaType('Multipart/Related; type="application/dicom"; boundary=abc')).toEqual({
      type: 'multipart/related',
      params: { type: 'application/dicom', boundary: 'abc' },
    });
    expect(
      parseAccept(
        'image/jpeg;q=0.5, multipart/related; type="application/dicom"; transfer-syntax=*, image/gif;q=0',
      ),
    ).toEqual([
      {
        type: 'multipart/related',
        params: { type: 'application/dicom', 'transfer-syntax': '*' },
        q: 1,
      },
      { type: 'image/jpeg', params: {}, q: 0.5 },
    ]);
    expect(parseAccept(undefined)).toEqual([{ type: '*/*', params: {}, q: 1 }]);
  });
});
