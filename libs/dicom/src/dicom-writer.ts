/**
 * A small DICOM Part 10 writer (PS3.10 §7, PS3.5) that builds instances for the tests, the benchmark
 * and demo data. The hub itself only reads DICOM (with dicom-parser); this writer is hand-written
 * because no library we could use writes every transfer syntax we need (Implicit and Explicit VR
 * Little Endian, Explicit VR Big Endian, Deflated, JPEG baseline, RLE, JPEG 2000) in a way we can
 * control byte for byte, which tests of a byte-for-byte archive need.
 *
 * It writes the identifying attributes (patient, study, series, instance) and the Image Pixel
 * module, not every Type 1 attribute of the IOD; `extra` adds whatever else a test needs.
 */
import { randomUUID } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';
import jpeg from 'jpeg-js';
import { TransferSyntaxes } from './dicom-json';

export type TransferSyntaxName =
  'implicit-le' | 'explicit-le' | 'explicit-be' | 'deflated' | 'jpeg-baseline' | 'rle' | 'jpeg2000';

/** What {@link buildDicom} writes. Everything is optional; the defaults make a 64×64 CT image. */
export interface DicomInstanceSpec {
  /** Default explicit-le. */
  transferSyntax?: TransferSyntaxName;
  /** Generated (2.25.<uuid as decimal>, see {@link newUid}) when absent. */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  /** Default CT Image Storage 1.2.840.10008.5.1.4.1.1.2. */
  sopClassUid?: string;
  /** Patient attributes are Type 2: written empty when absent. */
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: 'M' | 'F' | 'O';
  /**
   * e.g. 'ISO_IR 192' (UTF-8) or 'GB18030' (also 'GBK', 'ISO_IR 100'); strings of SH/LO/PN/LT/ST/
   * UT/UC are encoded with it. Absent: the default repertoire (ASCII), and non-ASCII text throws.
   */
  specificCharacterSet?: string;
  accessionNumber?: string;
  studyDate?: string;
  studyTime?: string;
  /** Default 'CT'. */
  modality?: string;
  studyDescription?: string;
  seriesDescription?: string;
  /** Default 1. */
  seriesNumber?: number;
  /** Default 1. */
  instanceNumber?: number;
  /** Default 64 × 64. */
  rows?: number;
  columns?: number;
  /** Default 1; more than 1 writes NumberOfFrames. */
  frames?: number;
  /**
   * 'MONOCHROME2' 16-bit signed/unsigned (8-bit with `bitsAllocated: 8`, always 8-bit for
   * jpeg-baseline) or 'RGB' 8-bit (SamplesPerPixel 3, PlanarConfiguration 0). Default MONOCHROME2
   * 16-bit unsigned. A jpeg-baseline colour image is written as YBR_FULL: that is what its JPEG
   * holds (jpeg-js encodes YCbCr), and a decoder told 'RGB' would skip the colour conversion.
   */
  photometric?: 'MONOCHROME2' | 'RGB';
  /** MONOCHROME2 only: 8 or 16 (default 16; jpeg-baseline: 8). BitsStored equals it. */
  bitsAllocated?: 8 | 16;
  /** MONOCHROME2 only: 1 for signed (two's complement) pixels. Default 0. */
  pixelRepresentation?: 0 | 1;
  windowCenter?: number;
  windowWidth?: number;
  /**
   * Extra attributes: tag (8 hex digits) → { vr, value }. A string is the value as text (`\`
   * separates values, also for US/SS/UL/SL/FL/FD and AT); a number suits numeric VRs and IS/DS; a
   * Buffer is the raw value, little-endian (it is swapped for explicit-be). An extra attribute
   * replaces a built-in one with the same tag; the file meta group (0002) and PixelData cannot be
   * set, and sequences (SQ) are not supported.
   */
  extra?: Record<string, { vr: string; value: string | number | Buffer }>;
  /**
   * Pixel values (all arguments 0-based) → an integer in the range of the pixel type; default a
   * gradient that differs per frame.
   */
  pixel?: (frame: number, row: number, column: number, sample: number) => number;
}

/** A written instance and the identifiers it carries. */
export interface BuiltDicom {
  bytes: Buffer;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
}

/** CT Image Storage. */
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
/** This writer's ImplementationClassUID (0002,0012): a fixed 2.25 UUID-derived UID. */
const IMPLEMENTATION_CLASS_UID = '2.25.287718839083034229422847010240328601985';
const IMPLEMENTATION_VERSION_NAME = 'HUB_DICOM_WRITER';

interface Syntax {
  uid: string;
  explicit: boolean;
  bigEndian: boolean;
  deflate: boolean;
  encapsulation?: 'jpeg-baseline' | 'rle' | 'jpeg2000';
}

