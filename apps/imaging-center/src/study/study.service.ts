import { randomUUID } from 'node:crypto';
import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  BadRequestException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type StudyGetRequest, type StudySummary } from '@hub/contracts';
import { CentreOutboxService } from '@hub/centre';
import { isUid } from '../storage/instance-store';
import { attachStudy, orderById } from './study-link';

/**
 * DICOM times carry no zone unless TimezoneOffsetFromUTC (0008,0201) says so; the consortium's
 * modalities run on China Standard Time.
 */
const DEFAULT_TIMEZONE = '+08:00';

/** A study no order claims yet, as imaging staff see it in the unmatched list. */
export interface UnmatchedStudy {
  studyInstanceUid: string;
  patientId: string | null;
  patientName: string | null;
  studyDate: string | null;
  accessionNumber: string | null;
  modalities: string[];
  description: string | null;
  numberOfSeries: number;
  numberOfInstances: number;
  /** The clinic that sent it (null: imaging staff or an administrator). */
  uploadedByOrg: string | null;
  receivedAt: string;
}

/**
 * Studies as a whole: the summary the hub writes its ImagingStudy from, the studies no order
 * claims, and linking one of them to its order by hand.
 */
@Injectable()
export class StudyService {
  private readonly logger = new Logger(StudyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
  ) {}

  /** The study's summary, or null when there is no such study. */
  async summary(request: StudyGetRequest): Promise<StudySummary | null> {
    const studyUid = request?.studyInstanceUid;
    if (typeof studyUid !== 'string' || !isUid(studyUid)) return null;
    const studies = await this.dataSource.query<
      Array<{
        order_id: string | null;
        accession_number: string | null;
        patient_id: string | null;
        uploaded_by_org: string | null;
        study_date: string | null;
        study_time: string | null;
        study_description: string | null;
        modalities: string[];
        number_of_series: number;
        number_of_instances: number;
        timezone: string | null;
      }>
    >(
      `SELECT s.order_id, s.accession_number, s.patient_id, s.uploaded_by_org,
              to_char(s.study_date, 'YYYY-MM-DD') AS study_date,
              s.study_time, s.study_description, s.modalities, s.number_of_series,
              s.number_of_instances,
              (SELECT i.dataset->'00080201'->'Value'->>0 FROM imaging.instance i
                WHERE i.study_uid = s.study_uid ORDER BY i.received_at LIMIT 1) AS timezone
         FROM imaging.study s WHERE s.study_uid = $1`,
      [studyUid],
    );
    const study = studies[0];
    if (!study) return null;
    const series = await this.dataSource.query<
      Array<{
        series_uid: string;
        series_number: number | null;
        modality: string | null;
        series_description: string | null;
        instances: Array<{ sopInstanceUid: string; sopClassUid: string; number: number | null }>;
      }>
    >(
      `SELECT se.series_uid, se.series_number, se.modality, se.series_description,
              json_agg(json_build_object('sopInstanceUid', i.sop_uid, 'sopClassUid', i.sop_class_uid,
                                         'number', i.instance_number)
                       ORDER BY i.instance_number NULLS LAST, i.sop_uid) AS instances
         FROM imaging.series se JOIN imaging.instance i ON i.series_uid = se.series_uid
        WHERE se.study_uid = $1
        GROUP BY se.series_uid
        ORDER BY se.series_number NULLS LAST, se.series_uid`,
      [studyUid],
    );
    return {
      studyInstanceUid: studyUid,
      ...(study.order_id ? { orderId: study.order_id } : {}),
      ...(study.accession_number ? { accessionNumber: study.accession_number } : {}),
      ...(study.patient_id ? { patientId: study.patient_id } : {}),
      ...(study.uploaded_by_org ? { uploadedByOrg: study.uploaded_by_org } : {}),
      ...(study.study_date
        ? { started: started(study.study_date, study.study_time, study.timezone) }
        : {}),
      ...(study.study_description ? { description: study.study_description } : {}),
      modalities: study.modalities,
      numberOfSeries: study.number_of_series,
      numberOfInstances: study.number_of_instances,
      series: series.map((s) => ({
        seriesInstanceUid: s.series_uid,
        ...(s.series_number !== null ? { number: s.series_number } : {}),
        modality: s.modality ?? 'OT',
        ...(s.series_description ? { description: s.series_description } : {}),
        instances: s.instances.map((i) => ({
          sopInstanceUid: i.sopInstanceUid,
          sopClassUid: i.sopClassUid,
          ...(i.number !== null ? { number: i.number } : {}),
        })),
      })),
    };
  }

