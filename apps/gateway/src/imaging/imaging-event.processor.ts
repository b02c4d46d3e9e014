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
import { ImagingStudyService } from './imaging-study.service';

/** Consumes `hub.imaging-events`; failures are rethrown so BullMQ retries them. */
@Injectable()
export class ImagingEventProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImagingEventProcessor.name);
  private worker?: Worker;

  constructor(
    private readonly studies: ImagingStudyService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { REDIS_URL, REDIS_PREFIX } = this.config;
    this.worker = createWorker(
      Queues.HubImagingEvents,
      REDIS_URL,
      REDIS_PREFIX,
      async (job) => {
        if (job.name !== JobNames.StudyUpdate)
          throw new Error(`unexpected job ${String(job.name)} on ${Queues.HubImagingEvents}`);
        await this.studies.apply(job.data);
      },
      {},
      this.logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