/** Explicit VR Little Endian, which the others vary. */
const EXPLICIT_LE = { explicit: true, bigEndian: false, deflate: false } as const;
const SYNTAXES: Record<TransferSyntaxName, Syntax> = {
  'implicit-le': { ...EXPLICIT_LE, uid: TransferSyntaxes.ImplicitVRLittleEndian, explicit: false },
  'explicit-le': { ...EXPLICIT_LE, uid: TransferSyntaxes.ExplicitVRLittleEndian },
  'explicit-be': { ...EXPLICIT_LE, uid: TransferSyntaxes.ExplicitVRBigEndian, bigEndian: true },
  deflated: { ...EXPLICIT_LE, uid: TransferSyntaxes.DeflatedExplicitVRLittleEndian, deflate: true },
  'jpeg-baseline': {
    ...EXPLICIT_LE,
    uid: TransferSyntaxes.JpegBaseline,
    encapsulation: 'jpeg-baseline',
  },
  rle: { ...EXPLICIT_LE, uid: TransferSyntaxes.RleLossless, encapsulation: 'rle' },
  jpeg2000: { ...EXPLICIT_LE, uid: TransferSyntaxes.Jpeg2000Lossless, encapsulation: 'jpeg2000' },
};

const vrs = (list: string) => new Set(list.split(' '));
/** VRs with the long explicit form: 2 reserved bytes and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = vrs('OB OD OF OL OV OW SQ SV UC UN UR UT UV');
/** Text VRs whose value is encoded with SpecificCharacterSet; other strings are ASCII. */
const TEXT_VRS = vrs('SH LO PN LT ST UT UC');
const STRING_VRS = vrs('AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT');
const BINARY_VRS = vrs('OB OD OF OL OV OW UN');
/** Numeric VRs: size, the range of the integer ones, and the little-endian writer. */
const NUMBER_WRITERS: Record<
  string,
  { size: number; range?: [number, number]; write: (b: Buffer, v: number) => number }
> = {
  US: { size: 2, range: [0, 0xffff], write: (b, v) => b.writeUInt16LE(v) },
  SS: { size: 2, range: [-0x8000, 0x7fff], write: (b, v) => b.writeInt16LE(v) },
  UL: { size: 4, range: [0, 0xffffffff], write: (b, v) => b.writeUInt32LE(v) },
  SL: { size: 4, range: [-0x80000000, 0x7fffffff], write: (b, v) => b.writeInt32LE(v) },
  FL: { size: 4, write: (b, v) => b.writeFloatLE(v) },
  FD: { size: 8, write: (b, v) => b.writeDoubleLE(v) },
};
const KNOWN_VRS = new Set([
  ...STRING_VRS,
  ...BINARY_VRS,
  ...Object.keys(NUMBER_WRITERS),
  ...vrs('AT SQ SV UV'),
]);
/** Size of the numbers a VR holds, which Explicit VR Big Endian byte-swaps. */
const SWAP_UNIT = new Map<string, 2 | 4 | 8>([
  ...[...vrs('US SS OW AT')].map((vr) => [vr, 2] as const),
  ...[...vrs('UL SL FL OF OL')].map((vr) => [vr, 4] as const),
  ...[...vrs('FD OD OV SV UV')].map((vr) => [vr, 8] as const),
]);

/** One data element, its value already encoded little-endian and padded to even length. */
interface Attribute {
  tag: number;
  vr: string;
  value: Buffer;
  /** Encapsulated pixel data: the fragments, one per frame, each of even length. */
  fragments?: Buffer[];
}

/** The shape of the pixels written. */
interface ImageLayout {
  rows: number;
  columns: number;
  frames: number;
  samples: 1 | 3;
  bitsAllocated: 8 | 16;
  signed: boolean;
  photometric: 'MONOCHROME2' | 'RGB';
}

/** A new globally unique UID: `2.25.` and the 128 bits of a random UUID in decimal (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/**
 * Writes a DICOM Part 10 file: 128-byte preamble, "DICM", the file meta group (Explicit VR Little
 * Endian, with its group length) and the dataset in the requested transfer syntax.
 * @throws TypeError or RangeError for a spec that cannot be written as asked (bad UID, text the
 * character set cannot hold, pixel values outside the pixel type, unsupported combination)
 */
