import { randomUUID } from 'node:crypto';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient, Task } from 'fhir/r4';
import { clientToken, userToken } from '../support/auth-client';
import { breakCheckChar, makeOrderBundle, makePatient, makeResidentId } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

type FhirClient = InstanceType<Awaited<typeof import('fhir-kit-client')>['Client']>;

jest.setTimeout(120_000);

/**
 * The FHIR surface beyond the happy path: capability, versions, Bundles, conditional create, paging,
 * and the answers to bad requests — always an OperationOutcome, never a 500.
 */
describe('FHIR API (e2e)', () => {
  let hub: RunningHub;
  let clinicA: FhirClient;
  let tokenA: string;
  const residentIds: string[] = [];

  const fhir = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.fhirUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${tokenA}`, ...(init.headers ?? {}) },
    });

  const postPatient = (body: Patient) =>
    fhir('/Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });

  /** Places a potassium order for a new patient and waits until the lab has accepted it. */
  const acceptedOrder = async (): Promise<{ orderId: string; task: Task }> => {
    const response = (await clinicA.transaction({
      body: makeOrderBundle({ org: 'CLINIC-A', patient: patient() }) as never,
    })) as unknown as Bundle;
    const orderId = response.entry?.[1]?.resource?.id as string;
    const tasks = await eventually(
      async () =>
        (await clinicA.search({
          resourceType: 'Task',
          searchParams: { 'based-on': `ServiceRequest/${orderId}`, status: 'accepted' },
        })) as unknown as Bundle,
      (bundle) => bundle.total === 1,
      'the lab to accept the order',
    );
    return { orderId, task: tasks.entry?.[0]?.resource as Task };
  };

  /** How many stored patients carry this patient's 居民身份证号. */
  const patientsWith = async (p: Patient): Promise<number | undefined> => {
    const found = (await clinicA.search({
      resourceType: 'Patient',
      searchParams: { identifier: `urn:oid:2.16.156.10011.1.3|${p.identifier![0].value}` },
    })) as unknown as Bundle;
    return found.total;
  };

  const outcome = async (response: Response): Promise<OperationOutcome> => {
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await response.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    return body;
  };

  const patient = (): Patient => {
    const residentId = makeResidentId({ birthDate: '1960-05-01', gender: 'male' });
    residentIds.push(residentId);
    return makePatient({
      identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: residentId }],
    });
  };

  beforeAll(async () => {
    hub = await startHub();
    tokenA = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    const { Client } = await import('fhir-kit-client');
    clinicA = new Client({ baseUrl: hub.fhirUrl, bearerToken: tokenA });
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('describes exactly what it supports in the CapabilityStatement', async () => {
    const capability = (await clinicA.capabilityStatement()) as unknown as CapabilityStatement;
    expect(capability.fhirVersion).toBe('4.0.1');
    const types = capability.rest?.[0]?.resource?.map((r) => r.type);
    expect(types).toEqual([
      'Patient',
      'Organization',
      'ServiceRequest',
      'Task',
      'Observation',
      'DiagnosticReport',
      'Specimen',
      'ImagingStudy',
      'Communication',
    ]);
    const task = capability.rest?.[0]?.resource?.find((r) => r.type === 'Task');
    expect(task?.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['based-on', 'status', 'owner', '_lastUpdated']),
    );
    expect(capability.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
  });

  it('keeps the versions of a Task as it moves, readable by vread and _history', async () => {
    const { task } = await acceptedOrder();
    expect(task.meta?.versionId).toBe('2');
    const first = (await clinicA.vread({
      resourceType: 'Task',
      id: task.id!,
      version: '1',
    })) as unknown as Task;
    expect(first.status).toBe('requested');
    const history = (await clinicA.history({
      resourceType: 'Task',
      id: task.id!,
    })) as unknown as Bundle;
    expect(history.type).toBe('history');
    expect(history.entry?.map((e) => (e.resource as Task).status)).toEqual([
      'accepted',
      'requested',
    ]);
  });

  it('links a patient submitted twice by 居民身份证号 instead of creating a duplicate', async () => {
    const submitted = patient();
    const mrn = `MRN-${randomUUID().slice(0, 8)}`;
    const withMrn = (p: Patient): Patient => ({
      ...p,
      identifier: [...p.identifier!, { system: 'urn:hub:mrn:CLINIC-A', value: mrn }],
    });
    const first = await postPatient(submitted);
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(/\/fhir\/Patient\/[\w-]+\/_history\/1$/);
    const again = await postPatient(withMrn(submitted));
    expect(again.status).toBe(200);
    const linked = (await again.json()) as Patient;
    expect(linked.id).toBe(((await first.json()) as Patient).id);
    expect(linked.identifier?.map((i) => i.system)).toEqual([
      'urn:oid:2.16.156.10011.1.3',
      'urn:hub:mrn:CLINIC-A',
    ]);
    const found = (await clinicA.search({
      resourceType: 'Patient',
      searchParams: { identifier: `urn:hub:mrn:CLINIC-A|${mrn}` },
    })) as unknown as Bundle;
    expect(found.entry?.map((e) => e.resource?.id)).toEqual([linked.id]);

    // The same MRN with another person's 居民身份证号 would merge two people: refused, nothing changes.
    const other = patient();
    const conflict = await postPatient(withMrn(other));
    expect(conflict.status).toBe(409);
    expect((await outcome(conflict)).issue[0].diagnostics).toContain(
      'different urn:oid:2.16.156.10011.1.3 identifier',
    );
    expect(await patientsWith(other)).toBe(0);
  });

  it('processes a batch entry by entry and reports each outcome', async () => {
    const bad = makePatient({
      identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: '123' }],
    });
    const response = (await clinicA.batch({
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: patient(), request: { method: 'POST', url: 'Patient' } },
          { resource: bad, request: { method: 'POST', url: 'Patient' } },
        ],
      },
    })) as unknown as Bundle;
    expect(response.type).toBe('batch-response');
    expect(response.entry?.[0]?.response?.status).toBe('201 Created');
    expect(response.entry?.[1]?.response?.status).toBe('422');
    expect(
      (response.entry?.[1]?.response?.outcome as OperationOutcome).issue[0].expression,
    ).toEqual(['Bundle.entry[1].resource.identifier[0].value']);
  });

  it('creates conditionally with ifNoneExist', async () => {
    const subject = (await clinicA.create({
      resourceType: 'Patient',
      body: patient() as never,
    })) as unknown as Patient;
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      identifier: [{ system: 'urn:hub:obs:CLINIC-A', value: `BP-${subject.id}` }],
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: { reference: `Patient/${subject.id}` },
      valueQuantity: {
        value: 128,
        unit: 'mm[Hg]',
        system: 'http://unitsofmeasure.org',
        code: 'mm[Hg]',
      },
    };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: observation,
          request: {
            method: 'POST',
            url: 'Observation',
            ifNoneExist: `identifier=urn:hub:obs:CLINIC-A|BP-${subject.id}`,
          },
        },
      ],
    };
    const first = (await clinicA.transaction({ body: bundle })) as unknown as Bundle;
    const second = (await clinicA.transaction({ body: bundle })) as unknown as Bundle;
    expect(first.entry?.[0]?.response?.status).toBe('201 Created');
    expect(second.entry?.[0]?.response?.status).toBe('200 OK');
    expect(second.entry?.[0]?.resource?.id).toBe(first.entry?.[0]?.resource?.id);
  });

  it('pages search results with next links that fhir-kit-client follows', async () => {
    const page1 = (await clinicA.search({
      resourceType: 'Organization',
      searchParams: { _count: '5', _sort: '_lastUpdated' },
    })) as unknown as Bundle;
    expect(page1.total).toBeGreaterThanOrEqual(13);
    expect(page1.entry).toHaveLength(5);
    const page2 = (await clinicA.nextPage({ bundle: page1 as never })) as unknown as Bundle;
    expect(page2.entry).toHaveLength(5);
    const ids = new Set([...page1.entry!, ...page2.entry!].map((e) => e.resource?.id));
    expect(ids.size).toBe(10);
  });

  it('answers bad requests with an OperationOutcome and the right status, never a 500', async () => {
    const json = { 'content-type': 'application/fhir+json' };
    const invalidJson = await fhir('/Patient', {
      method: 'POST',
      headers: json,
      body: '{"resourceType":',
    });
    expect(invalidJson.status).toBe(400);
    expect((await outcome(invalidJson)).issue[0].diagnostics).toContain('not valid JSON');

    const wrongType = await fhir('/Patient', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    await outcome(wrongType);

    const unknownType = await fhir('/Medication/1');
    expect(unknownType.status).toBe(404);
    await outcome(unknownType);

    const update = await fhir('/Patient/abc', { method: 'PUT', headers: json, body: '{}' });
    expect(update.status).toBe(405);
    await outcome(update);

    const unknownParam = await fhir('/ServiceRequest?colour=red');
    expect(unknownParam.status).toBe(400);
    expect((await outcome(unknownParam)).issue[0].diagnostics).toContain('colour');

    const notFound = await fhir('/Patient/00000000-0000-0000-0000-000000000000');
    expect(notFound.status).toBe(404);

    const tooLarge = await fhir('/Patient', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(6 * 1024 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    await outcome(tooLarge);

    const badBundle = await fhir('', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ resourceType: 'Bundle', type: 'collection' }),
    });
    expect(badBundle.status).toBe(400);
    expect((await outcome(badBundle)).issue[0].expression).toEqual(['Bundle.type']);
  });

  it.each<[string, { id?: string }, number, string | undefined]>([
    ['a valid number that agrees with the registration', {}, 201, undefined],
    ['a wrong check character', { id: breakCheckChar(makeResidentId()) }, 422, 'check character'],
    [
      'an impossible birth date',
      { id: makeResidentId({ birthDate: '1999-02-31' }) },
      422,
      'birth date',
    ],
    [
      'a sex the number contradicts',
      { id: makeResidentId({ birthDate: '1970-06-01', gender: 'female' }) },
      422,
      'sex male disagrees',
    ],
    [
      'a birth date the number contradicts',
      { id: makeResidentId({ birthDate: '1970-06-02', gender: 'male' }) },
      422,
      'birth date 1970-06-01 disagrees',
    ],
  ])('checks the 居民身份证号 of a registration: %s', async (_what, given, status, reason) => {
    const residentId = given.id ?? makeResidentId({ birthDate: '1970-06-01', gender: 'male' });
    residentIds.push(residentId);
    const response = await fhir('/Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(
        makePatient({
          gender: 'male',
          birthDate: '1970-06-01',
          identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: residentId }],
        }),
      ),
    });
    expect(response.status).toBe(status);
    if (reason) {
      const text = (await outcome(response)).issue[0].diagnostics ?? '';
      expect(text).toContain(reason);
      // The number itself is never repeated back.
      expect(text).not.toContain(residentId);
    }
  });

  it('cross-references every identifier the consortium knows for a patient ($ihe-pix)', async () => {
    const residentId = makeResidentId({ birthDate: '1960-05-01', gender: 'male' });
    residentIds.push(residentId);
    const mrn = `MRN-${Date.now()}`;
    const created = await postPatient(
      makePatient({
        identifier: [
          { system: 'urn:oid:2.16.156.10011.1.3', value: residentId },
          { system: 'urn:hub:mrn:CLINIC-A', value: mrn },
        ],
      }),
    );
    expect(created.status).toBe(201);
    const id = ((await created.json()) as Patient).id;
    type Parameters = {
      parameter: Array<{
        name: string;
        valueIdentifier?: { system: string; value: string };
        valueReference?: { reference: string };
      }>;
    };
    const pix = await fhir(
      `/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`urn:hub:mrn:CLINIC-A|${mrn}`)}`,
    );
    expect(pix.status).toBe(200);
    const body = (await pix.json()) as Parameters;
    expect(
      body.parameter.filter((p) => p.name === 'targetIdentifier').map((p) => p.valueIdentifier),
    ).toEqual([
      { system: 'urn:hub:mrn:CLINIC-A', value: mrn },
      { system: 'urn:oid:2.16.156.10011.1.3', value: residentId },
    ]);
    expect(body.parameter.find((p) => p.name === 'targetId')?.valueReference?.reference).toBe(
      `Patient/${id}`,
    );
    const only = (await (
      await fhir(
        `/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`urn:oid:2.16.156.10011.1.3|${residentId}`)}&targetSystem=urn:hub:mrn:CLINIC-A`,
      )
    ).json()) as Parameters;
    expect(
      only.parameter.map((p) => p.valueIdentifier?.value ?? p.valueReference?.reference),
    ).toEqual([mrn, `Patient/${id}`]);
    expect(
      (await fhir(`/Patient/$ihe-pix?sourceIdentifier=urn:hub:mrn:CLINIC-A|nobody`)).status,
    ).toBe(404);
    const bad = await fhir('/Patient/$ihe-pix?identifier=x');
    expect(bad.status).toBe(400);
    await outcome(bad);
  });

  it('rolls a whole transaction back when one entry fails', async () => {
    const first = patient();
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      patient: first,
      code: { system: 'http://loinc.org', code: '0000-0' },
    });
    const response = await fhir('', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    expect(response.status).toBe(422);
    expect(await patientsWith(first)).toBe(0);
  });

  it('refuses results that do not fit the order, naming the field, and results from a clinic', async () => {
    const { orderId } = await acceptedOrder();
    const post = (token: string, body: unknown) =>
      fetch(`${hub.baseUrl}/api/lab/results`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const analyser = await clientToken(hub.baseUrl, 'lab-analyser', 'lab-analyser-secret');
    const wrongUnit = await post(analyser, {
      orderId,
      results: [{ code: '2823-3', value: 4.1, unit: 'mg/dL' }],
    });
    expect(wrongUnit.status).toBe(422);
    expect((await outcome(wrongUnit)).issue[0].expression).toEqual(['results[0].unit']);
    const notANumber = await post(analyser, {
      orderId,
      results: [{ code: '2823-3', value: 'high' }],
    });
    expect(notANumber.status).toBe(400);
    expect((await outcome(notANumber)).issue[0].expression).toEqual(['results[0].value']);
    const unknownOrder = await post(analyser, {
      orderId: 'no-such-order',
      results: [{ code: '2823-3', value: 4.1 }],
    });
    expect(unknownOrder.status).toBe(404);
    expect(
      (await post(tokenA, { orderId, results: [{ code: '2823-3', value: 4.1 }] })).status,
    ).toBe(403);

    const good = await post(analyser, { orderId, results: [{ code: '2823-3', value: 4.1 }] });
    expect(good.status).toBe(201);
    const again = await post(analyser, { orderId, results: [{ code: '2823-3', value: 4.1 }] });
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
  });

  it('reports health, and opens the queue dashboard to IT staff only', async () => {
    const health = await fetch(`${hub.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'up',
      database: 'up',
      redis: 'up',
      centres: { lab: 'up', imaging: 'up', ecg: 'up', pathology: 'up' },
    });
    const dashboard = `${hub.baseUrl}/admin/queues`;
    expect((await fetch(dashboard)).status).toBe(401);
    const basic = (user: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:demo-password`).toString('base64')}`,
    });
    expect((await fetch(dashboard, { headers: basic('clinic-a-doctor') })).status).toBe(403);
    const page = await fetch(dashboard, { headers: basic('itops') });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const admin = await userToken(hub.baseUrl, 'admin');
    const queues = await fetch(`${dashboard}/api/queues`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues.map(
      (q) => q.name,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'lab.orders',
        'imaging.orders',
        'ecg.orders',
        'pathology.orders',
        'hub.results',
        'hub.task-events',
      ]),
    );
  });

  it('refuses a wrong secret and a wrong password with OAuth2 errors', async () => {
    const token = await fetch(`${hub.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=clinic-a&client_secret=wrong',
    });
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: 'invalid_client' });
    const login = await fetch(`${hub.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'nope' }),
    });
    expect(login.status).toBe(401);
    expect(await login.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('never writes an identity number to the logs', () => {
    const logs = Object.values(hub.output).flat().join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const residentId of residentIds) expect(logs).not.toContain(residentId);
  });
});
