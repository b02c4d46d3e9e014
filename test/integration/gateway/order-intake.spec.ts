import { Queue } from 'bullmq';
import type { ServiceRequest } from 'fhir/r4';
import { FhirError } from '@hub/fhir';
import { redisOptions } from '@hub/platform';
import { makePatient, makePlacerNumber, makeServiceRequest } from '../../support/factories';
import { type GatewayFixture, gatewayFixture } from './gateway-fixture';

const withPatientIdentifier = (request: ServiceRequest): ServiceRequest => ({
  ...request,
  subject: { identifier: makePatient().identifier![0] },
});

describe('order intake (real PostgreSQL and Redis)', () => {
  let fx: GatewayFixture;
  let labQueue: Queue;

  beforeAll(async () => {
    fx = await gatewayFixture();
    labQueue = new Queue('lab.orders', {
      connection: redisOptions('redis://127.0.0.1:6379'),
      prefix: fx.prefix,
    });
  });

  afterAll(async () => {
    await labQueue.obliterate({ force: true });
    await labQueue.close();
    await fx.close();
  });

  const count = async (sql: string, params: unknown[]) =>
    (
      await fx.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${sql}`,
        params,
      )
    )[0].n;

  it('writes the order, its Task and one outbox row together, and the relay routes it once', async () => {
    const placer = makePlacerNumber();
    const result = await fx.intake.submit(
      withPatientIdentifier(makeServiceRequest({ org: 'CLINIC-A', placer, priority: 'stat' })),
      'CLINIC-A',
    );
    expect(result.created).toBe(true);
    expect(result.task).toMatchObject({
      status: 'requested',
      owner: { reference: 'Organization/lab' },
    });
    expect(
      await count(`gateway.outbox WHERE job_id = $1`, [`order-${result.serviceRequest.id}`]),
    ).toBe(1);

    fx.relay.kick();
    const job = await waitForJob(labQueue, `order-${result.serviceRequest.id}`);
    expect(job.data).toMatchObject({
      orderId: result.serviceRequest.id,
      centre: 'lab',
      code: '2823-3',
      priority: 'stat',
    });
    expect(job.opts.priority).toBe(1);
    expect(JSON.stringify(job.data)).not.toMatch(/\d{17}[\dX]/);
  });

  it('gives imaging and ECG orders an accession number (ACSN), and lab orders a specimen', async () => {
    const submit = (system: string, code: string) =>
      fx.intake.submit(
        withPatientIdentifier({
          ...makeServiceRequest({ org: 'CLINIC-A', placer: makePlacerNumber() }),
          code: { coding: [{ system, code }] },
        }),
        'CLINIC-A',
      );
    const accession = (request: ServiceRequest) =>
      request.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    const ct = await submit('urn:hub:catalogue', 'IMG-CT-HEAD');
    const ecg = await submit('http://loinc.org', '11524-6');
    const potassium = await submit('http://loinc.org', '2823-3');
    expect(accession(ct.serviceRequest)).toMatch(/^I\d{12}$/);
    expect(accession(ecg.serviceRequest)).toMatch(/^E\d{12}$/);
    expect(accession(potassium.serviceRequest)).toBeUndefined();
    expect(potassium.specimen?.accessionIdentifier?.value).toMatch(/^L\d{12}$/);
    expect(potassium.serviceRequest.specimen).toEqual([
      { reference: `Specimen/${potassium.specimen?.id}` },
    ]);
  });

  it('returns the existing order for the same placer number, even when sent concurrently', async () => {
    const placer = makePlacerNumber();
    const request = withPatientIdentifier(makeServiceRequest({ org: 'CLINIC-A', placer }));
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => fx.intake.submit(request, 'CLINIC-A')),
    );
    const ids = new Set(results.map((r) => r.serviceRequest.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await count(`gateway.service_order WHERE placer_value = $1`, [placer])).toBe(1);
  });

  it('treats the same placer number from another clinic as a different order', async () => {
    const placer = makePlacerNumber();
    const a = await fx.intake.submit(
      withPatientIdentifier(makeServiceRequest({ org: 'CLINIC-A', placer })),
      'CLINIC-A',
    );
    const request = withPatientIdentifier(makeServiceRequest({ org: 'CLINIC-B', placer }));
    request.identifier![0].system = 'urn:hub:placer:CLINIC-A';
    const b = await fx.intake.submit(request, 'CLINIC-B');
    expect(b.serviceRequest.id).not.toBe(a.serviceRequest.id);
  });

  it('changes nothing when the order is refused', async () => {
    const placer = makePlacerNumber();
    const request = withPatientIdentifier(
      makeServiceRequest({
        org: 'CLINIC-A',
        placer,
        code: { system: 'http://loinc.org', code: '0000-0' },
      }),
    );
    const error = (await fx.intake
      .submit(request, 'CLINIC-A')
      .catch((e: unknown) => e)) as FhirError;
    expect(error).toBeInstanceOf(FhirError);
    expect(error.status).toBe(422);
    expect(await count(`gateway.service_order WHERE placer_value = $1`, [placer])).toBe(0);
    const residentId = (request.subject.identifier!.value as string).toUpperCase();
    expect(await count(`gateway.patient_identifier WHERE value = $1`, [residentId])).toBe(0);
  });

  it('refuses an order from a centre, which is not a member unit', async () => {
    const request = withPatientIdentifier(makeServiceRequest({ org: 'LAB' }));
    await expect(fx.intake.submit(request, 'LAB')).rejects.toMatchObject({ status: 403 });
  });
});

async function waitForJob(queue: Queue, jobId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} never reached ${queue.name}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
