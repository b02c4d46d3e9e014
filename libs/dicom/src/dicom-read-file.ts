import { type FileHandle, open } from 'node:fs/promises';
import {
  DicomParseError,
  IncompletePrefix,
  type ParsedInstance,
  parseInstance,
} from './dicom-parse';

/** Files up to this size are read whole; larger ones only up to their Pixel Data. */
export const WHOLE_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** The first read of a large file; doubled until the header fits. */
export const FIRST_READ_BYTES = 256 * 1024;

/**
 * Parses the Part 10 file at `path` without holding a large one in memory: a file over
 * {@link WHOLE_FILE_MAX_BYTES} (a whole-slide image, a long multi-frame CT) is read only up to its
 * Pixel Data element, and an encapsulated Pixel Data is measured by walking its items' headers in
 * the file. dicom-parser works on buffers only, hence this step of our own; it stops parsing at
 * the Pixel Data (`untilTag`) for us. Attributes after the Pixel Data (trailing padding, digital
 * signatures) are not read from such a file.
 *
 * `wholeFileMax` and `firstRead` (bytes) are there for tests.
 * `whole` tells whether `parsed.bytes` is the whole file (for a small file) or only its start.
 * @throws DicomParseError as {@link parseInstance} does.
 */
export async function readInstanceFile(
  path: string,
  { wholeFileMax = WHOLE_FILE_MAX_BYTES, firstRead = FIRST_READ_BYTES } = {},
): Promise<{ parsed: ParsedInstance; whole: boolean }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    for (let length = Math.min(firstRead, size); ; length = Math.min(length * 2, size)) {
      const whole = size <= wholeFileMax || length === size;
      const bytes = await readAt(file, 0, whole ? size : length);
      try {
        const parsed = parseInstance(bytes, size);
        if (parsed.pixelData && Number.isNaN(parsed.pixelData.length))
          parsed.pixelData.length = await encapsulatedLength(file, parsed.pixelData.offset, size);
        return { parsed, whole };
      } catch (error) {
        if (!(error instanceof IncompletePrefix)) throw error;
      }
    }
  } finally {
    await file.close();
  }
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/**
 * The length of an encapsulated Pixel Data value starting at `offset` (PS3.5 A.4): items
 * (FFFE,E000) each with its length, up to and including the Sequence Delimitation Item
 * (FFFE,E0DD), as dicom-parser counts it. Encapsulated syntaxes are little endian.
 */
async function encapsulatedLength(file: FileHandle, offset: number, size: number): Promise<number> {
  let position = offset;
  for (;;) {
    if (position + 8 > size)
      throw new DicomParseError(
        'the file is truncated: the encapsulated Pixel Data (7fe0,0010) has no sequence delimiter',
      );
    const header = await readAt(file, position, 8);
    const group = header.readUInt16LE(0);
    const element = header.readUInt16LE(2);
    const itemLength = header.readUInt32LE(4);
    position += 8;
    if (group === 0xfffe && element === 0xe0dd) return position - offset;
    if (group !== 0xfffe || element !== 0xe000)
      throw new DicomParseError(
        `the encapsulated Pixel Data (7fe0,0010) holds (${hex(group)},${hex(element)}) where an item was expected`,
      );
    if (itemLength === 0xffffffff || position + itemLength > size)
      throw new DicomParseError(
        'the file is truncated: an item of the encapsulated Pixel Data (7fe0,0010) runs past its end',
      );
    position += itemLength;
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(4, '0');
}
