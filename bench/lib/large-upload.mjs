// The memory benchmark's large upload: Part 10 instances of a given size written to disk by the
// hub's own writer (dist/libs/dicom), then sent in ONE STOW-RS request whose multipart body is
// read from the files as it goes out, so the benchmark's client never holds more than a chunk.
//
// The writer builds an instance in memory from a pixel function, one call per pixel: fine for the
// DICOMweb benchmark's 8 kB images, far too slow for a gigabyte. So each instance is written as
// the writer's header of a 1×1-pixel instance with the wanted number of frames (its own UIDs,
// patient, study), with Rows, Columns and the Pixel Data length then set to the real size, followed
// by the frames written from a buffer. Every byte before the pixels is the writer's.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { dicomWriterFile } from './dicom-archive.mjs';

const require = createRequire(import.meta.url);

/** Frames of 512 × 512 16-bit pixels: 512 KiB each. */
const FRAME_SIDE = 512;
const FRAME_BYTES = FRAME_SIDE * FRAME_SIDE * 2;
const MIB = 1024 * 1024;

/** Offset of the value of the US element `tag` (group, element) in `header`, found once. */
function usValueOffset(header, group, element) {
  const needle = Buffer.from([
    group & 0xff,
    group >> 8,
    element & 0xff,
    element >> 8,
    0x55, // 'U'
    0x53, // 'S'
    0x02,
    0x00,
  ]);
  const at = header.indexOf(needle);
  if (at < 0 || header.indexOf(needle, at + 1) >= 0)
    throw new Error(
      `(${group.toString(16)},${element.toString(16)}) US not found once in the header`,
    );
  return at + needle.length;
}

/**
 * The bytes before the pixels of an instance of `frames` 512×512 frames: the writer's instance of
 * 1×1 pixel frames, Rows and Columns set to 512, the Pixel Data (OW, explicit VR little endian,
 * the last element) given the length of the real frames.
 */
function instanceHeader(writer, { frames, studyInstanceUid, seriesInstanceUid, instanceNumber }) {
  const { bytes } = writer.buildDicom({
    transferSyntax: 'explicit-le',
    specificCharacterSet: 'ISO_IR 192',
    studyInstanceUid,
    seriesInstanceUid,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2', // CT Image Storage
    patientName: 'ZHANG^WEI=张^伟',
    patientId: 'PMEM0001',
    patientBirthDate: '19600501',
    patientSex: 'M',
    accessionNumber: 'AMEM0001',
    studyDate: '20261123',
    studyTime: '093000',
    modality: 'CT',
    studyDescription: '大容量上传 large upload',
    seriesDescription: '大容量上传 large upload',
    seriesNumber: 1,
    instanceNumber,
    rows: 1,
    columns: 1,
    frames,
    pixel: () => 0,
  });
  const pixelLength = frames * 2;
  const pixelTag = bytes.length - pixelLength - 12;
  // (7FE0,0010) OW, 2 reserved bytes, 32-bit length: the writer puts Pixel Data last.
  const expected = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0x00, 0x00]);
  if (!bytes.subarray(pixelTag, pixelTag + 8).equals(expected))
    throw new Error('the writer no longer puts an OW Pixel Data element last');
  const header = Buffer.from(bytes.subarray(0, pixelTag + 12));
  header.writeUInt16LE(FRAME_SIDE, usValueOffset(header, 0x0028, 0x0010)); // Rows
  header.writeUInt16LE(FRAME_SIDE, usValueOffset(header, 0x0028, 0x0011)); // Columns
  header.writeUInt32LE(frames * FRAME_BYTES, pixelTag + 8);
  return header;
}

/**
 * Writes `totalMb` MiB of instances of about `partMb` MiB each (one study, one series; frames of
 * 512 KiB, so sizes round to that) into `dir`; answers `{ files, bytes }`. Stops between files
 * once `signal` is aborted.
 */
export async function writeLargeInstances(dir, { totalMb, partMb, signal }) {
  const writer = require(dicomWriterFile());
  const framesPerPart = Math.max(1, Math.round((partMb * MIB) / FRAME_BYTES));
  const parts = Math.max(1, Math.round(totalMb / (framesPerPart * (FRAME_BYTES / MIB))));
  const studyInstanceUid = writer.newUid();
  const seriesInstanceUid = writer.newUid();
  // One frame of a gradient; each frame written gets its number in its first pixel.
  const frame = Buffer.alloc(FRAME_BYTES);
  for (let i = 0; i < FRAME_BYTES / 2; i++)
    frame.writeUInt16LE(((i >> 9) + (i & 511) * 4) & 4095, i * 2);
  const files = [];
  let bytes = 0;
  for (let p = 0; p < parts; p++) {
    if (signal?.aborted) throw new Error('interrupted');
    const path = join(dir, `${p}.dcm`);
    const out = createWriteStream(path);
    out.write(
      instanceHeader(writer, {
        frames: framesPerPart,
        studyInstanceUid,
        seriesInstanceUid,
        instanceNumber: p + 1,
      }),
    );
    for (let f = 0; f < framesPerPart; f++) {
      const copy = Buffer.from(frame);
      copy.writeUInt16LE((p * framesPerPart + f) & 4095, 0);
      if (!out.write(copy)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const { size } = await stat(path);
    files.push({ path, size });
    bytes += size;
  }
  return { files, bytes, framesPerPart, studyInstanceUid };
}

/**
 * Sends `files` as one STOW-RS request (`multipart/related; type="application/dicom"`) to
 * `${baseUrl}/studies`, each part read from its file as the request goes out (Content-Length
 * known beforehand). Answers the status, the answer's text and the time from the first byte sent
 * to the whole answer read.
 */
export function stowFromDisk({ baseUrl, headers, files, signal }) {
  const boundary = `bench-${randomUUID()}`;
  const partHead = Buffer.from(
    `--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`,
    'latin1',
  );
  const crlf = Buffer.from('\r\n', 'latin1');
  const close = Buffer.from(`--${boundary}--\r\n`, 'latin1');
  const length =
    files.reduce((sum, file) => sum + partHead.length + file.size + crlf.length, 0) + close.length;
  const url = new URL(`${baseUrl}/studies`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          'content-length': String(length),
          accept: 'application/dicom+json',
        },
        signal,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            text: Buffer.concat(chunks).toString('utf8'),
            elapsedMs: performance.now() - started,
            bytes: length,
          }),
        );
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    (async () => {
      for (const file of files) {
        if (!req.write(partHead)) await once(req, 'drain');
        for await (const chunk of createReadStream(file.path, { highWaterMark: MIB }))
          if (!req.write(chunk)) await once(req, 'drain');
        if (!req.write(crlf)) await once(req, 'drain');
      }
      req.end(close);
    })().catch((error) => req.destroy(error));
  });
}
