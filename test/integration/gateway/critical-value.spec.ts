import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Communication, ServiceRequest } from 'fhir/r4';
import { type CriticalFinding, type CriticalValueEscalatePayload } from '@hub/contracts';
import { loadCriticalValueConfig } from '@hub/critical-value';
import { FhirError } from '@hub/fhir';
import { redisOptions } from '@hub/platform';
import { type AuditAgent } from '../../../apps/gateway/src/audit/accessor';
import { AuditService } from '../../../apps/gateway/src/audit/audit.service';
import { type Principal } from '../../../apps/gateway/src/auth/principal';
import { loadGatewayConfig } from '../../../apps/gateway/src/config';
import { ConsortiumService } from '../../../apps/gateway/src/consortium/consortium.service';
import { CriticalValueEscalationProcessor } from '../../../apps/gateway/src/critical-value/critical-value.processor';
import { CriticalValueService } from '../../../apps/gateway/src/critical-value/critical-value.service';
import { fullAccess, orgScope } from '../../../apps/gateway/src/fhir/access-scope';
import { makePatient, makeServiceRequest } from '../../support/factories';
import { TEST_DATABASE_URL } from '../../support/hub-harness';
import { type GatewayFixture, gatewayFixture } from './gateway-fixture';

const potassium: CriticalFinding = {
  code: '2823-3',
  display: 'Potassium',
  displayZh: '钾',
  value: 6.8,
  unit: 'mmol/L',
  flag: 'HH',
};

const person = (
  subject: string,
  org: string,
  roles: Principal['roles'],
  kind: Principal['kind'] = 'user',
): Principal => ({ kind, subject, org, roles, licensed: true });

const clinicDoctor = person('clinic-a-doctor', 'CLINIC-A', ['clinic-doctor']);
const clinicSystem = person('clinic-a', 'CLINIC-A', ['clinic-system'], 'client');
const otherClinic = person('clinic-b', 'CLINIC-B', ['clinic-system'], 'client');
const labDoctor = person('labdoc', 'LAB', ['lab-doctor']);
const radiologist = person('radiologist', 'IMAGING', ['radiologist']);
const admin = person('admin', 'HUB', ['admin']);
const itOps = person('itops', 'HUB', ['it-ops']);

const agentOf = (p: Principal): AuditAgent => ({
  subject: p.subject,
  kind: p.kind,
  org: p.org,
  roles: p.roles,
  purpose: 'TREAT',
});