export function buildDicom(spec: DicomInstanceSpec = {}): BuiltDicom {
  const syntaxName = spec.transferSyntax ?? 'explicit-le';
  const syntax = SYNTAXES[syntaxName] as Syntax | undefined;
  if (!syntax) throw new TypeError(`unknown transfer syntax "${String(syntaxName)}"`);
  const studyInstanceUid = uid(spec.studyInstanceUid, 'studyInstanceUid');
  const seriesInstanceUid = uid(spec.seriesInstanceUid, 'seriesInstanceUid');
  const sopInstanceUid = uid(spec.sopInstanceUid, 'sopInstanceUid');
  const sopClassUid = uid(spec.sopClassUid ?? CT_IMAGE_STORAGE, 'sopClassUid');
  const layout = imageLayout(spec, syntax);
  const encodeText = textEncoder(spec.specificCharacterSet);

  const attributes = new Map<number, Attribute>();
  const put = (tag: number, vr: string, value: string | number | Buffer) =>
    attributes.set(tag, { tag, vr, value: encodeValue(tag, vr, value, encodeText) });
  const putIf = (tag: number, vr: string, value: string | number | undefined) => {
    if (value !== undefined) put(tag, vr, value);
  };
  putIf(0x00080005, 'CS', spec.specificCharacterSet);
  put(0x00080016, 'UI', sopClassUid);
  put(0x00080018, 'UI', sopInstanceUid);
  put(0x00080020, 'DA', spec.studyDate ?? '');
  put(0x00080030, 'TM', spec.studyTime ?? '');
  put(0x00080050, 'SH', spec.accessionNumber ?? '');
  put(0x00080060, 'CS', spec.modality ?? 'CT');
  putIf(0x00081030, 'LO', spec.studyDescription);
  putIf(0x0008103e, 'LO', spec.seriesDescription);
  put(0x00100010, 'PN', spec.patientName ?? '');
  put(0x00100020, 'LO', spec.patientId ?? '');
  put(0x00100030, 'DA', spec.patientBirthDate ?? '');
  put(0x00100040, 'CS', spec.patientSex ?? '');
  put(0x0020000d, 'UI', studyInstanceUid);
  put(0x0020000e, 'UI', seriesInstanceUid);
  put(0x00200011, 'IS', spec.seriesNumber ?? 1);
  put(0x00200013, 'IS', spec.instanceNumber ?? 1);
  put(0x00280002, 'US', layout.samples);
  // jpeg-js stores colour as YCbCr without subsampling (JFIF): PS3.5 8.2.1 calls that YBR_FULL.
  const jpegColour = layout.samples === 3 && syntax.encapsulation === 'jpeg-baseline';
  put(0x00280004, 'CS', jpegColour ? 'YBR_FULL' : layout.photometric);
  if (layout.samples === 3) put(0x00280006, 'US', 0);
  if (layout.frames > 1) put(0x00280008, 'IS', layout.frames);
  put(0x00280010, 'US', layout.rows);
  put(0x00280011, 'US', layout.columns);
  put(0x00280100, 'US', layout.bitsAllocated);
  put(0x00280101, 'US', layout.bitsAllocated);
  put(0x00280102, 'US', layout.bitsAllocated - 1);
  put(0x00280103, 'US', layout.signed ? 1 : 0);
  putIf(0x00281050, 'DS', spec.windowCenter);
  putIf(0x00281051, 'DS', spec.windowWidth);
  // PS3.3 C.7.6.1.1.5: an image that has been lossy compressed says so.
  if (syntax.encapsulation === 'jpeg-baseline') put(0x00282110, 'CS', '01');
  attributes.set(0x7fe00010, pixelData(layout, syntax, spec.pixel ?? defaultPixel(layout)));
  for (const [key, { vr, value }] of Object.entries(spec.extra ?? {})) {
    if (!/^[0-9a-fA-F]{8}$/.test(key))
      throw new TypeError(`extra attribute "${key}": the tag must be 8 hex digits`);
    const tag = parseInt(key, 16);
    if (tag >>> 16 === 0x0002)
      throw new TypeError(`extra attribute ${key}: the file meta group (0002) is written here`);
    if (tag === 0x7fe00010)
      throw new TypeError(`extra attribute ${key}: set the pixel values with \`pixel\``);
    put(tag, vr, value);
  }

  const elements = [...attributes.values()].sort((a, b) => a.tag - b.tag);
  const dataset = Buffer.concat(elements.flatMap((a) => encodeElement(a, syntax)));
  let body = dataset;
  if (syntax.deflate) {
    body = deflateRawSync(dataset);
    // PS3.5 A.5: the deflated stream is padded to an even length.
    if (body.length % 2) body = Buffer.concat([body, Buffer.alloc(1)]);
  }
  const meta = fileMeta(sopClassUid, sopInstanceUid, syntax.uid);
  return {
    bytes: Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), meta, body]),
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid,
    sopClassUid,
    transferSyntaxUid: syntax.uid,
  };
}

function uid(value: string | undefined, name: string): string {
  if (value === undefined) return newUid();
  if (value.length > 64 || !/^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(value))
    throw new TypeError(`${name} "${value}" is not a UID (digits and dots, at most 64 characters)`);
  return value;
}

