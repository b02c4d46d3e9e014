import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The management figures (`/api/management/figures`) count orders by the month they were accepted:
 * an index on the acceptance time keeps a year's figures from reading every order ever placed.
 */
export class ServiceOrderCreatedIndex1763880000970 implements MigrationInterface {
  name = 'ServiceOrderCreatedIndex1763880000970';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX service_order_created_idx ON gateway.service_order (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX gateway.service_order_created_idx`);
  }
}
