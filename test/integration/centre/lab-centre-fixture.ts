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
import Redis from 'ioredis';
import { firstValueFrom, timeout } from 'rxjs';
import { type DataSource } from 'typeorm';
import { CENTRE_CONFIG, CentreOrderService, loadCentreConfig } from '@hub/centre';
import { demoCatalogue } from '@hub/consortium';
import {
  type MessageName,
  type OrderRoutePayload,
  Queues,
  type QueueName,
  type ResultPatientContext,
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

/** An accession number as the hub prints it on a specimen label (unique per call). */
export function makeAccession(): string {
  return `ACC-${randomUUID().slice(0, 13)}`;
}

/** A transport box label (unique per call). */
export function makeBatchId(): string {
  return `BOX-${randomUUID()}`;
}

/**
 * An order as the gateway routes it to the lab (a CBC panel unless told otherwise), with the
 * specimen of the ordered item's catalogue type under a fresh accession number.
 */
export function makeOrderRoute(overrides: Partial<OrderRoutePayload> = {}): OrderRoutePayload {
  const code = overrides.code ?? '58410-2';
  const type = demoCatalogue.find((item) => item.code === code)?.specimenType;
  return {
    orderId: randomUUID(),
    taskId: randomUUID(),
    centre: 'lab',
    code,
    priority: 'routine',
    requesterOrgId: 'clinic-a',
    acceptedAt: new Date().toISOString(),
    ...(type ? { specimen: { accession: makeAccession(), type } } : {}),
    traceId: randomUUID(),
    ...overrides,
  };
}

/** The patient of a lab order as the gateway describes it: an adult man unless told otherwise. */
export function makePatient(
  options: { gender?: ResultPatientContext['gender']; ageYears?: number } = {},
): ResultPatientContext {
  const born = new Date();
  born.setUTCFullYear(born.getUTCFullYear() - (options.ageYears ?? 45));
  return {
    id: randomUUID(),
    gender: options.gender ?? 'male',
    birthDate: born.toISOString().slice(0, 10),
  };
}

/** A time `minutes` before now, as an ISO string. */
export function minutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

/** The lab centre app, started from its real module over the test database and Redis. */
export interface LabCentre {
  app: INestApplication;
  /** The app's own DataSource (schema `lab`). */
  db: DataSource;
  orders: CentreOrderService;
  /** `hubtest:` queues: the lab's orders and the hub's three queues it feeds. */
  queues: { orders: Queue; taskEvents: Queue; results: Queue; specimenEvents: Queue };
  /** Events of the orders queue, to await a job's end. */
  orderEvents: QueueEvents;
  /** The app's HTTP address. */
  url: string;
  /** Sends a request/reply message to the lab over Redis, as the gateway does. */
  send<T>(message: MessageName, payload: unknown): Promise<T>;
  /** The order's status in `lab.received_order` (undefined when not received). */
  orderStatus(orderId: string): Promise<string | undefined>;
  /** How many jobs for the hub the lab has written to its outbox about this order. */
  outboxCount(orderId: string): Promise<number>;
  /** Deletes everything stored for these orders in the lab schema (specimens and boxes too). */
  forget(orderIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** How long `startLabCentre` may wait for another spec file's lab to close (see `takeTurn`). */
export const LAB_CENTRE_START_TIMEOUT_MS = 150_000;

/**
 * Starts the lab centre in-process. Pass LAB_CENTRE_START_TIMEOUT_MS to the `beforeAll` that calls
 * it: it may wait for another spec file's lab to close.
 */
export async function startLabCentre(): Promise<LabCentre> {
  const endTurn = await takeTurn();
  try {
    return await launchLabCentre(endTurn);
  } catch (error) {
    await endTurn();
    throw error;
  }
}

async function launchLabCentre(endTurn: () => Promise<void>): Promise<LabCentre> {
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
    specimenEvents: queue(Queues.HubSpecimenEvents),
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
    async orderStatus(orderId) {
      const rows = await db.query<Array<{ status: string }>>(
        `SELECT status FROM lab.received_order WHERE order_id = $1`,
        [orderId],
      );
      return rows[0]?.status;
    },
    async outboxCount(orderId) {
      const rows = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM lab.outbox WHERE payload->>'orderId' = $1`,
        [orderId],
      );
      return rows[0].n;
    },
    async forget(orderIds) {
      await db.query(`DELETE FROM lab.analyte_result WHERE order_id = ANY($1)`, [orderIds]);
      await db.query(`DELETE FROM lab.report WHERE order_id = ANY($1)`, [orderIds]);
      // One statement: the boxes go with their specimens (foreign keys are checked at its end).
      await db.query(
        `WITH gone AS (DELETE FROM lab.specimen WHERE order_id = ANY($1) RETURNING batch_id)
         DELETE FROM lab.transport_batch WHERE batch_id IN (SELECT batch_id FROM gone)`,
        [orderIds],
      );
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
      await endTurn();
    },
  };
}

const TURN_TTL_MS = 30_000;

/**
 * The lab's message handlers take their pattern namespace from REDIS_PREFIX when they are imported
 * (see test-prefix.ts), so every spec file that starts the lab answers the same `hubtest:lab:*`
 * patterns and feeds the same queues: two at once (parallel jest workers) would answer each
 * other's messages and obliterate each other's queues. They take turns: a Redis lease, renewed
 * while the lab runs, so a crashed worker frees it within TURN_TTL_MS. Returns its release.
 */
async function takeTurn(): Promise<() => Promise<void>> {
  const redis = new Redis(redisOptions(TEST_REDIS_URL));
  const key = `${TEST_PREFIX}:lab-centre-fixture:turn`;
  const token = randomUUID();
  const deadline = Date.now() + LAB_CENTRE_START_TIMEOUT_MS - 10_000;
  while ((await redis.set(key, token, 'PX', TURN_TTL_MS, 'NX')) !== 'OK') {
    if (Date.now() > deadline) {
      await redis.quit();
      throw new Error(`another spec file's lab centre still holds ${key}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const renew = setInterval(() => void redis.pexpire(key, TURN_TTL_MS), TURN_TTL_MS / 3);
  renew.unref();
  return async () => {
    clearInterval(renew);
    if ((await redis.get(key)) === token) await redis.del(key);
    await redis.quit();
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
