import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { CentreOrderQueue, Centres, type QueueName, Queues } from '@hub/contracts';
import { OutboxRelay } from '@hub/persistence';
import { createQueue, type TypedQueue } from '@hub/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { DELIVERY_ATTEMPTS } from '../delivery/report-delivery.processor';

/** Relays the gateway's outbox to the centres' queues (routed orders) and to the delivery queue. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly queues: Array<TypedQueue<QueueName>>;
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.queues = [
      ...Centres.map((centre) =>
        createQueue(CentreOrderQueue[centre], config.REDIS_URL, config.REDIS_PREFIX),
      ),
      // Deliveries retry for more than a day (see ReportDeliveryProcessor's backoff).
      createQueue(Queues.HubDeliveries, config.REDIS_URL, config.REDIS_PREFIX, {
        attempts: DELIVERY_ATTEMPTS,
        backoff: { type: 'custom' },
      }),
      // Critical-value escalations are delayed jobs; a failed one retries (rethrown by the worker).
      createQueue(Queues.HubCriticalValues, config.REDIS_URL, config.REDIS_PREFIX, {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
      }),
    ];
    this.relay = OutboxRelay.forQueues(dataSource, this.queues, config.OUTBOX_POLL_MS, (message) =>
      this.logger.error(message),
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Relays now instead of at the next poll (after an order commits). */
  kick(): void {
    this.relay.kick();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
