import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type DicomJson } from '@hub/dicom';
import { isUid } from '../storage/instance-store';
import { type Accessor, scopeCondition } from './accessor';
import {
  Attributes,
  SERIES_LEVEL_TAGS,
  STUDY_LEVEL_TAGS,
  personNameValue,
  put,
} from './dicom-attributes';
import { type DicomwebUrls } from './dicomweb-urls';
import { type QidoLevel, type QidoQuery, QidoQueryError, parseQidoQuery } from './qido-query';

/** Where a QIDO-RS search is made: at the root, in a study, or in a series of a study. */
export interface QidoTarget {
  level: QidoLevel;
  study?: string;
  series?: string;
}

/** A QIDO-RS answer: the matches, and whether more are there than the archive's limit let out. */
export interface QidoResult {
  matches: DicomJson[];
  /** The archive's limit (not the caller's) held back further matches: say so (Warning 299). */
  truncated: boolean;
}

interface StudyRow {
  study_uid: string;
  patient_id: string | null;
  patient_name: string | null;
  patient_birth_date: string | null;
  patient_sex: string | null;
  study_date: string | null;
  study_time: string | null;
  accession_number: string | null;
  modalities: string[];
  referring_physician: string | null;
  number_of_series: number;
  number_of_instances: number;
  rep: DicomJson | null;
}

interface SeriesRow extends StudyRow {
  series_uid: string;
  modality: string | null;
  series_number: number | null;
  series_description: string | null;
  series_instances: number;
}

interface InstanceRow extends SeriesRow {
  sop_uid: string;
  sop_class_uid: string;
  instance_number: number | null;
  number_of_frames: number | null;
  rows: number | null;
  columns: number | null;
}

const STUDY_COLUMNS = `s.study_uid, s.patient_id, s.patient_name,
  to_char(s.patient_birth_date, 'YYYYMMDD') AS patient_birth_date, s.patient_sex,
  to_char(s.study_date, 'YYYYMMDD') AS study_date, s.study_time, s.accession_number, s.modalities,
  s.referring_physician, s.number_of_series, s.number_of_instances`;
const SERIES_COLUMNS = `se.series_uid, se.modality, se.series_number, se.series_description,
  se.number_of_instances AS series_instances`;
const INSTANCE_COLUMNS = `i.sop_uid, i.sop_class_uid, i.instance_number, i.number_of_frames, i.rows,
  i.columns`;

/**
 * QIDO-RS (PS3.18 10.6): studies, series and instances matching a query, as DICOM JSON with the
 * level's default attributes (PS3.18 Table 10.6.3-3, -4, -5), RetrieveURL and what `includefield`
 * asks for. Attributes beyond the indexed ones come from a representative instance's header (the
 * first received of the study, the first of the series). The caller's scope is part of the SQL.
 */
