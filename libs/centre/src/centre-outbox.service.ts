import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager } from 'typeorm';
import {
  type Centre,
  type CentreTaskStatus,
  JobNames,
  Queues,
  type QueueName,
  jobIds,
} from '@hub/contracts';
import { OutboxRelay, enqueueInOutbox } from '@hub/persistence';
import { type JobNameOf, type PayloadOf, type TypedQueue, createQueue } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

/** Queues a job through the outbox of the transaction it was handed by. */
export type OutboxEnqueue = <Q extends QueueName, N extends JobNameOf<Q>>(
  queue: Q,
  jobName: N,
  payload: PayloadOf<Q, N>,
  options: { jobId: string; priority?: number },
) => Promise<void>;

/**
 * The centre's outbox: jobs for the hub (Task updates, reports ready) are written in the same
 * transaction as the change that causes them, then relayed to `hub.task-events`, `hub.results` and
 * (the lab) `hub.specimen-events`, (imaging) `hub.imaging-events` and (ECG) `hub.ecg-events`.
 * Nothing is lost while Redis is down (the poll relays it later) and nothing is sent twice (job ids
 * are the business ids).
 */
@Injectable()
export class CentreOutboxService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CentreOutboxService.name);
  private readonly queues: Array<TypedQueue<QueueName>>;
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CENTRE_CONFIG) config: CentreConfig,
  ) {
    this.queues = [
      createQueue(Queues.HubTaskEvents, config.REDIS_URL, config.REDIS_PREFIX),
      createQueue(Queues.HubResults, config.REDIS_URL, config.REDIS_PREFIX),
      createQueue(Queues.HubSpecimenEvents, config.REDIS_URL, config.REDIS_PREFIX),
      createQueue(Queues.HubImagingEvents, config.REDIS_URL, config.REDIS_PREFIX),
      createQueue(Queues.HubEcgEvents, config.REDIS_URL, config.REDIS_PREFIX),
    ];
    this.relay = OutboxRelay.forQueues(dataSource, this.queues, config.OUTBOX_POLL_MS, (message) =>
      this.logger.error(message),
    );
  }

  onModuleInit(): void {
    this.relay.start();
  }

  /**
   * Runs `work` in one transaction. The jobs it queues with `enqueue` are written to the outbox in
   * that transaction and relayed as soon as it commits.
   */
  async transaction<T>(
    work: (manager: EntityManager, enqueue: OutboxEnqueue) => Promise<T>,
  ): Promise<T> {
    let queued = false;
    const result = await this.dataSource.transaction((manager) =>
      work(manager, async (queue, jobName, payload, options) => {
        await enqueueInOutbox(manager, queue, jobName, payload, options);
        queued = true;
      }),
    );
    // Relay now rather than at the next poll; a failure leaves the rows for the poll.
    if (queued) this.relay.kick();
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}

/**
 * Queues `TaskUpdate <status>` for an order through the outbox of the caller's transaction (job id
 * `task-<taskId>-<status>`, so each state is told once).
 */
export function enqueueTaskUpdate(
  enqueue: OutboxEnqueue,
  order: { orderId: string; taskId: string },
  centre: Centre,
  status: CentreTaskStatus,
  traceId: string,
  options: { at?: Date; reason?: string } = {},
): Promise<void> {
  return enqueue(
    Queues.HubTaskEvents,
    JobNames.TaskUpdate,
    {
      orderId: order.orderId,
      taskId: order.taskId,
      centre,
      status,
      at: (options.at ?? new Date()).toISOString(),
      ...(options.reason ? { reason: options.reason } : {}),
      traceId,
    },
    { jobId: jobIds.taskUpdate(order.taskId, status) },
  );
}
