import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { DicomParseError, type DicomJson, type ParsedInstance, parseInstance } from '@hub/dicom';
import {
  type EcgIngestReply,
  type EcgIngestRequest,
  JobNames,
  Queues,
  jobIds,
} from '@hub/contracts';
import { CentreOutboxService, type OutboxEnqueue } from '@hub/centre';
import { isDatabaseUnavailable } from '@hub/platform';
import { type InstanceStore, INSTANCE_STORE, instanceKey, isUid } from '../storage/instance-store';
import { type BulkDataLocation } from '../study/study.entity';
import {
  attachStudy,
  enqueueStudyUpdate,
  mayLinkByAccession,
  orderByAccession,
} from '../study/study-link';
import { updateReturning } from '../study/update-returning';
import { type Accessor } from './accessor';
import {
  Attributes,
  firstInteger,
  firstString,
  isoDate,
  personNameText,
  put,
} from './dicom-attributes';
import { type DicomwebUrls } from './dicomweb-urls';
import { ECG_WAVEFORM_SOP_CLASSES, EcgForwardError, EcgForwarder } from './ecg-forwarder';
import {
  MalformedMultipartError,
  type ReceivedPart,
  parseMediaType,
  receiveMultipart,
} from './multipart';

/** Failure Reason (0008,1197) values the archive answers with (PS3.4 Annex B, PS3.18). */
export const FailureReasons = {
  /** Something on the archive's side failed (database, disk); sending again may work. */
  ProcessingFailure: 0x0110,
  /** The SOP Instance UID is stored already with other content; the first one is kept. */
  DuplicateWithOtherContent: 0x0111,
  /** The caller may not add to this study (another organisation's). */
  NotAuthorized: 0x0124,
  OutOfResources: 0xa700,
  /** Required identifying attributes missing or bad, or the instance belongs to another study. */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** Not a DICOM Part 10 file, truncated, or not `application/dicom`. */
  CannotUnderstand: 0xc000,
} as const;

/**
 * Private attributes telling in words why an instance failed (FailedSOPSequence item) or where an
 * instance the archive did not keep went (ReferencedSOPSequence item) (PS3.5 7.8: creator
 * (0009,0010) reserves (0009,10xx)); clients that do not know them ignore them.
 */
export const PRIVATE_CREATOR = 'CONSORTIUM HUB DICOMWEB';
export const PrivateTags = {
  Creator: '00090010',
  FailureDescription: '00091001',
  ForwardDescription: '00091002',
} as const;

/** The STOW-RS answer: 200 all stored, 202 some failed, 409 none stored. */
export interface StowOutcome {
  status: 200 | 202 | 409;
  body: DicomJson;
}

/** Answers a part as refused, with the reason and why in words (logged). */
type Refuse = (reason: number, description: string, parsed?: ParsedInstance) => PartOutcome;

type PartOutcome =
  | {
      ok: true;
      sopClassUid: string;
      sopInstanceUid: string;
      studyUid: string;
      seriesUid: string;
      /** An ECG waveform handed to the ECG centre: the archive does not hold it (no RetrieveURL). */
      ecgRecording?: { recordingId: string; orderId: string; duplicate: boolean };
    }
  | {
      ok: false;
      reason: number;
      description: string;
      sopClassUid?: string;
      sopInstanceUid?: string;
    };