@Injectable()
export class QidoService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async search(
    accessor: Accessor,
    target: QidoTarget,
    search: URLSearchParams,
    urls: DicomwebUrls,
  ): Promise<QidoResult> {
    for (const uid of [target.study, target.series])
      if (uid !== undefined && !isUid(uid))
        throw new BadRequestException(`${uid} is not a DICOM UID`);
    const params: unknown[] = [];
    const where = [scopeCondition(accessor, 's', params)];
    let query: QidoQuery;
    try {
      query = parseQidoQuery(target.level, search, params);
    } catch (error) {
      if (error instanceof QidoQueryError) throw new BadRequestException(error.message);
      throw error;
    }
    where.push(...query.conditions);
    if (target.study) {
      params.push(target.study);
      where.push(`s.study_uid = $${params.length}`);
    }
    if (target.series) {
      params.push(target.series);
      where.push(`se.series_uid = $${params.length}`);
    }
    await this.assertTargetVisible(accessor, target);

    const fullRep = query.includeAll || query.includeFields.length > 0;
    params.push(query.limit + 1, query.offset);
    const page = `LIMIT $${params.length - 1} OFFSET $${params.length}`;
    let rows: Array<StudyRow | SeriesRow | InstanceRow>;
    switch (target.level) {
      case 'study':
        rows = await this.dataSource.query<StudyRow[]>(
          `SELECT ${STUDY_COLUMNS},
                  (SELECT ${fullRep ? 'i.dataset' : representative(['StudyID'])}
                     FROM imaging.instance i WHERE i.study_uid = s.study_uid
                    ORDER BY i.received_at, i.sop_uid LIMIT 1) AS rep
             FROM imaging.study s
            WHERE ${where.join(' AND ')}
            ORDER BY s.study_date DESC NULLS LAST, s.created_at DESC, s.study_uid ${page}`,
          params,
        );
        break;
      case 'series':
        rows = await this.dataSource.query<SeriesRow[]>(
          `SELECT ${STUDY_COLUMNS}, ${SERIES_COLUMNS},
                  (SELECT ${
                    fullRep
                      ? 'i.dataset'
                      : representative([
                          'StudyID',
                          'PerformedProcedureStepStartDate',
                          'PerformedProcedureStepStartTime',
                        ])
                  }
                     FROM imaging.instance i WHERE i.series_uid = se.series_uid
                    ORDER BY i.instance_number NULLS LAST, i.sop_uid LIMIT 1) AS rep
             FROM imaging.series se JOIN imaging.study s ON s.study_uid = se.study_uid
            WHERE ${where.join(' AND ')}
            ORDER BY s.study_date DESC NULLS LAST, s.study_uid, se.series_number NULLS LAST,
                     se.series_uid ${page}`,
          params,
        );
        break;
      case 'instance':
        rows = await this.dataSource.query<InstanceRow[]>(
          `SELECT ${STUDY_COLUMNS}, ${SERIES_COLUMNS}, ${INSTANCE_COLUMNS}, i.dataset AS rep
             FROM imaging.instance i
             JOIN imaging.series se ON se.series_uid = i.series_uid
             JOIN imaging.study s ON s.study_uid = i.study_uid
            WHERE ${where.join(' AND ')}
            ORDER BY s.study_date DESC NULLS LAST, s.study_uid, se.series_number NULLS LAST,
                     se.series_uid, i.instance_number NULLS LAST, i.sop_uid ${page}`,
          params,
        );
        break;
    }
    const more = rows.length > query.limit;
    const matches = rows.slice(0, query.limit).map((row) => {
      const json = this.defaults(target, row, urls);
      addIncluded(json, row.rep, query, target.level);
      return sortByTag(json);
    });
    return { matches, truncated: more && query.limitedByArchive };
  }

  /** A search inside a study or series the caller cannot see answers 404, as a missing one. */
  private async assertTargetVisible(accessor: Accessor, target: QidoTarget): Promise<void> {
    if (!target.study) return;
    const params: unknown[] = [target.study];
    const scope = scopeCondition(accessor, 's', params);
    if (target.series) {
      params.push(target.series);
      const rows = await this.dataSource.query<unknown[]>(
        `SELECT 1 FROM imaging.series se JOIN imaging.study s ON s.study_uid = se.study_uid
          WHERE s.study_uid = $1 AND se.series_uid = $${params.length} AND ${scope}`,
        params,
      );
      if (rows.length === 0)
        throw new NotFoundException(`series ${target.series} of study ${target.study} not found`);
      return;
    }
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM imaging.study s WHERE s.study_uid = $1 AND ${scope}`,
      params,
    );
    if (rows.length === 0) throw new NotFoundException(`study ${target.study} not found`);
  }

  private defaults(
    target: QidoTarget,
    row: StudyRow | SeriesRow | InstanceRow,
    urls: DicomwebUrls,
  ): DicomJson {
    const json: DicomJson = {};
    const level = target.level;
    // Study attributes: at the study level, and for series or instances searched across studies.
    if (level === 'study' || !target.study) studyDefaults(json, row, urls);
    put(json, 'StudyInstanceUID', row.study_uid);
    if (level === 'series' || (level === 'instance' && !target.series))
      seriesDefaults(json, row as SeriesRow, urls);
    if (level !== 'study') put(json, 'SeriesInstanceUID', (row as SeriesRow).series_uid);
    if (level === 'instance') instanceDefaults(json, row as InstanceRow, urls);
    return json;
  }
}

/** A representative header with only these attributes (when nothing more is asked for). */
function representative(keywords: Array<keyof typeof Attributes>): string {
  const pairs = keywords.map((k) => `'${Attributes[k].tag}', i.dataset->'${Attributes[k].tag}'`);
  return `jsonb_strip_nulls(jsonb_build_object(${pairs.join(', ')}))`;
}

function studyDefaults(json: DicomJson, row: StudyRow, urls: DicomwebUrls): void {
  put(json, 'StudyDate', row.study_date);
  put(json, 'StudyTime', row.study_time);
  put(json, 'AccessionNumber', row.accession_number);
  put(json, 'InstanceAvailability', 'ONLINE');
  put(json, 'ModalitiesInStudy', ...row.modalities);
  put(json, 'ReferringPhysicianName', personNameValue(row.referring_physician));
  put(json, 'RetrieveURL', urls.study(row.study_uid));
  put(json, 'PatientName', personNameValue(row.patient_name));
  put(json, 'PatientID', row.patient_id);
  put(json, 'PatientBirthDate', row.patient_birth_date);
  put(json, 'PatientSex', row.patient_sex);
  json[Attributes.StudyID.tag] = row.rep?.[Attributes.StudyID.tag] ?? { vr: 'SH' };
  put(json, 'NumberOfStudyRelatedSeries', row.number_of_series);
  put(json, 'NumberOfStudyRelatedInstances', row.number_of_instances);
}

function seriesDefaults(json: DicomJson, row: SeriesRow, urls: DicomwebUrls): void {
  put(json, 'Modality', row.modality);
  put(json, 'SeriesDescription', row.series_description);
  put(json, 'SeriesNumber', row.series_number);
  put(json, 'NumberOfSeriesRelatedInstances', row.series_instances);
  for (const keyword of [
    'PerformedProcedureStepStartDate',
    'PerformedProcedureStepStartTime',
  ] as const)
    json[Attributes[keyword].tag] = row.rep?.[Attributes[keyword].tag] ?? {
      vr: Attributes[keyword].vr,
    };
  put(json, 'RetrieveURL', urls.series(row.study_uid, row.series_uid));
}

function instanceDefaults(json: DicomJson, row: InstanceRow, urls: DicomwebUrls): void {
  put(json, 'SOPClassUID', row.sop_class_uid);
  put(json, 'SOPInstanceUID', row.sop_uid);
  put(json, 'InstanceAvailability', 'ONLINE');
  put(json, 'InstanceNumber', row.instance_number);
  put(json, 'NumberOfFrames', row.number_of_frames);
  put(json, 'Rows', row.rows);
  put(json, 'Columns', row.columns);
  const bits = row.rep?.[Attributes.BitsAllocated.tag];
  if (bits) json[Attributes.BitsAllocated.tag] = bits;
  put(json, 'RetrieveURL', urls.instance(row.study_uid, row.series_uid, row.sop_uid));
}

/** `includefield`: named attributes, or `all` of the level's modules, from the representative. */
function addIncluded(
  json: DicomJson,
  rep: DicomJson | null,
  query: QidoQuery,
  level: QidoLevel,
): void {
  if (!rep) return;
  if (query.includeAll)
    for (const [tag, attribute] of Object.entries(rep)) {
      const wanted =
        level === 'instance' ||
        STUDY_LEVEL_TAGS.has(tag) ||
        (level === 'series' && SERIES_LEVEL_TAGS.has(tag));
      if (wanted && !(tag in json)) json[tag] = attribute;
    }
  for (const tag of query.includeFields) if (!(tag in json) && rep[tag]) json[tag] = rep[tag];
}

function sortByTag(json: DicomJson): DicomJson {
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => a.localeCompare(b)));
}
