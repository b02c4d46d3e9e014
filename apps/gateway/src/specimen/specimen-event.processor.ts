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
import { SpecimenMirrorService } from './specimen-mirror.service';

/** Consumes `hub.specimen-events`; failures are rethrown so BullMQ retries them. */
@Injectable()
export class SpecimenEventProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SpecimenEventProcessor.name);
  private worker?: Worker;

  constructor(
    private readonly mirror: SpecimenMirrorService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { REDIS_URL, REDIS_PREFIX } = this.config;
    this.worker = createWorker(
      Queues.HubSpecimenEvents,
      REDIS_URL,
      REDIS_PREFIX,
      async (job) => {
        if (job.name !== JobNames.SpecimenUpdate)
          throw new Error(`unexpected job ${String(job.name)} on ${Queues.HubSpecimenEvents}`);
        await this.mirror.apply(job.data);
      },
      {},
      this.logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
