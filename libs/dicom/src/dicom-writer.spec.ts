import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import iconv from 'iconv-lite';
import jpeg from 'jpeg-js';
import { type DicomInstanceSpec, buildDicom, newUid } from './dicom-writer';

/** Deflated Explicit VR Little Endian: the meta group as is, the rest raw-inflated. */
function inflater(byteArray: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(byteArray.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(byteArray.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

function parse(bytes: Buffer): dicomParser.DataSet {
  return dicomParser.parseDicom(bytes, { inflater });
}

/** The raw value bytes of an element, as written. */
function raw(dataSet: dicomParser.DataSet, tag: string): Buffer {
  const element = dataSet.elements[tag];
  if (!element) throw new Error(`${tag} is missing`);
  const { buffer, byteOffset } = dataSet.byteArray;
  return Buffer.from(buffer, byteOffset + element.dataOffset, element.length);
}

/** Each fragment of the encapsulated pixel data, as dicom-parser reads it. */
function fragments(dataSet: dicomParser.DataSet): Buffer[] {
  const element = dataSet.elements.x7fe00010;
  return (element.fragments ?? []).map((_, i) =>
    Buffer.from(dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, i, 1)),
  );
}

/** PackBits as DICOM RLE uses it (PS3.5 G.3.1). */
function unpackBits(data: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  let i = 0;
  let o = 0;
  while (o < size) {
    const n = data.readInt8(i++);
    if (n >= 0) {
      data.copy(out, o, i, i + n + 1);
      i += n + 1;
      o += n + 1;
    } else if (n !== -128) {
      out.fill(data[i++], o, o - n + 1);
      o += -n + 1;
    }
  }
  return out;
}

/** An RLE frame back to its sample values: pixel by pixel, samples interleaved. */
function decodeRle(frame: Buffer, layout: { pixels: number; samples: number; bytes: number }) {
  const count = frame.readUInt32LE(0);
  expect(count).toBe(layout.samples * layout.bytes);
  const values = new Array<number>(layout.pixels * layout.samples).fill(0);
  for (let s = 0; s < count; s++) {
    const start = frame.readUInt32LE(4 + s * 4);
    const end = s + 1 < count ? frame.readUInt32LE(8 + s * 4) : frame.length;
    expect((end - start) % 2).toBe(0);
    const plane = unpackBits(frame.subarray(start, end), layout.pixels);
    const sample = Math.floor(s / layout.bytes);
    const shift = 8 * (layout.bytes - 1 - (s % layout.bytes));
    for (let i = 0; i < layout.pixels; i++)
      values[i * layout.samples + sample] += plane[i] * 2 ** shift;
  }
  return values;
}

/** What a generator gives for one frame, in stored order (rows, columns, samples). */
function expected(
  pixel: NonNullable<DicomInstanceSpec['pixel']>,
  frame: number,
  rows: number,
  columns: number,
  samples = 1,
): number[] {
  const values: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++)
      for (let s = 0; s < samples; s++) values.push(pixel(frame, r, c, s));
  return values;
}

const grey16 = (frame: number, row: number, column: number) =>
  (frame * 4099 + row * 257 + column * 3) % 65536;
const grey8 = (frame: number, row: number, column: number) => (frame * 50 + row * 3 + column) % 256;
const smoothGrey8 = (frame: number, row: number, column: number) => 20 + frame * 10 + row + column;
const smoothRgb = (frame: number, row: number, column: number, sample: number) =>
  [40 + row * 2, 30 + column * 2, 60 + frame * 20 + row + column][sample];

describe('buildDicom', () => {
  const TS = {
    'implicit-le': '1.2.840.10008.1.2',
    'explicit-le': '1.2.840.10008.1.2.1',
    'explicit-be': '1.2.840.10008.1.2.2',
    deflated: '1.2.840.10008.1.2.1.99',
  } as const;

  it.each(Object.entries(TS) as Array<[keyof typeof TS, string]>)(
    'writes %s: preamble, meta group, UIDs and native pixels that read back',
    (transferSyntax, uid) => {
      const studyInstanceUid = newUid();
      const built = buildDicom({
        transferSyntax,
        studyInstanceUid,
        rows: 32,
        columns: 48,
        frames: 2,
        pixel: grey16,
      });
      expect(built.transferSyntaxUid).toBe(uid);
      expect(built.studyInstanceUid).toBe(studyInstanceUid);
      expect(built.bytes.subarray(0, 128).every((b) => b === 0)).toBe(true);
      expect(built.bytes.toString('latin1', 128, 132)).toBe('DICM');

      const dataSet = parse(built.bytes);
      expect(dataSet.string('x00020010')).toBe(uid);
      expect([...raw(dataSet, 'x00020001')]).toEqual([0x00, 0x01]);
      expect(dataSet.string('x00020002')).toBe(built.sopClassUid);
      expect(dataSet.string('x00020003')).toBe(built.sopInstanceUid);
      expect(dataSet.string('x00020012')).toMatch(/^2\.25\.\d+$/);
      // The group length counts the meta elements after it (which start at byte 144).
      const metaEnd = Math.max(
        ...Object.values(dataSet.elements)
          .filter((e) => e.tag.startsWith('x0002'))
          .map((e) => e.dataOffset + e.length),
      );
      expect(dataSet.uint32('x00020000')).toBe(metaEnd - 144);

      expect(dataSet.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.2');
      expect(dataSet.string('x00080018')).toBe(built.sopInstanceUid);
      expect(dataSet.string('x0020000d')).toBe(studyInstanceUid);
      expect(dataSet.string('x0020000e')).toBe(built.seriesInstanceUid);
      expect(dataSet.string('x00080060')).toBe('CT');
      expect(dataSet.uint16('x00280010')).toBe(32);
      expect(dataSet.uint16('x00280011')).toBe(48);
      expect(dataSet.uint16('x00280100')).toBe(16);
      expect(dataSet.intString('x00280008')).toBe(2);
      expect(dataSet.elements.x7fe00010.vr).toBe(
        transferSyntax === 'implicit-le' ? undefined : 'OW',
      );

      const pixels = raw(dataSet, 'x7fe00010');
      expect(pixels.length).toBe(32 * 48 * 2 * 2);
      const read = (i: number) =>
        transferSyntax === 'explicit-be' ? pixels.readUInt16BE(i * 2) : pixels.readUInt16LE(i * 2);
      const words = Array.from({ length: 32 * 48 * 2 }, (_, i) => read(i));
      expect(words).toEqual([...expected(grey16, 0, 32, 48), ...expected(grey16, 1, 32, 48)]);
    },
  );

  it('writes big endian tags, lengths and numbers, and keeps the meta group little endian', () => {
    const { bytes } = buildDicom({ transferSyntax: 'explicit-be', rows: 32 });
    // (0028,0010) US, length 2, value 32 — all big endian.
    const rows = Buffer.from([0x00, 0x28, 0x00, 0x10, 0x55, 0x53, 0x00, 0x02, 0x00, 0x20]);
    expect(bytes.indexOf(rows)).toBeGreaterThan(132);
    // (0002,0010) UI in the meta group stays little endian.
    expect(bytes.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]))).toBeGreaterThan(0);
  });

  it('pads values to even lengths: text with a space, UIDs and binary with NUL', () => {
    const built = buildDicom({
      sopInstanceUid: '1.2.3',
      patientId: 'ABC',
      extra: { '00091001': { vr: 'OB', value: Buffer.from([1, 2, 3]) } },
    });
    const dataSet = parse(built.bytes);
    expect([...raw(dataSet, 'x00100020')]).toEqual([0x41, 0x42, 0x43, 0x20]);
    expect([...raw(dataSet, 'x00080018')]).toEqual([...Buffer.from('1.2.3'), 0]);
    expect([...raw(dataSet, 'x00091001')]).toEqual([1, 2, 3, 0]);
    for (const element of Object.values(dataSet.elements)) expect(element.length % 2).toBe(0);
  });

  it('uses the long explicit VR form for OB/OW/UT and the short one otherwise', () => {
    const { bytes } = buildDicom({
      extra: { '00324000': { vr: 'UT', value: 'long text' } },
    });
    const dataSet = parse(bytes);
    const headerOf = (tag: string, size: number) =>
      bytes.subarray(dataSet.elements[tag].dataOffset - size, dataSet.elements[tag].dataOffset);
    expect([...headerOf('x7fe00010', 8).subarray(0, 4)]).toEqual([0x4f, 0x57, 0, 0]); // OW 00 00
    expect(headerOf('x00324000', 8).toString('latin1', 0, 2)).toBe('UT');
    expect(headerOf('x00280010', 4).toString('latin1', 0, 2)).toBe('US');
    expect(headerOf('x00280010', 4).readUInt16LE(2)).toBe(2);
  });

  it.each([
    ['GB18030', 'gb18030'],
    ['ISO_IR 192', 'utf8'],
  ])('encodes Chinese names in %s', (specificCharacterSet, encoding) => {
    const { bytes } = buildDicom({
      specificCharacterSet,
      patientName: '欧阳^娜娜',
      studyDescription: '胸部CT平扫',
    });
    const dataSet = parse(bytes);
    expect(dataSet.string('x00080005')).toBe(specificCharacterSet);
    const name = raw(dataSet, 'x00100010');
    expect(iconv.decode(name, encoding).trimEnd()).toBe('欧阳^娜娜');
    expect(name.subarray(0, iconv.encode('欧阳^娜娜', encoding).length)).toEqual(
      iconv.encode('欧阳^娜娜', encoding),
    );
    expect(iconv.decode(raw(dataSet, 'x00081030'), encoding).trimEnd()).toBe('胸部CT平扫');
  });

  it('refuses text the character set cannot hold', () => {
    expect(() => buildDicom({ patientName: '欧阳^娜娜' })).toThrow(/specificCharacterSet/);
    expect(() =>
      buildDicom({ patientName: 'Zoë', specificCharacterSet: 'ISO_IR 100' }),
    ).not.toThrow();
  });

  it('writes a multi-frame native image with every frame', () => {
    const built = buildDicom({ frames: 5 });
    const dataSet = parse(built.bytes);
    expect(dataSet.intString('x00280008')).toBe(5);
    const pixels = raw(dataSet, 'x7fe00010');
    const frameSize = 64 * 64 * 2;
    expect(pixels.length).toBe(frameSize * 5);
    // The default generator differs per frame.
    const framesSeen = new Set(
      Array.from({ length: 5 }, (_, f) =>
        pixels.subarray(f * frameSize, (f + 1) * frameSize).toString('base64'),
      ),
    );
    expect(framesSeen.size).toBe(5);
  });

  it('writes native RGB as 8-bit OB, interleaved', () => {
    const built = buildDicom({
      photometric: 'RGB',
      rows: 16,
      columns: 8,
      frames: 2,
      pixel: smoothRgb,
    });
    const dataSet = parse(built.bytes);
    expect(dataSet.uint16('x00280002')).toBe(3);
    expect(dataSet.uint16('x00280006')).toBe(0);
    expect(dataSet.string('x00280004')).toBe('RGB');
    expect(dataSet.elements.x7fe00010.vr).toBe('OB');
    expect([...raw(dataSet, 'x7fe00010')]).toEqual([
      ...expected(smoothRgb, 0, 16, 8, 3),
      ...expected(smoothRgb, 1, 16, 8, 3),
    ]);
  });

  it('writes signed 16-bit pixels as two’s complement', () => {
    const pixel = (_f: number, row: number, column: number) => -1024 + row * 40 + column;
    const dataSet = parse(buildDicom({ pixelRepresentation: 1, rows: 8, columns: 8, pixel }).bytes);
    expect(dataSet.uint16('x00280103')).toBe(1);
    const pixels = raw(dataSet, 'x7fe00010');
    expect(Array.from({ length: 64 }, (_, i) => pixels.readInt16LE(i * 2))).toEqual(
      expected(pixel, 0, 8, 8),
    );
  });

  it('encodes each JPEG baseline grey frame as its own single-component JPEG', () => {
    const built = buildDicom({ transferSyntax: 'jpeg-baseline', frames: 5, pixel: smoothGrey8 });
    expect(built.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    const dataSet = parse(built.bytes);
    expect(dataSet.string('x00280004')).toBe('MONOCHROME2');
    expect(dataSet.uint16('x00280100')).toBe(8);
    expect(dataSet.uint16('x00280002')).toBe(1);
    expect(dataSet.string('x00282110')).toBe('01');
    expect(dataSet.intString('x00280008')).toBe(5);
    const element = dataSet.elements.x7fe00010;
    expect(element.encapsulatedPixelData).toBe(true);
    expect(element.fragments).toHaveLength(5);
    // The basic offset table points at each frame's fragment item.
    const first = element.fragments?.[0]?.offset ?? 0;
    expect(element.basicOffsetTable).toEqual(element.fragments?.map((f) => f.offset - first));

    fragments(dataSet).forEach((frame, f) => {
      expect(frame.readUInt16BE(0)).toBe(0xffd8);
      const sof = frame.indexOf(Buffer.from([0xff, 0xc0]));
      expect(frame[sof + 9]).toBe(1); // components
      const image = jpeg.decode(frame, { useTArray: true });
      expect([image.width, image.height]).toEqual([64, 64]);
      const want = expected(smoothGrey8, f, 64, 64);
      const error = want.reduce((sum, v, i) => sum + Math.abs(image.data[i * 4] - v), 0);
      expect(error / want.length).toBeLessThan(2);
    });
  });

  it('encodes JPEG baseline colour frames with jpeg-js, labelled YBR_FULL as they are YCbCr', () => {
    const built = buildDicom({
      transferSyntax: 'jpeg-baseline',
      photometric: 'RGB',
      rows: 24,
      columns: 40,
      frames: 2,
      pixel: smoothRgb,
    });
    const dataSet = parse(built.bytes);
    expect(dataSet.string('x00280004')).toBe('YBR_FULL');
    expect(dataSet.uint16('x00280002')).toBe(3);
    const frames = fragments(dataSet);
    expect(frames).toHaveLength(2);
    frames.forEach((frame, f) => {
      const image = jpeg.decode(frame, { useTArray: true });
      expect([image.width, image.height]).toEqual([40, 24]);
      const want = expected(smoothRgb, f, 24, 40, 3);
      const error = want.reduce(
        (sum, v, i) => sum + Math.abs(image.data[Math.floor(i / 3) * 4 + (i % 3)] - v),
        0,
      );
      expect(error / want.length).toBeLessThan(4);
    });
  });

  it.each([
    { name: '16-bit grey, 5 frames', frames: 5, pixel: grey16 },
    { name: '8-bit grey', bitsAllocated: 8 as const, pixel: grey8 },
    {
      name: '16-bit signed',
      pixelRepresentation: 1 as const,
      pixel: (f: number, r: number, c: number) => (r % 4 ? -1000 : 2000) + f + (c > 40 ? c : 0),
    },
    { name: 'RGB', photometric: 'RGB' as const, frames: 2, pixel: smoothRgb },
  ])('encodes RLE Lossless frames that decode to the original pixels: $name', (spec) => {
    const { name: _name, ...rest } = spec;
    const built = buildDicom({ ...rest, transferSyntax: 'rle' });
    expect(built.transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    const dataSet = parse(built.bytes);
    const frames = spec.frames ?? 1;
    const samples = spec.photometric === 'RGB' ? 3 : 1;
    const bytes = dataSet.uint16('x00280100') === 16 ? 2 : 1;
    const signed = dataSet.uint16('x00280103') === 1;
    const decoded = fragments(dataSet);
    expect(decoded).toHaveLength(frames);
    decoded.forEach((frame, f) => {
      const values = decodeRle(frame, { pixels: 64 * 64, samples, bytes }).map((v) =>
        signed && v >= 0x8000 ? v - 0x10000 : v,
      );
      expect(values).toEqual(expected(spec.pixel, f, 64, 64, samples));
    });
  });

  it('writes a JPEG 2000 codestream per frame (stored and served, not decoded)', () => {
    const built = buildDicom({ transferSyntax: 'jpeg2000', frames: 3, rows: 20, columns: 30 });
    expect(built.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.90');
    const frames = fragments(parse(built.bytes));
    expect(frames).toHaveLength(3);
    for (const frame of frames) {
      expect(frame.length % 2).toBe(0);
      expect(frame.readUInt16BE(0)).toBe(0xff4f); // SOC
      expect(frame.readUInt16BE(2)).toBe(0xff51); // SIZ
      expect([frame.readUInt32BE(8), frame.readUInt32BE(12)]).toEqual([30, 20]);
      const end = frame.subarray(0, frame.length - (frame[frame.length - 1] === 0 ? 1 : 0));
      expect(end.readUInt16BE(end.length - 2)).toBe(0xffd9); // EOC
    }
  });

  it('adds extra attributes, overriding built-in ones, in either byte order', () => {
    const extra: DicomInstanceSpec['extra'] = {
      '00080060': { vr: 'CS', value: 'MR' },
      '00080070': { vr: 'LO', value: 'Hub Test' },
      '00280030': { vr: 'DS', value: '0.5\\0.5' },
      '00281052': { vr: 'DS', value: -1024 },
      '00181310': { vr: 'US', value: '0\\256\\256\\0' },
      '00209161': { vr: 'UI', value: '1.2.3.4' },
    };
    for (const transferSyntax of ['explicit-le', 'explicit-be', 'implicit-le'] as const) {
      const dataSet = parse(buildDicom({ transferSyntax, extra }).bytes);
      expect(dataSet.string('x00080060')).toBe('MR');
      expect(dataSet.string('x00080070')).toBe('Hub Test');
      expect(dataSet.string('x00280030')).toBe('0.5\\0.5');
      expect(dataSet.floatString('x00281052')).toBe(-1024);
      expect(dataSet.uint16('x00181310', 1)).toBe(256);
      expect(dataSet.string('x00209161')).toBe('1.2.3.4');
    }
  });

  it('refuses what it cannot write as asked', () => {
    expect(() => buildDicom({ extra: { '00020013': { vr: 'SH', value: 'x' } } })).toThrow(
      /meta group/,
    );
    expect(() =>
      buildDicom({ extra: { '0040A730': { vr: 'SQ', value: Buffer.alloc(0) } } }),
    ).toThrow(/sequences/);
    expect(() => buildDicom({ extra: { '0028001': { vr: 'US', value: 1 } } })).toThrow(/8 hex/);
    expect(() =>
      buildDicom({ extra: { '7FE00010': { vr: 'OW', value: Buffer.alloc(2) } } }),
    ).toThrow(/pixel/);
    expect(() => buildDicom({ extra: { '00181310': { vr: 'US', value: 70000 } } })).toThrow(
      /0 to 65535/,
    );
    expect(() => buildDicom({ studyInstanceUid: '1.2.03' })).toThrow(/not a UID/);
    expect(() => buildDicom({ pixel: () => 70000 })).toThrow(RangeError);
    expect(() => buildDicom({ transferSyntax: 'jpeg-baseline', bitsAllocated: 16 })).toThrow(
      /8-bit/,
    );
  });
});

describe('newUid', () => {
  it('makes distinct 2.25 UIDs from 128-bit UUIDs', () => {
    const uids = Array.from({ length: 100 }, () => newUid());
    expect(new Set(uids).size).toBe(100);
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(BigInt(uid.slice(5))).toBeLessThan(2n ** 128n);
    }
  });
});
