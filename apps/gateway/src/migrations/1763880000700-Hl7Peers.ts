import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * MLLP carries no credentials, so a sender is trusted by where it connects from: each member's
 * allowed network addresses. A message over MLLP whose MSH-4 names a member is taken only from
 * that member's addresses.
 */
export class Hl7Peers1763880000700 implements MigrationInterface {
  name = 'Hl7Peers1763880000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.hl7_peer (
        org_code text NOT NULL REFERENCES gateway.organization (code),
        network cidr NOT NULL,
        note text,
        PRIMARY KEY (org_code, network)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.hl7_peer`);
  }
}
