import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Lab orders get a specimen at intake: the catalogue says which specimen type an item needs, and
 * accession numbers (the barcode on the label) come from their own sequence.
 */
export class LabSpecimens1763880000810 implements MigrationInterface {
  name = 'LabSpecimens1763880000810';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE gateway.catalogue_item ADD COLUMN specimen_type text`);
    await q.query(`CREATE SEQUENCE gateway.specimen_accession_seq`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE gateway.specimen_accession_seq`);
    await q.query(`ALTER TABLE gateway.catalogue_item DROP COLUMN specimen_type`);
  }
}
