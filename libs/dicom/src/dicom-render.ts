import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { TransferSyntaxes } from './dicom-json';
import {
  DicomParseError,
  type ImagePixelModule,
  type ParsedInstance,
  frameBytes,
  isBigEndian,
} from './dicom-parse';

export interface RenderOptions {
  windowCenter?: number;
  windowWidth?: number;
  format?: 'png' | 'jpeg';
}

/**
 * A frame as an image a browser shows (WADO-RS `/rendered`): greyscale frames windowed (the
 * requested window, else the header's, else the frame's own range) after the modality rescale,
 * MONOCHROME1 inverted; RGB as is. Native, RLE and JPEG baseline frames can be rendered; other
 * compressions (JPEG 2000, JPEG lossless) cannot be decoded here.
 * @throws DicomParseError when the frame cannot be rendered, RangeError for a missing frame
 */
export function renderFrame(
  parsed: ParsedInstance,
  frame: number,
  options: RenderOptions = {},
): { contentType: string; data: Buffer } {
  const image = parsed.image;
  if (!image) throw new DicomParseError('the instance has no image to render');
  const bytes = frameBytes(parsed, frame);
  const format = options.format ?? 'png';
  const hasWindow = options.windowCenter !== undefined || options.windowWidth !== undefined;
  if (parsed.transferSyntaxUid === TransferSyntaxes.JpegBaseline) {
    if (format === 'jpeg' && !hasWindow) return { contentType: 'image/jpeg', data: bytes };
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return encode(Buffer.from(decoded.data), decoded.width, decoded.height, format);
  }
  let native: Buffer;
  if (parsed.transferSyntaxUid === TransferSyntaxes.RleLossless) native = decodeRle(bytes, image);
  else if (parsed.encapsulated)
    throw new DicomParseError(
      `frames in transfer syntax ${parsed.transferSyntaxUid} cannot be rendered here; retrieve the frame or the instance instead`,
    );
  else native = bytes;
  const rgba =
    image.samplesPerPixel === 3
      ? colourToRgba(native, image)
      : greyToRgba(native, image, isBigEndian(parsed.transferSyntaxUid), options);
  return encode(rgba, image.columns, image.rows, format);
}

function encode(
  rgba: Buffer,
  width: number,
  height: number,
  format: 'png' | 'jpeg',
): { contentType: string; data: Buffer } {
  if (format === 'jpeg')
    return {
      contentType: 'image/jpeg',
      data: Buffer.from(jpeg.encode({ data: rgba, width, height }, 90).data),
    };
  const png = new PNG({ width, height });
  rgba.copy(png.data);
  return { contentType: 'image/png', data: PNG.sync.write(png) };
}

function greyToRgba(
  data: Buffer,
  image: ImagePixelModule,
  bigEndian: boolean,
  options: RenderOptions,
): Buffer {
  const count = image.rows * image.columns;
  const values = new Float64Array(count);
  const signed = image.pixelRepresentation === 1;
  const shift = 32 - image.bitsStored;
  for (let i = 0; i < count; i++) {
    let raw: number;
    if (image.bitsAllocated === 8) raw = data[i];
    else raw = bigEndian ? data.readUInt16BE(i * 2) : data.readUInt16LE(i * 2);
    // Keep the stored bits; sign-extend when the pixels are signed.
    raw = signed ? (raw << shift) >> shift : raw & ((1 << image.bitsStored) - 1 || 0xffff);
    values[i] = raw * image.rescaleSlope + image.rescaleIntercept;
  }
  let center = options.windowCenter ?? image.windowCenter;
  let width = options.windowWidth ?? image.windowWidth;
  if (center === undefined || width === undefined || width < 1) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    center = (min + max) / 2;
    width = Math.max(max - min, 1);
  }
  const invert = image.photometricInterpretation === 'MONOCHROME1';
  const rgba = Buffer.alloc(count * 4);
  // The linear VOI function of PS3.3 C.11.2.1.2.1.
  for (let i = 0; i < count; i++) {
    const x = values[i];
    let y: number;
    if (x <= center - 0.5 - (width - 1) / 2) y = 0;
    else if (x > center - 0.5 + (width - 1) / 2) y = 255;
    else y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
    const grey = Math.round(invert ? 255 - y : y);
    rgba[i * 4] = grey;
    rgba[i * 4 + 1] = grey;
    rgba[i * 4 + 2] = grey;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

function colourToRgba(data: Buffer, image: ImagePixelModule): Buffer {
  const count = image.rows * image.columns;
  const rgba = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      rgba[i * 4 + c] = image.planarConfiguration === 1 ? data[c * count + i] : data[i * 3 + c];
    }
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment
 * per byte plane (most significant byte first), samples planar. Returns native pixels (16-bit
 * little-endian, or 8-bit; colour interleaved).
 */
export function decodeRle(frame: Buffer, image: ImagePixelModule): Buffer {
  const segments = frame.readUInt32LE(0);
  const pixels = image.rows * image.columns;
  const bytesPerSample = image.bitsAllocated / 8;
  if (segments !== bytesPerSample * image.samplesPerPixel)
    throw new DicomParseError(
      `RLE frame has ${segments} segments; expected ${bytesPerSample * image.samplesPerPixel}`,
    );
  const out = Buffer.alloc(pixels * bytesPerSample * image.samplesPerPixel);
  for (let s = 0; s < segments; s++) {
    const start = frame.readUInt32LE(4 + s * 4);
    const end = s + 1 < segments ? frame.readUInt32LE(8 + s * 4) : frame.length;
    const plane = unpackBits(frame.subarray(start, end), pixels);
    const sample = Math.floor(s / bytesPerSample);
    // Segment 0 of a sample is its most significant byte.
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    for (let i = 0; i < pixels; i++)
      out[(i * image.samplesPerPixel + sample) * bytesPerSample + byte] = plane[i];
  }
  return out;
}

function unpackBits(data: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  let i = 0;
  let o = 0;
  while (i < data.length && o < size) {
    const n = data.readInt8(i++);
    if (n >= 0) {
      data.copy(out, o, i, i + n + 1);
      i += n + 1;
      o += n + 1;
    } else if (n !== -128) {
      out.fill(data[i++], o, Math.min(size, o - n + 1));
      o += -n + 1;
    }
  }
  return out;
}
