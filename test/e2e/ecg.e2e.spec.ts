import type { Bundle, DiagnosticReport, Observation, ServiceRequest, Task } from 'fhir/r4';
import { buildDicom } from '@hub/dicom';
import { type LeadName, syntheticEcg, writeAecg, writeDicomEcg } from '@hub/ecg';
import { clientToken, userToken } from '../support/auth-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(180_000);

const ECG_CODE = { system: 'http://loinc.org', code: '11524-6' };
const MDC = 'urn:oid:2.16.840.1.113883.6.24';

interface Recording {
  recordingId: string;
  orderId: string;
  format: string;
  measurement?: {
    heartRateBpm: number;
    prMs?: number;
    qrsMs: number;
    qtMs: number;
    axisDeg: number;
  };
  cart?: { heartRateBpm?: number; qtcMs?: number };
  flags: Array<{ code: string; text: string }>;
}

interface WorkItem {
  orderId: string;
  priority: string;
  status: string;
  flags?: string[];
  minutesLeft?: number;
  recordingId?: string;
}

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ code: string; diagnostics: string }>;
}

/**
 * The ECG centre end to end (远程心电): a clinic orders a 12-lead ECG and gets an accession number,
 * its cart's file (DICOM waveform or HL7 aECG) is uploaded, linked to the order, measured by the
 * hub and recorded as an Observation with every lead as sampled data; the recording is drawn on
 * ECG paper; a cardiologist reads it from the worklist with catalogue statements and signs, and
 * the report reaches the clinic. A fast rhythm is flagged by the machine and read first; a
 * critical statement reaches the clinic's doctor, who acknowledges it. Bad files are refused with
 * the reason and change nothing.
 */
