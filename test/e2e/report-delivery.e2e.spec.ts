import type { Bundle, ServiceRequest } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { clientToken } from '../support/auth-client';
import { makeOrderBundle, makePatient, makeResidentId } from '../support/factories';
import { type RunningHub, eventually, freePort, startHub } from '../support/hub-harness';
import { ClinicEndpoint } from '../support/clinic-endpoint';
import { hl7Field } from '../support/mllp-client';

jest.setTimeout(120_000);

/**
 * Reports go back to the ordering clinic's own system as ORU^R01 over MLLP: in the clinic's
 * character set, retried while the clinic is down, kept as failed when the clinic rejects them.
 */
describe('report delivery to the clinic (e2e)', () => {
  let hub: RunningHub;
  let db: PgClient;
  const endpoints: ClinicEndpoint[] = [];

  const outbound = async (orderId: string) =>
    (
      await db.query<{ status: string; error: string | null; ack_code: string | null }>(
        `SELECT status, error, ack_code FROM gateway.hl7_message WHERE direction = 'out' AND $1 = ANY(order_ids) ORDER BY id`,
        [orderId],
      )
    ).rows;

  /** Orders a potassium for a new patient as `client`, has the analyser report 4.1 mmol/L (released by the autoverification rule); returns the order and report id. */
  const orderAndReport = async (
    client: string,
    secret: string,
    org: string,
    name: string,
  ): Promise<ServiceRequest & { reportId: string }> => {
    const token = await clientToken(hub.baseUrl, client, secret);
    const bundle = makeOrderBundle({
      org,
      patient: makePatient({
        name: [{ family: name[0], given: [name.slice(1)], text: name }],
        identifier: [
          {
            system: 'urn:oid:2.16.156.10011.1.3',
            value: makeResidentId({ birthDate: '1960-05-01', gender: 'male' }),
          },
        ],
      }),
    });
    const response = (await (
      await fetch(hub.fhirUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(bundle),
      })
    ).json()) as Bundle;
    const order = response.entry![1].resource as ServiceRequest;
    await eventually(
      async () =>
        (await db.query(`SELECT 1 FROM lab.received_order WHERE order_id = $1`, [order.id]))
          .rowCount,
      (n) => n === 1,
      'the lab to receive the order',
    );
    const analyser = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    const posted = await fetch(`${hub.baseUrl}/api/lab/results`, {
      method: 'POST',
      headers: { authorization: `Bearer ${analyser}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: order.id, results: [{ code: '2823-3', value: 4.1 }] }),
    });
    expect(posted.status).toBe(201);
    return { ...order, reportId: ((await posted.json()) as { reportId: string }).reportId };
  };

  beforeAll(async () => {
    hub = await startHub({
      env: { DELIVERY_BACKOFF_MS: '200', DELIVERY_SECRET_CLINIC_A: 'clinic-a-secret' },
    });
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
    await db?.end();
    await hub?.shutdown();
  });

  it('delivers ORU^R01 in the clinic’s character set, after the clinic comes back', async () => {
    const endpoint = new ClinicEndpoint(await freePort(), 'gb18030', 'AA');
    endpoints.push(endpoint);
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port, charset) VALUES ('CLINIC-A', 'mllp', '127.0.0.1', $1, 'GB 18030-2000')`,
      [endpoint.port],
    );

    const order = await orderAndReport('clinic-a', 'clinic-a-secret', 'CLINIC-A', '司马光');
    // The clinic is down: attempts fail and are logged, and the job keeps retrying.
    const failures = await eventually(
      () => outbound(order.id!),
      (rows) => rows.length >= 2 && rows.every((r) => r.status === 'failed'),
      'failed attempts while the clinic is down',
    );
    expect(failures[0].error).toMatch(/ECONNREFUSED|closed/);

    await endpoint.start();
    await eventually(
      async () => endpoint.received.length,
      (n) => n >= 1,
      'the clinic to receive the report',
      30_000,
    );
    const oru = endpoint.received[0];
    expect(hl7Field(oru, 'MSH', 9)).toBe('ORU^R01^ORU_R01');
    expect(hl7Field(oru, 'MSH', 18)).toBe('GB 18030-2000');
    expect(hl7Field(oru, 'PID', 5)).toBe('司^马光');
    const placer = order.identifier!.find((i) => i.type?.coding?.[0]?.code === 'PLAC')!.value;
    expect(hl7Field(oru, 'ORC', 2)).toBe(placer);
    expect(hl7Field(oru, 'OBR', 25)).toBe('F');
    expect(hl7Field(oru, 'OBX', 3)).toBe('2823-3^Potassium^LN');
    expect(hl7Field(oru, 'OBX', 5)).toBe('4.1');
    expect(hl7Field(oru, 'OBX', 7)).toBe('3.5-5.3');
    expect(hl7Field(oru, 'OBX', 8)).toBe('N');
    const rows = await eventually(
      () => outbound(order.id!),
      (r) => r.at(-1)?.status === 'delivered',
      'the delivery to be logged',
    );
    expect(rows.at(-1)?.ack_code).toBe('AA');
  });

  it('keeps a report the clinic rejects as failed with its reason, and does not retry it', async () => {
    const endpoint = new ClinicEndpoint(await freePort(), 'utf-8', 'AE');
    endpoints.push(endpoint);
    await endpoint.start();
    await db.query(
      `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port) VALUES ('CLINIC-B', 'mllp', '127.0.0.1', $1)`,
      [endpoint.port],
    );
    const order = await orderAndReport('clinic-b', 'clinic-b-secret', 'CLINIC-B', '李四');
    const rows = await eventually(
      () => outbound(order.id!),
      (r) => r.length === 1 && r[0].status === 'failed',
      'the rejection to be logged',
    );
    expect(rows[0].ack_code).toBe('AE');
    expect(rows[0].error).toContain('AE');
    // A rejection is final: no new attempt follows (several backoff periods pass without one).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await outbound(order.id!)).toHaveLength(1);
    expect(endpoint.received).toHaveLength(1);

    // IT staff send it again from the message log (say, after the clinic fixed its side).
    const itops = await (await import('../support/auth-client')).userToken(hub.baseUrl, 'itops');
    const failed = await db.query<{ id: string }>(
      `SELECT id FROM gateway.hl7_message WHERE direction = 'out' AND $1 = ANY(order_ids)`,
      [order.id],
    );
    const replay = await fetch(`${hub.baseUrl}/api/hl7/messages/${failed.rows[0].id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${itops}` },
    });
    expect(replay.status).toBe(200);
    await eventually(
      async () => endpoint.received.length,
      (n) => n === 2,
      'the replayed delivery to arrive',
    );
    expect(await outbound(order.id!)).toHaveLength(2);
  });

  it('writes the report to a member’s FHIR server (here a second hub) as one transaction Bundle', async () => {
    const memberServer = await startHub();
    try {
      await db.query(
        `UPDATE gateway.delivery_endpoint SET kind = 'fhir', fhir_base_url = $1, token_url = $2, client_id = 'clinic-a', client_secret_env = 'DELIVERY_SECRET_CLINIC_A'
         WHERE org_code = 'CLINIC-A'`,
        [memberServer.fhirUrl, `${memberServer.baseUrl}/auth/token`],
      );
      const order = await orderAndReport('clinic-a', 'clinic-a-secret', 'CLINIC-A', '王五');
      const token = await clientToken(memberServer.baseUrl, 'clinic-a', 'clinic-a-secret');
      const read = async (query: string) =>
        (await (
          await fetch(`${memberServer.fhirUrl}/${query}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as Bundle;
      const reports = await eventually(
        () => read(`DiagnosticReport?identifier=urn:hub:report|${order.reportId}`),
        (b) => b.total === 1,
        'the report on the member’s FHIR server',
        30_000,
      );
      const report = reports.entry![0].resource as {
        status: string;
        subject: { reference: string };
        result: Array<{ reference: string }>;
      };
      expect(report.status).toBe('final');
      expect(report.result).toHaveLength(1);
      const observation = (
        await read(`Observation?${report.result[0].reference.replace('Observation/', '_id=')}`)
      ).entry![0].resource as { valueQuantity: { value: number } };
      expect(observation.valueQuantity.value).toBe(4.1);
      const patient = (
        await read(`Patient?${report.subject.reference.replace('Patient/', '_id=')}`)
      ).entry![0].resource as { name: Array<{ text: string }> };
      expect(patient.name[0].text).toBe('王五');
    } finally {
      await memberServer.shutdown();
    }
  });
});
