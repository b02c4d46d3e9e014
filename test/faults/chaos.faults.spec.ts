import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { Queues } from '@hub/contracts';
import { ClinicEndpoint } from '../support/clinic-endpoint';
import { type AppName, APPS, type RunningHub, freePort, startHub } from '../support/hub-harness';
import { hl7Field } from '../support/mllp-client';
import { type LedgerEntry, OrderStream } from '../support/order-stream';
import { PrivatePostgres } from '../support/private-postgres';

/**
 * Two configurations: a short one for CI (`npm test`, `npm run test:faults`) and a long one
 * (`npm run test:faults:long`). Each knob can be set on its own: FAULTS_DURATION_S (how long orders
 * stream in), FAULTS_ORDER_RATE (orders per second; each gets its results), FAULTS_OUTAGE_S (how
 * long the clinic's endpoint is away), FAULTS_DRAIN_S (how long the hub may take to finish after
 * the stream stops), FAULTS_ROUNDS (how many times every fault happens) and FAULTS_SEED (the fault schedule; printed, so a failing run can be replayed).
 */
const profiles = {
  short: { duration: 80, rate: 2, outage: 30, drain: 150, rounds: 1 },
  long: { duration: 900, rate: 3, outage: 300, drain: 600, rounds: 4 },
};
const profile = process.env.FAULTS_PROFILE === 'long' ? profiles.long : profiles.short;
const knob = (name: string, fallback: number) =>
  process.env[name] ? Number(process.env[name]) : fallback;
const settings = {
  durationMs: knob('FAULTS_DURATION_S', profile.duration) * 1000,
  rate: knob('FAULTS_ORDER_RATE', profile.rate),
  outageMs: knob('FAULTS_OUTAGE_S', profile.outage) * 1000,
  drainMs: knob('FAULTS_DRAIN_S', profile.drain) * 1000,
  rounds: knob('FAULTS_ROUNDS', profile.rounds),
  seed: knob('FAULTS_SEED', Math.floor(Math.random() * 2 ** 31)),
};

jest.setTimeout(settings.durationMs + settings.drainMs + 240_000);

/** Task states no centre event moves on from (ResultIntakeService's TASK_PROGRESS 9). */
const FINAL_STATUSES = ['completed', 'failed', 'cancelled', 'rejected', 'entered-in-error'];

/** mulberry32: a small seeded generator, so a schedule can be replayed from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Fault {
  name: string;
  run(): Promise<void>;
}

/**
 * Issue 11: under a steady stream of orders and results, each app is killed with SIGKILL in turn
 * and started again, Redis and PostgreSQL are restarted (cleanly, and as a crash), and the clinic's
 * delivery endpoint goes away for a long stretch. Afterwards a reconciliation over the hub's database, the
 * clinic's received messages and BullMQ proves that nothing accepted was lost or done twice.
 */
