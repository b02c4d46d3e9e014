import { type Readable } from 'node:stream';
import {
  BadRequestException,
  Inject,
  Injectable,
  NotAcceptableException,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import {
  DicomParseError,
  type DicomJson,
  type ParsedInstance,
  TransferSyntaxes,
  frameBytes,
  parseInstance,
  renderFrame,
} from '@hub/dicom';
import { type InstanceStore, INSTANCE_STORE, isUid } from '../storage/instance-store';
import { type BulkDataLocation } from '../study/study.entity';
import { type Accessor, scopeCondition } from './accessor';
import { Attributes } from './dicom-attributes';
import { type DicomwebUrls } from './dicomweb-urls';
import {
  type MediaRange,
  type OutgoingPart,
  multipartBody,
  newBoundary,
  parseAccept,
} from './multipart';

/** What a WADO-RS request names: a study, a series of it, or one instance. */
export interface WadoTarget {
  study: string;
  series?: string;
  instance?: string;
}

/** A streamed multipart answer. */
export interface MultipartAnswer {
  contentType: string;
  body: Readable;
}

interface StoredInstance {
  study_uid: string;
  series_uid: string;
  sop_uid: string;
  transfer_syntax_uid: string;
  storage_key: string;
  size_bytes: string;
}

/** Media types of compressed frames per transfer syntax (PS3.18 Table 8.7.3-5). */
const FRAME_MEDIA_TYPES: Record<string, string> = {
  [TransferSyntaxes.JpegBaseline]: 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  [TransferSyntaxes.JpegLosslessSV1]: 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  [TransferSyntaxes.Jpeg2000Lossless]: 'image/jp2',
  [TransferSyntaxes.Jpeg2000]: 'image/jp2',
  '1.2.840.10008.1.2.4.92': 'image/jpx',
  '1.2.840.10008.1.2.4.93': 'image/jpx',
  [TransferSyntaxes.RleLossless]: 'image/dicom-rle',
};

const DICOM_MULTIPART = 'multipart/related; type="application/dicom"';

/**
 * WADO-RS (PS3.18 10.4): instances byte for byte as stored, their headers as DICOM JSON, frames,
 * bulk data and rendered images. Nothing is transcoded: an Accept that asks for another transfer
 * syntax than the stored one is answered 406. The caller's scope is part of the SQL; what they may
 * not see answers 404, as a missing one.
 */
@Injectable()
export class WadoService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(INSTANCE_STORE) private readonly store: InstanceStore,
  ) {}

  /** The instances of a study, series or one instance as `multipart/related; application/dicom`. */
  async retrieve(
    accessor: Accessor,
    target: WadoTarget,
    accept: string | undefined,
  ): Promise<MultipartAnswer> {
    const instances = await this.find(accessor, target);
    const syntaxes = new Set(instances.map((i) => i.transfer_syntax_uid));
    if (!parseAccept(accept).some((range) => acceptsDicom(range, syntaxes)))
      throw new NotAcceptableException(
        `the archive answers ${DICOM_MULTIPART} in the stored transfer syntax (${[...syntaxes].join(', ')}), not ${accept}`,
      );
    const boundary = newBoundary();
    const store = this.store;
    async function* parts(): AsyncGenerator<OutgoingPart> {
      for (const instance of instances)
        yield {
          contentType: `application/dicom; transfer-syntax=${instance.transfer_syntax_uid}`,
          length: Number(instance.size_bytes),
          body: () => store.openReadStream(instance.storage_key),
        };
    }
    return {
      contentType: `${DICOM_MULTIPART}; boundary=${boundary}`,
      body: multipartBody(boundary, parts()),
    };
  }

  /** The headers of a study, series or instance as DICOM JSON, bulk data as BulkDataURI. */
  async metadata(accessor: Accessor, target: WadoTarget, urls: DicomwebUrls): Promise<DicomJson[]> {
    const rows = await this.find<{ dataset: DicomJson; bulk_data: BulkDataLocation[] }>(
      accessor,
      target,
      'i.dataset, i.bulk_data',
    );
    return rows.map((row) => {
      const json: DicomJson = { ...row.dataset };
      for (const bulk of row.bulk_data)
        // Top-level bulk data only: the index keeps no path into sequences.
        if (json[bulk.tag]?.Value === undefined && json[bulk.tag]?.InlineBinary === undefined)
          json[bulk.tag] = {
            vr: bulk.vr,
            BulkDataURI: urls.bulkData(row.study_uid, row.series_uid, row.sop_uid, bulk.tag),
          };
      return Object.fromEntries(Object.entries(json).sort(([a], [b]) => a.localeCompare(b)));
    });
  }

  /**
   * Frames of one instance (`1,3,5`), each as a part: uncompressed bytes for native transfer
   * syntaxes, the compressed bitstream for encapsulated ones (with its media type).
   */
  async frames(
    accessor: Accessor,
    target: Required<WadoTarget>,
    list: string,
    accept: string | undefined,
  ): Promise<MultipartAnswer> {
    const numbers = frameList(list);
    const parsed = await this.parsed(accessor, target);
    const partType = parsed.encapsulated
      ? (FRAME_MEDIA_TYPES[parsed.transferSyntaxUid] ?? 'application/octet-stream')
      : 'application/octet-stream';
    const chosen = parseAccept(accept)
      .map((range) => acceptsFrames(range, partType, parsed))
      .find((type) => type !== undefined);
    if (!chosen)
      throw new NotAcceptableException(
        parsed.encapsulated
          ? `the frames are stored compressed (${parsed.transferSyntaxUid}) and are not decompressed: accept multipart/related; type="${partType}", or type="application/octet-stream"; transfer-syntax=*`
          : 'the frames are answered as multipart/related; type="application/octet-stream"',
      );
    const frames = numbers.map((n) => {
      try {
        return frameBytes(parsed, n);
      } catch (error) {
        if (error instanceof RangeError)
          throw new NotFoundException(`instance ${target.instance}: ${error.message}`);
        if (error instanceof DicomParseError) throw new NotAcceptableException(error.reason);
        throw error;
      }
    });
    const boundary = newBoundary();
    async function* parts(): AsyncGenerator<OutgoingPart> {
      for (const frame of frames)
        yield {
          contentType: `${partType}; transfer-syntax=${parsed.transferSyntaxUid}`,
          length: frame.length,
          body: frame,
        };
    }
    return {
      contentType: `multipart/related; type="${chosen}"; boundary=${boundary}`,
      body: multipartBody(boundary, parts()),
    };
  }

  /** Bulk data of one instance named in its metadata (pixel data: one part per frame). */
  async bulkData(
    accessor: Accessor,
    target: Required<WadoTarget>,
    tag: string,
    accept: string | undefined,
  ): Promise<MultipartAnswer> {
    const key = tag.toUpperCase();
    if (!/^[0-9A-F]{8}$/.test(key)) throw new BadRequestException(`${tag} is not a tag`);
    const [row] = await this.find<{ bulk_data: BulkDataLocation[] }>(
      accessor,
      target,
      'i.bulk_data',
    );
    const location = row.bulk_data.find((bulk) => bulk.tag === key);
    if (!location)
      throw new NotFoundException(`instance ${target.instance} has no bulk data at ${key}`);
    if (
      !parseAccept(accept).some((r) => ['*/*', 'multipart/*', 'multipart/related'].includes(r.type))
    )
      throw new NotAcceptableException(
        'bulk data is answered as multipart/related; type="application/octet-stream"',
      );
    const parsed = await this.parsed(accessor, target);
    let bodies: Buffer[];
    if (key === Attributes.PixelData.tag && parsed.image) {
      const count = parsed.image.numberOfFrames;
      bodies = parsed.encapsulated
        ? Array.from({ length: count }, (_, i) => frameBytes(parsed, i + 1))
        : [parsed.bytes.subarray(location.offset, location.offset + location.length)];
    } else bodies = [parsed.bytes.subarray(location.offset, location.offset + location.length)];
    const partType =
      key === Attributes.PixelData.tag && parsed.encapsulated
        ? `${FRAME_MEDIA_TYPES[parsed.transferSyntaxUid] ?? 'application/octet-stream'}; transfer-syntax=${parsed.transferSyntaxUid}`
        : 'application/octet-stream';
    const boundary = newBoundary();
    async function* parts(): AsyncGenerator<OutgoingPart> {
      for (const body of bodies) yield { contentType: partType, length: body.length, body };
    }
    return {
      contentType: `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
      body: multipartBody(boundary, parts()),
    };
  }

  /**
   * A frame as PNG (default) or JPEG (PS3.18 10.4.1.1.3), windowed by `window=center,width[,linear]`
   * or the header's window.
   */
  async rendered(
    accessor: Accessor,
    target: Required<WadoTarget>,
    frame: string,
    accept: string | undefined,
    window: string | undefined,
  ): Promise<{ contentType: string; data: Buffer }> {
    const [number] = frameList(frame);
    if (frame.includes(',')) throw new BadRequestException('rendered takes one frame');
    const format = renderFormat(accept);
    const windowing = windowOf(window);
    const parsed = await this.parsed(accessor, target);
    try {
      return renderFrame(parsed, number, { ...windowing, format });
    } catch (error) {
      if (error instanceof RangeError)
        throw new NotFoundException(`instance ${target.instance}: ${error.message}`);
      if (error instanceof DicomParseError)
        throw new NotAcceptableException(
          `instance ${target.instance} cannot be rendered: ${error.reason}`,
        );
      throw error;
    }
  }

  /** One instance's file, read and parsed (frames, bulk data and rendering need its structure). */
  private async parsed(accessor: Accessor, target: Required<WadoTarget>): Promise<ParsedInstance> {
    const [instance] = await this.find(accessor, target);
    return parseInstance(await this.store.read(instance.storage_key));
  }

  /**
   * The instances named, visible to the accessor, in series and instance order.
   * @throws NotFoundException naming what was not found (or may not be seen)
   */
  private async find<T extends object = object>(
    accessor: Accessor,
    target: WadoTarget,
    extraColumns?: string,
  ): Promise<Array<StoredInstance & T>> {
    for (const uid of [target.study, target.series, target.instance])
      if (uid !== undefined && !isUid(uid))
        throw new BadRequestException(`${uid} is not a DICOM UID`);
    const params: unknown[] = [target.study];
    const where = ['i.study_uid = $1', scopeCondition(accessor, 's', params)];
    if (target.series) {
      params.push(target.series);
      where.push(`i.series_uid = $${params.length}`);
    }
    if (target.instance) {
      params.push(target.instance);
      where.push(`i.sop_uid = $${params.length}`);
    }
    const rows = await this.dataSource.query<Array<StoredInstance & T>>(
      `SELECT i.study_uid, i.series_uid, i.sop_uid, i.transfer_syntax_uid, i.storage_key,
              i.size_bytes${extraColumns ? `, ${extraColumns}` : ''}
         FROM imaging.instance i
         JOIN imaging.series se ON se.series_uid = i.series_uid
         JOIN imaging.study s ON s.study_uid = i.study_uid
        WHERE ${where.join(' AND ')}
        ORDER BY se.series_number NULLS LAST, se.series_uid, i.instance_number NULLS LAST, i.sop_uid`,
      params,
    );
    if (rows.length === 0)
      throw new NotFoundException(
        target.instance
          ? `instance ${target.instance} of series ${target.series} of study ${target.study} not found`
          : target.series
            ? `series ${target.series} of study ${target.study} not found`
            : `study ${target.study} not found`,
      );
    return rows;
  }
}

/** Whether an Accept range takes the stored instances as they are. */
function acceptsDicom(range: MediaRange, syntaxes: Set<string>): boolean {
  if (range.type === '*/*' || range.type === 'multipart/*') return true;
  if (range.type !== 'multipart/related') return false;
  const type = range.params.type?.toLowerCase();
  if (type !== undefined && type !== 'application/dicom') return false;
  const syntax = range.params['transfer-syntax'];
  // No transfer-syntax: as stored (the archive does not transcode; see README).
  return syntax === undefined || syntax === '*' || (syntaxes.size === 1 && syntaxes.has(syntax));
}

/** The `type` of the answer when an Accept range takes these frames, else undefined. */
function acceptsFrames(
  range: MediaRange,
  partType: string,
  parsed: ParsedInstance,
): string | undefined {
  if (range.type === '*/*' || range.type === 'multipart/*') return partType;
  if (range.type !== 'multipart/related') return undefined;
  const type = range.params.type?.toLowerCase();
  const syntax = range.params['transfer-syntax'];
  const anySyntax = syntax === undefined || syntax === '*' || syntax === parsed.transferSyntaxUid;
  if (type === undefined || type === '*/*') return anySyntax ? partType : undefined;
  if (type === partType) return anySyntax ? partType : undefined;
  // application/octet-stream means uncompressed unless the caller takes any syntax.
  if (type === 'application/octet-stream')
    return !parsed.encapsulated || syntax === '*' || syntax === parsed.transferSyntaxUid
      ? type
      : undefined;
  return undefined;
}

function frameList(list: string): number[] {
  const numbers = list.split(',').map((n) => n.trim());
  if (numbers.length === 0 || numbers.some((n) => !/^[1-9]\d{0,6}$/.test(n)))
    throw new BadRequestException(`${JSON.stringify(list)} is not a list of frame numbers (1,2,…)`);
  return numbers.map(Number);
}

function renderFormat(accept: string | undefined): 'png' | 'jpeg' {
  for (const range of parseAccept(accept)) {
    if (range.type === 'image/png' || range.type === 'image/*' || range.type === '*/*')
      return 'png';
    if (range.type === 'image/jpeg') return 'jpeg';
  }
  throw new NotAcceptableException('rendered frames are answered as image/png or image/jpeg');
}

function windowOf(window: string | undefined): { windowCenter?: number; windowWidth?: number } {
  if (window === undefined) return {};
  const [center, width, fn] = window.split(',').map((part) => part.trim());
  const c = Number(center);
  const w = Number(width);
  if (center === '' || width === undefined || !Number.isFinite(c) || !Number.isFinite(w) || w <= 0)
    throw new BadRequestException('window must be center,width[,function] with a positive width');
  if (fn !== undefined && fn.toLowerCase() !== 'linear')
    throw new BadRequestException(`window function ${fn} is not supported (linear is)`);
  return { windowCenter: c, windowWidth: w };
}
