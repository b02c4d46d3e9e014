import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import iconv from 'iconv-lite';
import { type DicomJson, type DicomJsonAttribute, Tags, TransferSyntaxes } from './dicom-json';
import { vrOf } from './dictionary';

/** Why a file is not an acceptable DICOM instance, in words a modality engineer can act on. */
export class DicomParseError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DicomParseError';
  }
}

/** The Image Pixel module of an instance (PS3.3 C.7.6.3) and its windowing defaults. */
export interface ImagePixelModule {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  numberOfFrames: number;
  windowCenter?: number;
  windowWidth?: number;
  rescaleSlope: number;
  rescaleIntercept: number;
}

/** Where the pixel data sits in {@link ParsedInstance.bytes}. */
export interface PixelDataLocation {
  offset: number;
  length: number;
  /** Encapsulated: each fragment's data (position and length in `bytes`). */
  fragments?: Array<{ position: number; length: number }>;
  basicOffsetTable?: number[];
}

/** A parsed Part 10 instance: its identity, its header as DICOM JSON and where its bulk data is. */
export interface ParsedInstance {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /**
   * The dataset as DICOM JSON (PS3.18 F.2): strings decoded with SpecificCharacterSet, PN as
   * `{ Alphabetic, Ideographic, Phonetic }`, DS/IS as numbers. PixelData and binary values over
   * 1 KiB are left out and listed in `bulkData`.
   */
  dataset: DicomJson;
  bulkData: Array<{ tag: string; vr: string; offset: number; length: number }>;
  image?: ImagePixelModule;
  pixelData?: PixelDataLocation;
  /** The bytes the offsets refer to: the file itself, or the inflated dataset of a deflated file. */
  bytes: Buffer;
  encapsulated: boolean;
}

const PIXEL_DATA = 'x7fe00010';

/** The start of a file given to {@link parseInstance} ends before its Pixel Data: read more. */
export class IncompletePrefix extends Error {
  constructor() {
    super('the header continues past the bytes read so far');
    this.name = 'IncompletePrefix';
  }
}

/** Binary values up to this size are returned inline (InlineBinary); larger ones as bulk data. */
const INLINE_BINARY_MAX = 1024;

const TEXT_VRS = new Set(['SH', 'LO', 'PN', 'LT', 'ST', 'UT', 'UC']);
const STRING_VRS = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);
/** String VRs whose value is one string even with a backslash in it. */
const SINGLE_VALUED = new Set(['LT', 'ST', 'UT', 'UR']);
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMBER_READERS: Record<string, { size: number; read: keyof dicomParser.DataSet }> = {
  US: { size: 2, read: 'uint16' },
  SS: { size: 2, read: 'int16' },
  UL: { size: 4, read: 'uint32' },
  SL: { size: 4, read: 'int32' },
  FL: { size: 4, read: 'float' },
  FD: { size: 8, read: 'double' },
};

/**
 * Parses a DICOM Part 10 file (Explicit/Implicit VR Little Endian, Explicit VR Big Endian,
 * Deflated, and encapsulated transfer syntaxes) with dicom-parser.
 *
 * `fileSize` larger than `file` means `file` is only the start of a file of that size (see
 * {@link readInstanceFile}): parsing stops at the Pixel Data element, whose value need not be in
 * `file`; a native Pixel Data's extent is checked against `fileSize`, and an encapsulated one's
 * `length` is left `undefined` for the caller to find by walking its items in the file.
 * @throws DicomParseError when it is not DICOM, is truncated, or lacks the identifying UIDs.
 * @throws IncompletePrefix when `file` is a prefix that ends before the Pixel Data element.
 */
