import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { OperationOutcome } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { JobNames, Queues, type ReportDeliverPayload, jobIds } from '@hub/contracts';
import { createQueue, redisOptions, type TypedQueue } from '@hub/platform';
import { clientToken, userToken } from '../support/auth-client';
import { type RunningHub, eventually, freePort, startHub } from '../support/hub-harness';

jest.setTimeout(120_000);

interface QueueCounts {
  name: string;
  waiting: number | null;
  active: number | null;
  delayed: number | null;
  failed: number | null;
  completed: number | null;
  paused: boolean | null;
}
interface OpsStatus {
  checkedAt: string;
  status: string;
  database: string;
  redis: string;
  apps: Array<{ name: string; status: string }>;
  queues: QueueCounts[];
}
interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  createdAt: string;
  failedAt: string | null;
  data: Record<string, unknown>;
}

/**
 * The IT operations API the workbench uses (`/api/ops`), against the running hub and its own
 * Redis: the hub's status with every queue's counts, a delivery that fails for real in the
 * gateway's worker (a report the record does not hold), listed newest first, retried once the
 * cause is fixed, and audited; refusals for unknown queues and jobs, jobs that are not failed, and
 * callers who are not IT staff; and what IT staff see while Redis is away.
 */
describe('IT operations API (e2e)', () => {
  let hub: RunningHub;
  let db: PgClient;
  const tokens: Record<string, string> = {};

  const call = async <T>(who: string | undefined, method: string, path: string) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const status = () => call<OpsStatus>('itops', 'GET', '/api/ops/status');
  const countsOf = async (queue: string) =>
    (await status()).body.queues.find((q) => q.name === queue);
  const failedList = (queue: string, query = '') =>
    call<FailedJob[]>('itops', 'GET', `/api/ops/queues/${queue}/failed${query}`);
  const retry = (who: string, queue: string, id: string) =>
    call<{ id: string; state: string } & OperationOutcome>(
      who,
      'POST',
      `/api/ops/queues/${queue}/jobs/${encodeURIComponent(id)}/retry`,
    );

  /** A report delivery for a report the record does not hold, as the outbox relay queues one. */
  const queueDelivery = async (
    deliveries: TypedQueue<typeof Queues.HubDeliveries>,
  ): Promise<{ jobId: string; payload: ReportDeliverPayload }> => {
    const payload: ReportDeliverPayload = {
      reportId: randomUUID(),
      orderId: randomUUID(),
      org: 'CLINIC-A',
      version: '1',
      traceId: randomUUID(),
    };
    const jobId = jobIds.reportDeliver(payload.reportId, payload.version);
    await deliveries.add(JobNames.ReportDeliver, payload, { jobId });
    return { jobId, payload };
  };

  beforeAll(async () => {
    hub = await startHub();
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    tokens.itops = await userToken(hub.baseUrl, 'itops');
    tokens.admin = await userToken(hub.baseUrl, 'admin');
    tokens.manager = await userToken(hub.baseUrl, 'manager');
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
  });

  afterAll(async () => {
    await db?.end();
    await hub?.shutdown();
  });

  it('shows the hub up, every app, and every queue of the hub with its job counts', async () => {
    const answer = await status();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'up', database: 'up', redis: 'up' });
    expect(Math.abs(Date.parse(answer.body.checkedAt) - Date.now())).toBeLessThan(60_000);
    expect(answer.body.apps).toEqual([
      { name: 'gateway', status: 'up' },
      { name: 'lab', status: 'up' },
      { name: 'imaging', status: 'up' },
      { name: 'ecg', status: 'up' },
      { name: 'pathology', status: 'up' },
    ]);
    expect(answer.body.queues.map((q) => q.name).sort()).toEqual(Object.values(Queues).sort());
    for (const queue of answer.body.queues) {
      const { name, paused, ...counts } = queue;
      expect({ name, paused }).toEqual({ name, paused: false });
      expect(Object.keys(counts).sort()).toEqual(
        ['active', 'completed', 'delayed', 'failed', 'waiting'].sort(),
      );
      for (const count of Object.values(counts)) expect(Number.isInteger(count)).toBe(true);
    }
    // Administrators see the same.
    expect((await call<OpsStatus>('admin', 'GET', '/api/ops/status')).body.status).toBe('up');
  });

  it('lists deliveries that failed in the worker newest first, retries one once the cause is fixed, and audits it', async () => {
    // CLINIC-A has an MLLP endpoint: a delivery for a report the record does not hold cannot
    // succeed however often it is tried, so the worker fails it at once (unrecoverable).
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port) VALUES ('CLINIC-A', 'mllp', '127.0.0.1', $1)`,
      [await freePort()],
    );
    const before = (await countsOf(Queues.HubDeliveries))?.failed ?? 0;
    const deliveries = createQueue(Queues.HubDeliveries, hub.redis.url, hub.prefix);
    const first = await queueDelivery(deliveries);
    await eventually(
      () => countsOf(Queues.HubDeliveries),
      (counts) => counts?.failed === before + 1,
      'the first delivery to fail',
    );
    const second = await queueDelivery(deliveries);
    await deliveries.close();
    await eventually(
      () => countsOf(Queues.HubDeliveries),
      (counts) => counts?.failed === before + 2,
      'the second delivery to fail',
    );

    const listed = await failedList(Queues.HubDeliveries);
    expect(listed.status).toBe(200);
    expect(listed.body.map((job) => job.id)).toEqual([second.jobId, first.jobId]);
    const [newest] = listed.body;
    expect(newest).toMatchObject({
      id: second.jobId,
      name: JobNames.ReportDeliver,
      attemptsMade: 1,
      // The job carries ids and the member's code: nothing about the patient.
      data: second.payload,
    });
    expect(Object.keys(newest.data).sort()).toEqual(
      ['org', 'orderId', 'reportId', 'traceId', 'version'].sort(),
    );
    expect(newest.failedReason).toContain(`report ${second.payload.reportId}`);
    expect(newest.failedReason).toContain('is not in the record');
    expect(Date.parse(newest.failedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(newest.createdAt));
    expect((await failedList(Queues.HubDeliveries, '?limit=1')).body.map((j) => j.id)).toEqual([
      second.jobId,
    ]);

    // IT fixes the cause first (CLINIC-A now reads its reports over FHIR), then retries the
    // delivery: it has nothing to send and completes.
    await db.query(`DELETE FROM gateway.delivery_endpoint WHERE org_code = 'CLINIC-A'`);
    const retried = await retry('itops', Queues.HubDeliveries, first.jobId);
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(first.jobId);
    expect(['waiting', 'active', 'completed']).toContain(retried.body.state);
    const probe = new Queue(Queues.HubDeliveries, {
      connection: redisOptions(hub.redis.url),
      prefix: hub.prefix,
    });
    try {
      await eventually(
        async () => (await probe.getJob(first.jobId))?.getState(),
        (state) => state === 'completed',
        'the retried delivery to complete',
      );
    } finally {
      await probe.close();
    }
    expect((await failedList(Queues.HubDeliveries)).body.map((job) => job.id)).toEqual([
      second.jobId,
    ]);
    expect((await countsOf(Queues.HubDeliveries))?.failed).toBe(before + 1);

    // A job that is not failed is not retried: 409, and the refusal is audited too.
    const again = await retry('itops', Queues.HubDeliveries, first.jobId);
    expect(again.status).toBe(409);
    expect(again.body.resourceType).toBe('OperationOutcome');
    expect(again.body.issue[0].code).toBe('conflict');
    expect(again.body.issue[0].diagnostics).toContain('is completed; only a failed job is retried');

    const audited = await db.query<{
      agent_subject: string;
      purpose: string;
      outcome: string;
      query: string;
    }>(
      `SELECT agent_subject, purpose, outcome, query FROM gateway.audit_event
        WHERE subtype = 'queue-retry' ORDER BY id`,
    );
    expect(audited.rows).toEqual([
      {
        agent_subject: 'itops',
        purpose: 'HOPERAT',
        outcome: '0',
        query: `retry hub.deliveries job ${first.jobId}`,
      },
      {
        agent_subject: 'itops',
        purpose: 'HOPERAT',
        outcome: '4',
        query: `retry hub.deliveries job ${first.jobId}`,
      },
    ]);
  });

  it('refuses unknown queues and jobs, bad limits, and callers who are not IT staff', async () => {
    const unknownQueue = await call<OperationOutcome>(
      'itops',
      'GET',
      '/api/ops/queues/nope/failed',
    );
    expect(unknownQueue.status).toBe(404);
    expect(unknownQueue.body.resourceType).toBe('OperationOutcome');
    expect(unknownQueue.body.issue[0].code).toBe('not-found');
    expect(unknownQueue.body.issue[0].diagnostics).toContain('nope is not a queue of the hub');
    // Only the hub's own queues: a BullMQ queue of the same prefix that the hub does not own is unknown.
    expect((await retry('itops', 'bull', 'x')).status).toBe(404);
    const refusal = await db.query<{ outcome: string; outcome_desc: string }>(
      `SELECT outcome, outcome_desc FROM gateway.audit_event WHERE query = 'retry bull job x'`,
    );
    expect(refusal.rows.map((row) => row.outcome)).toEqual(['4']);
    expect(refusal.rows[0].outcome_desc).toContain('bull is not a queue of the hub');
    const unknownJob = await retry('admin', Queues.HubDeliveries, 'deliver-no-such-report-1');
    expect(unknownJob.status).toBe(404);
    expect(unknownJob.body.issue[0].diagnostics).toBe(
      'job deliver-no-such-report-1 is not in the queue hub.deliveries',
    );

    for (const query of ['?limit=0', '?limit=501', '?limit=ten', '?state=failed']) {
      const bad = await failedList(Queues.HubDeliveries, query);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
    }

    for (const who of ['clinic-a', 'manager']) {
      expect((await call(who, 'GET', '/api/ops/status')).status).toBe(403);
      expect(
        (await call(who, 'GET', `/api/ops/queues/${Queues.HubDeliveries}/failed`)).status,
      ).toBe(403);
      const refused = await retry(who, Queues.HubDeliveries, 'any');
      expect(refused.status).toBe(403);
      expect(refused.body.issue[0].code).toBe('forbidden');
    }
    expect((await call(undefined, 'GET', '/api/ops/status')).status).toBe(401);
  });

  it('shows a paused queue as paused', async () => {
    const queue = new Queue(Queues.HubCriticalValues, {
      connection: redisOptions(hub.redis.url),
      prefix: hub.prefix,
    });
    try {
      await queue.pause();
      expect((await countsOf(Queues.HubCriticalValues))?.paused).toBe(true);
      await queue.resume();
      expect((await countsOf(Queues.HubCriticalValues))?.paused).toBe(false);
    } finally {
      await queue.close();
    }
  });

  it('answers promptly while Redis is away (the hub is down, the queues cannot be read), and recovers', async () => {
    await hub.redis.stop();
    try {
      const started = Date.now();
      const answer = await status();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'down', database: 'up', redis: 'down' });
      expect(answer.body.queues).toHaveLength(Object.values(Queues).length);
      expect(answer.body.queues[0]).toMatchObject({ failed: null, paused: null });
      const failed = await call<OperationOutcome>(
        'itops',
        'GET',
        `/api/ops/queues/${Queues.HubDeliveries}/failed`,
      );
      expect(failed.status).toBe(503);
      expect(failed.body.issue[0].code).toBe('transient');
    } finally {
      await hub.redis.start();
    }
    const recovered = await eventually(
      () => status(),
      (answer) => answer.body.status === 'up',
      'the hub to be up again',
      30_000,
    );
    expect(recovered.body.queues.every((queue) => typeof queue.failed === 'number')).toBe(true);
  });
});
