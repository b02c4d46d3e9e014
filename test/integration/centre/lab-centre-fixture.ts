// First: REDIS_PREFIX must be set before the app modules below are imported.
import { TEST_PREFIX } from './test-prefix';
import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import {
  type ClientProxy,
  ClientProxyFactory,
  type MicroserviceOptions,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { firstValueFrom, timeout } from 'rxjs';
import { type DataSource } from 'typeorm';
import { CENTRE_CONFIG, CentreOrderService, loadCentreConfig } from '@hub/centre';
import {
  type MessageName,
  type OrderRoutePayload,
  Queues,
  type QueueName,
  centrePattern,
} from '@hub/contracts';
import { ensureDatabase, migrateAppSchema } from '@hub/persistence';
import { redisOptions } from '@hub/platform';
import * as ecg from '../../../apps/ecg-center/src/data-source';
import * as imaging from '../../../apps/imaging-center/src/data-source';
import { LabCentreModule } from '../../../apps/lab-center/src/app.module';
import * as lab from '../../../apps/lab-center/src/data-source';
import * as pathology from '../../../apps/pathology-center/src/data-source';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

export { TEST_PREFIX };
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * What the jest globalSetup does for the centres: create the test database and run each centre's
 * migrations. Idempotent, so it is harmless after the globalSetup has run.
 */
export async function migrateCentreSchemas(): Promise<void> {
  await ensureDatabase(TEST_DATABASE_URL);
  for (const app of [lab, imaging, ecg, pathology]) {
    await migrateAppSchema(app.buildDataSource(TEST_DATABASE_URL), app.SCHEMA);
  }
}

/** An order as the gateway routes it to the lab (a CBC panel unless told otherwise). */
export function makeOrderRoute(overrides: Partial<OrderRoutePayload> = {}): OrderRoutePayload {
  return {
    orderId: randomUUID(),
    taskId: randomUUID(),
    centre: 'lab',
    code: '58410-2',
    priority: 'routine',
    requesterOrgId: 'clinic-a',
    acceptedAt: new Date().toISOString(),
    traceId: randomUUID(),
    ...overrides,
  };
}

/** The lab centre app, started from its real module over the test database and Redis. */
export interface LabCentre {
  app: INestApplication;
  /** The app's own DataSource (schema `lab`). */
  db: DataSource;
  orders: CentreOrderService;
  /** `hubtest:` queues: the lab's orders and the hub's two queues it feeds. */
  queues: { orders: Queue; taskEvents: Queue; results: Queue };
  /** Events of the orders queue, to await a job's end. */
  orderEvents: QueueEvents;
  /** The app's HTTP address. */
  url: string;
  /** Sends a request/reply message to the lab over Redis, as the gateway does. */
  send<T>(message: MessageName, payload: unknown): Promise<T>;
  /** Deletes everything stored for these orders in the lab schema. */
  forget(orderIds: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startLabCentre(): Promise<LabCentre> {
  await migrateCentreSchemas();
  const config = loadCentreConfig('lab', {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: TEST_PREFIX,
    // Only the kick after a commit relays within a test: the tests show that it happens.
    OUTBOX_POLL_MS: '60000',
  });
  const moduleRef = await Test.createTestingModule({ imports: [LabCentreModule] })
    .overrideProvider(CENTRE_CONFIG)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.REDIS,
    options: redisOptions(TEST_REDIS_URL),
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');

  const client: ClientProxy = ClientProxyFactory.create({
    transport: Transport.REDIS,
    options: redisOptions(TEST_REDIS_URL),
  });
  await client.connect();
  const queue = (name: QueueName) =>
    new Queue(name, { connection: redisOptions(TEST_REDIS_URL), prefix: TEST_PREFIX });
  const queues = {
    orders: queue(Queues.LabOrders),
    taskEvents: queue(Queues.HubTaskEvents),
    results: queue(Queues.HubResults),
  };
  const orderEvents = new QueueEvents(Queues.LabOrders, {
    connection: redisOptions(TEST_REDIS_URL),
    prefix: TEST_PREFIX,
  });
  await orderEvents.waitUntilReady();
  const db = app.get<DataSource>(getDataSourceToken());

  return {
    app,
    db,
    orders: app.get(CentreOrderService),
    queues,
    orderEvents,
    url: await app.getUrl(),
    send: <T>(message: MessageName, payload: unknown) =>
      firstValueFrom(
        client.send<T>(centrePattern(TEST_PREFIX, 'lab', message), payload).pipe(timeout(5000)),
      ),
    async forget(orderIds) {
      await db.query(`DELETE FROM lab.report WHERE order_id = ANY($1)`, [orderIds]);
      await db.query(`DELETE FROM lab.outbox WHERE payload->>'orderId' = ANY($1)`, [orderIds]);
      await db.query(`DELETE FROM lab.received_order WHERE order_id = ANY($1)`, [orderIds]);
    },
    async close() {
      await client.close();
      await orderEvents.close();
      await app.close();
      for (const q of Object.values(queues)) {
        await q.obliterate({ force: true });
        await q.close();
      }
    },
  };
}

/** Waits for a job the outbox relay is about to add (it relays right after the commit). */
export async function waitForJob(queue: Queue, jobId: string, timeoutMs = 5000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job) return job;
    if (Date.now() > deadline)
      throw new Error(`no job ${jobId} on ${queue.name} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every job on `queue`, in any state, about this order. */
export async function jobsFor(queue: Queue, orderId: string): Promise<Job[]> {
  const jobs = await queue.getJobs();
  return jobs.filter((job) => (job.data as { orderId?: string }).orderId === orderId);
}