function imageLayout(spec: DicomInstanceSpec, syntax: Syntax): ImageLayout {
  const dimension = (value: number | undefined, fallback: number, name: string, max: number) => {
    const n = value ?? fallback;
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new RangeError(`${name} must be an integer from 1 to ${max}; got ${n}`);
    return n;
  };
  const photometric = spec.photometric ?? 'MONOCHROME2';
  const rgb = photometric === 'RGB';
  const jpegBaseline = syntax.encapsulation === 'jpeg-baseline';
  const bitsAllocated = spec.bitsAllocated ?? (rgb || jpegBaseline ? 8 : 16);
  const signed = spec.pixelRepresentation === 1;
  if (bitsAllocated !== 8 && bitsAllocated !== 16)
    throw new RangeError(`bitsAllocated must be 8 or 16; got ${String(bitsAllocated)}`);
  if (rgb && (bitsAllocated !== 8 || signed)) throw new RangeError('RGB pixels are 8-bit unsigned');
  if (jpegBaseline && (bitsAllocated !== 8 || signed))
    throw new RangeError('JPEG baseline holds 8-bit unsigned pixels only');
  return {
    rows: dimension(spec.rows, 64, 'rows', 0xffff),
    columns: dimension(spec.columns, 64, 'columns', 0xffff),
    frames: dimension(spec.frames, 1, 'frames', 2 ** 31 - 1),
    samples: rgb ? 3 : 1,
    bitsAllocated,
    signed,
    photometric,
  };
}

/** A gradient across the image, shifted per frame so that frames differ. */
function defaultPixel(layout: ImageLayout): NonNullable<DicomInstanceSpec['pixel']> {
  if (layout.samples === 3)
    return (frame, row, column, sample) =>
      [
        (row * 4 + frame * 40) % 256,
        (column * 4 + frame * 20) % 256,
        (row * 2 + column * 2 + frame * 60) % 256,
      ][sample];
  if (layout.bitsAllocated === 8)
    return (frame, row, column) =>
      ((row * 2 + column + frame * 37) % 256) - (layout.signed ? 128 : 0);
  return (frame, row, column) =>
    ((row * 64 + column * 16 + frame * 257) % 4096) - (layout.signed ? 1024 : 0);
}

/** One frame of native pixels: rows, then columns, samples interleaved; 16-bit little-endian. */
function nativeFrame(
  layout: ImageLayout,
  pixel: NonNullable<DicomInstanceSpec['pixel']>,
  frame: number,
): Buffer {
  const bytes = layout.bitsAllocated / 8;
  const out = Buffer.alloc(layout.rows * layout.columns * layout.samples * bytes);
  const min = layout.signed ? -(2 ** (layout.bitsAllocated - 1)) : 0;
  const max = layout.signed ? 2 ** (layout.bitsAllocated - 1) - 1 : 2 ** layout.bitsAllocated - 1;
  let i = 0;
  for (let row = 0; row < layout.rows; row++) {
    for (let column = 0; column < layout.columns; column++) {
      for (let sample = 0; sample < layout.samples; sample++) {
        const value = pixel(frame, row, column, sample);
        if (!Number.isInteger(value) || value < min || value > max)
          throw new RangeError(
            `pixel (frame ${frame}, row ${row}, column ${column}, sample ${sample}) is ${value}: not an integer from ${min} to ${max}`,
          );
        if (bytes === 1) out[i] = value & 0xff;
        else out.writeUInt16LE(value & 0xffff, i * 2);
        i++;
      }
    }
  }
  return out;
}

/**
 * (7FE0,0010): native frames concatenated (OW for 16-bit, OB for 8-bit), or encapsulated with one
 * fragment per frame.
 */
function pixelData(
  layout: ImageLayout,
  syntax: Syntax,
  pixel: NonNullable<DicomInstanceSpec['pixel']>,
): Attribute {
  const frames = Array.from({ length: layout.frames }, (_, f) => nativeFrame(layout, pixel, f));
  const tag = 0x7fe00010;
  if (!syntax.encapsulation) {
    return {
      tag,
      vr: layout.bitsAllocated === 16 ? 'OW' : 'OB',
      value: padEven(Buffer.concat(frames), 0),
    };
  }
  let fragments: Buffer[];
  switch (syntax.encapsulation) {
    case 'jpeg-baseline':
      fragments = frames.map((f) =>
        layout.samples === 3
          ? Buffer.from(
              jpeg.encode({ data: rgbToRgba(f), width: layout.columns, height: layout.rows }, 90)
                .data,
            )
          : encodeGreyJpeg(f, layout.columns, layout.rows, 90),
      );
      break;
    case 'rle':
      fragments = frames.map((f) => encodeRleFrame(f, layout));
      break;
    case 'jpeg2000':
      fragments = frames.map(() => j2kCodestream(layout));
      break;
  }
  // PS3.5 A.4: fragments have even lengths; a trailing NUL follows the codestream's end marker.
  return { tag, vr: 'OB', value: Buffer.alloc(0), fragments: fragments.map((f) => padEven(f, 0)) };
}

function rgbToRgba(rgb: Buffer): Buffer {
  const pixels = rgb.length / 3;
  const rgba = Buffer.alloc(pixels * 4, 0xff);
  for (let i = 0; i < pixels; i++) rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
  return rgba;
}

