import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  type CentreRefusal,
  type EcgFlag,
  type EcgIngestReply,
  type EcgMeasurementSummary,
  type EcgRecordingSummary,
  type EcgRecordingView,
  JobNames,
  Queues,
  jobIds,
} from '@hub/contracts';
import { CentreOutboxService, enqueueTaskUpdate, parseRequest, refuse } from '@hub/centre';
import {
  EcgFileError,
  type EcgFile,
  type EcgMeasurement,
  EcgMeasurementError,
  buildEcgObservation,
  criticalFlags,
  measureEcg,
  readEcgFile,
} from '@hub/ecg';
import { ECG_CONFIG, type EcgConfig } from '../ecg-config';
import { EcgRecordingRow } from './recording.entity';

/** Where recordings are identified in the consortium record. */
export const ECG_RECORDING_SYSTEM = 'urn:hub:ecg-recording';

const ingestRequest = z.object({
  content: z
    .string({ error: 'content (the file, base64) is required' })
    .min(1, 'the file is empty'),
  contentType: z.enum(['application/dicom', 'application/xml'], {
    error: 'contentType must be application/dicom or application/xml',
  }),
  orderId: z.string().trim().min(1).max(128).optional(),
  uploader: z.object(
    { username: z.string().min(1).max(128), org: z.string().min(1).max(64), anyOrder: z.boolean() },
    { error: 'uploader is required: { username, org, anyOrder }' },
  ),
  traceId: z.string().min(1).max(128),
});

const getRequest = z.object({ recordingId: z.uuid() });

/** The order a recording is for, locked for the ingest's transaction. */
interface LockedOrder {
  order_id: string;
  task_id: string;
  status: string;
  requester_org_id: string;
}

/**
 * Ingest of ECG recordings (心电图采集): a DICOM 12-lead/General ECG waveform or an HL7 aECG file
 * is parsed, measured by the hub from the signal, checked against the machine's critical criteria,
 * and stored for its order with the FHIR Observation the hub writes into the consortium record.
 * The order is the one given with the upload, else the one whose accession number the file
 * carries. In one transaction: the recording, the order moved to in-progress (`TaskUpdate`) and
 * `EcgRecordingStored` for the hub. A refused file (not an ECG, missing leads, inconsistent sample
 * counts, corrupt; no such order; not the uploader's order) is answered with the reason and
 * nothing is stored. The same file sent again is answered with what was stored the first time.
 */
@Injectable()
export class RecordingService {
  private readonly logger = new Logger(RecordingService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
    @Inject(ECG_CONFIG) private readonly config: EcgConfig,
  ) {}