export function parseInstance(file: Buffer, fileSize = file.length): ParsedInstance {
  const prefix = fileSize > file.length;
  if (file.length < 132 || file.toString('latin1', 128, 132) !== 'DICM')
    throw new DicomParseError('not a DICOM Part 10 file: "DICM" is missing at byte 128');
  let dataSet: dicomParser.DataSet;
  try {
    dataSet = dicomParser.parseDicom(file, {
      inflater,
      vrCallback: vrOf,
      ...(prefix ? { untilTag: PIXEL_DATA } : {}),
    });
  } catch (error) {
    if (prefix) throw new IncompletePrefix();
    throw new DicomParseError(`the file is truncated or malformed: ${describe(error)}`);
  }
  const bytes = Buffer.from(
    dataSet.byteArray.buffer,
    dataSet.byteArray.byteOffset,
    dataSet.byteArray.byteLength,
  );
  const pixelElement = dataSet.elements[PIXEL_DATA];
  if (prefix && !pixelElement) throw new IncompletePrefix();
  for (const element of Object.values(dataSet.elements)) {
    if (prefix && element === pixelElement) {
      if (!element.hadUndefinedLength && element.dataOffset + element.length > fileSize)
        throw new DicomParseError('the file is truncated: element (7fe0,0010) runs past its end');
      continue;
    }
    if (element.dataOffset + element.length > bytes.length) {
      if (prefix) throw new IncompletePrefix();
      throw new DicomParseError(
        `the file is truncated: element (${element.tag.slice(1, 5)},${element.tag.slice(5)}) runs past its end`,
      );
    }
  }
  const transferSyntaxUid = dataSet.string('x00020010') ?? '';
  const required = (tag: string, name: string) => {
    const value = dataSet.string(tag)?.replace(/\0/g, '').trim();
    if (!value)
      throw new DicomParseError(`${name} (${tag.slice(1, 5)},${tag.slice(5)}) is missing`);
    return value;
  };
  const sopClassUid = required('x00080016', 'SOP Class UID');
  const sopInstanceUid = required('x00080018', 'SOP Instance UID');
  const studyInstanceUid = required('x0020000d', 'Study Instance UID');
  const seriesInstanceUid = required('x0020000e', 'Series Instance UID');
  const charset = characterSet(dataSet.string('x00080005'));
  const bulkData: ParsedInstance['bulkData'] = [];
  const dataset = toJson(dataSet, charset, bulkData, true);
  const pixel = pixelElement;
  const encapsulated =
    pixel?.encapsulatedPixelData === true || (prefix && pixel?.hadUndefinedLength === true);
  const image = pixel ? imageModule(dataSet) : undefined;
  const pixelData: PixelDataLocation | undefined = pixel
    ? {
        offset: pixel.dataOffset,
        length: prefix && pixel.hadUndefinedLength ? Number.NaN : pixel.length,
        ...(encapsulated && !prefix
          ? {
              fragments: (pixel.fragments ?? []).map((f) => ({
                position: f.position,
                length: f.length,
              })),
              basicOffsetTable: pixel.basicOffsetTable ?? [],
            }
          : {}),
      }
    : undefined;
  return {
    transferSyntaxUid,
    sopClassUid,
    sopInstanceUid,
    studyInstanceUid,
    seriesInstanceUid,
    dataset,
    bulkData,
    image,
    pixelData,
    bytes,
    encapsulated,
  };
}

/**
 * The bytes of frame `frame` (1-based): uncompressed pixels for native transfer syntaxes, the
 * compressed bitstream of that frame for encapsulated ones.
 * @throws RangeError for a frame the instance does not have
 */
export function frameBytes(parsed: ParsedInstance, frame: number): Buffer {
  const image = parsed.image;
  const pixel = parsed.pixelData;
  if (!image || !pixel) throw new RangeError('the instance has no pixel data');
  if (!Number.isInteger(frame) || frame < 1 || frame > image.numberOfFrames)
    throw new RangeError(`frame ${frame} does not exist: the instance has ${image.numberOfFrames}`);
  if (!parsed.encapsulated) {
    const size = (image.rows * image.columns * image.samplesPerPixel * image.bitsAllocated) / 8;
    const start = pixel.offset + (frame - 1) * size;
    if (start + size > pixel.offset + pixel.length)
      throw new RangeError(`frame ${frame} lies past the end of the pixel data`);
    return parsed.bytes.subarray(start, start + size);
  }
  const fragments = pixel.fragments ?? [];
  const table = pixel.basicOffsetTable ?? [];
  const fragment = (f: { position: number; length: number }) =>
    parsed.bytes.subarray(f.position, f.position + f.length);
  if (image.numberOfFrames === 1) return Buffer.concat(fragments.map(fragment));
  if (table.length === image.numberOfFrames) {
    // Offsets are from the first fragment's item tag; each fragment item has an 8-byte header.
    const first = fragments[0]?.position ?? 0;
    const start = table[frame - 1] + first;
    const end = frame < table.length ? table[frame] + first : Number.POSITIVE_INFINITY;
    return Buffer.concat(
      fragments.filter((f) => f.position >= start && f.position < end).map(fragment),
    );
  }
  if (fragments.length === image.numberOfFrames) return fragment(fragments[frame - 1]);
  throw new DicomParseError(
    'the frames of this encapsulated pixel data cannot be told apart (no basic offset table and not one fragment per frame)',
  );
}