/** The file meta group (PS3.10 7.1), always Explicit VR Little Endian, led by its group length. */
function fileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const le: Syntax = { ...EXPLICIT_LE, uid: TransferSyntaxes.ExplicitVRLittleEndian };
  const ascii = (s: string) => Buffer.from(s, 'latin1');
  const elements: Attribute[] = [
    { tag: 0x00020001, vr: 'OB', value: Buffer.from([0x00, 0x01]) },
    { tag: 0x00020002, vr: 'UI', value: padEven(ascii(sopClassUid), 0) },
    { tag: 0x00020003, vr: 'UI', value: padEven(ascii(sopInstanceUid), 0) },
    { tag: 0x00020010, vr: 'UI', value: padEven(ascii(transferSyntaxUid), 0) },
    { tag: 0x00020012, vr: 'UI', value: padEven(ascii(IMPLEMENTATION_CLASS_UID), 0) },
    { tag: 0x00020013, vr: 'SH', value: padEven(ascii(IMPLEMENTATION_VERSION_NAME), 0x20) },
  ];
  const group = Buffer.concat(elements.flatMap((e) => encodeElement(e, le)));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(group.length);
  return Buffer.concat([...encodeElement({ tag: 0x00020000, vr: 'UL', value: length }, le), group]);
}

/** An element's bytes: header (explicit short or long form, or implicit) and value. */
function encodeElement(attribute: Attribute, syntax: Syntax): Buffer[] {
  const { tag, vr, fragments } = attribute;
  if (fragments) {
    // PS3.5 A.4: OB of undefined length, a basic offset table item, an item per fragment and a
    // sequence delimiter. The offsets count from the first fragment item's tag.
    const table = Buffer.alloc(4 * fragments.length);
    let offset = 0;
    fragments.forEach((f, i) => {
      table.writeUInt32LE(offset, i * 4);
      offset += 8 + f.length;
    });
    return [
      header(tag, 'OB', 0xffffffff, syntax),
      item(0xe000, table.length),
      table,
      ...fragments.flatMap((f) => [item(0xe000, f.length), f]),
      item(0xe0dd, 0),
    ];
  }
  const unit = SWAP_UNIT.get(vr);
  const value = syntax.bigEndian && unit ? swap(attribute.value, unit) : attribute.value;
  return [header(tag, vr, value.length, syntax), value];
}

function header(tag: number, vr: string, length: number, syntax: Syntax): Buffer {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const be = syntax.bigEndian;
  const write16 = (b: Buffer, v: number, at: number) =>
    be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at);
  const write32 = (b: Buffer, v: number, at: number) =>
    be ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at);
  const long = !syntax.explicit || LONG_VRS.has(vr);
  const out = Buffer.alloc(syntax.explicit && long ? 12 : 8);
  write16(out, group, 0);
  write16(out, element, 2);
  if (!syntax.explicit) {
    write32(out, length, 4);
    return out;
  }
  out.write(vr, 4, 'latin1');
  if (long) {
    write32(out, length, 8);
  } else {
    if (length > 0xffff)
      throw new RangeError(`(${hex(tag)}) ${vr}: ${length} bytes do not fit a 16-bit length`);
    write16(out, length, 6);
  }
  return out;
}

/** An item or delimitation tag (FFFE,xxxx) with its 4-byte length, little-endian. */
function item(element: number, length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt16LE(0xfffe, 0);
  out.writeUInt16LE(element, 2);
  out.writeUInt32LE(length, 4);
  return out;
}

function swap(value: Buffer, unit: 2 | 4 | 8): Buffer {
  const copy = Buffer.from(value);
  if (copy.length % unit)
    throw new RangeError(
      `a value of ${copy.length} bytes is not a whole number of ${unit}-byte words`,
    );
  if (unit === 2) return copy.swap16();
  if (unit === 4) return copy.swap32();
  return copy.swap64();
}

