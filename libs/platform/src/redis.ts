import {
  Queue,
  UnrecoverableError,
  Worker,
  type Job,
  type JobsOptions,
  type WorkerOptions,
} from 'bullmq';
import { type QueueJobs, type QueueName, jobProblem } from '@hub/contracts';
import { redisOptions } from './config';

/** Retry policy for every hub job: exponential backoff, failed jobs kept for inspection and replay. */
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10000 },
  removeOnFail: false,
};

export type JobNameOf<Q extends QueueName> = keyof QueueJobs[Q] & string;
export type PayloadOf<Q extends QueueName, N extends JobNameOf<Q>> = QueueJobs[Q][N];

/** A queue producer whose job names and payloads are checked against `libs/contracts`. */
export class TypedQueue<Q extends QueueName> {
  constructor(readonly queue: Queue) {}

  get name(): Q {
    return this.queue.name as Q;
  }

  add<N extends JobNameOf<Q>>(
    name: N,
    payload: PayloadOf<Q, N>,
    options: JobsOptions & { jobId: string },
  ): Promise<Job> {
    return this.queue.add(name, payload, options);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/**
 * A producer. `enableOfflineQueue: false` makes an add fail at once while Redis is unreachable
 * instead of hanging, so the outbox keeps the row and retries later.
 */
export function createQueue<Q extends QueueName>(
  name: Q,
  redisUrl: string,
  prefix: string,
  jobOptions: JobsOptions = {},
): TypedQueue<Q> {
  const queue = new Queue(name, {
    connection: { ...redisOptions(redisUrl), enableOfflineQueue: false, maxRetriesPerRequest: 1 },
    prefix,
    defaultJobOptions: { ...defaultJobOptions, ...jobOptions },
  });
  // Connection errors surface on each add; the queue itself must not crash the process.
  queue.on('error', () => undefined);
  return new TypedQueue<Q>(queue);
}

/** A job as a processor receives it for queue `Q`. */
export type JobOf<Q extends QueueName> = {
  [N in JobNameOf<Q>]: Job<PayloadOf<Q, N>, unknown, N>;
}[JobNameOf<Q>];

/**
 * A consumer. The processor must be idempotent (re-read state, act once) and throw on failure so
 * BullMQ retries it with backoff.
 */
/** Where a worker reports failed jobs and connection errors (a Nest `Logger` fits). */
export interface WorkerLog {
  warn(message: unknown, context?: string): void;
  error(message: unknown, context?: string): void;
}

/**
 * SQLSTATEs that retrying the same job cannot cure: class 22 (data exception, e.g. an id that is
 * not a UUID) and 23502 (a required value missing).
 */
const PERMANENT_SQLSTATE = /^(22...|23502)$/;

/**
 * A poison job: it can never succeed as it is, so it fails at once (BullMQ's UnrecoverableError)
 * with the reason, is kept in the failed set for inspection, and blocks nothing behind it.
 */
function poisonReason(queue: QueueName, job: Job, error?: unknown): string | undefined {
  if (!error) {
    const problem = jobProblem(queue, job.name, job.data);
    return problem && `malformed job, not retried: ${problem}`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && PERMANENT_SQLSTATE.test(code))
    return `the job's data cannot be stored, not retried: ${(error as Error).message} (SQLSTATE ${code})`;
  return undefined;
}

/**
 * How often a job may stall (its worker died, or was too starved to renew the lock) before BullMQ
 * fails it. BullMQ's default of 1 failed deliveries whose gateway was killed twice while they ran
 * (found by the fault suite); every hub worker is harmless to run twice, so a stall is retried,
 * and only a job that keeps killing its worker ends up failed, for inspection.
 */
export const MAX_STALLED_COUNT = 10;

/**
 * A worker for `name` whose processor receives typed jobs. A malformed job (a name the queue does
 * not carry, a payload without its ids) or one whose data PostgreSQL refuses as such fails at once
 * without retries; every other failure is retried with backoff. With `log`, every failed attempt
 * is logged with its queue, job id and attempt count, and connection errors too: the job ids carry
 * business ids, never patient data.
 */
export function createWorker<Q extends QueueName>(
  name: Q,
  redisUrl: string,
  prefix: string,
  processor: (job: JobOf<Q>) => Promise<unknown>,
  options: Partial<WorkerOptions> = {},
  log?: WorkerLog,
): Worker {
  const run = async (job: Job) => {
    const malformed = poisonReason(name, job);
    if (malformed) throw new UnrecoverableError(malformed);
    try {
      return await processor(job as JobOf<Q>);
    } catch (error) {
      const permanent = poisonReason(name, job, error);
      throw permanent ? new UnrecoverableError(permanent) : error;
    }
  };
  const worker = new Worker(name, run, {
    connection: { ...redisOptions(redisUrl), maxRetriesPerRequest: null },
    prefix,
    concurrency: 4,
    maxStalledCount: MAX_STALLED_COUNT,
    ...options,
  });
  if (log) {
    worker.on('failed', (job, error) =>
      log.warn(
        { queue: name, jobId: job?.id, attempts: job?.attemptsMade, error: error.message },
        'job failed',
      ),
    );
    worker.on('error', (error) => log.error({ queue: name, error: error.message }, 'worker error'));
  }
  return worker;
}
