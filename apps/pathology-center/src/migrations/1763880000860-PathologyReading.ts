import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { centreReadingMigration } from '@hub/centre';

const Reading = centreReadingMigration('pathology', 'PathologyReading1763880000860', {
  preliminary: true,
});

/**
 * `pathology.reading` and `pathology.report` (libs/centre; versions may be released as a frozen
 * section's preliminary result), and `pathology.add_working_days`, by which routine cases are due.
 */
export class PathologyReading1763880000860 implements MigrationInterface {
  name = 'PathologyReading1763880000860';
  private readonly reading = new Reading();

  async up(q: QueryRunner): Promise<void> {
    await this.reading.up(q);
    // Monday–Friday; public holidays are not known to the hub (the target is a planning aid).
    await q.query(`
      CREATE FUNCTION pathology.add_working_days(start timestamptz, days integer)
      RETURNS timestamptz LANGUAGE sql STABLE AS $$
        SELECT start + make_interval(days => (
          SELECT n FROM generate_series(1, days * 2 + 7) n
           WHERE (SELECT count(*) FROM generate_series(1, n) k
                   WHERE extract(isodow FROM start + make_interval(days => k)) < 6) = days
           ORDER BY n LIMIT 1))
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION pathology.add_working_days(timestamptz, integer)`);
    await this.reading.down(q);
  }
}
