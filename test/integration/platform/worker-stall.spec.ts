import { Queue, type Worker } from 'bullmq';
import { JobNames, Queues } from '@hub/contracts';
import { createWorker, redisOptions } from '@hub/platform';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A worker that dies mid-job leaves the job stalled; the hub's workers are idempotent, so the job
 * must run again on another worker even after several such deaths (the fault suite kills the
 * gateway several times under load), not end up failed.
 */
describe('createWorker: jobs whose workers died', () => {
  const prefix = `it${process.pid}-stall`;
  const queue = new Queue(Queues.HubDeliveries, { connection: redisOptions(REDIS_URL), prefix });
  const workers: Worker[] = [];
  // Short locks so that a dead worker's job is seen as stalled within a second.
  const fast = { lockDuration: 600, stalledInterval: 300, concurrency: 1 };

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close(true)));
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('runs a job again after its worker died twice during it, and completes it', async () => {
    const payload = { reportId: 'r1', orderId: 'o1', org: 'CLINIC-A', version: '1', traceId: 't' };
    await queue.add(JobNames.ReportDeliver, payload, { jobId: 'deliver-r1-1', attempts: 8 });
    for (let death = 0; death < 2; death++) {
      // A worker takes the job and never finishes it: then it is gone (closed without waiting,
      // so its lock is no longer renewed — as after kill -9).
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const dying = createWorker(
        Queues.HubDeliveries,
        REDIS_URL,
        prefix,
        () => {
          started();
          return new Promise(() => undefined);
        },
        fast,
      );
      await running;
      await dying.close(true);
    }
    const survivor = createWorker(
      Queues.HubDeliveries,
      REDIS_URL,
      prefix,
      async () => 'delivered',
      fast,
    );
    workers.push(survivor);
    const deadline = Date.now() + 15_000;
    let state = await queue.getJobState('deliver-r1-1');
    while (state !== 'completed' && state !== 'failed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = await queue.getJobState('deliver-r1-1');
    }
    const job = await queue.getJob('deliver-r1-1');
    expect({ state, failedReason: job?.failedReason }).toEqual({
      state: 'completed',
      failedReason: undefined,
    });
  });
});
