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
import { ResultIntakeService } from './result-intake.service';

/** Consumes `hub.task-events` and `hub.results`; failures are rethrown so BullMQ retries them. */
@Injectable()
export class ResultProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ResultProcessor.name);
  private workers: Worker[] = [];

  constructor(
    private readonly results: ResultIntakeService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { REDIS_URL, REDIS_PREFIX } = this.config;
    this.workers = [
      createWorker(
        Queues.HubTaskEvents,
        REDIS_URL,
        REDIS_PREFIX,
        async (job) => {
          if (job.name !== JobNames.TaskUpdate)
            throw new Error(`unexpected job ${String(job.name)} on ${Queues.HubTaskEvents}`);
          await this.results.applyTaskUpdate(job.data);
        },
        {},
        this.logger,
      ),
      createWorker(
        Queues.HubResults,
        REDIS_URL,
        REDIS_PREFIX,
        async (job) => {
          if (job.name !== JobNames.ReportSubmit)
            throw new Error(`unexpected job ${String(job.name)} on ${Queues.HubResults}`);
          await this.results.storeReport(job.data);
        },
        {},
        this.logger,
      ),
    ];
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