  /** Studies no order claims yet, newest first. */
  async unmatched(limit: number, offset: number): Promise<UnmatchedStudy[]> {
    const rows = await this.dataSource.query<
      Array<Omit<UnmatchedStudy, 'receivedAt'> & { receivedAt: Date }>
    >(
      `SELECT study_uid AS "studyInstanceUid", patient_id AS "patientId",
              patient_name AS "patientName", to_char(study_date, 'YYYYMMDD') AS "studyDate",
              accession_number AS "accessionNumber", modalities,
              study_description AS description, number_of_series AS "numberOfSeries",
              number_of_instances AS "numberOfInstances", uploaded_by_org AS "uploadedByOrg",
              created_at AS "receivedAt"
         FROM imaging.study WHERE order_id IS NULL
        ORDER BY created_at DESC, study_uid LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() }));
  }

  /**
   * Imaging staff link an unmatched study to an imaging order that has no study yet (the modality
   * did not write the accession number, or wrote a wrong one). Linking it again to the same order
   * changes nothing.
   * @throws NotFoundException for an unknown study or order, ConflictException when either is
   *   already linked elsewhere.
   */
  async link(
    studyUid: string,
    orderId: unknown,
  ): Promise<{ studyInstanceUid: string; orderId: string }> {
    if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > 128)
      throw new BadRequestException('orderId (the imaging order to link the study to) is required');
    const traceId = randomUUID();
    await this.outbox.transaction(async (manager, enqueue) => {
      const studies = await manager.query<Array<{ order_id: string | null }>>(
        `SELECT order_id FROM imaging.study WHERE study_uid = $1 FOR UPDATE`,
        [studyUid],
      );
      if (studies.length === 0) throw new NotFoundException(`study ${studyUid} not found`);
      const current = studies[0].order_id;
      if (current === orderId) return;
      if (current)
        throw new ConflictException(`study ${studyUid} is already linked to order ${current}`);
      const order = await orderById(manager, orderId);
      if (!order) throw new NotFoundException(`imaging order ${orderId} not found`);
      if (order.status === 'cancelled')
        throw new ConflictException(`imaging order ${orderId} was cancelled`);
      const other = await manager.query<Array<{ study_uid: string }>>(
        `SELECT study_uid FROM imaging.study WHERE order_id = $1 LIMIT 1`,
        [orderId],
      );
      if (other.length)
        throw new ConflictException(
          `imaging order ${orderId} already has study ${other[0].study_uid}`,
        );
      await attachStudy(manager, enqueue, studyUid, order, traceId);
      this.logger.log({ studyInstanceUid: studyUid, orderId, traceId }, 'study linked by hand');
    });
    return { studyInstanceUid: studyUid, orderId };
  }
}

/** FHIR dateTime of StudyDate/StudyTime (DICOM TM is HHMMSS.FFFFFF, parts optional). */
function started(date: string, time: string | null, timezone: string | null): string {
  const match = time ? /^(\d{2})(\d{2})?(\d{2})?/.exec(time.trim()) : null;
  if (!match) return date;
  const zone =
    timezone && /^[+-]\d{4}$/.test(timezone)
      ? `${timezone.slice(0, 3)}:${timezone.slice(3)}`
      : DEFAULT_TIMEZONE;
  return `${date}T${match[1]}:${match[2] ?? '00'}:${match[3] ?? '00'}${zone}`;
}