/** A value's bytes, little-endian, padded to even length (space for strings, NUL otherwise). */
function encodeValue(
  tag: number,
  vr: string,
  value: string | number | Buffer,
  encodeText: (text: string, where: string) => Buffer,
): Buffer {
  const where = `(${hex(tag)}) ${vr}`;
  if (!KNOWN_VRS.has(vr)) throw new TypeError(`${where}: not a VR`);
  if (vr === 'SQ') throw new TypeError(`${where}: sequences are not supported`);
  const pad = STRING_VRS.has(vr) && vr !== 'UI' ? 0x20 : 0;
  if (Buffer.isBuffer(value)) return padEven(Buffer.from(value), pad);
  const number = NUMBER_WRITERS[vr];
  if (number) {
    const values = typeof value === 'number' ? [value] : value === '' ? [] : value.split('\\');
    const out = Buffer.alloc(values.length * number.size);
    values.forEach((v, i) => {
      const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) throw new TypeError(`${where}: "${v}" is not a number`);
      if (number.range) integer(n, number.range[0], number.range[1], where);
      number.write(out.subarray(i * number.size), n);
    });
    return out;
  }
  if (vr === 'AT') {
    if (typeof value !== 'string') throw new TypeError(`${where}: give tags as 8 hex digits`);
    const tags = value === '' ? [] : value.split('\\');
    const out = Buffer.alloc(tags.length * 4);
    tags.forEach((t, i) => {
      if (!/^[0-9a-fA-F]{8}$/.test(t)) throw new TypeError(`${where}: "${t}" is not a tag`);
      out.writeUInt16LE(parseInt(t.slice(0, 4), 16), i * 4);
      out.writeUInt16LE(parseInt(t.slice(4), 16), i * 4 + 2);
    });
    return out;
  }
  if (STRING_VRS.has(vr)) {
    let text: string;
    if (typeof value === 'string') text = value;
    else if (vr === 'IS') text = String(integer(value, -(2 ** 31), 2 ** 31 - 1, where));
    else if (vr === 'DS') text = decimalString(value, where);
    else throw new TypeError(`${where}: a number is not a value of this VR`);
    if (TEXT_VRS.has(vr)) return padEven(encodeText(text, where), pad);
    if (!/^[\x20-\x7e]*$/.test(text))
      throw new TypeError(`${where}: "${text}" must be printable ASCII (default repertoire)`);
    return padEven(Buffer.from(text, 'latin1'), pad);
  }
  if (BINARY_VRS.has(vr)) throw new TypeError(`${where}: give a binary value as a Buffer`);
  throw new TypeError(`${where}: VR ${vr} is not supported`);
}

/**
 * The encoder for text VRs under SpecificCharacterSet. Code extensions (ISO 2022 escape sequences,
 * multi-valued character sets) are not written.
 */
function textEncoder(
  specificCharacterSet: string | undefined,
): (text: string, where: string) => Buffer {
  const term = (specificCharacterSet ?? '').trim().toUpperCase();
  const encodings: Record<string, (text: string) => Buffer> = {
    '': (t) => Buffer.from(t, 'latin1'),
    'ISO_IR 6': (t) => Buffer.from(t, 'latin1'),
    'ISO_IR 100': (t) => Buffer.from(t, 'latin1'),
    'ISO_IR 192': (t) => Buffer.from(t, 'utf8'),
    GB18030: (t) => iconv.encode(t, 'gb18030'),
    GBK: (t) => iconv.encode(t, 'gbk'),
  };
  // Decoding back shows what the encoding lost ('ascii' clears the high bit).
  const decodings: Record<string, (bytes: Buffer) => string> = {
    '': (b) => b.toString('ascii'),
    'ISO_IR 6': (b) => b.toString('ascii'),
    'ISO_IR 100': (b) => b.toString('latin1'),
    'ISO_IR 192': (b) => b.toString('utf8'),
    GB18030: (b) => iconv.decode(b, 'gb18030'),
    GBK: (b) => iconv.decode(b, 'gbk'),
  };
  const encode = encodings[term];
  const decode = decodings[term];
  if (!encode || !decode)
    throw new TypeError(
      `specificCharacterSet "${specificCharacterSet}" is not supported: use ISO_IR 6, ISO_IR 100, ISO_IR 192, GB18030 or GBK`,
    );
  return (text, where) => {
    const bytes = encode(text);
    // An encoder replaces what it cannot hold; refuse instead of writing a different name.
    if (decode(bytes) !== text)
      throw new TypeError(
        `${where}: "${text}" cannot be written in ${term ? `character set ${term}` : 'the default repertoire (ASCII)'}; set specificCharacterSet`,
      );
    return bytes;
  };
}

/** A DS value: at most 16 characters (PS3.5 6.2). */
function decimalString(value: number, where: string): string {
  if (!Number.isFinite(value)) throw new TypeError(`${where}: DS cannot hold ${value}`);
  let text = String(value);
  for (let precision = 15; text.length > 16 && precision > 0; precision--)
    text = String(Number(value.toPrecision(precision)));
  return text;
}

