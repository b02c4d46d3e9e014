import type { Bundle, Communication, DiagnosticReport, Specimen, Task } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { clientToken, userToken } from '../support/auth-client';
import { ClinicEndpoint } from '../support/clinic-endpoint';
import { makePatient } from '../support/factories';
import { type RunningHub, eventually, freePort, startHub } from '../support/hub-harness';
import { orderLabTest, shipAndReceive as shipAndReceiveAtLab } from '../support/lab-client';
import { hl7Field } from '../support/mllp-client';

jest.setTimeout(180_000);

interface AlertView {
  id: string;
  status: 'open' | 'acknowledged';
  escalationLevel: number;
  communicationId: string;
  finding: { code: string; value?: number; unit?: string; flag?: string };
  reportedBy: string;
  acknowledgement?: { by: string; readBack: string; at: string };
  events?: Array<{ kind: string; notified: Array<{ name: string }> }>;
}

/**
 * The lab workflow end to end, through the gateway's public APIs: a clinic's potassium order gets a
 * specimen with an accession number, is collected, shipped in a box and received (or rejected for
 * its transport time); results wait for a second person's verification; a critical value reaches
 * the clinic (FHIR Communication, its HIS, the alert API), is acknowledged with a read-back, or
 * escalates when nobody does; a correction is delivered again as an amended report.
 */
