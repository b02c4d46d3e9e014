import { type Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Worker } from 'bullmq';
import { type QueueName } from '@hub/contracts';
import { type JobNameOf, type PayloadOf, createWorker } from '@hub/platform';
import { type GatewayConfig } from '../config';

/**
 * A worker for a queue that carries one kind of job: started with the app, closed (letting the job
 * under way finish) when it stops. A job of another name is a routing fault: it fails, is retried
 * and then kept for inspection. Failures of `handle` are rethrown so BullMQ retries them.
 */
export abstract class SingleJobConsumer<Q extends QueueName, N extends JobNameOf<Q>>
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private worker?: Worker;

  protected constructor(
    private readonly queue: Q,
    private readonly jobName: N,
    private readonly config: GatewayConfig,
    private readonly log: Logger,
  ) {}

  /** Does the job's work; must be harmless to run twice. */
  protected abstract handle(payload: PayloadOf<Q, N>): Promise<unknown>;

  onApplicationBootstrap(): void {
    this.worker = createWorker(
      this.queue,
      this.config.REDIS_URL,
      this.config.REDIS_PREFIX,
      async (job) => {
        const name: string = job.name;
        if (name !== this.jobName) throw new Error(`unexpected job ${name} on ${this.queue}`);
        return this.handle(job.data as PayloadOf<Q, N>);
      },
      {},
      this.log,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
