import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The lab's workflow: specimens and their transport boxes, report versions that wait for
 * verification (preliminary) before release (final, then amended), and the released values per
 * patient and analyte that delta checks compare with.
 */
export class LabWorkflow1763880000810 implements MigrationInterface {
  name = 'LabWorkflow1763880000810';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lab.transport_batch (
        batch_id text PRIMARY KEY,
        requester_org text NOT NULL,
        courier text NOT NULL,
        departed_at timestamptz NOT NULL,
        received_at timestamptz,
        receiver text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE lab.specimen (
        accession text PRIMARY KEY,
        order_id text NOT NULL REFERENCES lab.received_order (order_id),
        type text NOT NULL,
        transport_limit_minutes integer NOT NULL,
        requester_org text NOT NULL,
        status text NOT NULL CHECK (status IN ('awaiting-collection', 'collected', 'in-transit', 'received', 'rejected')),
        collected_at timestamptz,
        collector text,
        batch_id text REFERENCES lab.transport_batch (batch_id),
        received_at timestamptz,
        receiver text,
        condition text,
        rejection_reason text CHECK (rejection_reason IN ('haemolysed', 'clotted', 'insufficient-volume', 'wrong-container', 'unlabelled', 'transport-time-exceeded')),
        rejection_note text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX specimen_order_idx ON lab.specimen (order_id)`);
    await q.query(`CREATE INDEX specimen_batch_idx ON lab.specimen (batch_id)`);

    // Reports gain versions: one row per version, the first `final`, corrections `amended`.
    await q.query(`ALTER TABLE lab.report DROP CONSTRAINT report_order_id_key`);
    await q.query(`ALTER TABLE lab.report DROP CONSTRAINT report_pkey`);
    await q.query(`ALTER TABLE lab.report DROP CONSTRAINT report_status_check`);
    await q.query(`
      ALTER TABLE lab.report
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD COLUMN patient_id text,
        ADD COLUMN entered_at timestamptz,
        ADD COLUMN source_kind text CHECK (source_kind IN ('analyser', 'person')),
        ADD COLUMN source_id text,
        ADD COLUMN verified_by text,
        ADD COLUMN verification text CHECK (verification IN ('rule', 'person')),
        ADD COLUMN correction_reason text,
        ADD COLUMN flags jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN critical jsonb,
        ALTER COLUMN issued_at DROP NOT NULL,
        ADD CONSTRAINT report_status_check CHECK (status IN ('preliminary', 'final', 'amended')),
        ADD PRIMARY KEY (report_id, version),
        ADD CONSTRAINT report_order_version_key UNIQUE (order_id, version)`);
    await q.query(`COMMENT ON COLUMN lab.report.performer IS 'who entered the results'`);
    await q.query(`COMMENT ON COLUMN lab.report.issued_at IS 'when the version was released'`);

    await q.query(`
      CREATE TABLE lab.analyte_result (
        report_id uuid NOT NULL,
        version integer NOT NULL,
        order_id text NOT NULL,
        patient_id text NOT NULL,
        code text NOT NULL,
        value double precision NOT NULL,
        effective_at timestamptz NOT NULL,
        released_at timestamptz,
        PRIMARY KEY (report_id, version, code),
        FOREIGN KEY (report_id, version) REFERENCES lab.report (report_id, version)
      )`);
    await q.query(
      `CREATE INDEX analyte_result_delta_idx ON lab.analyte_result (patient_id, code, effective_at DESC) WHERE released_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE lab.received_order DROP CONSTRAINT received_order_status_check`);
    await q.query(
      `ALTER TABLE lab.received_order ADD CONSTRAINT received_order_status_check CHECK (status IN ('accepted', 'in-progress', 'on-hold', 'completed', 'cancelled'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lab.received_order DROP CONSTRAINT received_order_status_check`);
    await q.query(
      `ALTER TABLE lab.received_order ADD CONSTRAINT received_order_status_check CHECK (status IN ('accepted', 'in-progress', 'completed', 'cancelled'))`,
    );
    await q.query(`DROP TABLE lab.analyte_result`);
    await q.query(`DELETE FROM lab.report WHERE version > 1 OR status = 'preliminary'`);
    await q.query(`
      ALTER TABLE lab.report
        DROP CONSTRAINT report_order_version_key,
        DROP CONSTRAINT report_pkey,
        DROP CONSTRAINT report_status_check,
        DROP COLUMN version, DROP COLUMN patient_id, DROP COLUMN entered_at,
        DROP COLUMN source_kind, DROP COLUMN source_id, DROP COLUMN verified_by,
        DROP COLUMN verification, DROP COLUMN correction_reason, DROP COLUMN flags,
        DROP COLUMN critical,
        ALTER COLUMN issued_at SET NOT NULL,
        ADD PRIMARY KEY (report_id),
        ADD CONSTRAINT report_order_id_key UNIQUE (order_id),
        ADD CONSTRAINT report_status_check CHECK (status IN ('final'))`);
    await q.query(`DROP TABLE lab.specimen`);
    await q.query(`DROP TABLE lab.transport_batch`);
  }
}
