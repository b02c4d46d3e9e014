import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Report versions may carry structured content (`coded`), as every reading centre's reports now
 * do (libs/centre reading); imaging's reports have none yet.
 */
export class ImagingReportCoded1763880000840 implements MigrationInterface {
  name = 'ImagingReportCoded1763880000840';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imaging.report ADD COLUMN coded jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imaging.report DROP COLUMN coded`);
  }
}
