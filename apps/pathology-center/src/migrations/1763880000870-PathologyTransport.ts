import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Transport boxes (运输箱) for pathology specimens, as the lab ships its own: a clinic packs
 * collected specimens into a box (`pathology.batch`), which puts them `in-transit`; the centre
 * receives the whole box in one scan. Box ids are `PB` + the UTC date (yyMMdd) + a 6-digit number
 * from `pathology.batch_seq` (e.g. `PB251123000042`): unique whatever the day, and never the shape
 * of a case number (`P` + digits), so a scanned box is not taken for a case.
 */
export class PathologyTransport1763880000870 implements MigrationInterface {
  name = 'PathologyTransport1763880000870';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE pathology.batch_seq`);
    await q.query(`
      CREATE TABLE pathology.batch (
        batch_id text PRIMARY KEY,
        org text NOT NULL,
        shipped_by text NOT NULL,
        shipped_at timestamptz NOT NULL,
        courier text,
        received_at timestamptz,
        received_by text,
        CHECK ((received_at IS NULL) = (received_by IS NULL))
      )`);
    await q.query(
      `COMMENT ON COLUMN pathology.batch.org IS 'the sending clinic (the requester of every order in the box)'`,
    );
    await q.query(
      `COMMENT ON COLUMN pathology.batch.received_at IS 'when the box receipt first took a specimen out of it'`,
    );
    await q.query(`
      ALTER TABLE pathology.specimen
        ADD COLUMN batch_id text REFERENCES pathology.batch (batch_id),
        ADD COLUMN shipped_at timestamptz`);
    await q.query(`CREATE INDEX specimen_batch_idx ON pathology.specimen (batch_id)`);
    // The status CHECK of PathologyCase850 was declared inline: PostgreSQL named it.
    await q.query(`ALTER TABLE pathology.specimen DROP CONSTRAINT specimen_status_check`);
    await q.query(`
      ALTER TABLE pathology.specimen ADD CONSTRAINT specimen_status_check
        CHECK (status IN ('collected', 'in-transit', 'received', 'rejected'))`);
    await q.query(`
      ALTER TABLE pathology.specimen ADD CONSTRAINT specimen_shipped_check
        CHECK ((batch_id IS NULL) = (shipped_at IS NULL)
           AND (status <> 'in-transit' OR batch_id IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pathology.specimen DROP CONSTRAINT specimen_shipped_check`);
    // Back to the old statuses: a specimen still on its way counts as collected.
    await q.query(`UPDATE pathology.specimen SET status = 'collected' WHERE status = 'in-transit'`);
    await q.query(`ALTER TABLE pathology.specimen DROP CONSTRAINT specimen_status_check`);
    await q.query(`
      ALTER TABLE pathology.specimen ADD CONSTRAINT specimen_status_check
        CHECK (status IN ('collected', 'received', 'rejected'))`);
    await q.query(`DROP INDEX pathology.specimen_batch_idx`);
    await q.query(`ALTER TABLE pathology.specimen DROP COLUMN batch_id, DROP COLUMN shipped_at`);
    await q.query(`DROP TABLE pathology.batch`);
    await q.query(`DROP SEQUENCE pathology.batch_seq`);
  }
}
