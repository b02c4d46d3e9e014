import { type QueueName, type QueueJobs } from '@hub/contracts';
import { type DataSource, type EntityManager } from 'typeorm';
import { type QueryRunner } from 'typeorm';
import { OutboxMessage } from './outbox.entity';

type JobNameOf<Q extends QueueName> = keyof QueueJobs[Q] & string;

/** Something that can put a job on a queue (a BullMQ Queue wrapped by `@hub/platform`). */
export interface JobSink {
  add(
    name: string,
    payload: unknown,
    options: { jobId: string; priority?: number; delay?: number },
  ): Promise<unknown>;
}

/** How a job is queued: its deterministic id, BullMQ priority, and a delay in milliseconds. */
export interface OutboxJobOptions {
  jobId: string;
  priority?: number;
  /**
   * Run the job this long after the transaction commits (a timer, e.g. an escalation). The delay
   * counts from the row's creation, so a relay that runs late does not stretch it.
   */
  delay?: number;
}

/**
 * Records a job in the outbox inside the caller's transaction. A second call with the same job id
 * is a no-op, so the business change may be retried safely.
 */
export async function enqueueInOutbox<Q extends QueueName, N extends JobNameOf<Q>>(
  manager: EntityManager,
  queue: Q,
  jobName: N,
  payload: QueueJobs[Q][N],
  options: OutboxJobOptions,
): Promise<void> {
  const table = manager.getRepository(OutboxMessage).metadata.tablePath;
  await manager.query(
    `INSERT INTO ${table} (queue, job_name, job_id, payload, priority, delay_ms)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id) DO NOTHING`,
    [
      queue,
      jobName,
      options.jobId,
      JSON.stringify(payload),
      options.priority ?? null,
      options.delay ?? null,
    ],
  );
}

export interface RelayResult {
  relayed: number;
  failed: number;
}

/**
 * Moves pending outbox rows to their queues, oldest first. Rows are locked with SKIP LOCKED so any
 * number of relays (replicas) can run; a row whose add fails stays pending with its error and is
 * tried again on the next pass. Returns how many were relayed.
 */
export async function relayOutbox(
  dataSource: DataSource,
  sinks: Partial<Record<QueueName, JobSink>>,
  batchSize = 100,
): Promise<RelayResult> {
  return dataSource.transaction(async (manager) => {
    const rows = await manager
      .getRepository(OutboxMessage)
      .createQueryBuilder('o')
      .where('o.relayed_at IS NULL')
      .orderBy('o.id', 'ASC')
      .limit(batchSize)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
    let relayed = 0;
    let failed = 0;
    for (const row of rows) {
      const sink = sinks[row.queue as QueueName];
      if (!sink) {
        // A deployment fault, not an outage: keep the row for inspection, relay the rest.
        failed++;
        await manager.update(
          OutboxMessage,
          { id: row.id },
          {
            attempts: row.attempts + 1,
            lastError: `no producer for queue ${row.queue} in this app`,
          },
        );
        continue;
      }
      try {
        const delay = row.delayMs
          ? Math.max(0, row.createdAt.getTime() + row.delayMs - Date.now())
          : 0;
        await sink.add(row.jobName, row.payload, {
          jobId: row.jobId,
          ...(row.priority ? { priority: row.priority } : {}),
          ...(delay > 0 ? { delay } : {}),
        });
        await manager.update(
          OutboxMessage,
          { id: row.id },
          { relayedAt: new Date(), attempts: row.attempts + 1, lastError: null },
        );
        relayed++;
      } catch (error) {
        failed++;
        await manager.update(
          OutboxMessage,
          { id: row.id },
          { attempts: row.attempts + 1, lastError: String(error).slice(0, 500) },
        );
        // Redis is probably down: the rest of the batch would fail the same way. Keep order.
        break;
      }
    }
    return { relayed, failed };
  });
}

/** DDL for the outbox table, called from each app's first migration. */
export async function createOutboxTable(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE "${schema}".outbox (
      id bigserial PRIMARY KEY,
      queue text NOT NULL,
      job_name text NOT NULL,
      job_id text NOT NULL UNIQUE,
      payload jsonb NOT NULL,
      priority int,
      created_at timestamptz NOT NULL DEFAULT now(),
      relayed_at timestamptz,
      attempts int NOT NULL DEFAULT 0,
      last_error text
    )`);
  await queryRunner.query(
    `CREATE INDEX outbox_pending_idx ON "${schema}".outbox (id) WHERE relayed_at IS NULL`,
  );
}

/** DDL for the outbox's `delay_ms` column (timers), called from each app's migration. */
export async function addOutboxDelay(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`ALTER TABLE "${schema}".outbox ADD COLUMN delay_ms integer`);
}