  async ingest(request: unknown): Promise<EcgIngestReply> {
    const parsed = parseRequest(ingestRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { content, contentType, orderId, uploader, traceId } = parsed.value;
    const bytes = Buffer.from(content, 'base64');
    if (bytes.length > this.config.ECG_MAX_FILE_BYTES)
      return refuse(
        413,
        `the file is ${bytes.length} bytes; the ECG centre takes files up to ${this.config.ECG_MAX_FILE_BYTES} bytes`,
      );
    let file: EcgFile;
    try {
      file = readEcgFile(bytes, contentType);
    } catch (error) {
      const reason =
        error instanceof EcgFileError
          ? `${error.problem}: ${error.message}`
          : `corrupt: the file could not be read (${error instanceof Error ? error.message : String(error)})`;
      this.logger.warn({ traceId, contentType, bytes: bytes.length, reason }, 'ECG file refused');
      return refuse(422, `ECG file refused: ${reason}`, 'content');
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { measurement, measurementError, flags } = measure(file);
    const reply = await this.outbox.transaction(async (manager, enqueue) => {
      const order = await this.lockOrder(manager, file, orderId);
      if ('ok' in order) return order;
      if (order.requester_org_id !== uploader.org && !uploader.anyOrder)
        return notKnown(orderId ?? file.accessionNumber ?? '');
      const known = await this.stored(manager, sha256, file.sopInstanceUid);
      if (known) {
        if (known.orderId !== order.order_id)
          return refuse(
            409,
            `this recording is already stored for another order (${known.orderId}); it is not stored twice`,
            'content',
          );
        return {
          ok: true as const,
          recording: summaryOf(known),
          duplicate: true,
          observation: known.observation as unknown as Record<string, unknown>,
        };
      }
      if (order.status === 'cancelled')
        return refuse(409, `order ${order.order_id} was cancelled by the clinic`, 'orderId');
      if (order.status === 'completed')
        return refuse(
          409,
          `order ${order.order_id} is reported already: a new recording needs a new order`,
          'orderId',
        );
      const recordingId = randomUUID();
      const receivedAt = new Date();
      const row: EcgRecordingRow = {
        recordingId,
        orderId: order.order_id,
        format: file.format,
        contentSha256: sha256,
        sopInstanceUid: file.sopInstanceUid ?? null,
        accessionNumber: file.accessionNumber ?? null,
        samplingHz: file.recording.samplingHz,
        durationS: file.durationS,
        derivedLeads: file.derivedLeads,
        acquiredAt: validDate(file.acquiredAt),
        measurement: measurement ?? null,
        measurementError: measurementError ?? null,
        cart: file.cart ?? null,
        flags,
        observation: buildEcgObservation({
          recording: file.recording,
          samples: file.samples,
          factorMv: file.factorMv,
          measurement,
          measurementError,
          cart: file.cart,
          flags,
          status: 'preliminary',
          effectiveDateTime: (validDate(file.acquiredAt) ?? receivedAt).toISOString(),
          identifier: { system: ECG_RECORDING_SYSTEM, value: recordingId },
          basedOn: { reference: `ServiceRequest/${order.order_id}` },
          device: file.device,
        }),
        file: bytes,
        uploadedBy: uploader.username,
        uploadedByOrg: uploader.org,
        receivedAt,
      };
      await manager.insert(EcgRecordingRow, row);
      if (order.status === 'accepted') {
        await manager.query(
          `UPDATE ecg.received_order SET status = 'in-progress', updated_at = now() WHERE order_id = $1`,
          [order.order_id],
        );
        await enqueueTaskUpdate(
          enqueue,
          { orderId: order.order_id, taskId: order.task_id },
          'ecg',
          'in-progress',
          traceId,
          { at: receivedAt },
        );
      }
      await enqueue(
        Queues.HubEcgEvents,
        JobNames.EcgRecordingStored,
        { recordingId, orderId: order.order_id, traceId },
        { jobId: jobIds.ecgRecordingStored(recordingId) },
      );
      return {
        ok: true as const,
        recording: summaryOf(row),
        duplicate: false,
        observation: row.observation as unknown as Record<string, unknown>,
      };
    });
    if (reply.ok)
      this.logger.log(
        {
          recordingId: reply.recording.recordingId,
          orderId: reply.recording.orderId,
          format: file.format,
          duplicate: reply.duplicate,
          flags: flags.map((flag) => flag.code),
          traceId,
        },
        reply.duplicate ? 'ECG recording received again' : 'ECG recording stored',
      );
    return reply;
  }

  /** A stored recording with its Observation, or null. */
  async get(request: unknown): Promise<EcgRecordingView | null> {
    const parsed = getRequest.safeParse(request ?? {});
    if (!parsed.success) return null;
    const rows = await this.dataSource.query<Array<{ task_id: string }>>(
      `SELECT o.task_id FROM ecg.recording r JOIN ecg.received_order o USING (order_id)
        WHERE r.recording_id = $1`,
      [parsed.data.recordingId],
    );
    const row = await this.dataSource.manager.findOne(EcgRecordingRow, {
      where: { recordingId: parsed.data.recordingId },
    });
    if (!row || rows.length === 0) return null;
    return {
      ...summaryOf(row),
      taskId: rows[0].task_id,
      observation: row.observation as unknown as Record<string, unknown>,
    };
  }

  /** The recordings of an order, first received first. */
  recordingsOf(manager: EntityManager, orderId: string): Promise<EcgRecordingRow[]> {
    return manager.find(EcgRecordingRow, { where: { orderId }, order: { receivedAt: 'ASC' } });
  }

  private async lockOrder(
    manager: EntityManager,
    file: EcgFile,
    orderId: string | undefined,
  ): Promise<LockedOrder | CentreRefusal> {
    if (orderId) {
      const rows = await manager.query<LockedOrder[]>(
        `SELECT order_id, task_id, status, requester_org_id FROM ecg.received_order
          WHERE order_id = $1 FOR UPDATE`,
        [orderId],
      );
      return rows[0] ?? notKnown(orderId);
    }
    const accession = file.accessionNumber?.trim();
    if (!accession)
      return refuse(
        422,
        'the file carries no accession number (检查号): upload it with ?order={ServiceRequest id}',
        'order',
      );
    const rows = await manager.query<LockedOrder[]>(
      `SELECT o.order_id, o.task_id, o.status, o.requester_org_id
         FROM ecg.order_accession a JOIN ecg.received_order o USING (order_id)
        WHERE a.accession = $1 FOR UPDATE OF o`,
      [accession],
    );
    return (
      rows[0] ??
      refuse(
        422,
        `accession number ${accession} in the file matches no ECG order the ECG centre has received: check it, or upload with ?order={ServiceRequest id}`,
        'content',
      )
    );
  }

  private async stored(
    manager: EntityManager,
    sha256: string,
    sopInstanceUid: string | undefined,
  ): Promise<EcgRecordingRow | null> {
    const query = manager
      .createQueryBuilder(EcgRecordingRow, 'r')
      .where('r.content_sha256 = :sha256', { sha256 });
    if (sopInstanceUid) query.orWhere('r.sop_instance_uid = :sopInstanceUid', { sopInstanceUid });
    return query.getOne();
  }
}

/**
 * The hub's measurement and the machine flags. A signal that cannot be measured (too few QRS
 * complexes: asystole? leads off?) is stored all the same, flagged for an urgent read: the file is
 * sound, and refusing it would hide what may be the most urgent ECG of the day.
 */
function measure(file: EcgFile): {
  measurement?: EcgMeasurement;
  measurementError?: string;
  flags: EcgFlag[];
} {
  try {
    const measurement = measureEcg(file.recording);
    return { measurement, flags: criticalFlags(measurement) };
  } catch (error) {
    // Anything else is a fault of the measuring code, not of the file: the recording is still
    // stored and read by a person; the message says what failed.
    const message =
      error instanceof EcgMeasurementError
        ? error.message
        : `the measurement failed (${error instanceof Error ? error.message : String(error)})`;
    return {
      measurementError: message,
      flags: [
        {
          code: 'ECG_UNMEASURABLE',
          text: `无法自动测量 (${message})，需紧急人工判读 / Not measurable (${message}): urgent read`,
        },
      ],
    };
  }
}

function notKnown(orderId: string): CentreRefusal {
  return refuse(
    404,
    `ECG order ${orderId} is not known to the ECG centre (or was not placed by your organisation)`,
    'order',
  );
}

function validDate(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The hub's measurement, rounded as the workbench shows it. */
export function measurementSummary(measurement: EcgMeasurement): EcgMeasurementSummary {
  const mean = measurement.rrMs.reduce((sum, rr) => sum + rr, 0) / measurement.rrMs.length;
  return {
    heartRateBpm: Math.round(measurement.heartRateBpm),
    rrMeanMs: Math.round(mean),
    rrSdMs: Math.round(measurement.rrRegularity.sdMs),
    ...(measurement.prMs === undefined ? {} : { prMs: Math.round(measurement.prMs) }),
    qrsMs: Math.round(measurement.qrsMs),
    qtMs: Math.round(measurement.qtMs),
    qtcBazettMs: Math.round(measurement.qtcBazettMs),
    qtcFridericiaMs: Math.round(measurement.qtcFridericiaMs),
    axisDeg: Math.round(measurement.axisDeg),
    beats: measurement.beats.length,
  };
}

export function summaryOf(row: EcgRecordingRow): EcgRecordingSummary {
  return {
    recordingId: row.recordingId,
    orderId: row.orderId,
    format: row.format,
    ...(row.sopInstanceUid ? { sopInstanceUid: row.sopInstanceUid } : {}),
    ...(row.accessionNumber ? { accessionNumber: row.accessionNumber } : {}),
    samplingHz: row.samplingHz,
    durationS: row.durationS,
    derivedLeads: row.derivedLeads,
    ...(row.acquiredAt ? { acquiredAt: row.acquiredAt.toISOString() } : {}),
    ...(row.measurement ? { measurement: measurementSummary(row.measurement) } : {}),
    ...(row.measurementError ? { measurementError: row.measurementError } : {}),
    ...(row.cart ? { cart: { ...row.cart } } : {}),
    flags: row.flags,
    uploadedBy: row.uploadedBy,
    receivedAt: row.receivedAt.toISOString(),
  };
}
