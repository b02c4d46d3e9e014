import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { type Centre } from '@hub/contracts';

/**
 * The reading tables of a reading centre that starts reading after imaging did (ECG, pathology):
 * one `reading` per order (the report id and who has claimed it), one `report` row per version
 * (draft, a trainee's signature awaiting a senior's co-signature, released final or amended). A
 * released version is never changed: a trigger refuses it, and a correction is a new version.
 * Imaging's own migrations made the same tables (ImagingReading830 + ImagingReportCoded840).
 *
 * Once landed, never change what it creates: add a migration in the app instead.
 * @param name the migration's name as TypeORM records it, e.g. 'EcgReading1763880000860'.
 * @param options `preliminary`: versions may be released as preliminary results (frozen sections).
 */
export function centreReadingMigration(
  centre: Centre,
  name: string,
  options: { preliminary?: boolean } = {},
): new () => MigrationInterface {
  // Released versions: signed final or amended, and (pathology's frozen sections) preliminary.
  const released = `'final', 'amended'${options.preliminary ? `, 'preliminary'` : ''}`;
  return class CentreReading implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE "${centre}".reading (
          order_id text PRIMARY KEY REFERENCES "${centre}".received_order (order_id),
          report_id uuid NOT NULL UNIQUE,
          claimed_by text,
          claim_expires_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL))
        )`);
      await q.query(`
        CREATE TABLE "${centre}".report (
          report_id uuid NOT NULL REFERENCES "${centre}".reading (report_id),
          version integer NOT NULL CHECK (version >= 1),
          order_id text NOT NULL REFERENCES "${centre}".reading (order_id),
          status text NOT NULL
            CHECK (status IN ('draft', 'amending', 'awaiting-cosign', ${released})),
          findings text NOT NULL,
          impression text NOT NULL,
          coded jsonb,
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
          CHECK ((status IN (${released})) = (issued_at IS NOT NULL AND diagnostic_report IS NOT NULL)),
          ${
            options.preliminary
              ? // The version after a preliminary result is the report itself, not an amendment.
                'CHECK (version > 1 OR amendment_reason IS NULL)'
              : 'CHECK ((version = 1) = (amendment_reason IS NULL))'
          }
        )`);
      // One version at a time is being written or waits for its co-signature.
      await q.query(
        `CREATE UNIQUE INDEX report_one_open_idx ON "${centre}".report (order_id) WHERE status NOT IN (${released})`,
      );
      await q.query(`
        CREATE FUNCTION "${centre}".report_released_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'version % of report % was released (%): amend it, never change it',
            OLD.version, OLD.report_id, OLD.status;
        END $$`);
      await q.query(`
        CREATE TRIGGER report_released_unchanged BEFORE UPDATE ON "${centre}".report
        FOR EACH ROW WHEN (OLD.status IN (${released}))
        EXECUTE FUNCTION "${centre}".report_released_unchanged()`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE "${centre}".report`);
      await q.query(`DROP FUNCTION "${centre}".report_released_unchanged()`);
      await q.query(`DROP TABLE "${centre}".reading`);
    }
  };
}
