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
import { Client as PgClient } from 'pg';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { clientToken, userToken } from '../support/auth-client';
import { ClinicEndpoint } from '../support/clinic-endpoint';
import {
  makeOrderBundle,
  makePatient,
  makePlacerNumber,
  makeServiceRequest,
} from '../support/factories';
import { type RunningHub, eventually, freePort, startHub } from '../support/hub-harness';
import { MllpClient, hl7Field } from '../support/mllp-client';

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

  it('takes a reuse over HL7 (ORC-16 reuse^DiagnosticReport/{id}) and sends the clinic the prior report under its own order', async () => {
    const patient = makePatient();
    const prior = await reportedEcg(patient, 4);
    const residentId = patient.identifier?.[0]?.value ?? '';
    const his = new ClinicEndpoint(await freePort(), 'utf-8', 'AA');
    await his.start();
    const db = new PgClient({ connectionString: hub.databaseUrl });
    await db.connect();
    const mllp = await MllpClient.connect(hub.hl7Port);
    try {
      await db.query(
        `INSERT INTO gateway.delivery_endpoint (org_code, kind, host, port) VALUES ('CLINIC-B', 'mllp', '127.0.0.1', $1)`,
        [his.port],
      );
      const order = (placer: string, orcReason: string) =>
        [
          `MSH|^~\\&|HIS|CLINIC-B|HUB|HUB|20261123083000+0800||ORM^O01^ORM_O01|C${placer}|P|2.5.1|||||CHN|UNICODE UTF-8`,
          `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||${patient.name?.[0]?.text ?? '患者'}||${(patient.birthDate ?? '').replace(/-/g, '')}|${patient.gender === 'male' ? 'M' : 'F'}`,
          `ORC|NW|${placer}^HIS|||||^^^^^R${'|'.repeat(9)}${orcReason}`,
          `OBR|1|||11524-6^ECG^LN|||20261123082000`,
        ].join('\r');
      const ordersWithPlacer = async (placer: string) =>
        (
          await db.query<{ order_id: string; status: string; decision: string }>(
            `SELECT o.order_id, o.status, d.decision FROM gateway.service_order o
               LEFT JOIN gateway.recognition_decision d USING (order_id) WHERE o.placer_value = $1`,
            [placer],
          )
        ).rows;

      // A reuse naming something that is not a recognized prior: AE at ORC-16, nothing stored.
      const wrongPlacer = makePlacerNumber();
      const wrong = await mllp.send(order(wrongPlacer, 'reuse^DiagnosticReport/not-a-prior'));
      expect(hl7Field(wrong, 'MSA', 1)).toBe('AE');
      expect(hl7Field(wrong, 'ERR', 2)).toBe('ORC^1^16');
      expect(hl7Field(wrong, 'ERR', 8)).toMatch(/not a recognized prior/);
      expect(await ordersWithPlacer(wrongPlacer)).toEqual([]);

      const placer = makePlacerNumber();
      const ack = await mllp.send(order(placer, `reuse^DiagnosticReport/${prior?.id}`));
      expect(hl7Field(ack, 'MSA', 1)).toBe('AA');
      const [stored] = await ordersWithPlacer(placer);
      expect(stored).toMatchObject({ status: 'completed', decision: 'reuse' });
      // The clinic's HIS gets the prior result as the answer to its own order number.
      await eventually(
        async () => his.received.length,
        (n) => n > 0,
        'the reused report at the clinic',
      );
      const oru = his.received[0];
      expect(hl7Field(oru, 'MSH', 9)).toBe('ORU^R01^ORU_R01');
      expect(hl7Field(oru, 'ORC', 2).split('^')[0]).toBe(placer);
      expect(hl7Field(oru, 'OBR', 4).split('^')[0]).toBe('11524-6');
      expect(oru).toMatch(/互认/);
      expect(his.received).toHaveLength(1);
    } finally {
      mllp.close();
      await db.end();
      await his.stop();
    }
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

  it('merges a duplicate record into the surviving one, moving its numbers and orders, and undoes it', async () => {
    const suffix = String(Date.now());
    const mrnA = { system: 'urn:hub:mrn:CLINIC-A', value: `MA${suffix}` };
    const mrnB = { system: 'urn:hub:mrn:CLINIC-B', value: `MB${suffix}` };
    const person = {
      name: [{ text: `司马 秀英${suffix}` }],
      gender: 'female',
      birthDate: '1958-03-08',
      telecom: [{ system: 'phone', value: '13900008888' }],
    };
    type PatientBody = {
      id: string;
      active?: boolean;
      identifier?: Array<{ system: string; value: string }>;
      link?: Array<{ other: { reference: string }; type: string }>;
    };
    const a = await call<PatientBody>(
      'clinic-a',
      'POST',
      '/fhir/Patient',
      { resourceType: 'Patient', identifier: [mrnA], ...person },
      'application/fhir+json',
    );
    // Clinic B first knows the person only by its MRN (an order by identifier) ...
    const first = await call<ServiceRequest>(
      'clinic-b',
      'POST',
      '/fhir/ServiceRequest',
      makeServiceRequest({ org: 'CLINIC-B', code: ECG, subject: { identifier: mrnB } }),
      'application/fhir+json',
    );
    expect([a.status, first.status]).toEqual([201, 201]);
    const bId = /^Patient\/(.+)$/.exec(first.body.subject?.reference ?? '')?.[1] ?? '';
    expect(bId).not.toBe(a.body.id);
    type Link = { patientId: string; otherId: string; status: string };
    const candidateFor = async () =>
      (await call<Link[]>('admin', 'GET', '/api/patients/links?status=candidate')).body.find(
        (l) => [l.patientId, l.otherId].sort().join() === [a.body.id, bId].sort().join(),
      );
    expect(await candidateFor()).toBeUndefined();
    // ... then registers them fully: the record gains a name, birth date, sex and phone, and
    // becomes a candidate for the same person as clinic A's.
    const registered = await call<PatientBody & { name?: Array<{ text?: string }> }>(
      'clinic-b',
      'POST',
      '/fhir/Patient',
      { resourceType: 'Patient', identifier: [mrnB], ...person },
      'application/fhir+json',
    );
    expect(registered.body.id).toBe(bId);
    expect(registered.body.name?.[0]?.text).toBe(person.name[0].text);
    expect(await candidateFor()).toMatchObject({ status: 'candidate' });

    type Merge = {
      id: string;
      sourceId: string;
      targetId: string;
      status: string;
      moved: { identifiers: unknown[]; resources: Array<{ type: string }>; orders: number };
      review?: Array<{ type: string; id: string }>;
      unmergedBy?: string;
    };
    const mergeBody = { source: `Patient/${bId}`, target: a.body.id, note: '同一人 same person' };
    expect((await call('clinic-a', 'POST', '/api/patients/merges', mergeBody)).status).toBe(403);
    const merged = await call<Merge>('admin', 'POST', '/api/patients/merges', mergeBody);
    expect(merged.status).toBe(201);
    expect(merged.body).toMatchObject({ sourceId: bId, targetId: a.body.id, status: 'merged' });
    expect(merged.body.moved.identifiers).toEqual([mrnB]);
    expect(merged.body.moved.orders).toBe(1);
    expect(merged.body.moved.resources.map((r) => r.type).sort()).toEqual([
      'ServiceRequest',
      'Task',
    ]);

    // The survivor has both members' numbers and says what it replaces; the duplicate is inactive.
    const survivor = (await call<PatientBody>('clinic-b', 'GET', `/fhir/Patient/${a.body.id}`))
      .body;
    expect(survivor.identifier).toEqual(expect.arrayContaining([mrnA, mrnB]));
    expect(survivor.link).toEqual([{ other: { reference: `Patient/${bId}` }, type: 'replaces' }]);
    const replaced = (await call<PatientBody>('clinic-b', 'GET', `/fhir/Patient/${bId}`)).body;
    expect(replaced.active).toBe(false);
    expect(replaced.link).toEqual([
      { other: { reference: `Patient/${a.body.id}` }, type: 'replaced-by' },
    ]);
    // Clinic B's order is now the survivor's, and its MRN finds the survivor.
    const firstNow = await call<ServiceRequest>(
      'clinic-b',
      'GET',
      `/fhir/ServiceRequest/${first.body.id}`,
    );
    expect(firstNow.body.subject?.reference).toBe(`Patient/${a.body.id}`);
    type Pix = { parameter: Array<{ name: string; valueReference?: { reference: string } }> };
    const pixOf = async (mrn: { system: string; value: string }) =>
      (
        await call<Pix>(
          'clinic-b',
          'GET',
          `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`${mrn.system}|${mrn.value}`)}`,
        )
      ).body.parameter.find((p) => p.name === 'targetId')?.valueReference?.reference;
    expect(await pixOf(mrnB)).toBe(`Patient/${a.body.id}`);
    // Orders placed meanwhile, by the MRN or by the replaced record's id, go to the survivor.
    const during = await call<ServiceRequest>(
      'clinic-b',
      'POST',
      '/fhir/ServiceRequest',
      makeServiceRequest({ org: 'CLINIC-B', code: ECG, subject: { identifier: mrnB } }),
      'application/fhir+json',
    );
    const byOldId = await call<ServiceRequest>(
      'clinic-b',
      'POST',
      '/fhir/ServiceRequest',
      makeServiceRequest({ org: 'CLINIC-B', code: ECG, subject: { reference: `Patient/${bId}` } }),
      'application/fhir+json',
    );
    expect([during.body.subject?.reference, byOldId.body.subject?.reference]).toEqual([
      `Patient/${a.body.id}`,
      `Patient/${a.body.id}`,
    ]);

    // What cannot be merged is refused, naming why, and changes nothing.
    const twoPeople = await Promise.all(
      ['clinic-a', 'clinic-b'].map((who) =>
        call<PatientBody>(
          who,
          'POST',
          '/fhir/Patient',
          makePatient({ birthDate: '1990-01-0' + (who === 'clinic-a' ? '1' : '2') }),
          'application/fhir+json',
        ),
      ),
    );
    const refusals = await Promise.all([
      call('admin', 'POST', '/api/patients/merges', mergeBody),
      call('admin', 'POST', '/api/patients/merges', { source: a.body.id, target: bId }),
      call('admin', 'POST', '/api/patients/merges', {
        source: twoPeople[0].body.id,
        target: twoPeople[1].body.id,
      }),
      call('admin', 'POST', '/api/patients/merges', { source: 'nobody', target: a.body.id }),
      call('admin', 'POST', '/api/patients/merges', { source: a.body.id }),
    ]);
    expect(refusals.map((r) => r.status)).toEqual([409, 409, 409, 404, 400]);
    expect(JSON.stringify(refusals[2].body)).toMatch(/居民身份证号/);

    // Undone: everything the merge moved goes back; what was written meanwhile is listed to review.
    const undone = await call<Merge>(
      'admin',
      'POST',
      `/api/patients/merges/${merged.body.id}/unmerge`,
      { note: '核实为两人 two people after all' },
    );
    expect(undone.status).toBe(200);
    expect(undone.body.status).toBe('unmerged');
    expect(undone.body.review?.map((r) => r.id)).toEqual(
      expect.arrayContaining([during.body.id, byOldId.body.id]),
    );
    const restored = (await call<PatientBody>('clinic-b', 'GET', `/fhir/Patient/${bId}`)).body;
    expect(restored.active).toBeUndefined();
    expect(restored.link).toBeUndefined();
    const survivorAfter = (await call<PatientBody>('clinic-a', 'GET', `/fhir/Patient/${a.body.id}`))
      .body;
    expect(survivorAfter.identifier).toEqual([mrnA]);
    expect(survivorAfter.link).toBeUndefined();
    expect(
      (await call<ServiceRequest>('clinic-b', 'GET', `/fhir/ServiceRequest/${first.body.id}`)).body
        .subject?.reference,
    ).toBe(`Patient/${bId}`);
    expect(await pixOf(mrnB)).toBe(`Patient/${bId}`);
    expect(
      (await call('admin', 'POST', `/api/patients/merges/${merged.body.id}/unmerge`, {})).status,
    ).toBe(409);
    // The history is kept.
    const history = await call<Merge[]>('admin', 'GET', `/api/patients/merges?patient=${bId}`);
    expect(history.body).toHaveLength(1);
    expect(history.body[0].status).toBe('unmerged');
    expect(history.body[0].unmergedBy).toBe(undone.body.unmergedBy);
    expect(undone.body.unmergedBy).toBeTruthy();
  });
});
