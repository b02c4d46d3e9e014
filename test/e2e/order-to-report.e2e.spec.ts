import type {
  Bundle,
  DiagnosticReport,
  Observation,
  OperationOutcome,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { clientToken, userToken } from '../support/auth-client';
import {
  breakCheckChar,
  makeOrderBundle,
  makePatient,
  makePlacerNumber,
  makeResidentId,
  makeServiceRequest,
} from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

type FhirClient = InstanceType<Awaited<typeof import('fhir-kit-client')>['Client']>;
interface Row {
  n: number;
  relayed_at: Date | null;
}
interface HttpError {
  response: { status: number; data: OperationOutcome };
}

jest.setTimeout(120_000);

/**
 * The spine, driven as a member clinic would: fhir-kit-client against the real gateway, the four
 * centres and the lab's result endpoint, over a private Redis and the test database.
 */
describe('order → centre → report (e2e)', () => {
  let hub: RunningHub;
  let clinicA: FhirClient;
  let clinicB: FhirClient;
  let db: PgClient;

  const fhirClient = async (token?: string): Promise<FhirClient> => {
    const { Client } = await import('fhir-kit-client');
    return new Client({ baseUrl: hub.fhirUrl, ...(token ? { bearerToken: token } : {}) });
  };

  const failure = async (call: Promise<unknown>): Promise<HttpError['response']> => {
    try {
      await call;
    } catch (error) {
      return (error as HttpError).response;
    }
    throw new Error('expected the request to fail');
  };

  const search = async (
    client: FhirClient,
    options: { resourceType: string; searchParams?: Record<string, string> },
  ): Promise<Bundle> => (await client.search(options)) as unknown as Bundle;

  const taskFor = async (client: FhirClient, orderId: string): Promise<Task> => {
    const bundle = await search(client, {
      resourceType: 'Task',
      searchParams: { 'based-on': `ServiceRequest/${orderId}` },
    });
    expect(bundle.total).toBe(1);
    return bundle.entry?.[0]?.resource as Task;
  };

  const submitOrder = async (client: FhirClient, bundle: Bundle): Promise<ServiceRequest> => {
    const response = (await client.transaction({ body: bundle as never })) as unknown as Bundle;
    return response.entry?.find((e) => e.resource?.resourceType === 'ServiceRequest')
      ?.resource as ServiceRequest;
  };

  beforeAll(async () => {
    hub = await startHub();
    clinicA = await fhirClient(await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret'));
    clinicB = await fhirClient(await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret'));
    db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await hub?.shutdown();
  });

  it('takes a potassium order from clinic A to a final report clinic A can read', async () => {
    const order = await submitOrder(
      clinicA,
      makeOrderBundle({ org: 'CLINIC-A', priority: 'urgent' }),
    );
    expect(order.id).toBeDefined();
    expect(order.status).toBe('active');
    expect(
      order.identifier?.some(
        (i) => i.type?.coding?.[0]?.code === 'FILL' && /^HUB\d{14}$/.test(i.value ?? ''),
      ),
    ).toBe(true);
    expect(order.performer?.[0]?.reference).toBe('Organization/lab');

    const accepted = await eventually(
      () => taskFor(clinicA, order.id!),
      (task) => task.status === 'accepted',
      'the lab to accept the order',
    );
    expect(accepted.owner?.reference).toBe('Organization/lab');

    const labtech = await userToken(hub.baseUrl, 'labtech');
    const posted = await fetch(`${hub.baseUrl}/api/lab/results`, {
      method: 'POST',
      headers: { authorization: `Bearer ${labtech}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: order.id,
        results: [{ code: '2823-3', value: 5.8, unit: 'mmol/L' }],
      }),
    });
    expect(posted.status).toBe(201);
    // A technician's results wait for a lab physician (two-step release).
    expect(await posted.json()).toMatchObject({
      status: 'preliminary',
      flags: [{ code: '2823-3', interpretation: 'H', delta: false }],
    });
    const labdoc = await userToken(hub.baseUrl, 'labdoc');
    const verified = await fetch(`${hub.baseUrl}/api/lab/reports/${order.id}/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${labdoc}` },
    });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ status: 'final', version: 1, critical: 0 });

    const reports = await eventually(
      async () =>
        await search(clinicA, {
          resourceType: 'DiagnosticReport',
          searchParams: { 'based-on': `ServiceRequest/${order.id}` },
        }),
      (bundle) => bundle.total === 1,
      'the report to reach the consortium record',
    );
    const report = reports.entry?.[0]?.resource as DiagnosticReport;
    expect(report.status).toBe('final');
    expect(report.subject?.reference).toBe(order.subject?.reference);

    const observation = (await clinicA.read({
      resourceType: 'Observation',
      id: report.result![0].reference!.split('/')[1],
    })) as unknown as Observation;
    expect(observation.code.coding?.[0]).toMatchObject({
      system: 'http://loinc.org',
      code: '2823-3',
    });
    expect(observation.valueQuantity).toMatchObject({
      value: 5.8,
      unit: 'mmol/L',
      system: 'http://unitsofmeasure.org',
    });
    expect(observation.interpretation?.[0]?.coding?.[0]?.code).toBe('H');
    expect(observation.referenceRange?.[0]).toMatchObject({
      low: { value: 3.5 },
      high: { value: 5.3 },
    });

    const completed = await taskFor(clinicA, order.id!);
    expect(completed.status).toBe('completed');
    expect(completed.output?.[0]?.valueReference?.reference).toBe(`DiagnosticReport/${report.id}`);

    // Clinic B cannot read clinic A's order, report or observation, nor find them by search.
    expect(
      (await failure(clinicB.read({ resourceType: 'ServiceRequest', id: order.id! }))).status,
    ).toBe(404);
    expect(
      (await failure(clinicB.read({ resourceType: 'DiagnosticReport', id: report.id! }))).status,
    ).toBe(404);
    const searchB = await search(clinicB, {
      resourceType: 'DiagnosticReport',
      searchParams: { 'based-on': `ServiceRequest/${order.id}` },
    });
    expect(searchB.total).toBe(0);
  });

  it('returns the existing order for a resubmitted placer number and routes it once', async () => {
    const placer = makePlacerNumber();
    const patient = makePatient();
    const first = await submitOrder(clinicA, makeOrderBundle({ org: 'CLINIC-A', placer, patient }));
    const second = await submitOrder(
      clinicA,
      makeOrderBundle({ org: 'CLINIC-A', placer, patient }),
    );
    expect(second.id).toBe(first.id);
    await eventually(
      () => taskFor(clinicA, first.id!),
      (task) => task.status === 'accepted',
      'the lab to accept the order',
    );
    const routed = await db.query<Row>(
      `SELECT count(*)::int AS n FROM lab.received_order WHERE order_id = $1`,
      [first.id],
    );
    expect(routed.rows[0].n).toBe(1);
    const outbox = await db.query<Row>(
      `SELECT count(*)::int AS n FROM gateway.outbox WHERE job_id = $1`,
      [`order-${first.id}`],
    );
    expect(outbox.rows[0].n).toBe(1);
    const orders = await search(clinicA, {
      resourceType: 'ServiceRequest',
      searchParams: { identifier: `urn:hub:placer:CLINIC-A|${placer}` },
    });
    expect(orders.total).toBe(1);
  });

  it('refuses an invalid 居民身份证号 with an OperationOutcome naming the field, and stores nothing', async () => {
    const residentId = breakCheckChar(makeResidentId());
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      patient: makePatient({
        identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: residentId }],
      }),
    });
    const error = await failure(clinicA.transaction({ body: bundle as never }));
    expect(error.status).toBe(422);
    expect(error.data.resourceType).toBe('OperationOutcome');
    expect(error.data.issue[0].expression).toEqual([
      'Bundle.entry[0].resource.identifier[0].value',
    ]);
    expect(error.data.issue[0].diagnostics).toContain('居民身份证号');
    const stored = await db.query<Row>(
      `SELECT count(*)::int AS n FROM gateway.patient_identifier WHERE value = $1`,
      [residentId],
    );
    expect(stored.rows[0].n).toBe(0);
  });

  it('refuses an unknown catalogue code and routes nothing', async () => {
    const placer = makePlacerNumber();
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      placer,
      code: { system: 'http://loinc.org', code: '99999-9' },
    });
    const error = await failure(clinicA.transaction({ body: bundle as never }));
    expect(error.status).toBe(422);
    expect(error.data.issue[0].expression).toEqual(['Bundle.entry[1].resource.code']);
    const orders = await db.query<Row>(
      `SELECT count(*)::int AS n FROM gateway.service_order WHERE placer_value = $1`,
      [placer],
    );
    expect(orders.rows[0].n).toBe(0);
  });

  it('answers 401 with an OperationOutcome without a token or with a bad one', async () => {
    const anonymous = await fhirClient();
    const missing = await failure(anonymous.search({ resourceType: 'ServiceRequest' }));
    expect(missing.status).toBe(401);
    expect(missing.data.resourceType).toBe('OperationOutcome');
    const forged = await fhirClient('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.invalid');
    expect(
      (await failure(forged.read({ resourceType: 'Organization', id: 'clinic-a' }))).status,
    ).toBe(401);
  });

  it("does not let clinic B order under clinic A's name", async () => {
    const patient = (await clinicB.create({
      resourceType: 'Patient',
      body: makePatient() as never,
    })) as unknown as { id: string };
    const request = makeServiceRequest({
      org: 'CLINIC-B',
      subject: { reference: `Patient/${patient.id}` },
    });
    request.requester = { reference: 'Organization/clinic-a' };
    const error = await failure(
      clinicB.create({ resourceType: 'ServiceRequest', body: request as never }),
    );
    expect(error.status).toBe(403);
  });

  it('keeps an order accepted while Redis is down and routes it when Redis returns', async () => {
    await hub.redis.stop();
    const order = await submitOrder(
      clinicA,
      makeOrderBundle({
        org: 'CLINIC-A',
        code: { system: 'urn:hub:catalogue', code: 'IMG-DR-CHEST' },
      }),
    );
    expect(order.id).toBeDefined();
    const pending = await db.query<Row>(`SELECT relayed_at FROM gateway.outbox WHERE job_id = $1`, [
      `order-${order.id}`,
    ]);
    expect(pending.rows[0].relayed_at).toBeNull();
    expect((await taskFor(clinicA, order.id!)).status).toBe('requested');

    await hub.redis.start();
    const task = await eventually(
      () => taskFor(clinicA, order.id!),
      (t) => t.status === 'accepted',
      'the imaging centre to accept after Redis returned',
      60_000,
    );
    expect(task.owner?.reference).toBe('Organization/imaging');
    const routed = await db.query<Row>(
      `SELECT count(*)::int AS n FROM imaging.received_order WHERE order_id = $1`,
      [order.id],
    );
    expect(routed.rows[0].n).toBe(1);
  });
});
