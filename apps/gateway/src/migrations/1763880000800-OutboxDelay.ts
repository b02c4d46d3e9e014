import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { addOutboxDelay } from '@hub/persistence';

/** Outbox rows may carry a delay: timers such as critical-value escalations. */
export class OutboxDelay1763880000800 implements MigrationInterface {
  name = 'OutboxDelay1763880000800';

  async up(q: QueryRunner): Promise<void> {
    await addOutboxDelay(q, 'gateway');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE gateway.outbox DROP COLUMN delay_ms`);
  }
}
