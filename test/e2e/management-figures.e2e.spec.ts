import type { Bundle, OperationOutcome, Patient, ServiceRequest } from 'fhir/r4';
import { Pool } from 'pg';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { clientToken, userToken } from '../support/auth-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(240_000);

const POTASSIUM = { system: 'http://loinc.org', code: '2823-3' };
const ECG = { system: 'http://loinc.org', code: '11524-6' };
const FROZEN = { system: 'urn:hub:catalogue', code: 'PATH-FROZEN' };

/** An instant given as Beijing wall-clock time (YYYY-MM-DDTHH:mm). */
const beijing = (local: string) => new Date(`${local}:00+08:00`);

interface Figures {
  from: string;
  to: string;
  volume: Array<{
    month: string;
    member: string;
    centre: string;
    orders: number;
    reused: number;
    cancelled: number;
  }>;
  turnaround: Array<{
    centre: string;
    priority: string;
    orders: number;
    medianMinutes: number;
    p90Minutes: number;
    targetMinutes: number | null;
    withinTarget: number | null;
  }>;
  turnaroundByMonth: Array<{
    month: string;
    centre: string;
    orders: number;
    medianMinutes: number;
    p90Minutes: number;
  }>;
}

/**
 * The management figures (`GET /api/management/figures`) over orders that went through the real
 * hub: lab orders reported by the analyser, ECGs read and signed by a cardiologist, a reuse of a
 * recognized ECG, a frozen section called back before its final report, a cancelled order and
 * orders outside the period. The hub reports in seconds, so once each order's reports are stored
 * the spec moves its acceptance and its report versions to the Beijing times of the fixture below,
 * whose medians and P90s were worked out by hand (percentile_cont: linear between ranks).
 */
