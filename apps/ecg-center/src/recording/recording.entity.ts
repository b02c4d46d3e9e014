import type { Observation } from 'fhir/r4';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type EcgFlag } from '@hub/contracts';
import { type CartMeasurements, type EcgMeasurement } from '@hub/ecg';

/** One ECG recording stored for an order (see migration EcgRecording850). */
@Entity({ name: 'recording' })
export class EcgRecordingRow {
  @PrimaryColumn({ name: 'recording_id', type: 'uuid' })
  recordingId: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'text' })
  format: 'dicom' | 'aecg';

  /** Hex SHA-256 of the file: the same file sent twice is stored once. */
  @Column({ name: 'content_sha256', type: 'text' })
  contentSha256: string;

  @Column({ name: 'sop_instance_uid', type: 'text', nullable: true })
  sopInstanceUid: string | null;

  @Column({ name: 'accession_number', type: 'text', nullable: true })
  accessionNumber: string | null;

  @Column({ name: 'sampling_hz', type: 'double precision' })
  samplingHz: number;

  @Column({ name: 'duration_s', type: 'double precision' })
  durationS: number;

  @Column({ name: 'derived_leads', type: 'text', array: true })
  derivedLeads: string[];

  @Column({ name: 'acquired_at', type: 'timestamptz', nullable: true })
  acquiredAt: Date | null;

  /** The hub's own measurement; null when the signal could not be measured. */
  @Column({ type: 'jsonb', nullable: true })
  measurement: EcgMeasurement | null;

  @Column({ name: 'measurement_error', type: 'text', nullable: true })
  measurementError: string | null;

  @Column({ type: 'jsonb', nullable: true })
  cart: CartMeasurements | null;

  @Column({ type: 'jsonb' })
  flags: EcgFlag[];

  /** The FHIR Observation (preliminary until the report is released), without subject. */
  @Column({ type: 'jsonb' })
  observation: Observation;

  @Column({ type: 'bytea' })
  file: Buffer;

  @Column({ name: 'uploaded_by', type: 'text' })
  uploadedBy: string;

  @Column({ name: 'uploaded_by_org', type: 'text' })
  uploadedByOrg: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
