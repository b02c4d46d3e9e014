import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { type Centre } from '@hub/contracts';
import { addOutboxDelay, createOutboxTable } from '@hub/persistence';

/**
 * The first migration of a centre's schema: `received_order` and the outbox. Every centre has the
 * same tables in its own schema, so each app declares its migration from this one:
 * `export class CentreInit1763880000100 extends centreInitMigration('lab') {}`.
 *
 * It has landed and runs on existing databases: never change what it creates (add a migration in
 * the app instead), and keep its name, which is what TypeORM records as applied.
 */
export function centreInitMigration(centre: Centre): new () => MigrationInterface {
  return class CentreInit1763880000100 implements MigrationInterface {
    name = 'CentreInit1763880000100';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE "${centre}".received_order (
          order_id text PRIMARY KEY,
          task_id text NOT NULL UNIQUE,
          code text NOT NULL,
          priority text NOT NULL,
          requester_org_id text NOT NULL,
          status text NOT NULL CHECK (status IN ('accepted', 'in-progress', 'completed')),
          received_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      // The worklist reads open orders oldest first.
      await q.query(
        `CREATE INDEX received_order_status_idx ON "${centre}".received_order (status, received_at)`,
      );
      await createOutboxTable(q, centre);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE "${centre}".outbox`);
      await q.query(`DROP TABLE "${centre}".received_order`);
    }
  };
}

/**
 * A centre's second migration: orders can be cancelled by the clinic. Same class shape for every
 * centre, each in its own schema.
 */
export function centreCancelMigration(centre: Centre): new () => MigrationInterface {
  return class CentreOrderCancel1763880000500 implements MigrationInterface {
    name = 'CentreOrderCancel1763880000500';

    async up(q: QueryRunner): Promise<void> {
      await q.query(
        `ALTER TABLE "${centre}".received_order DROP CONSTRAINT received_order_status_check`,
      );
      await q.query(
        `ALTER TABLE "${centre}".received_order ADD CONSTRAINT received_order_status_check CHECK (status IN ('accepted', 'in-progress', 'completed', 'cancelled'))`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(
        `ALTER TABLE "${centre}".received_order DROP CONSTRAINT received_order_status_check`,
      );
      await q.query(
        `ALTER TABLE "${centre}".received_order ADD CONSTRAINT received_order_status_check CHECK (status IN ('accepted', 'in-progress', 'completed'))`,
      );
    }
  };
}

/** A centre's third migration: outbox rows may carry a delay (timers). */
export function centreOutboxDelayMigration(centre: Centre): new () => MigrationInterface {
  return class CentreOutboxDelay1763880000800 implements MigrationInterface {
    name = 'CentreOutboxDelay1763880000800';

    async up(q: QueryRunner): Promise<void> {
      await addOutboxDelay(q, centre);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE "${centre}".outbox DROP COLUMN delay_ms`);
    }
  };
}
