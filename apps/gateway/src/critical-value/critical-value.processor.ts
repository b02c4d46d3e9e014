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
import { CriticalValueService } from './critical-value.service';

/**
 * Consumes `hub.critical-values`: each delayed `CriticalValueEscalate` job escalates its alert
 * unless it was acknowledged meanwhile. Failures are rethrown so BullMQ retries them.
 */
@Injectable()
export class CriticalValueEscalationProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CriticalValueEscalationProcessor.name);
  private worker?: Worker;

  constructor(
    private readonly alerts: CriticalValueService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { REDIS_URL, REDIS_PREFIX } = this.config;
    const worker = createWorker(
      Queues.HubCriticalValues,
      REDIS_URL,
      REDIS_PREFIX,
      async (job) => {
        if (job.name !== JobNames.CriticalValueEscalate)
          throw new Error(`unexpected job ${String(job.name)} on ${Queues.HubCriticalValues}`);
        return this.alerts.escalate(job.data);
      },
      {},
      this.logger,
    );
    this.worker = worker;
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