function integer(value: number, min: number, max: number, where: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${where}: ${value} is not an integer from ${min} to ${max}`);
  return value;
}

function padEven(bytes: Buffer, pad: number): Buffer {
  return bytes.length % 2 ? Buffer.concat([bytes, Buffer.from([pad])]) : bytes;
}

function hex(tag: number): string {
  const digits = tag.toString(16).toUpperCase().padStart(8, '0');
  return `${digits.slice(0, 4)},${digits.slice(4)}`;
}

// ---------------------------------------------------------------------------------------------
// RLE Lossless (PS3.5 Annex G)

/**
 * One frame as DICOM RLE: a 64-byte header (segment count, then 15 segment offsets), then one
 * PackBits segment per byte plane: for each sample, its most significant byte first. Each row is
 * encoded on its own (G.3.1) and each segment padded to an even length.
 */
function encodeRleFrame(native: Buffer, layout: ImageLayout): Buffer {
  const bytesPerSample = layout.bitsAllocated / 8;
  const pixels = layout.rows * layout.columns;
  const segments: Buffer[] = [];
  for (let sample = 0; sample < layout.samples; sample++) {
    for (let plane = 0; plane < bytesPerSample; plane++) {
      // Native pixels are little-endian: the most significant byte is the last of each sample.
      const byte = bytesPerSample - 1 - plane;
      const bytes = Buffer.alloc(pixels);
      for (let i = 0; i < pixels; i++)
        bytes[i] = native[(i * layout.samples + sample) * bytesPerSample + byte];
      const rows: Buffer[] = [];
      for (let row = 0; row < layout.rows; row++)
        rows.push(packBits(bytes.subarray(row * layout.columns, (row + 1) * layout.columns)));
      segments.push(padEven(Buffer.concat(rows), 0));
    }
  }
  const head = Buffer.alloc(64);
  head.writeUInt32LE(segments.length, 0);
  let offset = 64;
  segments.forEach((segment, i) => {
    head.writeUInt32LE(offset, 4 + i * 4);
    offset += segment.length;
  });
  return Buffer.concat([head, ...segments]);
}

/** PackBits: a replicate run of n (2..128) is 257-n and the byte; a literal run is n-1 and n bytes. */
function packBits(data: Buffer): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 2) {
      out.push(257 - run, data[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < data.length && i - start < 128 && !(i + 1 < data.length && data[i] === data[i + 1]))
      i++;
    out.push(i - start - 1);
    for (let k = start; k < i; k++) out.push(data[k]);
  }
  return Buffer.from(out);
}

// ---------------------------------------------------------------------------------------------
// JPEG 2000

/**
 * Not an encoding of the pixels: the hub only stores and serves JPEG 2000, never decodes it, so a
 * frame is a minimal, syntactically plausible codestream: SOC, SIZ (the frame's size, components
 * and bit depth), COD (no transform levels, one layer), QCD (reversible), one tile (SOT, SOD) of
 * empty packets, EOC.
 */
function j2kCodestream(layout: ImageLayout): Buffer {
  const components = layout.samples;
  const siz = Buffer.alloc(40 + 3 * components);
  siz.writeUInt16BE(0xff51, 0);
  siz.writeUInt16BE(38 + 3 * components, 2); // Lsiz
  siz.writeUInt16BE(0, 4); // Rsiz: no restrictions
  siz.writeUInt32BE(layout.columns, 6); // Xsiz
  siz.writeUInt32BE(layout.rows, 10); // Ysiz
  siz.writeUInt32BE(layout.columns, 22); // XTsiz: one tile
  siz.writeUInt32BE(layout.rows, 26); // YTsiz
  siz.writeUInt16BE(components, 38); // Csiz
  for (let c = 0; c < components; c++) {
    siz[40 + c * 3] = (layout.bitsAllocated - 1) | (layout.signed ? 0x80 : 0); // Ssiz
    siz[41 + c * 3] = 1; // XRsiz
    siz[42 + c * 3] = 1; // YRsiz
  }
  // COD: Scod 0, LRCP, 1 layer, no colour transform, 0 decompositions, 64×64 code-blocks, 5-3.
  const cod = Buffer.from([0xff, 0x52, 0, 12, 0, 0, 0, 1, 0, 0, 4, 4, 0, 1]);
  // QCD: no quantization, 2 guard bits, one subband with exponent = bit depth.
  const qcd = Buffer.from([0xff, 0x5c, 0, 4, 0x40, layout.bitsAllocated << 3]);
  // One empty packet (a single 0 byte) per component.
  const packets = Buffer.alloc(components);
  const sot = Buffer.alloc(12);
  sot.writeUInt16BE(0xff90, 0);
  sot.writeUInt16BE(10, 2); // Lsot
  sot.writeUInt16BE(0, 4); // Isot
  sot.writeUInt32BE(12 + 2 + packets.length, 6); // Psot: SOT to the end of the tile-part
  sot[10] = 0; // TPsot
  sot[11] = 1; // TNsot
  return Buffer.concat([
    Buffer.from([0xff, 0x4f]),
    siz,
    cod,
    qcd,
    sot,
    Buffer.from([0xff, 0x93]),
    packets,
    Buffer.from([0xff, 0xd9]),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Greyscale baseline JPEG (ITU-T T.81)

/*
 * jpeg-js writes only 3-component YCbCr frames, but a MONOCHROME2 image (SamplesPerPixel 1) needs a
 * single-component JPEG (PS3.5 8.2.1), so grey frames are encoded here: baseline DCT, the Annex K
 * luminance quantization table scaled by quality, and simple valid Huffman tables (every DC
 * category a 4-bit code, every AC symbol an 8-bit code) instead of the Annex K ones.
 */

/** Annex K.1 luminance quantization table, in natural (row-major) order. */
const LUMINANCE_QUANTIZATION = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** ZIGZAG[k]: the natural index of the k-th coefficient in zigzag order. */
const ZIGZAG: number[] = (() => {
  const order: number[] = [];
  for (let sum = 0; sum < 15; sum++) {
    const diagonal: number[] = [];
    for (let y = 0; y < 8; y++) if (sum - y >= 0 && sum - y < 8) diagonal.push(y * 8 + sum - y);
    order.push(...(sum % 2 ? diagonal : diagonal.reverse()));
  }
  return order;
})();

/** cos((2x+1)uπ/16) for x, u in 0..7. */
const DCT_COS = Array.from({ length: 8 }, (_, x) =>
  Array.from({ length: 8 }, (_, u) => Math.cos(((2 * x + 1) * u * Math.PI) / 16)),
);

/** AC symbols (run << 4 | size): EOB, ZRL, then run 0..15 × size 1..10; code = index, 8 bits. */
const AC_SYMBOLS = [0x00, 0xf0];
for (let run = 0; run < 16; run++)
  for (let size = 1; size <= 10; size++) AC_SYMBOLS.push((run << 4) | size);
const AC_CODE = new Map(AC_SYMBOLS.map((symbol, code) => [symbol, code]));

function encodeGreyJpeg(pixels: Buffer, width: number, height: number, quality: number): Buffer {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const quant = LUMINANCE_QUANTIZATION.map((q) =>
    Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))),
  );
  const bits = new BitWriter();
  const block = new Float64Array(64);
  const temp = new Float64Array(64);
  let previousDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      // Level-shifted samples; the edge pixels repeat past the image's right and bottom.
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++)
          block[y * 8 + x] =
            pixels[Math.min(by + y, height - 1) * width + Math.min(bx + x, width - 1)] - 128;
      // Separable 2-D DCT-II: rows, then columns.
      for (let y = 0; y < 8; y++)
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += block[y * 8 + x] * DCT_COS[x][u];
          temp[y * 8 + u] = s * (u === 0 ? Math.SQRT1_2 : 1);
        }
      const coefficients = new Int32Array(64);
      for (let u = 0; u < 8; u++)
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += temp[y * 8 + u] * DCT_COS[y][v];
          const index = v * 8 + u;
          coefficients[index] = Math.round((s * (v === 0 ? Math.SQRT1_2 : 1)) / 4 / quant[index]);
        }
      const dc = coefficients[0];
      const diff = dc - previousDc;
      previousDc = dc;
      const dcSize = magnitudeBits(diff);
      bits.write(dcSize, 4);
      bits.write(magnitudeCode(diff, dcSize), dcSize);
      let zeros = 0;
      for (let k = 1; k < 64; k++) {
        const value = coefficients[ZIGZAG[k]];
        if (value === 0) {
          zeros++;
          continue;
        }
        for (; zeros > 15; zeros -= 16) bits.write(AC_CODE.get(0xf0) ?? 0, 8);
        const size = magnitudeBits(value);
        bits.write(AC_CODE.get((zeros << 4) | size) ?? 0, 8);
        bits.write(magnitudeCode(value, size), size);
        zeros = 0;
      }
      if (zeros > 0) bits.write(AC_CODE.get(0x00) ?? 0, 8);
    }
  }
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const dcBits = Array.from({ length: 16 }, (_, i) => (i === 3 ? 12 : 0));
  const acBits = Array.from({ length: 16 }, (_, i) => (i === 7 ? AC_SYMBOLS.length : 0));
  return Buffer.from([
    0xff,
    0xd8, // SOI
    ...segment(0xdb, [0x00, ...ZIGZAG.map((n) => quant[n])]), // DQT, table 0, 8-bit
    // SOF0: 8-bit, height, width, one component (id 1, 1×1 sampling, table 0)
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [
      0x00,
      ...dcBits,
      ...Array.from({ length: 12 }, (_, i) => i),
      0x10,
      ...acBits,
      ...AC_SYMBOLS,
    ]), // DHT: DC table 0, AC table 0
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS: component 1, tables 0/0, Ss 0, Se 63
    ...bits.finish(),
    0xff,
    0xd9, // EOI
  ]);
}

/** The number of bits of |value| (the JPEG "category"). */
function magnitudeBits(value: number): number {
  let size = 0;
  for (let v = Math.abs(value); v > 0; v >>= 1) size++;
  return size;
}

/** The size low bits of value, negative values as value - 1 (T.81 F.1.2.1). */
function magnitudeCode(value: number, size: number): number {
  return value < 0 ? value + (1 << size) - 1 : value;
}

/** Entropy-coded bytes, most significant bit first, with a 0 stuffed after each 0xFF. */
class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  write(code: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((code >> bit) & 1);
      if (++this.filled === 8) this.flush();
    }
  }

  /** The bytes, the last one padded with 1 bits. */
  finish(): number[] {
    if (this.filled > 0) this.write(0xff >> this.filled, 8 - this.filled);
    return this.bytes;
  }

  private flush(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.filled = 0;
  }
}