/** Raw deflate for Deflated Explicit VR Little Endian: the dataset after the meta group. */
function inflater(array: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(array.subarray(position));
  const whole = new Uint8Array(position + inflated.length);
  whole.set(array.subarray(0, position));
  whole.set(inflated, position);
  return whole;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const inner = (error as { exception?: unknown }).exception;
  return typeof inner === 'string' ? inner : 'unreadable data';
}

/** How the text VRs of a dataset are decoded, from SpecificCharacterSet (0008,0005). */
interface Charset {
  decode(bytes: Buffer): string;
}

/**
 * The character sets Chinese members send: the default repertoire, ISO_IR 100 (Latin-1),
 * ISO_IR 192 (UTF-8), GB18030 and GBK, and ISO 2022 IR 58 (GB 2312 behind escape sequences).
 */
function characterSet(value: string | undefined): Charset {
  const terms = (value ?? '').split('\\').map((t) => t.trim().toUpperCase());
  const has = (term: string) => terms.includes(term);
  if (has('ISO_IR 192')) return { decode: (b) => b.toString('utf8') };
  if (has('GB18030')) return { decode: (b) => iconv.decode(b, 'gb18030') };
  if (has('GBK')) return { decode: (b) => iconv.decode(b, 'gbk') };
  if (has('ISO 2022 IR 58')) return { decode: (b) => iconv.decode(withoutEscapes(b), 'gbk') };
  return { decode: (b) => b.toString('latin1') };
}

/**
 * ISO 2022 text with its escape sequences (ESC followed by intermediate bytes 0x20-0x2F and a
 * final byte) removed: GB 2312 designated to G1 is then plain EUC-CN.
 */
function withoutEscapes(bytes: Buffer): Buffer {
  const kept: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x1b) {
      kept.push(bytes[i]);
      continue;
    }
    i++;
    while (i < bytes.length && bytes[i] >= 0x20 && bytes[i] <= 0x2f) i++;
  }
  return Buffer.from(kept);
}

/** The dataset's elements (the meta group and pixel data left out at the top level) as DICOM JSON. */
function toJson(
  dataSet: dicomParser.DataSet,
  charset: Charset,
  bulkData: ParsedInstance['bulkData'],
  topLevel: boolean,
): DicomJson {
  const json: DicomJson = {};
  for (const key of Object.keys(dataSet.elements).sort()) {
    const element = dataSet.elements[key];
    const tag = key.slice(1).toUpperCase();
    if (topLevel && (tag.startsWith('0002') || tag === Tags.PixelData)) continue;
    // Group lengths are deprecated and meaningless once re-encoded.
    if (tag.endsWith('0000')) continue;
    const vr = element.vr ?? vrOf(tag);
    json[tag] = attribute(dataSet, element, vr, charset, bulkData);
  }
  return json;
}