describe('management figures (e2e)', () => {
  let hub: RunningHub;
  // A pool: the orders of the fixture are placed and watched concurrently.
  let db: Pool;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as T };
  };

  const orderStatus = async (orderId: string) =>
    (
      await db.query<{ status: string }>(
        `SELECT status FROM gateway.service_order WHERE order_id = $1`,
        [orderId],
      )
    ).rows[0]?.status;
  const accepted = (orderId: string) =>
    eventually(
      () => orderStatus(orderId),
      (status) => status === 'accepted',
      `the centre to accept order ${orderId}`,
    );
  /** The status of the order's report in the record, once the gateway stored it. */
  const reportStored = (orderId: string, status: string) =>
    eventually(
      async () =>
        (
          await db.query<{ status: string }>(
            `SELECT r.content ->> 'status' AS status FROM gateway.fhir_resource r
               JOIN gateway.fhir_search_reference f
                 ON f.resource_type = r.resource_type AND f.resource_id = r.id
              WHERE r.resource_type = 'DiagnosticReport' AND f.param = 'based-on' AND f.target_id = $1`,
            [orderId],
          )
        ).rows[0]?.status,
      (stored) => stored === status,
      `the ${status} report of order ${orderId} in the record`,
      60_000,
    );

  /** A member's order through FHIR (a new patient unless one is given): its id. */
  const order = async (
    clinic: 'clinic-a' | 'clinic-b',
    code: { system: string; code: string },
    priority: ServiceRequest['priority'],
    options: { patient?: Patient; extension?: ServiceRequest['extension'] } = {},
  ): Promise<{ id: string; placer: string }> => {
    const org = clinic.toUpperCase();
    const bundle = makeOrderBundle({ org, code, priority, patient: options.patient });
    const request = bundle.entry?.[1]?.resource as ServiceRequest;
    if (options.extension) request.extension = options.extension;
    const answer = await call<Bundle>(clinic, 'POST', '/fhir', bundle, 'application/fhir+json');
    expect(answer.status).toBe(200);
    const stored = answer.body.entry?.[1]?.resource as ServiceRequest;
    return { id: stored.id ?? '', placer: request.identifier?.[0]?.value ?? '' };
  };

  /** A potassium the analyser measures within range: released by autoverification. */
  const labReported = async (clinic: 'clinic-a' | 'clinic-b', priority: 'routine' | 'urgent') => {
    const placed = await order(clinic, POTASSIUM, priority);
    await accepted(placed.id);
    const posted = await call('lab-analyser', 'POST', '/api/lab/results', {
      orderId: placed.id,
      results: [{ code: POTASSIUM.code, value: 4.1 }],
    });
    expect(posted.status).toBe(201);
    await reportStored(placed.id, 'final');
    return placed.id;
  };

  /** An ECG recorded at the clinic, read and signed by the cardiologist. */
  const ecgReported = async (clinic: 'clinic-a' | 'clinic-b', patient: Patient) => {
    const placed = await order(clinic, ECG, 'routine', { patient });
    await accepted(placed.id);
    const file = writeDicomEcg(
      syntheticEcg({
        heartRateBpm: 72,
        prMs: 160,
        qrsMs: 90,
        qtMs: 380,
        axisDeg: 45,
        durationS: 10,
        samplingHz: 500,
        seed: 7,
      }),
      { acquisitionDateTime: new Date(Date.now() - 3600_000).toISOString() },
    );
    const uploaded = await call(
      clinic,
      'POST',
      `/api/ecg/recordings?order=${placed.id}`,
      file,
      'application/dicom',
    );
    expect(uploaded.status).toBe(201);
    await eventually(
      async () =>
        (await call<{ status: string }>('cardiologist', 'GET', `/api/ecg/readings/${placed.id}`))
          .body.status,
      (status) => status === 'unread',
      'the recording on the ECG worklist',
    );
    await call('cardiologist', 'POST', `/api/ecg/readings/${placed.id}/claim`);
    await call('cardiologist', 'PUT', `/api/ecg/readings/${placed.id}/draft`, {
      statements: ['SR', 'NORMAL'],
    });
    expect(
      (await call('cardiologist', 'POST', `/api/ecg/readings/${placed.id}/signature`)).status,
    ).toBe(200);
    await reportStored(placed.id, 'final');
    return placed.id;
  };

  /** A frozen section: its result called back as a preliminary (critical) report, then the final one. */
  const frozenReported = async () => {
    const placed = await order('clinic-a', FROZEN, 'stat');
    await accepted(placed.id);
    const collected = await call<{ specimens: Array<{ label: string }> }>(
      'clinic-a',
      'POST',
      `/api/pathology/cases/${placed.id}/specimens`,
      { specimens: [{ site: '甲状腺结节 thyroid nodule', fixative: 'none' }] },
    );
    const label = collected.body.specimens[0].label;
    expect(
      (await call('pathologist', 'POST', `/api/pathology/specimens/${label}/receipt`, {})).status,
    ).toBe(200);
    const reading = (method: string, step = '', body?: unknown) =>
      call<{ status: string }>(
        'pathologist',
        method,
        `/api/pathology/readings/${placed.id}${step}`,
        body,
      );
    await eventually(
      async () => (await reading('GET')).body.status,
      (status) => status === 'unread',
      'the frozen section on the worklist',
    );
    const called = await reading('POST', '/frozen-result', {
      text: '（甲状腺）结节性甲状腺肿，未见恶性 Nodular goitre, no malignancy seen',
    });
    expect(called.body.status).toBe('preliminary');
    await reportStored(placed.id, 'preliminary');
    await reading('POST', '/claim');
    await reading('PUT', '/draft', {
      microscopic: '滤泡大小不一，胶质丰富。Follicles of varying size, abundant colloid.',
      diagnosis: '（甲状腺）结节性甲状腺肿 Nodular goitre',
    });
    expect((await reading('POST', '/signature')).body.status).toBe('final');
    await reportStored(placed.id, 'final');
    return placed.id;
  };

  /**
   * Moves an order's acceptance to `acceptedAt` (its recognition decision with it: both are
   * written in the intake's transaction) and its report versions, in order, to the given minutes
   * after it; a later version (a reuse making the reusing member an owner) a day after the last.
   */
  const backdate = async (orderId: string, acceptedAt: Date, minutesAfter: number[] = []) => {
    await db.query(`UPDATE gateway.service_order SET created_at = $2 WHERE order_id = $1`, [
      orderId,
      acceptedAt,
    ]);
    await db.query(`UPDATE gateway.recognition_decision SET decided_at = $2 WHERE order_id = $1`, [
      orderId,
      acceptedAt,
    ]);
    const versions = await db.query<{ id: string; version_id: number }>(
      `SELECT h.id, h.version_id FROM gateway.fhir_resource_history h
         JOIN gateway.fhir_search_reference f
           ON f.resource_type = h.resource_type AND f.resource_id = h.id
        WHERE h.resource_type = 'DiagnosticReport' AND f.param = 'based-on' AND f.target_id = $1
        ORDER BY h.version_id`,
      [orderId],
    );
    expect(versions.rows.length).toBeGreaterThanOrEqual(minutesAfter.length);
    for (const [i, version] of versions.rows.entries()) {
      const minutes =
        minutesAfter[i] ?? (minutesAfter.at(-1) ?? 0) + 1440 * (i - minutesAfter.length + 1);
      await db.query(
        `UPDATE gateway.fhir_resource_history SET last_updated = $3
          WHERE resource_type = 'DiagnosticReport' AND id = $1 AND version_id = $2`,
        [version.id, version.version_id, new Date(acceptedAt.getTime() + minutes * 60_000)],
      );
    }
  };

  /** Cancels an order over HL7 (ORC-1 CA), as the clinic's HIS does. */
  const cancelOverHl7 = async (placer: string, patient: Patient) => {
    const residentId = patient.identifier?.[0]?.value ?? '';
    const message = [
      `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|C${Date.now()}|P|2.5.1|||||CHN|UNICODE UTF-8`,
      `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||张^三||19600501|M`,
      `ORC|CA|${placer}^HIS|||||^^^^^R`,
      `OBR|1|||${POTASSIUM.code}^Potassium^LN|||20261123082000`,
    ].join('\r');
    const response = await fetch(`${hub.baseUrl}/hl7`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['clinic-a']}`,
        'content-type': 'x-application/hl7-v2+er7',
      },
      body: message,
    });
    expect(await response.text()).toContain('MSA|AA');
  };

  beforeAll(async () => {
    hub = await startHub();
    db = new Pool({ connectionString: hub.databaseUrl, max: 4 });
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    tokens.cardiologist = await userToken(hub.baseUrl, 'cardiologist');
    tokens.pathologist = await userToken(hub.baseUrl, 'pathologist');
    tokens.manager = await userToken(hub.baseUrl, 'manager');
    tokens.admin = await userToken(hub.baseUrl, 'admin');
    tokens.itops = await userToken(hub.baseUrl, 'itops');

    // Lab (potassium; targets routine 240, urgent 60 minutes), clinic A and clinic B.
    const labOrders: Array<[string, 'clinic-a' | 'clinic-b', 'routine' | 'urgent', number]> = [
      ['2025-02-28T23:00', 'clinic-a', 'routine', 10], // February in Beijing: outside the period
      ['2025-03-10T09:00', 'clinic-a', 'routine', 30],
      ['2025-03-20T09:00', 'clinic-a', 'routine', 90],
      ['2025-04-01T07:00', 'clinic-b', 'routine', 300], // 31 March in UTC, April in Beijing; late
      ['2025-04-10T09:00', 'clinic-b', 'routine', 120],
      ['2025-04-12T09:00', 'clinic-a', 'urgent', 45],
      ['2025-05-01T07:00', 'clinic-b', 'routine', 10], // 30 April in UTC, May in Beijing: outside
    ];
    const labIds = await Promise.all(
      labOrders.map(([, clinic, priority]) => labReported(clinic, priority)),
    );
    for (const [i, [at, , , minutes]] of labOrders.entries())
      await backdate(labIds[i], beijing(at), [minutes]);

    // A lab order never reported, cancelled by the clinic: in the volume, not in the turnaround.
    const cancelledPatient = makePatient();
    const cancelled = await order('clinic-a', POTASSIUM, 'routine', { patient: cancelledPatient });
    await accepted(cancelled.id);
    await cancelOverHl7(cancelled.placer, cancelledPatient);
    expect(await orderStatus(cancelled.id)).toBe('cancelled');
    await backdate(cancelled.id, beijing('2025-04-15T09:00'));

    // ECG (target routine 30 minutes): clinic A's, reused by clinic B (结果互认), and clinic B's own.
    const shared = makePatient();
    const ecgA = await ecgReported('clinic-a', shared);
    const reportA = (
      await db.query<{ id: string }>(
        `SELECT resource_id AS id FROM gateway.fhir_search_reference
          WHERE resource_type = 'DiagnosticReport' AND param = 'based-on' AND target_id = $1`,
        [ecgA],
      )
    ).rows[0].id;
    const reuse = await order('clinic-b', ECG, 'routine', {
      patient: shared,
      extension: [
        {
          url: 'urn:hub:recognition-reuse',
          valueReference: { reference: `DiagnosticReport/${reportA}` },
        },
      ],
    });
    expect(await orderStatus(reuse.id)).toBe('completed');
    const ecgB = await ecgReported('clinic-b', makePatient());
    await backdate(ecgA, beijing('2025-03-05T10:00'), [20]);
    await backdate(reuse.id, beijing('2025-03-25T10:00'));
    await backdate(ecgB, beijing('2025-04-02T10:00'), [40]);

    // A frozen section (target 30 minutes): called back after 25 minutes, final after 200.
    const frozen = await frozenReported();
    await backdate(frozen, beijing('2025-04-20T10:00'), [25, 200]);
  });

  afterAll(async () => {
    await db?.end();
    await hub?.shutdown();
  });

  it('counts every order per month (Beijing time), member and centre, reused and cancelled ones included', async () => {
    const answer = await call<Figures>(
      'manager',
      'GET',
      '/api/management/figures?from=2025-03&to=2025-04',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.from).toBe('2025-03');
    expect(answer.body.to).toBe('2025-04');
    const row = (month: string, member: string, centre: string, orders: number, extra = {}) => ({
      month,
      member,
      centre,
      orders,
      reused: 0,
      cancelled: 0,
      ...extra,
    });
    expect(answer.body.volume).toEqual([
      row('2025-03', 'CLINIC-A', 'ecg', 1),
      row('2025-03', 'CLINIC-A', 'lab', 2),
      row('2025-03', 'CLINIC-B', 'ecg', 1, { reused: 1 }),
      row('2025-04', 'CLINIC-A', 'lab', 2, { cancelled: 1 }),
      row('2025-04', 'CLINIC-A', 'pathology', 1),
      row('2025-04', 'CLINIC-B', 'ecg', 1),
      row('2025-04', 'CLINIC-B', 'lab', 2),
    ]);

    // The reuse is counted under the same month, member and centre as in the recognition figures.
    const recognition = await call<
      Array<{ month: string; member: string; centre: string; duplicatesAvoided: number }>
    >('manager', 'GET', '/api/recognition/figures?from=2025-03-01&to=2025-04-30');
    expect(recognition.status).toBe(200);
    expect(recognition.body).toEqual([
      expect.objectContaining({
        month: '2025-03',
        member: 'CLINIC-B',
        centre: 'ecg',
        duplicatesAvoided: 1,
      }),
    ]);
  });

  it('measures turnaround from acceptance to the first released report: median, P90, share within target', async () => {
    const { body } = await call<Figures>(
      'manager',
      'GET',
      '/api/management/figures?from=2025-03&to=2025-04',
    );
    expect(body.turnaround).toEqual([
      // 20 and 40 minutes against 30.
      {
        centre: 'ecg',
        priority: 'routine',
        orders: 2,
        medianMinutes: 30,
        p90Minutes: 38,
        targetMinutes: 30,
        withinTarget: 0.5,
      },
      {
        centre: 'lab',
        priority: 'urgent',
        orders: 1,
        medianMinutes: 45,
        p90Minutes: 45,
        targetMinutes: 60,
        withinTarget: 1,
      },
      // 30, 90, 120, 300: median (90 + 120) / 2; P90 at rank 2.7: 120 + 0.7 × 180.
      {
        centre: 'lab',
        priority: 'routine',
        orders: 4,
        medianMinutes: 105,
        p90Minutes: 246,
        targetMinutes: 240,
        withinTarget: 0.75,
      },
      // The frozen section's call-back (a preliminary report with a critical value) stops the clock.
      {
        centre: 'pathology',
        priority: 'stat',
        orders: 1,
        medianMinutes: 25,
        p90Minutes: 25,
        targetMinutes: 30,
        withinTarget: 1,
      },
    ]);
    expect(body.turnaroundByMonth).toEqual([
      { month: '2025-03', centre: 'ecg', orders: 1, medianMinutes: 20, p90Minutes: 20 },
      // 30 and 90: P90 at rank 0.9.
      { month: '2025-03', centre: 'lab', orders: 2, medianMinutes: 60, p90Minutes: 84 },
      { month: '2025-04', centre: 'ecg', orders: 1, medianMinutes: 40, p90Minutes: 40 },
      // 45, 120, 300: P90 at rank 1.8: 120 + 0.8 × 180.
      { month: '2025-04', centre: 'lab', orders: 3, medianMinutes: 120, p90Minutes: 264 },
      { month: '2025-04', centre: 'pathology', orders: 1, medianMinutes: 25, p90Minutes: 25 },
    ]);
  });

  it('covers the last twelve months by default', async () => {
    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
    })
      .format(new Date())
      .slice(0, 7);
    const [year, m] = month.split('-').map(Number);
    const back = year * 12 + m - 1 - 11;
    const from = `${Math.floor(back / 12)}-${String((back % 12) + 1).padStart(2, '0')}`;
    const answer = await call<Figures>('admin', 'GET', '/api/management/figures');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      from,
      to: month,
      volume: [],
      turnaround: [],
      turnaroundByMonth: [],
    });
  });

  it('is for managers and administrators, and refuses a malformed period with an OperationOutcome', async () => {
    const path = '/api/management/figures?from=2025-03&to=2025-04';
    const asManager = await call<Figures>('manager', 'GET', path);
    const asAdmin = await call<Figures>('admin', 'GET', path);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual(asManager.body);
    for (const who of ['clinic-a', 'itops', 'cardiologist']) {
      const refused = await call<OperationOutcome>(who, 'GET', path);
      expect({ who, status: refused.status }).toEqual({ who, status: 403 });
      expect(refused.body.issue[0].code).toBe('forbidden');
    }

    const bad = await call<OperationOutcome>(
      'manager',
      'GET',
      '/api/management/figures?from=2025-3',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    expect(bad.body.issue[0]).toMatchObject({
      code: 'invalid',
      diagnostics: 'from: a month is written YYYY-MM (e.g. 2026-03)',
      expression: ['from'],
    });
    const reversed = await call<OperationOutcome>(
      'manager',
      'GET',
      '/api/management/figures?from=2025-05&to=2025-03',
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body.issue[0].diagnostics).toBe('from (2025-05) is after to (2025-03)');
  });

  it('lets a manager read the critical-value indicators and recognition figures, and nothing else', async () => {
    const indicators = await call<{ overall: { total: number }; byCentre: unknown[] }>(
      'manager',
      'GET',
      '/api/critical-values/indicators',
    );
    expect(indicators.status).toBe(200);
    // The whole consortium's alerts (the frozen section's), not those of an organisation of its own.
    const alerts = (
      await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.critical_alert`)
    ).rows[0].n;
    expect(alerts).toBeGreaterThan(0);
    expect(indicators.body.overall.total).toBe(alerts);
    expect((await call('manager', 'GET', '/api/recognition/figures')).status).toBe(200);

    const closed: Array<[string, string, unknown?]> = [
      ['GET', '/api/critical-values'],
      ['GET', '/api/recognition/rules'],
      ['GET', '/api/recognition/eqa'],
      [
        'PUT',
        '/api/recognition/rules/http%3A%2F%2Floinc.org|2823-3',
        { recognized: false, validityDays: 1 },
      ],
      ['GET', '/api/patients/links'],
      ['GET', '/api/patients/merges'],
      ['GET', '/fhir/Patient'],
      ['GET', '/fhir/DiagnosticReport'],
      ['GET', '/fhir/AuditEvent'],
      ['GET', '/fhir/Patient/$ihe-pix?sourceIdentifier=urn:hub:mrn:CLINIC-A|1'],
      ['GET', '/api/ops/status'],
      ['GET', '/api/hl7/messages'],
      ['GET', '/metrics'],
      ['GET', '/admin/queues/api/queues'],
      ['GET', '/api/lab/verifications'],
      ['GET', '/api/imaging/worklist'],
      ['GET', '/api/ecg/worklist'],
      ['GET', '/api/pathology/worklist'],
      ['GET', '/dicomweb/studies'],
    ];
    for (const [method, path, body] of closed) {
      const answer = await call('manager', method, path, body);
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
    }
  });
});
