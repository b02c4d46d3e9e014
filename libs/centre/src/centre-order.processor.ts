import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { type Worker } from 'bullmq';
import { CentreOrderQueue, JobNames } from '@hub/contracts';
import { createWorker } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';
import { CentreOrderService } from './centre-order.service';

/**
 * Consumes the centre's orders queue (`lab.orders`, …). A failure is rethrown so BullMQ retries
 * the job with backoff and keeps it, once failed, for inspection and replay.
 */
@Injectable()
export class CentreOrderProcessor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CentreOrderProcessor.name);
  private worker?: Worker;

  constructor(
    private readonly orders: CentreOrderService,
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
  ) {}

  onModuleInit(): void {
    const queue = CentreOrderQueue[this.config.centre];
    this.worker = createWorker(
      queue,
      this.config.REDIS_URL,
      this.config.REDIS_PREFIX,
      async (job) => {
        switch (job.name) {
          case JobNames.OrderRoute:
            return this.orders.receive(job.data);
          case JobNames.OrderCancel:
            return this.orders.cancel(job.data);
          default:
            throw new Error(
              `unexpected job ${String((job as { name: unknown }).name)} on ${queue}`,
            );
        }
      },
      {},
      this.logger,
    );
  }

  /** Waits for the jobs under way to finish, so none is left half done. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
