import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Reading (阅片): one `reading` per imaging order (the report id and who has claimed the study),
 * and one `report` row per version of its report (draft, a trainee's signature awaiting a senior's
 * co-signature, released final or amended). A released version is never changed: a trigger
 * refuses it, and a correction is a new version.
 */
export class ImagingReading1763880000830 implements MigrationInterface {
  name = 'ImagingReading1763880000830';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imaging.reading (
        order_id text PRIMARY KEY REFERENCES imaging.received_order (order_id),
        report_id uuid NOT NULL UNIQUE,
        claimed_by text,
        claim_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL))
      )`);
    await q.query(
      `COMMENT ON COLUMN imaging.reading.claim_expires_at IS 'a claim is live until then; after it another reader may take the study'`,
    );
    await q.query(`
      CREATE TABLE imaging.report (
        report_id uuid NOT NULL REFERENCES imaging.reading (report_id),
        version integer NOT NULL CHECK (version >= 1),
        order_id text NOT NULL REFERENCES imaging.reading (order_id),
        status text NOT NULL
          CHECK (status IN ('draft', 'amending', 'awaiting-cosign', 'final', 'amended')),
        findings text NOT NULL,
        impression text NOT NULL,
        critical_text text,
        author text NOT NULL,
        drafted_at timestamptz,
        signed_by text,
        signed_at timestamptz,
        cosigned_by text,
        cosigned_at timestamptz,
        amended_by text,
        amendment_reason text,
        issued_at timestamptz,
        diagnostic_report jsonb,
        critical jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (report_id, version),
        UNIQUE (order_id, version),
        CHECK ((status IN ('final', 'amended')) = (issued_at IS NOT NULL AND diagnostic_report IS NOT NULL)),
        CHECK ((version = 1) = (amendment_reason IS NULL))
      )`);
    await q.query(
      `COMMENT ON COLUMN imaging.report.author IS 'who wrote the text (the last to save the draft; the amending reader until they do)'`,
    );
    await q.query(
      `COMMENT ON COLUMN imaging.report.diagnostic_report IS 'the released FHIR DiagnosticReport, as report.get answers it'`,
    );
    // One version at a time is being written or waits for its co-signature.
    await q.query(
      `CREATE UNIQUE INDEX report_one_open_idx ON imaging.report (order_id) WHERE status NOT IN ('final', 'amended')`,
    );
    await q.query(`
      CREATE FUNCTION imaging.report_released_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'version % of imaging report % was released (%): amend it, never change it',
          OLD.version, OLD.report_id, OLD.status;
      END $$`);
    await q.query(`
      CREATE TRIGGER report_released_unchanged BEFORE UPDATE ON imaging.report
      FOR EACH ROW WHEN (OLD.status IN ('final', 'amended'))
      EXECUTE FUNCTION imaging.report_released_unchanged()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE imaging.report`);
    await q.query(`DROP FUNCTION imaging.report_released_unchanged()`);
    await q.query(`DROP TABLE imaging.reading`);
  }
}
