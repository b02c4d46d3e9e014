// First: REDIS_PREFIX must be set before the app modules below are imported.
import { IMAGING_TEST_PREFIX } from './test-prefix';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import {
  type ClientProxy,
  ClientProxyFactory,
  type MicroserviceOptions,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { type Job, Queue } from 'bullmq';
import { make } from 'multipasta';
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
import { ImagingCentreModule } from '../../../apps/imaging-center/src/app.module';
import * as imaging from '../../../apps/imaging-center/src/data-source';
import { IMAGING_CONFIG, loadImagingConfig } from '../../../apps/imaging-center/src/imaging-config';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

export { IMAGING_TEST_PREFIX };
const TEST_REDIS_URL = 'redis://127.0.0.1:6379';
const JWT_SECRET = 'imaging-integration-test-secret-0123456789';

/** Who calls the archive, as the gateway describes them in `x-hub-accessor`. */
export interface Caller {
  sub: string;
  org: string;
  roles: string[];
}

export const callers = {
  admin: { sub: 'admin', org: 'HUB', roles: ['admin'] },
  radiologist: { sub: 'radiologist', org: 'IMAGING', roles: ['radiologist'] },
  clinicA: { sub: 'clinic-a', org: 'CLINIC-A', roles: ['clinic-system'] },
  clinicB: { sub: 'clinic-b', org: 'CLINIC-B', roles: ['clinic-system'] },
  itOps: { sub: 'itops', org: 'HUB', roles: ['it-ops'] },
} satisfies Record<string, Caller>;

/** A body part of a STOW-RS request. `contentType: null` sends a Content-ID and no Content-Type. */
export interface StowPart {
  bytes: Buffer;
  contentType?: string | null;
}

/** A part of a multipart answer. */
export interface ReceivedPart {
  contentType: string;
  bytes: Buffer;
}

/** The imaging centre app over the test database and Redis, with a private DATA_DIR. */
export interface ImagingCentre {
  app: INestApplication;
  db: DataSource;
  orders: CentreOrderService;
  url: string;
  dataDir: string;
  /** `hub.imaging-events`, `hub.task-events` and `hub.results` under the test prefix. */
  queues: { imagingEvents: Queue; taskEvents: Queue; results: Queue };
  /** A signed accessor token as the gateway forwards it (60 s unless told otherwise). */
  token(caller: Caller, options?: { expiresIn?: number; kind?: string; secret?: string }): string;
  /** A request to the archive with the caller's token (none for `undefined`). */
  request(caller: Caller | undefined, path: string, init?: RequestInit): Promise<Response>;
  /** STOW-RS of these parts, to `/dicomweb/studies[/{study}]`. */
  stow(
    caller: Caller,
    parts: StowPart[],
    options?: { study?: string; contentType?: string },
  ): Promise<{ status: number; body: Record<string, { vr: string; Value?: unknown[] }> }>;
  /** Sends a request/reply message to the centre over Redis, as the gateway does. */
  send<T>(message: MessageName, payload: unknown): Promise<T>;
  /** Forgets the studies (rows and files), orders, readings and outbox rows a test made. */
  forget(studies: string[], orders: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts the imaging centre in-process: HTTP on a free port and the Redis message listener. */
export async function startImagingCentre(): Promise<ImagingCentre> {
  await ensureDatabase(TEST_DATABASE_URL);
  await migrateAppSchema(imaging.buildDataSource(TEST_DATABASE_URL), imaging.SCHEMA);
  const dataDir = await mkdtemp(join(tmpdir(), 'imaging-it-'));
  const moduleRef = await Test.createTestingModule({ imports: [ImagingCentreModule] })
    .overrideProvider(CENTRE_CONFIG)
    .useValue(
      loadCentreConfig('imaging', {
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: IMAGING_TEST_PREFIX,
        // Only the kick after a commit relays within a test: the tests show that it happens.
        OUTBOX_POLL_MS: '60000',
      }),
    )
    .overrideProvider(IMAGING_CONFIG)
    .useValue(loadImagingConfig({ DATA_DIR: dataDir, JWT_SECRET }))
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.REDIS,
    options: redisOptions(TEST_REDIS_URL),
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const client: ClientProxy = ClientProxyFactory.create({
    transport: Transport.REDIS,
    options: redisOptions(TEST_REDIS_URL),
  });
  await client.connect();
  const queue = (name: QueueName) =>
    new Queue(name, { connection: redisOptions(TEST_REDIS_URL), prefix: IMAGING_TEST_PREFIX });
  const queues = {
    imagingEvents: queue(Queues.HubImagingEvents),
    taskEvents: queue(Queues.HubTaskEvents),
    results: queue(Queues.HubResults),
  };
  const db = app.get<DataSource>(getDataSourceToken());
  const jwt = new JwtService({ secret: JWT_SECRET });

  const token: ImagingCentre['token'] = (caller, options = {}) =>
    jwt.sign(
      { ...caller, kind: options.kind ?? 'accessor' },
      { expiresIn: options.expiresIn ?? 60, ...(options.secret ? { secret: options.secret } : {}) },
    );
  const request: ImagingCentre['request'] = (caller, path, init = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        ...(caller ? { 'x-hub-accessor': token(caller) } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  return {
    app,
    db,
    orders: app.get(CentreOrderService),
    url,
    dataDir,
    queues,
    token,
    request,
    async stow(caller, parts, options = {}) {
      const boundary = `stow-${randomUUID()}`;
      const response = await request(
        caller,
        options.study ? `/dicomweb/studies/${options.study}` : '/dicomweb/studies',
        {
          method: 'POST',
          headers: {
            'content-type':
              options.contentType ??
              `multipart/related; type="application/dicom"; boundary=${boundary}`,
            accept: 'application/dicom+json',
          },
          body: multipartRelated(boundary, parts),
        },
      );
      const text = await response.text();
      return {
        status: response.status,
        body: (text ? JSON.parse(text) : {}) as Record<string, { vr: string; Value?: unknown[] }>,
      };
    },
    send: <T>(message: MessageName, payload: unknown) =>
      firstValueFrom(
        client
          .send<T>(centrePattern(IMAGING_TEST_PREFIX, 'imaging', message), payload)
          .pipe(timeout(5000)),
      ),
    async forget(studies, orders) {
      await db.query(`DELETE FROM imaging.instance WHERE study_uid = ANY($1)`, [studies]);
      await db.query(`DELETE FROM imaging.series WHERE study_uid = ANY($1)`, [studies]);
      await db.query(`DELETE FROM imaging.study WHERE study_uid = ANY($1) OR order_id = ANY($2)`, [
        studies,
        orders,
      ]);
      await db.query(
        `DELETE FROM imaging.outbox WHERE payload->>'orderId' = ANY($1) OR payload->>'studyInstanceUid' = ANY($2)`,
        [orders, studies],
      );
      await db.query(`DELETE FROM imaging.report WHERE order_id = ANY($1)`, [orders]);
      await db.query(`DELETE FROM imaging.reading WHERE order_id = ANY($1)`, [orders]);
      await db.query(`DELETE FROM imaging.order_accession WHERE order_id = ANY($1)`, [orders]);
      await db.query(`DELETE FROM imaging.received_order WHERE order_id = ANY($1)`, [orders]);
    },
    async close() {
      await client.close();
      await app.close();
      for (const q of Object.values(queues)) {
        await q.obliterate({ force: true });
        await q.close();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A `multipart/related` body of DICOM parts. */
export function multipartRelated(boundary: string, parts: StowPart[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const type = part.contentType === undefined ? 'application/dicom' : part.contentType;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\n${type === null ? `Content-ID: <part-${chunks.length}>` : `Content-Type: ${type}`}\r\n\r\n`,
      ),
      part.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The parts of a multipart answer, as a client reads them. */
export async function readMultipart(response: Response): Promise<ReceivedPart[]> {
  const contentType = response.headers.get('content-type') ?? '';
  const parts: ReceivedPart[] = [];
  let failure: unknown;
  const parser = make({
    headers: { 'content-type': contentType },
    isFile: () => true,
    onField: () => undefined,
    onFile: (info) => {
      const chunks: Buffer[] = [];
      return (chunk) => {
        if (chunk === null)
          parts.push({
            contentType: String(info.headers['content-type']),
            bytes: Buffer.concat(chunks),
          });
        else chunks.push(Buffer.from(chunk));
      };
    },
    onError: (error) => {
      failure = error;
    },
    onDone: () => undefined,
  });
  parser.write(new Uint8Array(await response.arrayBuffer()));
  parser.end();
  if (failure) throw new Error(`malformed multipart answer: ${JSON.stringify(failure)}`);
  return parts;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An imaging order as the gateway routes it, with its accession number. */
export function makeImagingOrder(overrides: Partial<OrderRoutePayload> = {}): OrderRoutePayload {
  return {
    orderId: randomUUID(),
    taskId: randomUUID(),
    centre: 'imaging',
    code: 'IMG-CT-CHEST',
    priority: 'routine',
    requesterOrgId: 'CLINIC-A',
    acceptedAt: new Date().toISOString(),
    accessionNumber: `IMG-${randomUUID().slice(0, 12)}`,
    traceId: randomUUID(),
    ...overrides,
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

/** Every job on `queue`, in any state, whose payload has `field` = `value`. */
export async function jobsWith(queue: Queue, field: string, value: string): Promise<Job[]> {
  const jobs = await queue.getJobs();
  return jobs.filter((job) => (job.data as Record<string, unknown>)[field] === value);
}