describe('ECG centre (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};

  const call = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ) => {
    const raw = Buffer.isBuffer(body) || typeof body === 'string';
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body:
        body === undefined ? undefined : raw ? (body as Uint8Array | string) : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      type,
      text,
      body: (text && type.includes('json') ? JSON.parse(text) : undefined) as T,
    };
  };

  const upload = (who: string, file: Buffer | string, type: string, order?: string) =>
    call<Recording & Outcome>(
      who,
      'POST',
      `/api/ecg/recordings${order ? `?order=${order}` : ''}`,
      typeof file === 'string' ? Buffer.from(file, 'utf8') : file,
      type,
    );

  /** A 12-lead ECG ordered by clinic A; its id and accession number. */
  const orderEcg = async (
    patient = makePatient(),
    priority: ServiceRequest['priority'] = 'routine',
  ) => {
    const bundle = makeOrderBundle({ org: 'CLINIC-A', code: ECG_CODE, patient, priority });
    const answer = await call<Bundle>('clinic-a', 'POST', '/fhir', bundle, 'application/fhir+json');
    const order = answer.body.entry?.[1]?.resource as ServiceRequest;
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    if (!order.id || !accession) throw new Error('the ECG order has no id or accession number');
    await taskReaches(order.id, 'accepted');
    return { orderId: order.id, accession, patientId: order.subject?.reference };
  };

  const taskReaches = (orderId: string, status: Task['status']) =>
    eventually(
      async () =>
        (await call<Bundle>('clinic-a', 'GET', `/fhir/Task?based-on=ServiceRequest/${orderId}`))
          .body.entry?.[0]?.resource as Task | undefined,
      (task) => task?.status === status,
      `the Task of ${orderId} to be ${status}`,
    );

  const worklistItem = (orderId: string) =>
    eventually(
      async () =>
        (await call<WorkItem[]>('cardiologist', 'GET', '/api/ecg/worklist')).body.find(
          (item) => item.orderId === orderId,
        ),
      (item) => item?.status === 'unread',
      'the recording to be on the cardiologists’ worklist',
    );

  beforeAll(async () => {
    hub = await startHub();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens.cardiologist = await userToken(hub.baseUrl, 'cardiologist');
    tokens['clinic-a-doctor'] = await userToken(hub.baseUrl, 'clinic-a-doctor');
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('takes a DICOM 12-lead ECG from order to a signed report at the clinic', async () => {
    const { orderId, accession } = await orderEcg();
    const truth = { heartRateBpm: 72, prMs: 164, qrsMs: 92, qtMs: 384, axisDeg: 45 };
    const recording = syntheticEcg({
      ...truth,
      durationS: 10,
      samplingHz: 500,
      seed: 7,
      noise: { mainsMv: 0.05, muscleMv: 0.01, wanderMv: 0.3 },
    });
    const file = writeDicomEcg(recording, {
      accessionNumber: accession,
      patientName: 'ZHANG^SAN',
      cart: { heartRateBpm: 73, qtcMs: 418, statements: ['Sinus rhythm', 'Normal ECG'] },
    });

    const stored = await upload('clinic-a', file, 'application/dicom');
    expect(stored.status).toBe(201);
    const measured = stored.body.measurement;
    expect(stored.body).toMatchObject({ orderId, format: 'dicom', flags: [] });
    expect(Math.abs((measured?.heartRateBpm ?? 0) - truth.heartRateBpm)).toBeLessThanOrEqual(2);
    expect(Math.abs((measured?.prMs ?? 0) - truth.prMs)).toBeLessThanOrEqual(10);
    expect(Math.abs((measured?.qrsMs ?? 0) - truth.qrsMs)).toBeLessThanOrEqual(10);
    expect(Math.abs((measured?.qtMs ?? 0) - truth.qtMs)).toBeLessThanOrEqual(10);
    expect(Math.abs((measured?.axisDeg ?? 0) - truth.axisDeg)).toBeLessThanOrEqual(15);
    // The cart's own measurements are kept beside the hub's.
    expect(stored.body.cart).toMatchObject({ heartRateBpm: 73, qtcMs: 418 });
    await taskReaches(orderId, 'in-progress');

    // The same file again is not stored twice.
    const again = await upload('clinic-a', file, 'application/dicom');
    expect(again.status).toBe(200);
    expect(again.body.recordingId).toBe(stored.body.recordingId);

    // In the record: an Observation per recording, every lead as sampled data, the measurements.
    const found = await call<Bundle>(
      'clinic-a',
      'GET',
      `/fhir/Observation?based-on=ServiceRequest/${orderId}&code=${ECG_CODE.code}`,
    );
    expect(found.body.total).toBe(1);
    const observation = found.body.entry?.[0]?.resource as Observation;
    expect(observation.id).toBe(stored.body.recordingId);
    const leads = (observation.component ?? []).filter((c) => c.code.coding?.[0]?.system === MDC);
    expect(leads).toHaveLength(12);
    const leadII = leads.find((c) => c.code.coding?.[0]?.display?.endsWith('_II'));
    expect(leadII?.valueSampledData).toMatchObject({ period: 2, dimensions: 1 });
    expect(leadII?.valueSampledData?.data?.split(' ')).toHaveLength(5000);
    const loinc = (code: string) =>
      observation.component?.filter((c) => c.code.coding?.some((x) => x.code === code));
    expect(loinc('8867-4')?.length).toBeGreaterThanOrEqual(2); // heart rate: the hub's and the cart's
    expect(loinc('8625-6')?.length).toBeGreaterThanOrEqual(1); // PR
    expect(loinc('8636-3')?.length).toBeGreaterThanOrEqual(2); // QTc

    // On ECG paper, for the clinic that ordered it and nobody else.
    const svg = await call<never>(
      'clinic-a',
      'GET',
      `/api/ecg/recordings/${observation.id}/render`,
    );
    expect(svg.status).toBe(200);
    expect(svg.type).toContain('image/svg+xml');
    const drawn = [...svg.text.matchAll(/data-lead="([^"]+)"/g)].map((m) => m[1]);
    for (const lead of ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'])
      expect(drawn).toContain(lead);
    expect(svg.text).toContain('25 mm/s');
    // The hub's measurements are printed on the sheet.
    expect(svg.text).toMatch(/心率 7\d 次\/分/);
    expect(
      (await call('clinic-b', 'GET', `/api/ecg/recordings/${observation.id}/render`)).status,
    ).toBe(404);

    // The cardiologist reads it: worklist, claim, catalogue statements, sign.
    const item = await worklistItem(orderId);
    expect(item).toMatchObject({ recordingId: stored.body.recordingId, priority: 'routine' });
    expect(item?.minutesLeft).toBeLessThanOrEqual(30);
    const statements = await call<Array<{ code: string; zh: string }>>(
      'cardiologist',
      'GET',
      '/api/ecg/statements',
    );
    expect(statements.body.map((s) => s.zh)).toEqual(
      expect.arrayContaining(['窦性心律', '窦性心动过速', '心房颤动', 'ST段抬高']),
    );
    expect((await call('cardiologist', 'POST', `/api/ecg/readings/${orderId}/claim`)).status).toBe(
      200,
    );
    const unknown = await call<Outcome>(
      'cardiologist',
      'PUT',
      `/api/ecg/readings/${orderId}/draft`,
      {
        statements: ['NOT-A-STATEMENT'],
      },
    );
    expect(unknown.status).toBe(400);
    const drafted = await call<{ status: string; findings: string; impression: string }>(
      'cardiologist',
      'PUT',
      `/api/ecg/readings/${orderId}/draft`,
      { statements: ['SR', 'NORMAL'], text: '与前次比较无明显变化。' },
    );
    expect(drafted.body.status).toBe('draft');
    expect(drafted.body.impression).toContain('窦性心律 Sinus rhythm');
    expect(drafted.body.findings).toMatch(/心率 7\d 次\/分/);
    const signed = await call<{ status: string }>(
      'cardiologist',
      'POST',
      `/api/ecg/readings/${orderId}/signature`,
    );
    expect(signed.body.status).toBe('final');

    const report = await eventually(
      async () =>
        (
          await call<Bundle>(
            'clinic-a',
            'GET',
            `/fhir/DiagnosticReport?based-on=ServiceRequest/${orderId}`,
          )
        ).body.entry?.[0]?.resource as DiagnosticReport | undefined,
      (r) => r !== undefined,
      'the signed ECG report to reach the clinic',
    );
    expect(report).toMatchObject({
      status: 'final',
      result: [{ reference: `Observation/${stored.body.recordingId}` }],
      conclusion: expect.stringContaining('窦性心律') as unknown,
    });
    expect(report?.conclusionCode?.map((c) => c.coding?.[0]?.code)).toEqual(['SR', 'NORMAL']);
    await taskReaches(orderId, 'completed');
    const final = await call<Observation>(
      'clinic-a',
      'GET',
      `/fhir/Observation/${stored.body.recordingId}`,
    );
    expect(final.body.status).toBe('final');
    // A reported order takes no more recordings.
    const late = syntheticEcg({ ...truth, durationS: 10, samplingHz: 500, seed: 8 });
    const refused = await upload(
      'clinic-a',
      writeDicomEcg(late, { accessionNumber: accession }),
      'application/dicom',
    );
    expect(refused.status).toBe(409);
  });

  it('takes an aECG file for the order named with the upload, and shows the patient’s previous ECG', async () => {
    const patient = makePatient({ gender: 'female', birthDate: '1958-08-08' });
    const earlier = await orderEcg(patient);
    const later = await orderEcg(patient);
    const first = syntheticEcg({
      heartRateBpm: 60,
      prMs: 170,
      qrsMs: 96,
      qtMs: 400,
      axisDeg: 30,
      durationS: 10,
      samplingHz: 500,
      seed: 3,
    });
    expect(
      (
        await upload(
          'clinic-a',
          writeAecg(first, { accessionNumber: earlier.accession }),
          'application/xml',
        )
      ).status,
    ).toBe(201);

    // The file names the earlier order; the order given with the upload wins.
    const second = syntheticEcg({
      heartRateBpm: 96,
      prMs: 150,
      qrsMs: 88,
      qtMs: 340,
      axisDeg: 70,
      durationS: 10,
      samplingHz: 500,
      seed: 4,
      noise: { mainsMv: 0.05, wanderMv: 0.2 },
    });
    const stored = await upload(
      'clinic-a',
      writeAecg(second, { accessionNumber: earlier.accession, cart: { heartRateBpm: 95 } }),
      'application/xml',
      later.orderId,
    );
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ orderId: later.orderId, format: 'aecg' });
    expect(Math.abs((stored.body.measurement?.heartRateBpm ?? 0) - 96)).toBeLessThanOrEqual(2);
    expect(Math.abs((stored.body.measurement?.axisDeg ?? 0) - 70)).toBeLessThanOrEqual(15);

    await worklistItem(later.orderId);
    const view = await call<{
      recordings: Array<{ observationId: string }>;
      previous: Array<{ orderId: string; measurements: Record<string, { value: number }> }>;
    }>('cardiologist', 'GET', `/api/ecg/readings/${later.orderId}`);
    expect(view.status).toBe(200);
    expect(view.body.recordings.map((r) => r.observationId)).toEqual([stored.body.recordingId]);
    expect(view.body.previous.map((p) => p.orderId)).toContain(earlier.orderId);
    const previousRate = Object.entries(
      view.body.previous.find((p) => p.orderId === earlier.orderId)?.measurements ?? {},
    ).find(([code]) => code.startsWith('hub.') && code.includes('rate'))?.[1].value;
    expect(Math.abs((previousRate ?? 0) - 60)).toBeLessThanOrEqual(2);
  });

  it('puts a machine-flagged tachycardia on top, and a critical ECG reaches the clinic doctor, who acknowledges it', async () => {
    const routine = await orderEcg();
    await upload(
      'clinic-a',
      writeDicomEcg(
        syntheticEcg({
          heartRateBpm: 70,
          prMs: 160,
          qrsMs: 90,
          qtMs: 380,
          axisDeg: 40,
          durationS: 10,
          samplingHz: 500,
          seed: 11,
        }),
        { accessionNumber: routine.accession },
      ),
      'application/dicom',
    );
    const { orderId, accession } = await orderEcg();
    const fast = syntheticEcg({
      heartRateBpm: 190,
      prMs: 110,
      qrsMs: 80,
      qtMs: 250,
      axisDeg: 60,
      durationS: 10,
      samplingHz: 500,
      seed: 12,
    });
    const stored = await upload(
      'clinic-a',
      writeDicomEcg(fast, { accessionNumber: accession }),
      'application/dicom',
    );
    expect(stored.status).toBe(201);
    expect(stored.body.flags.map((f) => f.code)).toContain('ECG_TACHYCARDIA');

    const item = await worklistItem(orderId);
    expect(item).toMatchObject({ priority: 'urgent' });
    expect(item?.flags?.[0]).toMatch(/180/);
    const list = (await call<WorkItem[]>('cardiologist', 'GET', '/api/ecg/worklist')).body;
    const unread = list.filter((i) => i.status === 'unread');
    expect(unread[0].orderId).toBe(orderId);

    await call('cardiologist', 'POST', `/api/ecg/readings/${orderId}/claim`);
    const drafted = await call<{ critical?: { text: string } }>(
      'cardiologist',
      'PUT',
      `/api/ecg/readings/${orderId}/draft`,
      { statements: ['VT'] },
    );
    // A critical statement flags the report critical by itself.
    expect(drafted.body.critical?.text).toContain('室性心动过速');
    expect(
      (await call('cardiologist', 'POST', `/api/ecg/readings/${orderId}/signature`)).status,
    ).toBe(200);

    type Alert = { id: string; orderId: string; status: string; finding: { text?: string } };
    const alert = await eventually(
      async () =>
        (
          await call<{ alerts: Alert[] }>('clinic-a-doctor', 'GET', '/api/critical-values')
        ).body.alerts.find((a) => a.orderId === orderId),
      (a) => a !== undefined,
      'the critical ECG to reach the clinic',
    );
    expect(alert?.finding.text).toMatch(/室性心动过速/);
    const acknowledged = await call<Alert>(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${alert?.id}/acknowledgement`,
      { readBack: '室性心动过速 VT' },
    );
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.status).toBe('acknowledged');
  });

  it('refuses bad files with the reason and stores nothing', async () => {
    const { orderId, accession } = await orderEcg();
    const good = syntheticEcg({
      heartRateBpm: 80,
      prMs: 160,
      qrsMs: 90,
      qtMs: 370,
      axisDeg: 50,
      durationS: 10,
      samplingHz: 500,
      seed: 21,
    });
    const eightLeads: LeadName[] = ['I', 'II', 'V1', 'V2', 'V4', 'V5', 'V6'];
    const dicom = writeDicomEcg(good, { accessionNumber: accession });
    const cases: Array<[string, Buffer | string, string, RegExp, number]> = [
      [
        'a CT image',
        buildDicom({ accessionNumber: accession }).bytes,
        'application/dicom',
        /not-ecg/,
        422,
      ],
      [
        'a file without V3',
        writeDicomEcg(good, { accessionNumber: accession, leads: eightLeads }),
        'application/dicom',
        /missing-leads.*V3/,
        422,
      ],
      [
        'a truncated file',
        dicom.subarray(0, dicom.length - 3001),
        'application/dicom',
        /corrupt|inconsistent/,
        422,
      ],
      [
        'random bytes',
        Buffer.from('not a dicom file at all'.repeat(20)),
        'application/dicom',
        /corrupt/,
        422,
      ],
      [
        'some other XML',
        '<?xml version="1.0"?><invoice><total>12</total></invoice>',
        'application/xml',
        /not-ecg|corrupt/,
        422,
      ],
      [
        'broken XML',
        '<AnnotatedECG xmlns="urn:hl7-org:v3"><component>',
        'application/xml',
        /corrupt|not-ecg|missing/,
        422,
      ],
      ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png', /application\/dicom/, 415],
      [
        'an unknown accession',
        writeDicomEcg(good, { accessionNumber: 'E000000000' }),
        'application/dicom',
        /matches no ECG order/,
        422,
      ],
    ];
    for (const [what, file, type, reason, status] of cases) {
      const answer = await upload('clinic-a', file, type);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.body.resourceType).toBe('OperationOutcome');
      expect(answer.body.issue[0].diagnostics).toMatch(reason);
    }
    // Another clinic cannot put a recording on clinic A's order.
    expect((await upload('clinic-b', dicom, 'application/dicom', orderId)).status).toBe(404);
    const observations = await call<Bundle>(
      'clinic-a',
      'GET',
      `/fhir/Observation?based-on=ServiceRequest/${orderId}`,
    );
    expect(observations.body.total).toBe(0);
    const task = await taskReaches(orderId, 'accepted');
    expect(task?.status).toBe('accepted');
  });
});