describe('reliability under faults', () => {
  let hub: RunningHub;
  let db: Pool;
  let endpoint: ClinicEndpoint;
  let postgres: PrivatePostgres;
  const log = (message: string) =>
    process.stdout.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

  beforeAll(async () => {
    // A PostgreSQL of its own, so the run can restart it without touching the machine's.
    postgres = await PrivatePostgres.create();
    hub = await startHub({
      postgres,
      // Production's Redis keeps BullMQ's jobs on disk (docs/operations); FAULTS_REDIS=ephemeral
      // shows what a Redis without persistence loses on a restart.
      persistentRedis: process.env.FAULTS_REDIS !== 'ephemeral',
      env: { DELIVERY_BACKOFF_MS: '100' },
    });
    db = new Pool({ connectionString: hub.databaseUrl, max: 4 });
    // A PostgreSQL restart breaks idle connections; the pool replaces them.
    db.on('error', () => undefined);
    endpoint = new ClinicEndpoint(await freePort(), 'utf-8', 'AA');
    await endpoint.start();
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port) VALUES ('CLINIC-A', 'mllp', '127.0.0.1', $1)`,
      [endpoint.port],
    );
  });

  afterAll(async () => {
    await endpoint?.stop();
    await db?.end();
    await hub?.shutdown();
    await postgres?.destroy();
  });

  it('loses nothing accepted and does nothing twice', async () => {
    log(
      `seed ${settings.seed}: ${settings.durationMs / 1000} s of ${settings.rate} orders/s, ${settings.rounds} round(s) of faults, clinic endpoint away ${settings.outageMs / 1000} s, drain ≤ ${settings.drainMs / 1000} s (replay: FAULTS_SEED=${settings.seed})`,
    );
    const random = seeded(settings.seed);
    const round = (): Fault[] => [
      ...APPS.map((app: AppName) => ({
        name: `kill -9 ${app}`,
        run: async () => {
          await hub.kill(app, 'SIGKILL');
          await pause(500 + random() * 2500);
          await hub.restart(app);
        },
      })),
      { name: 'Redis SHUTDOWN and start', run: () => hub.redis.restart('SIGTERM') },
      ...(['fast', 'immediate'] as const).map((mode) => ({
        name: `PostgreSQL stop -m ${mode} and start`,
        run: async () => {
          await postgres.stop({ mode });
          await pause(1000 + random() * 3000);
          await postgres.start();
        },
      })),
      {
        name: 'kill -9 Redis and start',
        run: async () => {
          await hub.redis.kill('SIGKILL');
          await pause(random() * 2000);
          await hub.redis.restart();
        },
      },
    ];
    const faults = Array.from({ length: settings.rounds }, round).flat();
    // Shuffled (Fisher–Yates), then one at a random moment in each slot of the stream.
    for (let i = faults.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [faults[i], faults[j]] = [faults[j], faults[i]];
    }
    const slot = (settings.durationMs * 0.85) / faults.length;
    const moments = faults.map((_, i) => settings.durationMs * 0.05 + (i + random()) * slot);
    const outageAt = settings.durationMs * (0.05 + random() * 0.25);

    const stream = new OrderStream(
      hub,
      async (placer) =>
        (
          await db.query<{ order_id: string }>(
            `SELECT order_id FROM gateway.service_order WHERE placer_value = $1`,
            [placer],
          )
        ).rows[0]?.order_id,
      settings.rate,
    );
    const started = Date.now();
    const at = (ms: number) => pause(Math.max(0, started + ms - Date.now()));
    stream.start();

    const outage = (async () => {
      await at(outageAt);
      log('clinic endpoint away');
      await endpoint.stop();
      await pause(settings.outageMs);
      await endpoint.start();
      log('clinic endpoint back');
    })();
    for (const [i, fault] of faults.entries()) {
      await at(moments[i]);
      const t0 = Date.now();
      await fault.run();
      log(`${fault.name} (back after ${Date.now() - t0} ms)`);
    }
    await at(settings.durationMs);
    const drainDeadline = Date.now() + settings.drainMs;
    stream.stop(drainDeadline);
    log(`stream stopped after ${stream.ledger.length} orders; draining`);
    await outage;
    await stream.settled();
    const quiet = await waitQuiet(hub, db, drainDeadline);
    log(`drained ${quiet ? 'fully' : 'NOT fully'} after ${Date.now() - started} ms`);

    log(`retries by reason: ${JSON.stringify(Object.fromEntries(stream.retries))}`);
    log(`unexpected errors in the apps' recent logs: ${JSON.stringify(unexpectedErrors(hub))}`);
    const report = await reconcile(hub, db, stream.ledger, endpoint.received);
    // Every app must have survived the faults it was not dealt (a crash is a finding too).
    for (const app of hub.exited()) report.problems.push(`${app} is not running any more`);
    log(`reconciliation:\n${report.summary.join('\n')}`);
    if (report.problems.length) log(`the apps now:\n${hub.describe()}`);
    expect(report.problems).toEqual([]);
  });
});

