import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The DICOMweb archive: studies, series and instances (the files are in the instance store; the
 * rows index them for QIDO-RS and keep each header as DICOM JSON), and the accession number of
 * each imaging order, by which arriving studies are linked to their order.
 */
export class ImagingArchive1763880000820 implements MigrationInterface {
  name = 'ImagingArchive1763880000820';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imaging.order_accession (
        accession text PRIMARY KEY,
        order_id text NOT NULL UNIQUE REFERENCES imaging.received_order (order_id),
        requester_org text NOT NULL,
        code text NOT NULL,
        priority text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE imaging.study (
        study_uid text PRIMARY KEY,
        patient_id text,
        patient_name text,
        patient_name_search text,
        patient_birth_date date,
        patient_sex text,
        study_date date,
        study_time text,
        accession_number text,
        modalities text[] NOT NULL DEFAULT '{}',
        study_description text,
        referring_physician text,
        order_id text REFERENCES imaging.received_order (order_id),
        requester_org text,
        uploaded_by_org text,
        number_of_series integer NOT NULL DEFAULT 0,
        number_of_instances integer NOT NULL DEFAULT 0,
        linked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((order_id IS NULL) = (requester_org IS NULL))
      )`);
    await q.query(
      `COMMENT ON COLUMN imaging.study.patient_name IS 'PatientName decoded, groups joined by = (Alphabetic=Ideographic=Phonetic)'`,
    );
    await q.query(
      `COMMENT ON COLUMN imaging.study.patient_name_search IS 'patient_name upper-cased, for case-insensitive QIDO matching'`,
    );
    await q.query(
      `COMMENT ON COLUMN imaging.study.requester_org IS 'the ordering clinic, once linked to an order: the tenant filter of DICOMweb'`,
    );
    await q.query(
      `COMMENT ON COLUMN imaging.study.uploaded_by_org IS 'the clinic that sent the first instance (null: imaging staff); it may add to the study while unmatched'`,
    );
    // The QIDO-RS matching keys. text_pattern_ops serves LIKE 'ABC%' (the usual wildcard).
    await q.query(
      `CREATE INDEX study_patient_id_idx ON imaging.study (patient_id text_pattern_ops)`,
    );
    await q.query(
      `CREATE INDEX study_patient_name_idx ON imaging.study (patient_name_search text_pattern_ops)`,
    );
    await q.query(`CREATE INDEX study_date_idx ON imaging.study (study_date)`);
    await q.query(
      `CREATE INDEX study_accession_idx ON imaging.study (accession_number text_pattern_ops)`,
    );
    await q.query(`CREATE INDEX study_modalities_idx ON imaging.study USING gin (modalities)`);
    await q.query(`CREATE INDEX study_order_idx ON imaging.study (order_id)`);
    await q.query(`CREATE INDEX study_requester_idx ON imaging.study (requester_org, study_date)`);
    await q.query(
      `CREATE INDEX study_unmatched_idx ON imaging.study (created_at) WHERE order_id IS NULL`,
    );

    await q.query(`
      CREATE TABLE imaging.series (
        series_uid text PRIMARY KEY,
        study_uid text NOT NULL REFERENCES imaging.study (study_uid),
        modality text,
        series_number integer,
        series_description text,
        number_of_instances integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX series_study_idx ON imaging.series (study_uid, series_number)`);
    await q.query(`CREATE INDEX series_modality_idx ON imaging.series (modality)`);

    await q.query(`
      CREATE TABLE imaging.instance (
        sop_uid text PRIMARY KEY,
        series_uid text NOT NULL REFERENCES imaging.series (series_uid),
        study_uid text NOT NULL REFERENCES imaging.study (study_uid),
        sop_class_uid text NOT NULL,
        transfer_syntax_uid text NOT NULL,
        instance_number integer,
        number_of_frames integer,
        rows integer,
        columns integer,
        storage_key text NOT NULL UNIQUE,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        dataset jsonb NOT NULL,
        bulk_data jsonb NOT NULL DEFAULT '[]',
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `COMMENT ON COLUMN imaging.instance.dataset IS 'the header as DICOM JSON (PS3.18 F.2), without pixel data and bulk data'`,
    );
    await q.query(
      `COMMENT ON COLUMN imaging.instance.bulk_data IS 'where the bulk data left out of dataset lies: [{tag, vr, offset, length}]'`,
    );
    await q.query(
      `CREATE INDEX instance_series_idx ON imaging.instance (series_uid, instance_number)`,
    );
    await q.query(`CREATE INDEX instance_study_idx ON imaging.instance (study_uid, received_at)`);
    await q.query(`CREATE INDEX instance_sop_class_idx ON imaging.instance (sop_class_uid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE imaging.instance`);
    await q.query(`DROP TABLE imaging.series`);
    await q.query(`DROP TABLE imaging.study`);
    await q.query(`DROP TABLE imaging.order_accession`);
  }
}