describe('lab workflow and critical values (e2e)', () => {
  let hub: RunningHub;
  let db: PgClient;
  let his: ClinicEndpoint;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined
          ? {}
          : {
              'content-type': path.startsWith('/fhir')
                ? 'application/fhir+json'
                : 'application/json',
            }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /** A potassium order from clinic A for a new patient; the order, its Task and its Specimen. */
  const orderPotassium = (gender: 'male' | 'female' = 'female') =>
    orderLabTest(call, {
      clinic: 'clinic-a',
      org: 'CLINIC-A',
      lab: 'labtech',
      patient: makePatient({ gender, birthDate: '1958-04-02' }),
      code: { system: 'http://loinc.org', code: '2823-3' },
    });

  const taskOf = async (orderId: string) => {
    const bundle = await call<Bundle>(
      'clinic-a',
      'GET',
      `/fhir/Task?based-on=ServiceRequest/${orderId}`,
    );
    return bundle.body.entry?.[0]?.resource as Task;
  };

  /** Collects and ships `accessions` in one box, then receives the box at the lab. */
  const shipAndReceive = (accessions: string[], collectedMinutesAgo = 20) =>
    shipAndReceiveAtLab(call, {
      clinic: 'clinic-a',
      lab: 'labtech',
      accessions,
      collectedAt: new Date(Date.now() - collectedMinutesAgo * 60_000),
    });

  const alertsOf = async (who: string, orderId: string) =>
    (
      await call<{ alerts: Array<AlertView & { orderId: string }> }>(
        who,
        'GET',
        '/api/critical-values',
      )
    ).body.alerts.filter((a) => a.orderId === orderId);

  beforeAll(async () => {
    hub = await startHub({
      env: { CRITICAL_ACK_TIMEOUT_SECONDS: '3', DELIVERY_BACKOFF_MS: '200' },
    });
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    const hisPort = await freePort();
    // The clinic's HIS over MLLP: keeps every message it is sent and accepts it.
    his = new ClinicEndpoint(hisPort, 'utf-8', 'AA');
    await his.start();
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port, charset) VALUES ('CLINIC-A', 'mllp', '127.0.0.1', $1, 'UNICODE UTF-8')`,
      [hisPort],
    );
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['lab-analyser'] = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    for (const user of ['labtech', 'labdoc', 'labchief', 'clinic-a-doctor'])
      tokens[user] = await userToken(hub.baseUrl, user);
  });

  afterAll(async () => {
    await his?.stop();
    await db?.end();
    await hub?.shutdown();
  });

  it('gives a lab order a specimen to label, tracks it through the box and mirrors it in FHIR', async () => {
    const first = await orderPotassium();
    const second = await orderPotassium('male');
    expect(first.accession).toMatch(/^L\d{12}$/);
    expect(first.specimen.type?.coding?.[0]?.code).toBe('serum-k');
    const received = await shipAndReceive([first.accession, second.accession]);
    expect(received.status).toBe(200);
    expect(received.body.map((s) => s.status)).toEqual(['received', 'received']);
    const mirrored = await eventually(
      async () =>
        (await call<Specimen>('clinic-a', 'GET', `/fhir/Specimen/${first.specimen.id}`)).body,
      (s) => s.receivedTime !== undefined,
      'the FHIR Specimen to show the receipt',
    );
    expect(mirrored.status).toBe('available');
    expect(mirrored.collection?.collector?.display).toBe('护士 李 nurse Li');
  });

  it('rejects a potassium that travelled longer than 30 minutes and tells the clinic why', async () => {
    const late = await orderPotassium();
    const received = await shipAndReceive([late.accession], 50);
    expect(received.body[0]).toMatchObject({
      status: 'rejected',
      rejectionReason: 'transport-time-exceeded',
    });
    const task = await eventually(
      () => taskOf(late.orderId),
      (t) => t.status === 'on-hold',
      'the Task to be put on hold',
    );
    expect(task.statusReason?.text).toMatch(/运输超时 transport time exceeded/);
    const specimen = await eventually(
      async () =>
        (await call<Specimen>('clinic-a', 'GET', `/fhir/Specimen/${late.specimen.id}`)).body,
      (s) => s.status === 'unsatisfactory',
      'the FHIR Specimen to be unsatisfactory',
    );
    expect(specimen.condition?.[0]?.coding?.[0]?.code).toBe('transport-time-exceeded');
    // The clinic's own system is told too, so it can recollect.
    const status = await eventually(
      async () =>
        his.received.find((m) => m.includes(`|${late.accession}`) && m.includes('ORM^O01')),
      (m) => m !== undefined,
      'the order status to reach the clinic',
    );
    expect(hl7Field(status!, 'ORC', 1)).toBe('SC');
    expect(hl7Field(status!, 'ORC', 5)).toBe('HD');
    expect(hl7Field(status!, 'NTE', 3)).toMatch(/运输超时 transport time exceeded/);
    const results = await call('lab-analyser', 'POST', '/api/lab/results', {
      orderId: late.orderId,
      results: [{ code: '2823-3', value: 4.2 }],
    });
    expect(results.status).toBe(409);
  });

  it('notifies a critical potassium to the clinic, which acknowledges it with a read-back', async () => {
    const order = await orderPotassium();
    await shipAndReceive([order.accession]);
    // From the analyser, but critical: it waits for a physician.
    const posted = await call<{ status: string; flags: unknown[] }>(
      'lab-analyser',
      'POST',
      '/api/lab/results',
      {
        orderId: order.orderId,
        results: [{ code: '2823-3', value: 6.8 }],
      },
    );
    expect(posted.body).toMatchObject({
      status: 'preliminary',
      flags: [{ code: '2823-3', interpretation: 'HH', delta: false }],
    });
    const verified = await call('labdoc', 'POST', `/api/lab/reports/${order.orderId}/verification`);
    expect(verified.body).toMatchObject({ status: 'final', critical: 1 });

    const [alert] = await eventually(
      () => alertsOf('clinic-a-doctor', order.orderId),
      (alerts) => alerts.length === 1,
      'the critical value to reach the clinic',
    );
    expect(alert).toMatchObject({
      status: 'open',
      finding: { code: '2823-3', value: 6.8, unit: 'mmol/L', flag: 'HH' },
      reportedBy: 'labdoc',
    });
    const communication = (
      await call<Communication>('clinic-a', 'GET', `/fhir/Communication/${alert.communicationId}`)
    ).body;
    expect(communication.status).toBe('in-progress');
    expect(communication.payload?.[0]?.contentString).toMatch(/6\.8 mmol\/L/);
    expect(communication.about?.map((a) => a.reference)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Observation\//),
        expect.stringMatching(/^DiagnosticReport\//),
      ]),
    );
    // The clinic's own system gets the result flagged critical.
    const oru = await eventually(
      async () => his.received.find((m) => m.includes(order.orderId) || m.includes('6.8')),
      (m) => m !== undefined,
      'the ORU^R01 to reach the clinic',
    );
    expect(hl7Field(oru!, 'OBX', 8)).toBe('HH');

    const wrong = await call(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${alert.id}/acknowledgement`,
      {
        readBack: '钾 6.3',
      },
    );
    expect(wrong.status).toBe(422);
    expect((await alertsOf('clinic-a-doctor', order.orderId))[0].status).toBe('open');
    const right = await call<AlertView>(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${alert.id}/acknowledgement`,
      {
        readBack: '钾 6.8 mmol/L',
      },
    );
    expect(right.status).toBe(200);
    expect(right.body.status).toBe('acknowledged');
    expect(right.body.acknowledgement?.readBack).toBe('钾 6.8 mmol/L');
    const again = await call(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${alert.id}/acknowledgement`,
      {
        readBack: '6.8',
      },
    );
    expect(again.status).toBe(409);
    expect(
      (await call<Communication>('clinic-a', 'GET', `/fhir/Communication/${alert.communicationId}`))
        .body.status,
    ).toBe('completed');
  });

  it("shows the physician each waiting result with its range, the patient and the patient's previous values", async () => {
    const patient = makePatient({ gender: 'male', birthDate: '1950-06-15' });
    const residentId = patient.identifier![0].value!;
    const order = (p = patient) =>
      orderLabTest(call, {
        clinic: 'clinic-a',
        org: 'CLINIC-A',
        lab: 'labtech',
        patient: p,
        code: { system: 'http://loinc.org', code: '2823-3' },
      });
    const earlier = await order();
    await shipAndReceive([earlier.accession], 25);
    // A normal value from the analyser is released at once and reaches the consortium record.
    await call('lab-analyser', 'POST', '/api/lab/results', {
      orderId: earlier.orderId,
      results: [{ code: '2823-3', value: 4.2 }],
    });
    await eventually(
      () =>
        call<Bundle>(
          'clinic-a',
          'GET',
          `/fhir/DiagnosticReport?based-on=ServiceRequest/${earlier.orderId}`,
        ),
      (r) => (r.body.entry?.length ?? 0) === 1,
      'the first potassium to be stored',
    );
    const later = await order();
    await shipAndReceive([later.accession]);
    await call('labtech', 'POST', '/api/lab/results', {
      orderId: later.orderId,
      results: [{ code: '2823-3', value: 5.6 }],
    });

    const worklist = await call<
      Array<{
        orderId: string;
        patient: { name: string; residentId: string; gender: string };
        results: Array<Record<string, unknown> & { previous: Array<Record<string, unknown>> }>;
      }>
    >('labdoc', 'GET', '/api/lab/verifications');
    expect(worklist.status).toBe(200);
    const item = worklist.body.find((i) => i.orderId === later.orderId);
    expect(item).toMatchObject({
      code: '2823-3',
      enteredBy: 'labtech',
      enteredByName: '赵检验 (lab technician)',
      orderNumber: expect.any(String) as unknown,
      requester: { org: 'CLINIC-A' },
      item: { displayZh: expect.stringContaining('钾') as unknown },
      patient: {
        name: '张三',
        residentId: `${residentId.slice(0, 6)}********${residentId.slice(-4)}`,
        gender: 'male',
        birthDate: '1950-06-15',
      },
      results: [
        {
          code: '2823-3',
          value: 5.6,
          unit: 'mmol/L',
          low: 3.5,
          high: 5.3,
          interpretation: 'H',
          delta: true,
          previous: [{ value: 4.2, unit: 'mmol/L', interpretation: 'N', orderId: earlier.orderId }],
        },
      ],
    });
    expect(JSON.stringify(worklist.body)).not.toContain(residentId);
    expect(
      (await call('labchief', 'POST', `/api/lab/reports/${later.orderId}/verification`)).status,
    ).toBe(200);
  });

  it('escalates a critical value nobody acknowledges, until it is acknowledged', async () => {
    const order = await orderPotassium('male');
    await shipAndReceive([order.accession]);
    await call('labtech', 'POST', '/api/lab/results', {
      orderId: order.orderId,
      results: [{ code: '2823-3', value: 2.1 }],
    });
    expect(
      (await call('labchief', 'POST', `/api/lab/reports/${order.orderId}/verification`)).status,
    ).toBe(200);
    const [escalated] = await eventually(
      () => alertsOf('clinic-a-doctor', order.orderId),
      (alerts) => alerts[0]?.escalationLevel >= 1,
      'the unacknowledged alert to escalate (timeout 3 s)',
      30_000,
    );
    expect(escalated).toMatchObject({ status: 'open', finding: { flag: 'LL', value: 2.1 } });
    const detail = await call<AlertView>(
      'clinic-a-doctor',
      'GET',
      `/api/critical-values/${escalated.id}`,
    );
    const escalation = detail.body.events?.find((e) => e.kind === 'escalated');
    expect(escalation?.notified.map((n) => n.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/医务科/), expect.stringMatching(/检验中心/)]),
    );
    const acknowledged = await call<AlertView>(
      'clinic-a',
      'POST',
      `/api/critical-values/${escalated.id}/acknowledgement`,
      { readBack: 'K 2.1', acknowledgedBy: '值班医生 张 duty doctor Zhang' },
    );
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.acknowledgement?.by).toBe('值班医生 张 duty doctor Zhang');
  });

  it('delivers a corrected report again as amended, keeping the first version in the history', async () => {
    const order = await orderPotassium();
    await shipAndReceive([order.accession]);
    const posted = await call<{ status: string }>('lab-analyser', 'POST', '/api/lab/results', {
      orderId: order.orderId,
      results: [{ code: '2823-3', value: 4.4 }],
    });
    expect(posted.body.status).toBe('final');
    const reportId = (posted.body as unknown as { reportId: string }).reportId;
    await eventually(
      async () => his.received.filter((m) => m.includes('|4.4|')).length,
      (n) => n >= 1,
      'the first report to reach the clinic',
    );
    const correction = await call<{ status: string; version: number }>(
      'labtech',
      'POST',
      '/api/lab/results',
      {
        orderId: order.orderId,
        results: [{ code: '2823-3', value: 4.9 }],
        correction: { reason: '仪器校准后复测 re-measured after calibration' },
      },
    );
    expect(correction.body).toMatchObject({ status: 'preliminary', version: 2 });
    // The one who entered the correction cannot release it.
    expect(
      (await call('labtech', 'POST', `/api/lab/reports/${order.orderId}/verification`)).status,
    ).toBe(403);
    const verified = await call('labdoc', 'POST', `/api/lab/reports/${order.orderId}/verification`);
    expect(verified.body).toMatchObject({ status: 'amended', version: 2 });
    const amended = await eventually(
      async () => his.received.find((m) => m.includes('|4.9|')),
      (m) => m !== undefined,
      'the amended report to reach the clinic',
    );
    expect(hl7Field(amended!, 'OBR', 25)).toBe('C');
    const report = (
      await call<DiagnosticReport>('clinic-a', 'GET', `/fhir/DiagnosticReport/${reportId}`)
    ).body;
    expect(report.status).toBe('amended');
    const history = (
      await call<Bundle>('clinic-a', 'GET', `/fhir/DiagnosticReport/${reportId}/_history`)
    ).body;
    expect(history.entry?.map((e) => (e.resource as DiagnosticReport).status).sort()).toEqual([
      'amended',
      'final',
    ]);
  });
});
