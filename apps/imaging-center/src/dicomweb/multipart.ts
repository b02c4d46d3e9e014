import { createHash, randomUUID } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { type MultipartError, make } from 'multipasta';

/** A media type with its parameters (names lower-case, values unquoted). */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** A media range of an Accept header, with its weight. */
export interface MediaRange extends MediaType {
  q: number;
}

/** Parses `type/subtype; name=value; name="quoted value"`. */
export function parseMediaType(header: string): MediaType {
  const [type, ...rest] = splitOutsideQuotes(header, ';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    params[name] = value;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The media ranges of an Accept header, most wanted first; no header is `*\/*`. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*/*', params: {}, q: 1 }];
  return splitOutsideQuotes(header, ',')
    .filter((range) => range.trim() !== '')
    .map((range) => {
      const { type, params } = parseMediaType(range);
      const { q, ...others } = params;
      const weight = q === undefined ? 1 : Number(q);
      return { type, params: others, q: Number.isFinite(weight) ? weight : 0 };
    })
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q);
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** A body part received to a staged file. */
export interface ReceivedPart {
  /** 1-based position in the request. */
  index: number;
  /** The part's Content-Type (lower-case, without parameters); undefined when it had none. */
  contentType?: string;
  /** The staged file holding the part's bytes. */
  path: string;
  size: number;
  /** Hex SHA-256 of the part's bytes. */
  sha256: string;
}

/** The multipart body is not well formed: nothing in it was taken. */
export class MalformedMultipartError extends Error {}

interface StagedPart {
  index: number;
  contentType?: string;
  path: string;
  size: number;
  hash: ReturnType<typeof createHash>;
  handle?: FileHandle;
  /** Writes of this part, one after the other. */
  writing: Promise<void>;
  done: boolean;
}

/**
 * Reads a `multipart/related` body as it arrives, each part into a staged file from `stagingPath`.
 * The next chunk of the body is read only when the previous one is on disk, so a large request
 * holds about one chunk in memory. On any failure (a malformed body, the client going away, a
 * write failing) the staged files are removed and the error is rethrown.
 * @throws MalformedMultipartError when the body is not a well-formed multipart body
 */
export async function receiveMultipart(
  body: AsyncIterable<Buffer>,
  contentType: string,
  stagingPath: () => string,
): Promise<ReceivedPart[]> {
  const parts: StagedPart[] = [];
  let malformed: string | undefined;
  let finished = false;
  const parser = make({
    headers: { 'content-type': contentType },
    // DICOMweb parts have no Content-Disposition: every part is taken as a file.
    isFile: () => true,
    onField: () => undefined,
    onFile: (info) => {
      const declared = info.headers['content-type'];
      const part: StagedPart = {
        index: parts.length + 1,
        contentType: declared === undefined ? undefined : info.contentType,
        path: stagingPath(),
        size: 0,
        hash: createHash('sha256'),
        writing: Promise.resolve(),
        done: false,
      };
      part.writing = open(part.path, 'wx').then((handle) => {
        part.handle = handle;
      });
      parts.push(part);
      return (chunk) => {
        if (chunk === null) {
          part.done = true;
          part.writing = part.writing.then(async () => {
            const handle = part.handle;
            part.handle = undefined;
            // On disk before it is put in place and acknowledged.
            await handle?.datasync();
            await handle?.close();
          });
          return;
        }
        // multipasta hands out views of its buffers: keep a copy until it is written.
        const copy = Buffer.from(chunk);
        part.size += copy.length;
        part.hash.update(copy);
        part.writing = part.writing.then(() => writeAll(part.handle, copy));
      };
    },
    onError: (error) => {
      malformed ??= describeMultipartError(error);
    },
    onDone: () => {
      finished = true;
    },
  });
  try {
    for await (const chunk of body) {
      if (finished || malformed) continue; // drain the epilogue or a body already refused
      parser.write(chunk);
      await Promise.all(parts.map((part) => part.writing));
    }
    parser.end();
    await Promise.all(parts.map((part) => part.writing));
    if (malformed) throw new MalformedMultipartError(malformed);
    if (!finished || parts.some((part) => !part.done))
      throw new MalformedMultipartError('the body ends before its closing boundary');
  } catch (error) {
    await Promise.allSettled(parts.map((part) => part.writing));
    await Promise.allSettled(
      parts.map(async (part) => {
        await part.handle?.close();
        await rm(part.path, { force: true });
      }),
    );
    throw error;
  }
  return parts.map((part) => ({
    index: part.index,
    ...(part.contentType === undefined ? {} : { contentType: part.contentType }),
    path: part.path,
    size: part.size,
    sha256: part.hash.digest('hex'),
  }));
}

async function writeAll(handle: FileHandle | undefined, data: Buffer): Promise<void> {
  if (!handle) throw new Error('the staged file is not open');
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

function describeMultipartError(error: MultipartError): string {
  switch (error._tag) {
    case 'InvalidBoundary':
      return 'the Content-Type has no boundary parameter';
    case 'BadHeaders':
      return 'a part has malformed headers';
    case 'InvalidDisposition':
      return 'a part has an invalid Content-Disposition';
    case 'ReachedLimit':
      return `the body is too large (${error.limit})`;
    case 'EndNotReached':
      return 'the body ends before its closing boundary';
  }
}

/** One part of a multipart answer: its headers and its bytes (a buffer or a stream of them). */
export interface OutgoingPart {
  contentType: string;
  contentLocation?: string;
  length?: number;
  body: Buffer | (() => Readable);
}

/** A fresh boundary that cannot occur in DICOM data by chance. */
export function newBoundary(): string {
  return `hub-dicomweb-${randomUUID()}`;
}

/**
 * A `multipart/related` body streamed part after part; a stream part is opened only when its turn
 * comes, and the consumer's pace is respected (Readable.from).
 */
export function multipartBody(boundary: string, parts: AsyncIterable<OutgoingPart>): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const part of parts) {
      const headers = [`--${boundary}`, `Content-Type: ${part.contentType}`];
      if (part.contentLocation) headers.push(`Content-Location: ${part.contentLocation}`);
      if (part.length !== undefined) headers.push(`Content-Length: ${part.length}`);
      yield Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1');
      if (Buffer.isBuffer(part.body)) yield part.body;
      else for await (const chunk of part.body()) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return Readable.from(chunks(), { objectMode: false });
}
