import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type Worker } from 'bullmq';
import { JobNames, Queues } from '@hub/contracts';
import { createWorker } from '@hub/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ReportDeliveryService } from './report-delivery.service';

/**
 * Consumes `hub.deliveries`. Retries back off exponentially up to an hour between attempts, for
 * longer than a day in all; several deliveries run at once, so one clinic that is down delays
 * only its own reports.
 */
@Injectable()
export class ReportDeliveryProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReportDeliveryProcessor.name);
  private worker?: Worker;

  constructor(
    private readonly deliveries: ReportDeliveryService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { REDIS_URL, REDIS_PREFIX, DELIVERY_BACKOFF_MS } = this.config;
    this.worker = createWorker(
      Queues.HubDeliveries,
      REDIS_URL,
      REDIS_PREFIX,
      async (job) => {
        const name: string = job.name;
        if (job.name === JobNames.ReportDeliver) return this.deliveries.deliver(job.data);
        if (job.name === JobNames.OrderStatusDeliver)
          return this.deliveries.deliverStatus(job.data);
        throw new Error(`unexpected job ${name} on ${Queues.HubDeliveries}`);
      },
      {
        concurrency: 8,
        settings: {
          backoffStrategy: (attemptsMade: number) =>
            deliveryBackoff(attemptsMade, DELIVERY_BACKOFF_MS),
        },
      },
      this.logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}

/** Milliseconds before retry `attemptsMade`: doubling from `base`, at most an hour. */
export function deliveryBackoff(attemptsMade: number, base: number): number {
  return Math.min(base * 2 ** Math.max(attemptsMade - 1, 0), 3600_000);
}

/**
 * Attempts for a delivery job: with a 1 s base, 12 doublings reach the hour cap after ~1.1 h, and
 * 36 more hourly attempts carry it past 24 hours.
 */
export const DELIVERY_ATTEMPTS = 48;