function attribute(
  dataSet: dicomParser.DataSet,
  element: dicomParser.Element,
  vr: string,
  charset: Charset,
  bulkData: ParsedInstance['bulkData'],
): DicomJsonAttribute {
  const tag = element.tag.slice(1).toUpperCase();
  if (vr === 'SQ' || element.items) {
    const items = (element.items ?? []).map((item) =>
      item.dataSet ? toJson(item.dataSet, charset, bulkData, false) : {},
    );
    return items.length ? { vr: 'SQ', Value: items } : { vr: 'SQ' };
  }
  if (element.length === 0) return { vr };
  const raw = Buffer.from(
    dataSet.byteArray.buffer,
    dataSet.byteArray.byteOffset + element.dataOffset,
    element.length,
  );
  if (STRING_VRS.has(vr)) {
    const text = (TEXT_VRS.has(vr) ? charset.decode(raw) : raw.toString('latin1')).replace(
      /[\0 ]+$/,
      '',
    );
    if (text === '') return { vr };
    const values = SINGLE_VALUED.has(vr) ? [text] : text.split('\\');
    if (vr === 'PN') return { vr, Value: values.map(personName) };
    if (vr === 'DS' || vr === 'IS') {
      const numbers = values.map((v) => (v.trim() === '' ? null : Number(v.trim())));
      if (numbers.every((n) => n === null || Number.isFinite(n))) return { vr, Value: numbers };
    }
    return { vr, Value: values.map((v) => (vr === 'UI' ? v.replace(/\0/g, '') : v.trim())) };
  }
  const number = NUMBER_READERS[vr];
  if (number) {
    const count = Math.floor(element.length / number.size);
    const read = dataSet[number.read] as (tag: string, index?: number) => number | undefined;
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(read.call(dataSet, element.tag, i) ?? 0);
    return { vr, Value: values };
  }
  if (vr === 'AT') {
    const values: string[] = [];
    for (let i = 0; i + 4 <= element.length; i += 4) {
      const group = dataSet.byteArrayParser.readUint16(dataSet.byteArray, element.dataOffset + i);
      const el = dataSet.byteArrayParser.readUint16(dataSet.byteArray, element.dataOffset + i + 2);
      values.push(
        `${group.toString(16).padStart(4, '0')}${el.toString(16).padStart(4, '0')}`.toUpperCase(),
      );
    }
    return { vr, Value: values };
  }
  if (BINARY_VRS.has(vr) && element.length > INLINE_BINARY_MAX) {
    bulkData.push({ tag, vr, offset: element.dataOffset, length: element.length });
    return { vr };
  }
  return { vr, InlineBinary: raw.toString('base64') };
}

function personName(value: string): Record<string, string> {
  const [alphabetic, ideographic, phonetic] = value.split('=');
  return {
    ...(alphabetic ? { Alphabetic: alphabetic.trim() } : {}),
    ...(ideographic ? { Ideographic: ideographic.trim() } : {}),
    ...(phonetic ? { Phonetic: phonetic.trim() } : {}),
  };
}

function imageModule(dataSet: dicomParser.DataSet): ImagePixelModule {
  const number = (tag: string, fallback: number) => {
    const value = dataSet.floatString(tag);
    return value === undefined || Number.isNaN(value) ? fallback : value;
  };
  const optional = (tag: string) => {
    const value = dataSet.floatString(tag);
    return value === undefined || Number.isNaN(value) ? undefined : value;
  };
  return {
    rows: dataSet.uint16('x00280010') ?? 0,
    columns: dataSet.uint16('x00280011') ?? 0,
    bitsAllocated: dataSet.uint16('x00280100') ?? 16,
    bitsStored: dataSet.uint16('x00280101') ?? dataSet.uint16('x00280100') ?? 16,
    pixelRepresentation: dataSet.uint16('x00280103') ?? 0,
    samplesPerPixel: dataSet.uint16('x00280002') ?? 1,
    photometricInterpretation: (dataSet.string('x00280004') ?? 'MONOCHROME2').trim(),
    planarConfiguration: dataSet.uint16('x00280006') ?? 0,
    numberOfFrames: Math.max(1, Math.trunc(number('x00280008', 1))),
    windowCenter: optional('x00281050'),
    windowWidth: optional('x00281051'),
    rescaleSlope: number('x00281053', 1),
    rescaleIntercept: number('x00281052', 0),
  };
}

/** True for transfer syntaxes whose pixel data is stored big-endian. */
export function isBigEndian(transferSyntaxUid: string): boolean {
  return transferSyntaxUid === TransferSyntaxes.ExplicitVRBigEndian;
}
