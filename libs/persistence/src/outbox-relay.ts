import { type QueueName } from '@hub/contracts';
import { type DataSource } from 'typeorm';
import { type JobSink, relayOutbox } from './outbox';

/**
 * Polls the outbox and relays pending rows. `kick()` asks for an immediate pass (after a commit),
 * the timer catches everything else (rows written while Redis was down).
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sinks: Partial<Record<QueueName, JobSink>>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * A relay for these queues. It retries on every poll while Redis is down, so a failure is
   * reported once when it starts (and again when it changes), not twice a second.
   */
  static forQueues(
    dataSource: DataSource,
    queues: Array<{ name: QueueName; queue: JobSink }>,
    intervalMs: number,
    logError: (message: string) => void,
  ): OutboxRelay {
    const sinks: Partial<Record<QueueName, JobSink>> = {};
    for (const { name, queue } of queues) sinks[name] = queue;
    let lastError = '';
    return new OutboxRelay(dataSource, sinks, intervalMs, (error) => {
      const message = String(error);
      if (message !== lastError) logError(`outbox relay failed: ${message}`);
      lastError = message;
    });
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.kick();
  }

  /** Runs a relay pass now, or right after the one under way. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const { relayed, failed } = await relayOutbox(this.dataSource, this.sinks);
      if (failed > 0 || relayed === 0) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
