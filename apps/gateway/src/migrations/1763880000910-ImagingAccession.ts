import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Imaging orders get an accession number at intake (the modality worklist's AccessionNumber). */
export class ImagingAccession1763880000910 implements MigrationInterface {
  name = 'ImagingAccession1763880000910';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE gateway.imaging_accession_seq`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE gateway.imaging_accession_seq`);
  }
}
