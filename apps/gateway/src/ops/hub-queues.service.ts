import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { type QueueName, Queues } from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { maskResidentIdsInText } from '@hub/identity';
import { PROBE_TIMEOUT_MS, redisOptions } from '@hub/platform';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** Job counts of one of the hub's queues; null when Redis could not be read. */
export interface QueueCounts {
  name: QueueName;
  /**
   * Waiting to be processed, prioritised jobs included (orders carry a BullMQ priority); a paused
   * queue keeps its jobs here.
   */
  waiting: number | null;
  active: number | null;
  /** Waiting for a retry's backoff or a timer (critical-value escalations). */
  delayed: number | null;
  failed: number | null;
  completed: number | null;
  paused: boolean | null;
}

/** A failed job as IT staff see it: what ran, why it failed, and its payload (ids only). */
export interface FailedJobView {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  createdAt: string;
  failedAt: string | null;
  data: unknown;
}

/** The state of a job after a retry (`waiting` until a worker takes it). */
export interface RetriedJob {
  id: string;
  state: string;
}

const QUEUE_NAMES: readonly QueueName[] = Object.values(Queues);

/**
 * The hub's own BullMQ queues (the registry in `libs/contracts`) for IT operations: job counts,
 * failed jobs newest first and the retry of one failed job (audited). One Redis connection, shared
 * by every queue handle, that fails a command at once while Redis is away; every read has the
 * health probe's deadline, so a Redis outage is answered instead of waited on.
 */
@Injectable()
export class HubQueuesService implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly queues: Map<QueueName, Queue>;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly audit: AuditService,
  ) {
    this.redis = new Redis({
      ...redisOptions(config.REDIS_URL),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.redis.on('error', () => undefined);
    this.queues = new Map(
      QUEUE_NAMES.map((name) => {
        const queue = new Queue(name, { connection: this.redis, prefix: config.REDIS_PREFIX });
        queue.on('error', () => undefined);
        return [name, queue];
      }),
    );
  }

  /** Every queue of the hub with its job counts (null counts for a queue Redis did not answer for). */
  async counts(): Promise<QueueCounts[]> {
    return Promise.all(
      [...this.queues.entries()].map(async ([name, queue]) => {
        try {
          const [counts, paused] = await this.deadline(
            Promise.all([
              queue.getJobCounts(
                'waiting',
                'prioritized',
                'waiting-children',
                'active',
                'delayed',
                'failed',
                'completed',
              ),
              queue.isPaused(),
            ]),
          );
          return {
            name,
            waiting: counts.waiting + counts.prioritized + counts['waiting-children'],
            active: counts.active,
            delayed: counts.delayed,
            failed: counts.failed,
            completed: counts.completed,
            paused,
          };
        } catch {
          return {
            name,
            waiting: null,
            active: null,
            delayed: null,
            failed: null,
            completed: null,
            paused: null,
          };
        }
      }),
    );
  }

  /** The queue's failed jobs, newest first. */
  async failed(name: string, limit: number): Promise<FailedJobView[]> {
    const queue = this.queue(name);
    const jobs = await this.deadline(queue.getFailed(0, limit - 1));
    return jobs.filter((job): job is Job => Boolean(job)).map(toFailedView);
  }

  /**
   * Puts a failed job back to be processed again (BullMQ keeps its id, data and attempts made), and
   * records who did it in the audit trail, refusals too: an unknown queue or job (404), a job that
   * is not failed (409) or Redis out of reach (503) leaves everything as it was.
   */
  async retry(name: string, id: string, agent: AuditAgent): Promise<RetriedJob> {
    const attempt = { type: '110100', subtype: 'queue-retry', action: 'E', agent } as const;
    const query = `retry ${name} job ${id}`;
    let job: Job;
    try {
      const queue = this.queue(name);
      const found = id.length <= 512 ? await this.deadline(queue.getJob(id)) : undefined;
      if (!found) throw FhirError.notFound(`job ${id} is not in the queue ${name}`);
      job = found;
      const state = await this.deadline(job.getState());
      if (state !== 'failed')
        throw FhirError.conflict(`job ${id} of ${name} is ${state}; only a failed job is retried`);
      await this.deadline(
        job.retry('failed').catch((error: unknown) => {
          // BullMQ refuses with a numeric code when the job left the failed set meanwhile
          // (retried or removed by someone else); anything else is Redis itself (503).
          if (typeof (error as { code?: unknown }).code !== 'number') throw error;
          throw FhirError.conflict(
            `job ${id} of ${name} changed meanwhile: ${(error as Error).message}`,
          );
        }),
      );
    } catch (error) {
      if (error instanceof FhirError)
        await this.audit.record({
          ...attempt,
          outcome: error.status >= 500 ? '8' : '4',
          outcomeDesc: error.diagnostics,
          query,
        });
      throw error;
    }
    await this.audit.record({ ...attempt, query });
    // Retried: waiting for a worker, unless one already took it.
    const state = await this.deadline(job.getState()).catch(() => 'waiting');
    return { id, state };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.redis.disconnect();
  }

  /** The handle of one of the hub's own queues; any other name is answered 404. */
  private queue(name: string): Queue {
    const queue = this.queues.get(name as QueueName);
    if (!queue)
      throw FhirError.notFound(
        `${name} is not a queue of the hub; the queues are ${QUEUE_NAMES.join(', ')}`,
      );
    return queue;
  }

  /** Redis answers within the health probe's deadline, or the caller hears it is unavailable. */
  private async deadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new FhirError(
              503,
              'transient',
              `Redis did not answer within ${PROBE_TIMEOUT_MS} ms: the queues cannot be read now`,
            ),
          ),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([work, late]);
    } catch (error) {
      if (error instanceof FhirError) throw error;
      throw new FhirError(
        503,
        'transient',
        `Redis cannot be reached: the queues cannot be read now (${(error as Error).message})`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

function toFailedView(job: Job): FailedJobView {
  return {
    id: String(job.id),
    name: job.name,
    failedReason: maskResidentIdsInText(job.failedReason ?? ''),
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    data: masked(job.data),
  };
}

/**
 * A payload with any identity number in its text masked. Jobs carry ids by contract; the free-text
 * fields some carry (a Task's reason, a cancellation's reason) are written by people, so they are
 * masked here like every log line.
 */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return maskResidentIdsInText(value);
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, masked(inner)]));
  return value;
}