/** The errors the apps logged as unexpected (answered 500), by message, from their recent output. */
function unexpectedErrors(hub: RunningHub): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [app, lines] of Object.entries(hub.output))
    for (const line of lines) {
      if (!line.includes('"unexpected error"') || !line.startsWith('{')) continue;
      let err: { type?: string; message?: string } | undefined;
      try {
        err = (JSON.parse(line) as { err?: typeof err }).err;
      } catch {
        err = { type: 'unparsed', message: line.slice(0, 80) }; // a line split across chunks
      }
      const key = `${app}: ${err?.type} ${err?.message?.slice(0, 80)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  return counts;
}

const QUEUES = Object.values(Queues);
const SCHEMAS = ['gateway', 'lab', 'imaging', 'ecg', 'pathology'];

async function withQueues<T>(hub: RunningHub, use: (queues: Queue[]) => Promise<T>): Promise<T> {
  const url = new URL(hub.redis.url);
  const queues = QUEUES.map(
    (name) =>
      new Queue(name, {
        connection: { host: url.hostname, port: Number(url.port) },
        prefix: hub.prefix,
      }),
  );
  try {
    return await use(queues);
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }
}

/** Waits until every outbox row is relayed and no job waits, runs or is delayed; false at the deadline. */
async function waitQuiet(hub: RunningHub, db: Pool, deadline: number): Promise<boolean> {
  for (;;) {
    const busy = await withQueues(hub, async (queues) => {
      let pending = 0;
      for (const schema of SCHEMAS)
        pending += Number(
          (
            await db.query<{ n: string }>(
              `SELECT count(*) AS n FROM ${schema}.outbox WHERE relayed_at IS NULL`,
            )
          ).rows[0].n,
        );
      for (const queue of queues) {
        const counts = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        pending += Object.values(counts).reduce((sum, n) => sum + n, 0);
      }
      return pending;
    }).catch(() => 1);
    if (busy === 0) return true;
    if (Date.now() > deadline) return false;
    await pause(1000);
  }
}

/**
 * The reconciliation: what the clients were told was accepted, against what the hub stored, what
 * the clinic received and what BullMQ holds. Returns the problems found (none is a pass) and a
 * summary for the log.
 */
async function reconcile(
  hub: RunningHub,
  db: Pool,
  ledger: LedgerEntry[],
  received: string[],
): Promise<{ problems: string[]; summary: string[] }> {
  const problems: string[] = [];
  const summary: string[] = [];
  const accepted = ledger.filter((e) => e.accepted);
  const retriedOrders = ledger.filter((e) => e.orderAttempts > 1).length;
  const retriedResults = ledger.filter((e) => e.resultAttempts > 1).length;
  summary.push(
    `orders sent ${ledger.length} (fhir ${ledger.filter((e) => e.via === 'fhir').length}, hl7 ${ledger.filter((e) => e.via === 'hl7').length}), accepted ${accepted.length}, sent more than once ${retriedOrders}, refused ${ledger.filter((e) => e.refused).length}`,
  );
  for (const entry of ledger.filter((e) => e.refused))
    problems.push(`order ${entry.placer} refused: ${entry.refused}`);
  for (const entry of ledger.filter((e) => !e.accepted && !e.refused))
    problems.push(`order ${entry.placer} never accepted before the deadline`);

  // Orders: every accepted placer number once, in a final state; none twice.
  const orders = await db.query<{ placer_value: string; order_id: string; status: string }>(
    `SELECT placer_value, order_id, status FROM gateway.service_order WHERE requester_org = 'CLINIC-A'`,
  );
  const byPlacer = new Map<string, Array<{ order_id: string; status: string }>>();
  for (const row of orders.rows)
    byPlacer.set(row.placer_value, [...(byPlacer.get(row.placer_value) ?? []), row]);
  const statuses = new Map<string, number>();
  for (const entry of accepted) {
    const rows = byPlacer.get(entry.placer) ?? [];
    if (rows.length !== 1) {
      problems.push(`order ${entry.placer} stored ${rows.length} times`);
      continue;
    }
    statuses.set(rows[0].status, (statuses.get(rows[0].status) ?? 0) + 1);
    if (!FINAL_STATUSES.includes(rows[0].status))
      problems.push(`order ${entry.placer} (${rows[0].order_id}) ended ${rows[0].status}`);
    if (entry.orderId && entry.orderId !== rows[0].order_id)
      problems.push(`order ${entry.placer}: the client was told ${entry.orderId}`);
  }
  for (const [placer, rows] of byPlacer)
    if (rows.length > 1) problems.push(`placer ${placer} has ${rows.length} orders`);
  const unknown = orders.rows.filter((r) => !ledger.some((e) => e.placer === r.placer_value));
  for (const row of unknown) problems.push(`order ${row.order_id} was never sent by the clinic`);
  summary.push(
    `orders stored ${orders.rowCount}; accepted orders by status: ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  const labOrders = await db.query<{ order_id: string; n: string }>(
    `SELECT order_id, count(*) AS n FROM lab.received_order GROUP BY order_id HAVING count(*) <> 1`,
  );
  for (const row of labOrders.rows)
    problems.push(`the lab holds order ${row.order_id} ${row.n} times`);

  // Results: each accepted once by the lab, stored once in the record (one report, its
  // Observations, no stray Observation).
  const withResults = accepted.filter((e) => e.resultAccepted);
  summary.push(
    `results accepted ${withResults.length}, sent more than once ${retriedResults}, refused ${ledger.filter((e) => e.resultRefused).length}`,
  );
  for (const entry of accepted.filter((e) => !e.resultAccepted))
    problems.push(
      `results for ${entry.placer} ${entry.resultRefused ? `refused: ${entry.resultRefused}` : 'never accepted before the deadline'}`,
    );
  const labReports = await db.query<{ order_id: string; n: string }>(
    `SELECT order_id, count(*) AS n FROM lab.report GROUP BY order_id`,
  );
  const labReportsOf = new Map(labReports.rows.map((r) => [r.order_id, Number(r.n)]));
  const reports = await db.query<{ id: string; order_id: string; results: string[] }>(
    `SELECT id, substring(content->'basedOn'->0->>'reference' from 16) AS order_id,
            ARRAY(SELECT jsonb_array_elements(content->'result')->>'reference') AS results
       FROM gateway.fhir_resource WHERE resource_type = 'DiagnosticReport'`,
  );
  const reportsOf = new Map<string, typeof reports.rows>();
  for (const row of reports.rows)
    reportsOf.set(row.order_id, [...(reportsOf.get(row.order_id) ?? []), row]);
  for (const entry of withResults) {
    const orderId = entry.orderId as string;
    if (labReportsOf.get(orderId) !== 1)
      problems.push(`the lab holds ${labReportsOf.get(orderId) ?? 0} versions for ${orderId}`);
    const stored = reportsOf.get(orderId) ?? [];
    if (stored.length !== 1 || stored[0].id !== entry.reportId)
      problems.push(
        `order ${orderId}: ${stored.length} reports in the record (${stored.map((r) => r.id).join(', ')}), the analyser was told ${entry.reportId}`,
      );
  }
  const observations = await db.query<{ id: string }>(
    `SELECT id FROM gateway.fhir_resource WHERE resource_type = 'Observation'`,
  );
  const referenced = new Set(reports.rows.flatMap((r) => r.results));
  const strays = observations.rows.filter((o) => !referenced.has(`Observation/${o.id}`));
  if (strays.length)
    problems.push(`${strays.length} Observations belong to no report: ${strays[0].id}, …`);
  if (referenced.size !== reports.rows.reduce((n, r) => n + r.results.length, 0))
    problems.push('an Observation is referenced by two reports');
  summary.push(
    `reports in the record ${reports.rowCount}, Observations ${observations.rowCount} (stray ${strays.length})`,
  );

  // Deliveries: each queued report version reached the clinic, once; a second copy is allowed
  // only for an attempt the hub could not record (killed between the clinic's ACK and the log
  // update). Both copies carry the same MSH-10, by which an HL7 receiver drops the repeat.
  const queued = await db.query<{ report_id: string; version: string }>(
    `SELECT payload->>'reportId' AS report_id, payload->>'version' AS version
       FROM gateway.outbox WHERE job_name = 'ReportDeliver'`,
  );
  const copies = new Map<string, number>();
  for (const message of received) {
    const controlId = hl7Field(message, 'MSH', 10);
    copies.set(controlId, (copies.get(controlId) ?? 0) + 1);
  }
  const attempts = await db.query<{ control_id: string; status: string; n: string }>(
    `SELECT control_id, status, count(*) AS n FROM gateway.hl7_message
      WHERE direction = 'out' AND message_type = 'ORU^R01' GROUP BY control_id, status`,
  );
  const attemptsOf = (controlId: string, status: string) =>
    Number(attempts.rows.find((a) => a.control_id === controlId && a.status === status)?.n ?? 0);
  const expected = new Set<string>();
  let duplicates = 0;
  let stillRetrying = 0;
  const reportIds = new Set(reports.rows.map((r) => r.id));
  for (const row of queued.rows) {
    const controlId = `R${row.report_id.replace(/-/g, '').slice(0, 16)}V${row.version}`;
    expected.add(controlId);
    if (!reportIds.has(row.report_id))
      problems.push(`delivery queued for report ${row.report_id}, which is not in the record`);
    const n = copies.get(controlId) ?? 0;
    if (n === 0) {
      const state = await withQueues(hub, (queues) =>
        queues
          .find((q) => q.name === Queues.HubDeliveries)!
          .getJobState(`deliver-${row.report_id}-${row.version}`),
      );
      if (state === 'delayed' || state === 'waiting' || state === 'active') stillRetrying++;
      else problems.push(`report ${row.report_id} v${row.version} not delivered (job ${state})`);
    }
    if (attemptsOf(controlId, 'delivered') > 1)
      problems.push(`${controlId} logged as delivered ${attemptsOf(controlId, 'delivered')} times`);
    if (n > 1) {
      duplicates += n - 1;
      const unrecorded = attemptsOf(controlId, 'received');
      if (n - 1 > unrecorded)
        problems.push(
          `${controlId} reached the clinic ${n} times with ${unrecorded} interrupted attempts`,
        );
    }
  }
  for (const controlId of copies.keys())
    if (!expected.has(controlId)) problems.push(`the clinic received ${controlId}, never queued`);
  if (queued.rowCount !== reports.rowCount)
    problems.push(`${queued.rowCount} deliveries queued for ${reports.rowCount} reports`);
  summary.push(
    `deliveries queued ${queued.rowCount}, received ${received.length} (distinct ${copies.size}, repeats of an unrecorded attempt ${duplicates}), still retrying ${stillRetrying}`,
  );

  // Jobs: every outbox row relayed, and its job completed in BullMQ (not lost, not failed).
  const jobStates = new Map<string, number>();
  await withQueues(hub, async (queues) => {
    for (const schema of SCHEMAS) {
      const rows = await db.query<{ queue: string; job_id: string; relayed: boolean }>(
        `SELECT queue, job_id, relayed_at IS NOT NULL AS relayed FROM ${schema}.outbox`,
      );
      for (const row of rows.rows) {
        if (!row.relayed) {
          problems.push(`${schema}.outbox ${row.job_id} never relayed`);
          continue;
        }
        const queue = queues.find((q) => q.name === row.queue);
        const state = queue ? await queue.getJobState(row.job_id) : 'no such queue';
        jobStates.set(state, (jobStates.get(state) ?? 0) + 1);
        if (state === 'completed') continue;
        const delivering = row.queue === Queues.HubDeliveries && state === 'delayed';
        if (delivering) continue; // counted above as still retrying
        const job = queue ? await queue.getJob(row.job_id) : undefined;
        problems.push(
          `${row.queue} job ${row.job_id} is ${state}${job?.failedReason ? `: ${job.failedReason}` : ''}`,
        );
      }
    }
    for (const queue of queues) {
      const failed = await queue.getFailed();
      for (const job of failed)
        if (!problems.some((p) => p.includes(`${job.id}`)))
          problems.push(`${queue.name} job ${job.id} failed: ${job.failedReason}`);
    }
  });
  summary.push(`outbox jobs by state: ${JSON.stringify(Object.fromEntries(jobStates))}`);
  summary.push(`problems: ${problems.length}`);
  return { problems, summary };
}
