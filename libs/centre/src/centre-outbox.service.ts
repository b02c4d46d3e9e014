import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { Queues, type QueueName } from '@hub/contracts';
import { type JobSink, OutboxRelay } from '@hub/persistence';
import { createQueue, type TypedQueue } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

/** Relays a centre's outbox (Task updates, reports ready) to the hub's queues. */
@Injectable()
export class CentreOutboxService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CentreOutboxService.name);
  private readonly queues: Array<TypedQueue<QueueName>>;
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(CENTRE_CONFIG) config: CentreConfig,
  ) {
    this.queues = [Queues.HubTaskEvents, Queues.HubResults].map((name) =>
      createQueue(name, config.REDIS_URL, config.REDIS_PREFIX),
    );
    const sinks: Partial<Record<QueueName, JobSink>> = {};
    for (const queue of this.queues) sinks[queue.name] = queue.queue;
    let lastError = '';
    this.relay = new OutboxRelay(dataSource, sinks, config.OUTBOX_POLL_MS, (error) => {
      const message = String(error);
      if (message !== lastError) this.logger.error(`outbox relay failed: ${message}`);
      lastError = message;
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Relays now (after a commit that wrote outbox rows) instead of at the next poll. */
  kick(): void {
    this.relay.kick();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