/** A part refused inside the storing transaction (rolled back). */
class PartRefused extends Error {
  constructor(
    readonly reason: number,
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * STOW-RS (PS3.18 10.5): stores the instances of a `multipart/related; type="application/dicom"`
 * request. The body is staged to files as it arrives; each instance is then checked, put in the
 * store byte for byte and indexed in its own transaction (with its StudyUpdate/TaskUpdate jobs).
 * An instance that fails is answered in FailedSOPSequence with its reason and leaves nothing behind.
 * A 12-lead or General ECG waveform is not stored here but handed to the ECG centre (`ecg.ingest`).
 */
@Injectable()
export class StowService {
  private readonly logger = new Logger(StowService.name);

  constructor(
    @Inject(INSTANCE_STORE) private readonly store: InstanceStore,
    private readonly outbox: CentreOutboxService,
    private readonly ecg: EcgForwarder,
  ) {}

  async storeInstances(
    accessor: Accessor,
    body: AsyncIterable<Buffer>,
    contentType: string | undefined,
    targetStudy: string | undefined,
    urls: DicomwebUrls,
  ): Promise<StowOutcome> {
    const media = parseMediaType(contentType ?? '');
    if (
      media.type !== 'multipart/related' ||
      media.params.type?.toLowerCase() !== 'application/dicom'
    )
      throw new UnsupportedMediaTypeException(
        `STOW-RS takes Content-Type: multipart/related; type="application/dicom"; boundary=… (got ${contentType ?? 'none'})`,
      );
    if (!media.params.boundary)
      throw new BadRequestException('the multipart/related Content-Type has no boundary');
    if (targetStudy !== undefined && !isUid(targetStudy))
      throw new BadRequestException(`${targetStudy} is not a Study Instance UID`);
    let parts: ReceivedPart[];
    try {
      parts = await receiveMultipart(body, contentType ?? '', () => this.store.stagingPath());
    } catch (error) {
      if (error instanceof MalformedMultipartError)
        throw new BadRequestException(`the multipart body is malformed: ${error.message}`);
      throw error;
    }
    if (parts.length === 0) throw new BadRequestException('the request holds no instances');

    const traceId = randomUUID();
    const outcomes: PartOutcome[] = [];
    for (const part of parts) {
      try {
        outcomes.push(await this.storePart(part, accessor, targetStudy, traceId));
      } finally {
        // Put in place (moved) or refused: either way the staged file goes.
        await this.store.discardStaged(part.path);
      }
    }
    return answer(outcomes, targetStudy, urls);
  }

  private async storePart(
    part: ReceivedPart,
    accessor: Accessor,
    targetStudy: string | undefined,
    traceId: string,
  ): Promise<PartOutcome> {
    const refuse: Refuse = (reason, description, parsed) => {
      this.logger.warn(
        { part: part.index, reason: hex(reason), sopInstanceUid: parsed?.sopInstanceUid, traceId },
        `STOW-RS instance refused: ${description}`,
      );
      return {
        ok: false as const,
        reason,
        description: `part ${part.index}: ${description}`,
        ...(parsed
          ? { sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid }
          : {}),
      };
    };
    if (part.contentType !== undefined && part.contentType !== 'application/dicom')
      return refuse(
        FailureReasons.CannotUnderstand,
        `its Content-Type is ${part.contentType}; only application/dicom instances are stored`,
      );
    const bytes = await readFile(part.path);
    let parsed: ParsedInstance;
    try {
      parsed = parseInstance(bytes);
    } catch (error) {
      if (!(error instanceof DicomParseError)) throw error;
      // A DICOM file without its identifying UIDs does not match any storage SOP class.
      const missingUid = /\bUID\b.*\bmissing\b/i.test(error.reason);
      return refuse(
        missingUid ? FailureReasons.DataSetDoesNotMatchSopClass : FailureReasons.CannotUnderstand,
        error.reason,
      );
    }
    for (const [name, uid] of [
      ['SOP Class UID', parsed.sopClassUid],
      ['SOP Instance UID', parsed.sopInstanceUid],
      ['Study Instance UID', parsed.studyInstanceUid],
      ['Series Instance UID', parsed.seriesInstanceUid],
    ] as const) {
      if (!isUid(uid))
        return refuse(
          FailureReasons.DataSetDoesNotMatchSopClass,
          `${name} ${JSON.stringify(uid)} is not a valid UID`,
          parsed,
        );
    }
    if (targetStudy !== undefined && parsed.studyInstanceUid !== targetStudy)
      return refuse(
        FailureReasons.DataSetDoesNotMatchSopClass,
        `it belongs to study ${parsed.studyInstanceUid}, not to ${targetStudy} named in the request`,
        parsed,
      );
    if (ECG_WAVEFORM_SOP_CLASSES.has(parsed.sopClassUid))
      return this.forwardEcg(bytes, parsed, part, accessor, traceId, refuse);

    const key = instanceKey(
      parsed.studyInstanceUid,
      parsed.seriesInstanceUid,
      parsed.sopInstanceUid,
    );
    let placed = false;
    try {
      await this.outbox.transaction(async (manager, enqueue) => {
        await this.index(manager, enqueue, parsed, part, key, accessor, traceId, () => {
          placed = true;
        });
      });
    } catch (error) {
      if (placed)
        await this.store
          .delete(key)
          .catch((cleanup: unknown) =>
            this.logger.error(
              { key, error: String(cleanup), traceId },
              'could not remove an instance whose index write failed',
            ),
          );
      if (error instanceof PartRefused) return refuse(error.reason, error.description, parsed);
      // Not this instance's fault: the whole request is answered 503 (Retry-After), to send again.
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.error(
        { part: part.index, sopInstanceUid: parsed.sopInstanceUid, error, traceId },
        'STOW-RS instance could not be stored',
      );
      const full = (error as NodeJS.ErrnoException).code === 'ENOSPC';
      return refuse(
        full ? FailureReasons.OutOfResources : FailureReasons.ProcessingFailure,
        full ? 'the archive is out of disk space' : 'the archive failed to store it; send it again',
        parsed,
      );
    }
    return {
      ok: true,
      sopClassUid: parsed.sopClassUid,
      sopInstanceUid: parsed.sopInstanceUid,
      studyUid: parsed.studyInstanceUid,
      seriesUid: parsed.seriesInstanceUid,
    };
  }

  /**
   * A resting ECG goes to the ECG centre, which measures it and files it under the order its
   * accession number names; the archive keeps nothing of it, whatever the answer.
   */
  private async forwardEcg(
    bytes: Buffer,
    parsed: ParsedInstance,
    part: ReceivedPart,
    accessor: Accessor,
    traceId: string,
    refuse: Refuse,
  ): Promise<PartOutcome> {
    let reply: EcgIngestReply;
    try {
      reply = await this.ecg.ingest({
        content: bytes.toString('base64'),
        contentType: 'application/dicom',
        uploader: ecgUploader(accessor),
        traceId,
      });
    } catch (error) {
      if (!(error instanceof EcgForwardError)) throw error;
      this.logger.error(
        { part: part.index, sopInstanceUid: parsed.sopInstanceUid, error: error.message, traceId },
        'STOW-RS ECG waveform could not be handed to the ECG centre',
      );
      return refuse(
        FailureReasons.ProcessingFailure,
        error.answered
          ? 'the ECG centre failed to store it; send it again'
          : 'the ECG centre did not answer; send it again',
        parsed,
      );
    }
    if (!reply.ok)
      return refuse(
        FailureReasons.DataSetDoesNotMatchSopClass,
        `the ECG centre refused it (${reply.status}): ${reply.diagnostics}`,
        parsed,
      );
    const { recordingId, orderId } = reply.recording;
    this.logger.log(
      { part: part.index, sopInstanceUid: parsed.sopInstanceUid, recordingId, orderId, traceId },
      'STOW-RS ECG waveform handed to the ECG centre',
    );
    return {
      ok: true,
      sopClassUid: parsed.sopClassUid,
      sopInstanceUid: parsed.sopInstanceUid,
      studyUid: parsed.studyInstanceUid,
      seriesUid: parsed.seriesInstanceUid,
      ecgRecording: { recordingId, orderId, duplicate: reply.duplicate },
    };
  }

  /**
   * One instance, in one transaction: its study (created by the first instance, locked), the
   * caller's right to add to it, a re-sent copy (same bytes: nothing to do), the file put in place,
   * then the series, instance and counts, and the link to its order with the jobs for the hub.
   */
  private async index(
    manager: EntityManager,
    enqueue: OutboxEnqueue,
    parsed: ParsedInstance,
    part: ReceivedPart,
    key: string,
    accessor: Accessor,
    traceId: string,
    onPlaced: () => void,
  ): Promise<void> {
    const ds = parsed.dataset;
    const studyUid = parsed.studyInstanceUid;
    const seriesUid = parsed.seriesInstanceUid;
    const modality = firstString(ds[Attributes.Modality.tag]);
    const patientName = personNameText(ds[Attributes.PatientName.tag]);
    await manager.query(
      `INSERT INTO imaging.study (study_uid, patient_id, patient_name, patient_name_search,
         patient_birth_date, patient_sex, study_date, study_time, accession_number, modalities,
         study_description, referring_physician, uploaded_by_org)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{}', $10, $11, $12)
       ON CONFLICT (study_uid) DO NOTHING`,
      [
        studyUid,
        firstString(ds[Attributes.PatientID.tag]),
        patientName,
        patientName?.toUpperCase() ?? null,
        isoDate(firstString(ds[Attributes.PatientBirthDate.tag])),
        firstString(ds[Attributes.PatientSex.tag]),
        isoDate(firstString(ds[Attributes.StudyDate.tag])),
        firstString(ds[Attributes.StudyTime.tag]),
        firstString(ds[Attributes.AccessionNumber.tag]),
        firstString(ds[Attributes.StudyDescription.tag]),
        personNameText(ds[Attributes.ReferringPhysicianName.tag]),
        accessor.scope.kind === 'org' ? accessor.scope.org : null,
      ],
    );
    const [study] = await manager.query<
      Array<{ requester_org: string | null; uploaded_by_org: string | null }>
    >(`SELECT requester_org, uploaded_by_org FROM imaging.study WHERE study_uid = $1 FOR UPDATE`, [
      studyUid,
    ]);
    if (!mayAddTo(accessor, study))
      throw new PartRefused(
        FailureReasons.NotAuthorized,
        `study ${studyUid} cannot take instances from your organisation`,
      );
    const [existing] = await manager.query<Array<{ sha256: string }>>(
      `SELECT sha256 FROM imaging.instance WHERE sop_uid = $1`,
      [parsed.sopInstanceUid],
    );
    if (existing) {
      if (existing.sha256 === part.sha256) return; // sent again: stored already, nothing changes
      throw new PartRefused(
        FailureReasons.DuplicateWithOtherContent,
        `SOP Instance ${parsed.sopInstanceUid} is stored already with different content; the first one is kept`,
      );
    }
    const newSeries = await manager.query<Array<{ series_uid: string }>>(
      `INSERT INTO imaging.series (series_uid, study_uid, modality, series_number, series_description)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (series_uid) DO NOTHING RETURNING series_uid`,
      [
        seriesUid,
        studyUid,
        modality,
        int32(firstInteger(ds[Attributes.SeriesNumber.tag])),
        firstString(ds[Attributes.SeriesDescription.tag]),
      ],
    );
    const [series] = await manager.query<Array<{ study_uid: string }>>(
      `SELECT study_uid FROM imaging.series WHERE series_uid = $1 FOR UPDATE`,
      [seriesUid],
    );
    if (series.study_uid !== studyUid)
      throw new PartRefused(
        FailureReasons.DataSetDoesNotMatchSopClass,
        `series ${seriesUid} belongs to study ${series.study_uid}, not ${studyUid}`,
      );

    await this.store.put(key, part.path);
    onPlaced();
    const image = parsed.image;
    await manager.query(
      `INSERT INTO imaging.instance (sop_uid, series_uid, study_uid, sop_class_uid,
         transfer_syntax_uid, instance_number, number_of_frames, rows, columns, storage_key,
         size_bytes, sha256, dataset, bulk_data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        parsed.sopInstanceUid,
        seriesUid,
        studyUid,
        parsed.sopClassUid,
        parsed.transferSyntaxUid,
        int32(firstInteger(ds[Attributes.InstanceNumber.tag])),
        image ? image.numberOfFrames : int32(firstInteger(ds[Attributes.NumberOfFrames.tag])),
        image?.rows ?? null,
        image?.columns ?? null,
        key,
        part.size,
        part.sha256,
        JSON.stringify(ds),
        JSON.stringify(bulkDataOf(parsed)),
      ],
    );
    await manager.query(
      `UPDATE imaging.series SET number_of_instances = number_of_instances + 1, updated_at = now()
        WHERE series_uid = $1`,
      [seriesUid],
    );
    const [updated] = await updateReturning<{
      order_id: string | null;
      accession_number: string | null;
      uploaded_by_org: string | null;
      instances: number;
    }>(
      manager,
      `UPDATE imaging.study SET
         number_of_instances = number_of_instances + 1,
         number_of_series = number_of_series + $2,
         modalities = CASE WHEN $3::text IS NULL OR $3::text = ANY (modalities) THEN modalities
                           ELSE array_append(modalities, $3::text) END,
         accession_number = COALESCE(accession_number, $4),
         updated_at = now()
       WHERE study_uid = $1
       RETURNING order_id, accession_number, uploaded_by_org, number_of_instances AS instances`,
      [studyUid, newSeries.length, modality, firstString(ds[Attributes.AccessionNumber.tag])],
    );
    if (updated.order_id) {
      await enqueueStudyUpdate(enqueue, studyUid, updated.order_id, updated.instances, traceId);
      return;
    }
    const order = updated.accession_number
      ? await orderByAccession(manager, updated.accession_number)
      : undefined;
    if (
      order &&
      mayLinkByAccession(updated.uploaded_by_org, order) &&
      (accessor.scope.kind === 'all' || accessor.scope.org === order.requesterOrg)
    ) {
      await attachStudy(manager, enqueue, studyUid, order, traceId);
      this.logger.log(
        { studyInstanceUid: studyUid, orderId: order.orderId, traceId },
        'study linked to its order by accession number',
      );
      return;
    }
    // No order by accession number: the hub, which knows the patients, tries the patient and the
    // procedure once (a study with no match stays in the unmatched list for staff to link).
    await enqueue(
      Queues.HubImagingEvents,
      JobNames.StudyUpdate,
      { studyInstanceUid: studyUid, at: new Date().toISOString(), traceId },
      { jobId: jobIds.studyUnmatched(studyUid) },
    );
  }
}

/**
 * Whether the caller may add instances to a study: imaging staff and administrators to any; a
 * clinic to its own (linked to its order) or to one it sent that is not linked yet.
 */
function mayAddTo(
  accessor: Accessor,
  study: { requester_org: string | null; uploaded_by_org: string | null },
): boolean {
  if (accessor.scope.kind === 'all') return true;
  const org = accessor.scope.org;
  return study.requester_org === null ? study.uploaded_by_org === org : study.requester_org === org;
}

/**
 * Who uploads an ECG to the ECG centre: the caller, for its own organisation's orders, or for any
 * order when it is an administrator or one of the ECG centre's cardiologists.
 */
function ecgUploader(accessor: Accessor): EcgIngestRequest['uploader'] {
  return {
    username: accessor.subject,
    org: accessor.org,
    anyOrder: accessor.roles.some((role) => role === 'admin' || role === 'cardiologist'),
  };
}

/** Bulk data left out of the dataset, with the pixel data first (for BulkDataURI). */
function bulkDataOf(parsed: ParsedInstance): BulkDataLocation[] {
  const locations: BulkDataLocation[] = parsed.bulkData.map(({ tag, vr, offset, length }) => ({
    tag,
    vr,
    offset,
    length,
  }));
  if (parsed.image) {
    const pixel = (parsed as { pixelData?: { offset: number; length: number } }).pixelData;
    locations.unshift({
      tag: Attributes.PixelData.tag,
      vr: parsed.encapsulated ? 'OB' : parsed.image.bitsAllocated > 8 ? 'OW' : 'OB',
      offset: pixel?.offset ?? 0,
      length: pixel?.length ?? 0,
    });
  }
  return locations;
}

function int32(value: number | null): number | null {
  return value !== null && Math.abs(value) < 2 ** 31 ? value : null;
}

function hex(reason: number): string {
  return `0x${reason.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The STOW-RS response dataset (PS3.18 10.5.3) and its status. */
function answer(
  outcomes: PartOutcome[],
  targetStudy: string | undefined,
  urls: DicomwebUrls,
): StowOutcome {
  const body: DicomJson = {};
  const stored = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o) => !o.ok);
  // ECG waveforms went to the ECG centre: the archive has nothing of theirs to retrieve.
  const archived = stored.filter((o) => !o.ecgRecording);
  const studies = new Set(archived.map((o) => o.studyUid));
  const study = targetStudy ?? (studies.size === 1 ? [...studies][0] : undefined);
  if (study && archived.length) put(body, 'RetrieveURL', urls.study(study));
  if (failed.length)
    body[Attributes.FailedSOPSequence.tag] = {
      vr: 'SQ',
      Value: failed.map((o) => {
        const item: DicomJson = {};
        put(item, 'ReferencedSOPClassUID', o.sopClassUid);
        put(item, 'ReferencedSOPInstanceUID', o.sopInstanceUid);
        put(item, 'FailureReason', o.reason);
        item[PrivateTags.Creator] = { vr: 'LO', Value: [PRIVATE_CREATOR] };
        item[PrivateTags.FailureDescription] = { vr: 'LT', Value: [o.description] };
        return item;
      }),
    };
  if (stored.length)
    body[Attributes.ReferencedSOPSequence.tag] = {
      vr: 'SQ',
      Value: stored.map((o) => {
        const item: DicomJson = {};
        put(item, 'ReferencedSOPClassUID', o.sopClassUid);
        put(item, 'ReferencedSOPInstanceUID', o.sopInstanceUid);
        if (o.ecgRecording) {
          const { recordingId, orderId, duplicate } = o.ecgRecording;
          item[PrivateTags.Creator] = { vr: 'LO', Value: [PRIVATE_CREATOR] };
          item[PrivateTags.ForwardDescription] = {
            vr: 'LT',
            Value: [
              `sent to the ECG centre${duplicate ? ' (received before)' : ''}: recording ${recordingId} for order ${orderId}; not kept in the imaging archive`,
            ],
          };
        } else put(item, 'RetrieveURL', urls.instance(o.studyUid, o.seriesUid, o.sopInstanceUid));
        return item;
      }),
    };
  return { status: failed.length === 0 ? 200 : stored.length ? 202 : 409, body };
}
