import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * ECG recordings (心电图记录): each order's accession number (the cart writes it in the file), and
 * every recording stored for an order: the original file, what the hub measured (or why it could
 * not), what the cart measured, the machine flags and the FHIR Observation written from it.
 */
export class EcgRecording1763880000850 implements MigrationInterface {
  name = 'EcgRecording1763880000850';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ecg.order_accession (
        accession text PRIMARY KEY,
        order_id text NOT NULL UNIQUE REFERENCES ecg.received_order (order_id)
      )`);
    await q.query(`
      CREATE TABLE ecg.recording (
        recording_id uuid PRIMARY KEY,
        order_id text NOT NULL REFERENCES ecg.received_order (order_id),
        format text NOT NULL CHECK (format IN ('dicom', 'aecg')),
        content_sha256 text NOT NULL UNIQUE,
        sop_instance_uid text UNIQUE,
        accession_number text,
        sampling_hz double precision NOT NULL CHECK (sampling_hz > 0),
        duration_s double precision NOT NULL CHECK (duration_s > 0),
        derived_leads text[] NOT NULL DEFAULT '{}',
        acquired_at timestamptz,
        measurement jsonb,
        measurement_error text,
        cart jsonb,
        flags jsonb NOT NULL DEFAULT '[]',
        observation jsonb NOT NULL,
        file bytea NOT NULL,
        uploaded_by text NOT NULL,
        uploaded_by_org text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((measurement IS NULL) <> (measurement_error IS NULL))
      )`);
    await q.query(`CREATE INDEX recording_order_idx ON ecg.recording (order_id, received_at)`);
    await q.query(
      `COMMENT ON COLUMN ecg.recording.file IS 'the file as the cart sent it (DICOM or aECG XML), kept unchanged'`,
    );
    await q.query(
      `COMMENT ON COLUMN ecg.recording.flags IS 'machine flags: critical criteria read from the signal ([{code, text}]); they raise the priority, never sign'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ecg.recording`);
    await q.query(`DROP TABLE ecg.order_accession`);
  }
}
