import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type DicomJson } from '@hub/dicom';

/**
 * A study in the archive (检查): the patient and study attributes of its first instance, the
 * modalities and counts of what has arrived, and the imaging order it is linked to (by
 * AccessionNumber, or by imaging staff). Until linked it is "unmatched": only imaging staff see it.
 */
@Entity({ name: 'study' })
export class ImagingStudy {
  @PrimaryColumn({ name: 'study_uid', type: 'text' })
  studyUid: string;

  @Column({ name: 'patient_id', type: 'text', nullable: true })
  patientId: string | null;

  /** PatientName decoded, groups joined by `=` (Alphabetic=Ideographic=Phonetic). */
  @Column({ name: 'patient_name', type: 'text', nullable: true })
  patientName: string | null;

  /** `patientName` upper-cased, for case-insensitive matching. */
  @Column({ name: 'patient_name_search', type: 'text', nullable: true })
  patientNameSearch: string | null;

  @Column({ name: 'patient_birth_date', type: 'date', nullable: true })
  patientBirthDate: string | null;

  @Column({ name: 'patient_sex', type: 'text', nullable: true })
  patientSex: string | null;

  @Column({ name: 'study_date', type: 'date', nullable: true })
  studyDate: string | null;

  @Column({ name: 'study_time', type: 'text', nullable: true })
  studyTime: string | null;

  @Column({ name: 'accession_number', type: 'text', nullable: true })
  accessionNumber: string | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  modalities: string[];

  @Column({ name: 'study_description', type: 'text', nullable: true })
  studyDescription: string | null;

  @Column({ name: 'referring_physician', type: 'text', nullable: true })
  referringPhysician: string | null;

  @Column({ name: 'order_id', type: 'text', nullable: true })
  orderId: string | null;

  /** The ordering clinic once linked: the tenant filter of DICOMweb. */
  @Column({ name: 'requester_org', type: 'text', nullable: true })
  requesterOrg: string | null;

  /** The clinic that sent the first instance (null: imaging staff or an administrator). */
  @Column({ name: 'uploaded_by_org', type: 'text', nullable: true })
  uploadedByOrg: string | null;

  @Column({ name: 'number_of_series', type: 'int', default: 0 })
  numberOfSeries: number;

  @Column({ name: 'number_of_instances', type: 'int', default: 0 })
  numberOfInstances: number;

  @Column({ name: 'linked_at', type: 'timestamptz', nullable: true })
  linkedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** A series of a study. */
@Entity({ name: 'series' })
export class ImagingSeries {
  @PrimaryColumn({ name: 'series_uid', type: 'text' })
  seriesUid: string;

  @Column({ name: 'study_uid', type: 'text' })
  studyUid: string;

  @Column({ type: 'text', nullable: true })
  modality: string | null;

  @Column({ name: 'series_number', type: 'int', nullable: true })
  seriesNumber: number | null;

  @Column({ name: 'series_description', type: 'text', nullable: true })
  seriesDescription: string | null;

  @Column({ name: 'number_of_instances', type: 'int', default: 0 })
  numberOfInstances: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** Where bulk data left out of {@link ImagingInstance.dataset} lies in the stored file. */
export interface BulkDataLocation {
  tag: string;
  vr: string;
  offset: number;
  length: number;
}

/** A stored instance: its file (byte for byte as received) and its header as DICOM JSON. */
@Entity({ name: 'instance' })
export class ImagingInstance {
  @PrimaryColumn({ name: 'sop_uid', type: 'text' })
  sopUid: string;

  @Column({ name: 'series_uid', type: 'text' })
  seriesUid: string;

  @Column({ name: 'study_uid', type: 'text' })
  studyUid: string;

  @Column({ name: 'sop_class_uid', type: 'text' })
  sopClassUid: string;

  @Column({ name: 'transfer_syntax_uid', type: 'text' })
  transferSyntaxUid: string;

  @Column({ name: 'instance_number', type: 'int', nullable: true })
  instanceNumber: number | null;

  @Column({ name: 'number_of_frames', type: 'int', nullable: true })
  numberOfFrames: number | null;

  @Column({ type: 'int', nullable: true })
  rows: number | null;

  @Column({ type: 'int', nullable: true })
  columns: number | null;

  @Column({ name: 'storage_key', type: 'text', unique: true })
  storageKey: string;

  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes: string;

  /** Hex SHA-256 of the stored bytes: a re-sent instance is the same when this is. */
  @Column({ type: 'text' })
  sha256: string;

  @Column({ type: 'jsonb' })
  dataset: DicomJson;

  @Column({ name: 'bulk_data', type: 'jsonb', default: () => `'[]'` })
  bulkData: BulkDataLocation[];

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}

/** The accession number the hub gave an imaging order (检查号), by which its study is found. */
@Entity({ name: 'order_accession' })
export class OrderAccession {
  @PrimaryColumn({ type: 'text' })
  accession: string;

  @Column({ name: 'order_id', type: 'text', unique: true })
  orderId: string;

  @Column({ name: 'requester_org', type: 'text' })
  requesterOrg: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  priority: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
