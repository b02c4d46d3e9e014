import type {
  Bundle,
  DiagnosticReport,
  Extension,
  OperationOutcome,
  Parameters,
  ParametersParameter,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { clientToken, userToken } from '../support/auth-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(180_000);

const ECG = { system: 'http://loinc.org', code: '11524-6' };
const DAY = 86_400_000;

/**
 * Mutual recognition (检查检验结果互认) end to end: an ECG that clinic A ordered and the ECG centre
 * reported carries the HR mark; when clinic B asks at the moment of ordering, the prior result is
 * offered with its report (which clinic B cannot otherwise read) inside the item's window, not
 * outside it, and not once the centre's EQA for the item has lapsed; every check is audited.
 */
describe('mutual recognition (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    type?: string,
  ) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': type ?? 'application/json' }),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  /** Clinic A's ECG for the patient, recorded `daysAgo`, read and signed: its final report. */
  const reportedEcg = async (patient: ReturnType<typeof makePatient>, daysAgo: number) => {
    const answer = await call<Bundle>(
      'clinic-a',
      'POST',
      '/fhir',
      makeOrderBundle({ org: 'CLINIC-A', code: ECG, patient }),
      'application/fhir+json',
    );
    const order = answer.body.entry?.[1]?.resource as ServiceRequest;
    await eventually(
      async () =>
        (await call<Bundle>('clinic-a', 'GET', `/fhir/Task?based-on=ServiceRequest/${order.id}`))
          .body.entry?.[0]?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the ECG centre to accept the order',
    );
    const recording = syntheticEcg({
      heartRateBpm: 70,
      prMs: 160,
      qrsMs: 90,
      qtMs: 380,
      axisDeg: 45,
      durationS: 10,
      samplingHz: 500,
      seed: daysAgo,
    });
    const file = writeDicomEcg(recording, {
      acquisitionDateTime: new Date(Date.now() - daysAgo * DAY).toISOString(),
    });
    const uploaded = await call(
      'clinic-a',
      'POST',
      `/api/ecg/recordings?order=${order.id}`,
      file,
      'application/dicom',
    );
    expect(uploaded.status).toBe(201);
    await eventually(
      async () =>
        (await call<{ status: string }>('cardiologist', 'GET', `/api/ecg/readings/${order.id}`))
          .body.status,
      (status) => status === 'unread',
      'the recording on the worklist',
    );
    await call('cardiologist', 'POST', `/api/ecg/readings/${order.id}/claim`);
    await call('cardiologist', 'PUT', `/api/ecg/readings/${order.id}/draft`, {
      statements: ['SR', 'NORMAL'],
    });
    await call('cardiologist', 'POST', `/api/ecg/readings/${order.id}/signature`);
    return eventually(
      async () =>
        (
          await call<Bundle>(
            'clinic-a',
            'GET',
            `/fhir/DiagnosticReport?based-on=ServiceRequest/${order.id}`,
          )
        ).body.entry?.[0]?.resource as DiagnosticReport | undefined,
      (report) => report?.status === 'final',
      'the ECG report in the record',
    );
  };

  const check = (who: string, residentId: string, codes = [ECG]) =>
    call<Parameters>(
      who,
      'POST',
      '/fhir/ServiceRequest/$recognition-check',
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueIdentifier: { system: RESIDENT_ID_SYSTEM, value: residentId } },
          ...codes.map((valueCoding) => ({ name: 'code', valueCoding })),
        ],
      },
      'application/fhir+json',
    );
  const part = (parameter: ParametersParameter | undefined, name: string) =>
    parameter?.part?.filter((p) => p.name === name) ?? [];

  beforeAll(async () => {
    hub = await startHub();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens.cardiologist = await userToken(hub.baseUrl, 'cardiologist');
    tokens.admin = await userToken(hub.baseUrl, 'admin');
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('offers clinic B the ECG clinic A had done inside the window, with its report, and nothing outside it', async () => {
    const recent = makePatient();
    const report = await reportedEcg(recent, 5);
    // The HR mark: a recognized item, by a centre whose EQA was in force that day.
    expect(report?.meta?.tag).toContainEqual(expect.objectContaining({ code: 'HR' }));
    const residentId = recent.identifier?.[0]?.value ?? '';

    const answer = await check('clinic-b', residentId);
    expect(answer.status).toBe(200);
    const [result] = answer.body.parameter ?? [];
    expect(part(result, 'recognized')[0]?.valueBoolean).toBe(true);
    const [prior] = part(result, 'prior');
    expect(part(prior, 'report')[0]?.valueReference?.reference).toBe(
      `DiagnosticReport/${report?.id}`,
    );
    expect(part(prior, 'mark')[0]?.valueString).toBe('HR');
    // Observed five days ago: the 30-day window counts from then.
    const observed = new Date(part(prior, 'date')[0]?.valueDateTime ?? '').getTime();
    expect(Math.abs(observed - (Date.now() - 5 * DAY))).toBeLessThan(60_000);
    expect((part(prior, 'resource')[0]?.resource as DiagnosticReport).conclusion).toContain(
      '窦性心律',
    );
    // Only through this purpose-bound path: clinic B cannot read the report directly.
    expect((await call('clinic-b', 'GET', `/fhir/DiagnosticReport/${report?.id}`)).status).toBe(
      404,
    );

    // A result observed 40 days ago is outside the ECG's 30 days.
    const old = makePatient();
    await reportedEcg(old, 40);
    const stale = (await check('clinic-b', old.identifier?.[0]?.value ?? '')).body.parameter?.[0];
    expect(part(stale, 'recognized')[0]?.valueBoolean).toBe(false);
    expect(part(stale, 'reason')[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe(
      'outside-window',
    );

    // Not a recognized item (a pathology conclusion), and a patient nobody knows.
    const pathology = { system: 'urn:hub:catalogue', code: 'PATH-HISTO' };
    const notRecognized = (await check('clinic-b', residentId, [pathology])).body.parameter?.[0];
    expect(part(notRecognized, 'reason')[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe(
      'not-recognized',
    );
    const stranger = (await check('clinic-b', makePatient().identifier?.[0]?.value ?? '')).body
      .parameter?.[0];
    expect(part(stranger, 'reason')[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe(
      'unknown-patient',
    );
    // A malformed request is refused with the reason.
    const bad = await call<OperationOutcome>(
      'clinic-b',
      'POST',
      '/fhir/ServiceRequest/$recognition-check',
      { resourceType: 'Parameters', parameter: [] },
      'application/fhir+json',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].diagnostics).toMatch(/patient/);
  });

  it('reuses a recognized prior instead of routing, routes an override with its reason, and counts both', async () => {
    const patient = makePatient();
    const prior = await reportedEcg(patient, 3);
    /** Clinic B's order for the same patient and item, with what it decided. */
    const orderB = async (extension?: Extension[]) => {
      const bundle = makeOrderBundle({ org: 'CLINIC-B', code: ECG, patient });
      const request = bundle.entry?.[1]?.resource as ServiceRequest;
      if (extension) request.extension = extension;
      const answer = await call<Bundle>(
        'clinic-b',
        'POST',
        '/fhir',
        bundle,
        'application/fhir+json',
      );
      return {
        status: answer.status,
        body: answer.body,
        order: answer.body.entry?.[1]?.resource as ServiceRequest,
      };
    };
    const taskOf = async (orderId: string) =>
      (await call<Bundle>('clinic-b', 'GET', `/fhir/Task?based-on=ServiceRequest/${orderId}`)).body
        .entry?.[0]?.resource as Task | undefined;

    // Reuse: the order is completed at once with the prior report, nothing goes to the centre.
    const reused = await orderB([
      {
        url: 'urn:hub:recognition-reuse',
        valueReference: { reference: `DiagnosticReport/${prior?.id}` },
      },
    ]);
    expect(reused.order.status).toBe('completed');
    expect(reused.order.supportingInfo?.[0]?.reference).toBe(`DiagnosticReport/${prior?.id}`);
    const task = await taskOf(reused.order.id ?? '');
    expect(task?.status).toBe('completed');
    expect(task?.output?.[0]?.valueReference?.reference).toBe(`DiagnosticReport/${prior?.id}`);
    // Clinic B may now read the report it reused.
    expect((await call('clinic-b', 'GET', `/fhir/DiagnosticReport/${prior?.id}`)).status).toBe(200);
    // Nothing was routed: the ECG centre never hears of the order.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await taskOf(reused.order.id ?? ''))?.status).toBe('completed');
    const worklist = await call<Array<{ orderId: string }>>(
      'cardiologist',
      'GET',
      '/api/ecg/worklist?status=awaiting-images',
    );
    expect(worklist.body.map((i) => i.orderId)).not.toContain(reused.order.id);

    // Reusing something that is not a recognized prior is refused and changes nothing.
    const wrong = await orderB([
      {
        url: 'urn:hub:recognition-reuse',
        valueReference: { reference: 'DiagnosticReport/not-a-prior' },
      },
    ]);
    expect(wrong.status).toBe(422);
    // An override with a reason is routed as usual, and so is an order that says nothing.
    const override = await orderB([
      {
        url: 'urn:hub:recognition-override',
        valueCodeableConcept: {
          coding: [{ system: 'urn:hub:recognition-override-reason', code: 'condition-changed' }],
          text: '胸痛加重 chest pain worse',
        },
      },
    ]);
    expect(override.status).toBe(200);
    await eventually(
      () => taskOf(override.order.id ?? ''),
      (t) => t?.status === 'accepted',
      'the override to be routed',
    );
    const silent = await orderB();
    await eventually(
      () => taskOf(silent.order.id ?? ''),
      (t) => t?.status === 'accepted',
      'the undecided order to be routed',
    );
    const badReason = await orderB([
      {
        url: 'urn:hub:recognition-override',
        valueCodeableConcept: {
          coding: [{ system: 'urn:hub:recognition-override-reason', code: 'bored' }],
        },
      },
    ]);
    expect(badReason.status).toBe(422);

    // The figures count the duplicate avoided (at the ECG's price), the override and the silence.
    type Row = {
      member: string;
      code: string;
      duplicatesAvoided: number;
      moneySaved: string;
      overrides: number;
      overridesByReason: Record<string, number>;
      undecided: number;
    };
    const figures = await call<Row[]>('admin', 'GET', '/api/recognition/figures');
    const row = figures.body.find((r) => r.member === 'CLINIC-B' && r.code === ECG.code);
    expect(row).toMatchObject({
      duplicatesAvoided: 1,
      moneySaved: '25.00',
      overrides: 1,
      undecided: 1,
    });
    expect(row?.overridesByReason).toEqual({ 'condition-changed': 1 });
    expect((await call('clinic-b', 'GET', '/api/recognition/figures')).status).toBe(403);
  });

  it('stops recognizing a centre’s results from the day its EQA for the item lapsed', async () => {
    const patient = makePatient();
    await reportedEcg(patient, 2);
    const residentId = patient.identifier?.[0]?.value ?? '';
    expect(
      part((await check('clinic-b', residentId)).body.parameter?.[0], 'recognized')[0]
        ?.valueBoolean,
    ).toBe(true);

    // Only administrators record EQA results; the ECG centre failed from three days ago.
    const failed = {
      centre: 'ECG',
      system: ECG.system,
      code: ECG.code,
      passed: false,
      effectiveFrom: new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10),
      scheme: '省室间质评 2026-2 未通过 failed',
    };
    expect((await call('clinic-a', 'POST', '/api/recognition/eqa', failed)).status).toBe(403);
    expect((await call('admin', 'POST', '/api/recognition/eqa', failed)).status).toBe(201);
    const lapsed = (await check('clinic-b', residentId)).body.parameter?.[0];
    expect(part(lapsed, 'recognized')[0]?.valueBoolean).toBe(false);
    expect(part(lapsed, 'reason')[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe('eqa-lapsed');
    // The EQA history is kept: the failure is a new entry, the pass before it stays.
    const history = await call<Array<{ passed: boolean }>>(
      'admin',
      'GET',
      '/api/recognition/eqa?centre=ECG&code=11524-6',
    );
    expect(history.body.map((r) => r.passed)).toEqual([false, true]);
  });

  it('proposes a link between records of one person registered without an identity number, which a person confirms or undoes', async () => {
    const person = (mrnSystem: string, mrn: string) => ({
      resourceType: 'Patient',
      identifier: [{ system: mrnSystem, value: mrn }],
      name: [{ text: `欧阳 ${mrn}` }],
      gender: 'female',
      birthDate: '1977-07-07',
      telecom: [{ system: 'phone', value: '138-0000-7777' }],
    });
    const suffix = String(Date.now());
    const a = await call<{ id: string }>(
      'clinic-a',
      'POST',
      '/fhir/Patient',
      { ...person('urn:hub:mrn:CLINIC-A', `A${suffix}`), name: [{ text: `欧阳娜娜${suffix}` }] },
      'application/fhir+json',
    );
    const b = await call<{ id: string }>(
      'clinic-b',
      'POST',
      '/fhir/Patient',
      { ...person('urn:hub:mrn:CLINIC-B', `B${suffix}`), name: [{ text: `欧阳 娜娜${suffix}` }] },
      'application/fhir+json',
    );
    expect([a.status, b.status]).toEqual([201, 201]);
    // Two records, never merged by themselves: a candidate for a person to look at.
    expect(a.body.id).not.toBe(b.body.id);
    type Link = {
      id: string;
      patientId: string;
      otherId: string;
      score: number;
      reasons: string[];
      status: string;
      history: Array<{ action: string; by: string }>;
    };
    const candidates = await call<Link[]>('admin', 'GET', '/api/patients/links?status=candidate');
    const link = candidates.body.find(
      (l) => [l.patientId, l.otherId].sort().join() === [a.body.id, b.body.id].sort().join(),
    );
    expect(link).toMatchObject({ score: 100, reasons: ['name', 'birth date', 'sex', 'phone'] });
    expect((await call('clinic-a', 'GET', '/api/patients/links')).status).toBe(403);

    const confirmed = await call<Link>(
      'admin',
      'POST',
      `/api/patients/links/${link?.id}/confirmation`,
      { note: '电话核实 confirmed by phone' },
    );
    expect(confirmed.body.status).toBe('confirmed');
    const patientA = await call<{ link?: Array<{ other: { reference: string }; type: string }> }>(
      'clinic-a',
      'GET',
      `/fhir/Patient/${a.body.id}`,
    );
    expect(patientA.body.link).toEqual([
      { other: { reference: `Patient/${b.body.id}` }, type: 'seealso' },
    ]);
    // The cross-reference now knows both members' numbers.
    type Pix = { parameter: Array<{ name: string; valueIdentifier?: { value: string } }> };
    const pix = await call<Pix>(
      'clinic-a',
      'GET',
      `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`urn:hub:mrn:CLINIC-A|A${suffix}`)}`,
    );
    expect(
      pix.body.parameter
        .filter((p) => p.name === 'targetIdentifier')
        .map((p) => p.valueIdentifier?.value)
        .sort(),
    ).toEqual([`A${suffix}`, `B${suffix}`]);

    // Undone, with the history kept.
    const undone = await call<Link>('admin', 'POST', `/api/patients/links/${link?.id}/unlink`, {
      note: '同名不同人 not the same person',
    });
    expect(undone.body.status).toBe('unlinked');
    expect(undone.body.history.map((h) => h.action)).toEqual(['proposed', 'confirmed', 'unlinked']);
    expect(
      (await call<{ link?: unknown[] }>('clinic-a', 'GET', `/fhir/Patient/${a.body.id}`)).body.link,
    ).toBeUndefined();
    expect(
      (await call('admin', 'POST', `/api/patients/links/${link?.id}/confirmation`, {})).status,
    ).toBe(409);
  });
});