describe('critical-value closed loop (real PostgreSQL and Redis)', () => {
  let fx: GatewayFixture;
  let alerts: CriticalValueService;
  let queue: Queue<CriticalValueEscalatePayload>;
  const raised: string[] = [];

  beforeAll(async () => {
    fx = await gatewayFixture();
    alerts = new CriticalValueService(
      fx.store,
      new AuditService(fx.dataSource),
      new ConsortiumService(fx.dataSource),
      fx.relay,
      // Escalate after one second, so the timer can be watched running.
      loadCriticalValueConfig({ CRITICAL_ACK_TIMEOUT_SECONDS: '1' }),
    );
    queue = new Queue<CriticalValueEscalatePayload>('hub.critical-values', {
      connection: redisOptions('redis://127.0.0.1:6379'),
      prefix: fx.prefix,
    });
  });

  afterAll(async () => {
    // A row no relay can take would hold up the shared test outbox: leave none behind.
    await fx.dataSource.query(
      `DELETE FROM gateway.outbox WHERE relayed_at IS NULL AND job_id LIKE ANY($1)`,
      [raised.map((id) => `critical-${id}-%`)],
    );
    await queue.obliterate({ force: true });
    await queue.close();
    // The orders placed here were routed to the lab's queue, which nothing consumes in this test.
    const labQueue = new Queue('lab.orders', {
      connection: redisOptions('redis://127.0.0.1:6379'),
      prefix: fx.prefix,
    });
    await labQueue.obliterate({ force: true });
    await labQueue.close();
    await fx.close();
  });

  const query = <T>(sql: string, params: unknown[] = []) => fx.dataSource.query<T[]>(sql, params);

  const alertRow = async (id: string) =>
    (
      await query<Record<string, unknown>>(`SELECT * FROM gateway.critical_alert WHERE id = $1`, [
        id,
      ])
    )[0];

  const eventsOf = (id: string) =>
    query<{
      kind: string;
      actor: string;
      actor_account: string | null;
      actor_org: string | null;
      level: number | null;
      notified: Array<{ role: string; org: string; name: string; phone: string }>;
      communication_id: string | null;
      read_back: string | null;
      at: Date;
    }>(`SELECT * FROM gateway.critical_alert_event WHERE alert_id = $1 ORDER BY id`, [id]);

  const communication = async (id: string) =>
    (await fx.store.find<Communication & { id: string }>('Communication', id, fullAccess))!;

  /** A potassium order from CLINIC-A, as order intake stores it. */
  async function placeOrder() {
    const identifier = makePatient().identifier![0];
    const request: ServiceRequest = {
      ...makeServiceRequest({ org: 'CLINIC-A' }),
      subject: { identifier },
    };
    const { serviceRequest } = await fx.intake.submit(request, 'CLINIC-A');
    const owners = (
      await query<{ owner_orgs: string[] }>(
        `SELECT owner_orgs FROM gateway.fhir_resource WHERE resource_type = 'ServiceRequest' AND id = $1`,
        [serviceRequest.id],
      )
    )[0].owner_orgs;
    return {
      orderId: serviceRequest.id,
      subject: serviceRequest.subject,
      owners,
      residentId: identifier.value!,
    };
  }

  /** Stores a released report with one Observation and raises its findings, as result intake does. */
  async function releaseReport(findings: CriticalFinding[] = [potassium]) {
    const order = await placeOrder();
    const reportId = randomUUID();
    const observationId = randomUUID();
    const input = {
      centre: 'lab' as const,
      orderId: order.orderId,
      reportId,
      reportVersion: 1,
      requesterOrg: 'CLINIC-A',
      owners: order.owners,
      subject: order.subject,
      findings: findings.map((f, i) => (i === 0 ? { ...f, observationId } : f)),
      reportedBy: 'labdoc',
      reportedAt: new Date().toISOString(),
      traceId: `trace-${reportId}`,
    };
    const ids = await fx.store.transaction(async (manager) => {
      await fx.store.create(
        manager,
        {
          resourceType: 'Observation',
          id: observationId,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
          subject: order.subject,
          valueQuantity: { value: 6.8, unit: 'mmol/L' },
        },
        order.owners,
      );
      await fx.store.create(
        manager,
        {
          resourceType: 'DiagnosticReport',
          id: reportId,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
          subject: order.subject,
          result: [{ reference: `Observation/${observationId}` }],
        },
        order.owners,
      );
      return alerts.raise(manager, input);
    });
    raised.push(...ids);
    fx.relay.kick();
    return { ...order, input, reportId, observationId, ids };
  }

  it('raises one alert per finding with its event, Communication and delayed escalation, once', async () => {
    const report = await releaseReport();
    expect(report.ids).toHaveLength(1);
    const [id] = report.ids;

    expect(await alertRow(id)).toMatchObject({
      centre: 'lab',
      centre_org: 'LAB',
      order_id: report.orderId,
      report_id: report.reportId,
      report_version: 1,
      requester_org: 'CLINIC-A',
      code: '2823-3',
      value: '6.8',
      unit: 'mmol/L',
      flag: 'HH',
      observation_id: report.observationId,
      status: 'open',
      escalation_level: 0,
      reported_by: 'labdoc',
    });
    expect([...((await alertRow(id)).owner_orgs as string[])].sort()).toEqual(
      [...report.owners].sort(),
    );
    expect(report.owners).toEqual(expect.arrayContaining(['CLINIC-A', 'LAB']));
    const events = await eventsOf(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'raised',
      actor: 'labdoc',
      actor_org: 'LAB',
      notified: [
        {
          role: 'primary',
          org: 'CLINIC-A',
          name: '东岭镇卫生院值班医生 Dongling duty doctor',
          phone: '0571-8811-0001',
        },
      ],
    });

    const row = await alertRow(id);
    const sent = await communication(row.communication_id as string);
    expect(sent).toMatchObject({
      status: 'in-progress',
      priority: 'stat',
      category: [{ coding: [{ code: 'alert' }] }],
      subject: report.subject,
      recipient: [{ reference: 'Organization/clinic-a' }],
      sender: { reference: 'Organization/lab' },
      about: [
        { reference: `Observation/${report.observationId}` },
        { reference: `DiagnosticReport/${report.reportId}` },
      ],
      payload: [
        {
          contentString:
            '危急值 Critical value: 钾 Potassium 6.8 mmol/L (HH) — 请立即处理并回读确认 / act now and read back',
        },
      ],
    });
    // The ordering clinic reads it over FHIR; another clinic cannot.
    const search = (org: string) =>
      fx.search.search(
        'Communication',
        [['about', `DiagnosticReport/${report.reportId}`]],
        { scope: orgScope(org), agent: agentOf(org === 'CLINIC-A' ? clinicSystem : otherClinic) },
        'http://hub.test/fhir',
      );
    expect((await search('CLINIC-A')).total).toBe(1);
    expect((await search('CLINIC-B')).total).toBe(0);

    const [outbox] = await query<{ queue: string; job_name: string; delay_ms: number }>(
      `SELECT queue, job_name, delay_ms FROM gateway.outbox WHERE job_id = $1`,
      [`critical-${id}-1`],
    );
    expect(outbox).toEqual({
      queue: 'hub.critical-values',
      job_name: 'CriticalValueEscalate',
      delay_ms: 1000,
    });

    // The same report version raised again (a redelivered job) is the same alert.
    const again = await fx.store.transaction((manager) => alerts.raise(manager, report.input));
    expect(again).toEqual([id]);
    expect(
      await query(`SELECT 1 FROM gateway.critical_alert WHERE report_id = $1`, [report.reportId]),
    ).toHaveLength(1);
    expect(await eventsOf(id)).toHaveLength(1);
  });

  it('relays the escalation as a delayed job that waits for the timeout', async () => {
    const { ids, reportId } = await releaseReport();
    const job = await waitForJob(queue, `critical-${ids[0]}-1`);
    expect(job.data).toEqual({ alertId: ids[0], level: 1, traceId: `trace-${reportId}` });
    expect(job.opts.delay).toBeGreaterThan(0);
    expect(job.opts.delay).toBeLessThanOrEqual(1000);
    expect(await job.getState()).toBe('delayed');
  });

  it('refuses a wrong read-back and changes nothing, then acknowledges a right one', async () => {
    const { ids } = await releaseReport();
    const [id] = ids;
    const communicationId = (await alertRow(id)).communication_id as string;

    const refused = (await alerts
      .acknowledge(id, { readBack: '钾 6.3' }, clinicDoctor, agentOf(clinicDoctor))
      .catch((e: unknown) => e)) as FhirError;
    expect(refused).toBeInstanceOf(FhirError);
    expect(refused.status).toBe(422);
    expect(refused.diagnostics).toContain(
      'the read-back value 6.3 does not match the critical value 6.8 mmol/L',
    );
    expect(refused.diagnostics).toContain('回读数值 6.3 与危急值 6.8 mmol/L 不符');
    expect(await alertRow(id)).toMatchObject({ status: 'open', acknowledged_by: null });
    expect((await communication(communicationId)).status).toBe('in-progress');
    expect((await eventsOf(id)).map((e) => e.kind)).toEqual(['raised', 'acknowledgement-refused']);
    expect((await eventsOf(id))[1]).toMatchObject({
      actor: '周医生 (Dongling THC doctor)',
      actor_account: 'clinic-a-doctor',
      actor_org: 'CLINIC-A',
      read_back: '钾 6.3',
    });
    const audit = await query<{ outcome: string; outcome_desc: string }>(
      `SELECT outcome, outcome_desc FROM gateway.audit_event
       WHERE agent_subject = 'clinic-a-doctor' AND entities @> $1::jsonb ORDER BY id DESC LIMIT 1`,
      [JSON.stringify([{ type: 'Communication', id: communicationId }])],
    );
    expect(audit[0]).toMatchObject({ outcome: '4' });

    const view = await alerts.acknowledge(
      id,
      { readBack: '钾 6.80 mmol/L' },
      clinicDoctor,
      agentOf(clinicDoctor),
    );
    expect(view).toMatchObject({
      id,
      status: 'acknowledged',
      acknowledgement: {
        by: '周医生 (Dongling THC doctor)',
        org: 'CLINIC-A',
        readBack: '钾 6.80 mmol/L',
      },
    });
    const acknowledgedAt = new Date(view.acknowledgement!.at).getTime();
    expect(Math.abs(acknowledgedAt - Date.now())).toBeLessThan(10_000);
    const completed = await communication(communicationId);
    expect(completed).toMatchObject({ status: 'completed', received: view.acknowledgement!.at });
    expect(completed.note?.[0].text).toContain('周医生 (Dongling THC doctor)');
    expect((await eventsOf(id)).map((e) => e.kind)).toEqual([
      'raised',
      'acknowledgement-refused',
      'acknowledged',
    ]);

    const conflict = (await alerts
      .acknowledge(
        id,
        { readBack: '6.8', acknowledgedBy: '王护士' },
        clinicSystem,
        agentOf(clinicSystem),
      )
      .catch((e: unknown) => e)) as FhirError;
    expect(conflict.status).toBe(409);
    expect(conflict.diagnostics).toBe(
      `critical value ${id} was already acknowledged by 周医生 (Dongling THC doctor) (CLINIC-A) at ${view.acknowledgement!.at}`,
    );
  });

  it('takes the acknowledging person from a clinic system, and hides alerts from other clinics', async () => {
    const { ids } = await releaseReport();
    const [id] = ids;
    await expect(
      alerts.acknowledge(id, { readBack: '6.8' }, clinicSystem, agentOf(clinicSystem)),
    ).rejects.toMatchObject({
      status: 400,
      diagnostics: 'acknowledgedBy is required from a clinic system: the person who took the call',
    });
    await expect(
      alerts.acknowledge(
        id,
        { readBack: '6.8', acknowledgedBy: 'x' },
        otherClinic,
        agentOf(otherClinic),
      ),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      alerts.acknowledge(id, { readBack: '6.8', extra: 1 }, clinicSystem, agentOf(clinicSystem)),
    ).rejects.toMatchObject({ status: 400, diagnostics: 'unknown field(s): extra' });
    await expect(
      alerts.acknowledge(id, { readBack: '6.8' }, labDoctor, agentOf(labDoctor)),
    ).rejects.toMatchObject({ status: 403 });
    expect((await alertRow(id)).status).toBe('open');

    const view = await alerts.acknowledge(
      id,
      { readBack: 'K 6.8', acknowledgedBy: '王护士 (nurse Wang)' },
      clinicSystem,
      agentOf(clinicSystem),
    );
    expect(view.acknowledgement).toMatchObject({ by: '王护士 (nurse Wang)', org: 'CLINIC-A' });
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      kind: 'acknowledged',
      actor: '王护士 (nurse Wang)',
      actor_account: 'clinic-a',
    });
  });

  it('lists alerts by who may see them, filtered by status', async () => {
    const { ids } = await releaseReport();
    const [id] = ids;
    const seen = async (p: Principal, status?: string) =>
      (await alerts.list(status ? { status } : {}, p, agentOf(p))).alerts.some((a) => a.id === id);
    expect(await seen(clinicDoctor)).toBe(true);
    expect(await seen(clinicDoctor, 'open')).toBe(true);
    expect(await seen(clinicDoctor, 'acknowledged')).toBe(false);
    expect(await seen(labDoctor)).toBe(true);
    expect(await seen(admin)).toBe(true);
    expect(await seen(otherClinic)).toBe(false);
    expect(await seen(radiologist)).toBe(false);
    await expect(alerts.list({}, itOps, agentOf(itOps))).rejects.toMatchObject({ status: 403 });
    await expect(
      alerts.list({ status: 'closed' }, clinicDoctor, agentOf(clinicDoctor)),
    ).rejects.toMatchObject({ status: 400 });
    await expect(alerts.get(id, otherClinic, agentOf(otherClinic))).rejects.toMatchObject({
      status: 404,
    });
    const detail = await alerts.get(id, labDoctor, agentOf(labDoctor));
    expect(detail.events.map((e) => e.kind)).toEqual(['raised']);
  });

  it('names the patient (identity number masked), the reporter and both organisations', async () => {
    const { ids, residentId } = await releaseReport();
    const [id] = ids;
    const expected = {
      patient: { residentId: `${residentId.slice(0, 6)}********${residentId.slice(-4)}` },
      reportedBy: 'labdoc',
      reportedByName: '钱检验医师 (lab physician)',
      centreName: {
        zh: expect.stringContaining('检验') as unknown,
        en: expect.any(String) as unknown,
      },
      requesterName: { zh: expect.any(String) as unknown, en: expect.any(String) as unknown },
    };
    const listed = (await alerts.list({ status: 'open' }, clinicDoctor, agentOf(clinicDoctor)))
      .alerts;
    expect(listed.find((a) => a.id === id)).toMatchObject(expected);
    const detail = await alerts.get(id, labDoctor, agentOf(labDoctor));
    expect(detail).toMatchObject(expected);
    // The whole number is never answered.
    expect(JSON.stringify([listed, detail])).not.toContain(residentId);
    const acknowledged = await alerts.acknowledge(
      id,
      { readBack: '6.8 mmol/L' },
      clinicDoctor,
      agentOf(clinicDoctor),
    );
    expect(acknowledged).toMatchObject({ status: 'acknowledged', ...expected });
  });

  it('escalates an unacknowledged alert to the backup contact and the supervisor, once per level', async () => {
    const { ids } = await releaseReport();
    const [id] = ids;
    const job = await waitForJob(queue, `critical-${id}-1`);

    expect(await alerts.escalate(job.data)).toBe('escalated');
    expect(await alerts.escalate(job.data)).toBe('already-escalated');
    const row = await alertRow(id);
    expect(row).toMatchObject({ status: 'open', escalation_level: 1 });
    const events = await eventsOf(id);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'escalated']);
    expect(events[1]).toMatchObject({
      actor: 'hub',
      level: 1,
      notified: [
        {
          role: 'backup',
          org: 'CLINIC-A',
          name: '东岭镇卫生院医务科 Dongling medical office',
          phone: '0571-8811-0002',
        },
        {
          role: 'supervisor',
          org: 'LAB',
          name: '检验中心值班主任 Lab duty supervisor',
          phone: '0571-8800-1001',
        },
      ],
    });
    const escalation = await communication(events[1].communication_id!);
    expect(escalation).toMatchObject({
      status: 'in-progress',
      priority: 'stat',
      partOf: [{ reference: `Communication/${row.communication_id as string}` }],
      recipient: [{ reference: 'Organization/clinic-a' }],
    });
    expect(escalation.payload?.[0].contentString).toContain(
      '东岭镇卫生院医务科 Dongling medical office (CLINIC-A backup, 0571-8811-0002)',
    );

    // Level 2 is scheduled one more timeout later.
    const next = await waitForJob(queue, `critical-${id}-2`);
    expect(next.data).toMatchObject({ alertId: id, level: 2 });
    expect(next.opts.delay).toBeGreaterThan(0);
    expect(await next.getState()).toBe('delayed');

    // Acknowledging completes both Communications and stops the escalations.
    await alerts.acknowledge(id, { readBack: '6.8' }, clinicDoctor, agentOf(clinicDoctor));
    expect((await communication(row.communication_id as string)).status).toBe('completed');
    expect((await communication(events[1].communication_id!)).status).toBe('completed');
    expect(await alerts.escalate(next.data)).toBe('acknowledged');
    expect((await eventsOf(id)).map((e) => e.kind)).toEqual([
      'raised',
      'escalated',
      'acknowledged',
    ]);
  });

  it('computes indicators: counts, late, median and P90 per centre and per clinic', async () => {
    // A private hour in the past, so alerts of other runs do not count.
    const start = Date.UTC(1990 + Math.floor(Math.random() * 20), 0, 1) + randomHour();
    const at = (seconds: number) => new Date(start + seconds * 1000);
    const insert = (centre: string, centreOrg: string, org: string, ackSeconds?: number) =>
      query(
        `INSERT INTO gateway.critical_alert (id, centre, centre_org, order_id, report_id, report_version,
           requester_org, owner_orgs, patient_id, code, display, display_zh, communication_id,
           reported_by, reported_at, status, acknowledged_by, acknowledged_org, acknowledged_at, read_back)
         VALUES ($1, $2, $3, 'o', $4, 1, $5, $6, 'p', 'c', 'd', 'd', 'x', 'labdoc', $7, $8, $9, $10, $11, $12)`,
        [
          randomUUID(),
          centre,
          centreOrg,
          randomUUID(),
          org,
          [org, centreOrg],
          at(0),
          ackSeconds === undefined ? 'open' : 'acknowledged',
          ackSeconds === undefined ? null : 'someone',
          ackSeconds === undefined ? null : org,
          ackSeconds === undefined ? null : at(ackSeconds),
          ackSeconds === undefined ? null : '6.8',
        ],
      );
    for (const seconds of [60, 120, 300, 1200, undefined])
      await insert('lab', 'LAB', 'CLINIC-A', seconds);
    for (const seconds of [600, undefined]) await insert('imaging', 'IMAGING', 'CLINIC-B', seconds);
    const range = { from: at(0).toISOString(), to: at(3600).toISOString() };

    const all = await alerts.indicators(range, admin);
    const lab = {
      total: 5,
      acknowledged: 4,
      unacknowledged: 1,
      late: 2,
      medianSeconds: 210,
      p90Seconds: 930,
    };
    const imaging = {
      total: 2,
      acknowledged: 1,
      unacknowledged: 1,
      late: 1,
      medianSeconds: 600,
      p90Seconds: 600,
    };
    expect(all).toEqual({
      from: range.from,
      to: range.to,
      targetSeconds: 900,
      overall: {
        total: 7,
        acknowledged: 5,
        unacknowledged: 2,
        late: 3,
        medianSeconds: 300,
        p90Seconds: 960,
      },
      byCentre: [
        { centre: 'imaging', ...imaging },
        { centre: 'lab', ...lab },
      ],
      byClinic: [
        { org: 'CLINIC-A', ...lab },
        { org: 'CLINIC-B', ...imaging },
      ],
    });

    const own = await alerts.indicators(range, labDoctor);
    expect(own.byCentre).toEqual([{ centre: 'lab', ...lab }]);
    expect(own.byClinic).toEqual([{ org: 'CLINIC-A', ...lab }]);
    await expect(alerts.indicators(range, clinicDoctor)).rejects.toMatchObject({ status: 403 });
    await expect(alerts.indicators({ from: 'yesterday' }, admin)).rejects.toMatchObject({
      status: 400,
      expression: ['from'],
    });
  });

  it('runs the escalation job after its delay in the worker', async () => {
    await queue.obliterate({ force: true });
    const config = loadGatewayConfig({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_PREFIX: fx.prefix,
    });
    const processor = new CriticalValueEscalationProcessor(alerts, config);
    processor.onApplicationBootstrap();
    try {
      const { ids } = await releaseReport();
      const [id] = ids;
      const raisedAt = (await alertRow(id)).raised_at as Date;
      const escalated = await waitFor(async () =>
        (await eventsOf(id)).find((e) => e.kind === 'escalated'),
      );
      expect(escalated.level).toBe(1);
      expect(escalated.at.getTime() - raisedAt.getTime()).toBeGreaterThanOrEqual(1000);
      await alerts.acknowledge(id, { readBack: '6.8' }, clinicDoctor, agentOf(clinicDoctor));
    } finally {
      await processor.onModuleDestroy();
    }
  });
});

function randomHour(): number {
  return Math.floor(Math.random() * 364 * 24) * 3600_000;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 4_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForJob(queue: Queue<CriticalValueEscalatePayload>, jobId: string) {
  return waitFor(async () => (await queue.getJob(jobId)) ?? undefined).catch(() => {
    throw new Error(
      `job ${jobId} never reached ${queue.name}: does the gateway's outbox relay have a producer for it?`,
    );
  });
}
