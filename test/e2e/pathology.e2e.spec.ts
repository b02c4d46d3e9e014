import type {
  Bundle,
  DiagnosticReport,
  ImagingStudy,
  ServiceRequest,
  Specimen,
  Task,
} from 'fhir/r4';
import { buildDicom } from '@hub/dicom';
import { clientToken, userToken } from '../support/auth-client';
import { DicomwebClient } from '../support/dicomweb-client';
import { makeOrderBundle } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(180_000);

const HISTO = { system: 'urn:hub:catalogue', code: 'PATH-HISTO' };
const FROZEN = { system: 'urn:hub:catalogue', code: 'PATH-FROZEN' };

interface CaseView {
  orderId: string;
  caseNumber: string;
  specimens: Array<{
    label: string;
    status: string;
    batchId?: string;
    rejectionReason?: string;
    blocks: Array<{ barcode: string; slides: Array<{ barcode: string; stain: string }> }>;
  }>;
  gross?: { description: string; by: string };
  events: Array<{ at: string; by: string; what: string }>;
}

interface Reading {
  status: string;
  version: number;
  history: Array<{ version: number; status: string }>;
}

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ diagnostics: string }>;
}

/**
 * The pathology centre end to end (病理诊断中心): a clinic's biopsy gets a case number, its
 * specimens are recorded, shipped and received with labelling and fixation checks (or rejected,
 * back to the clinic with the reason), grossed into blocks and cut into slides with barcodes that
 * find the whole case; a pathologist reports it and the report reaches the clinic with its
 * specimen; a malignant diagnosis waits for a second pathologist; a frozen section's result is
 * called back inside its 30 minutes; a signed report is amended as a new version.
 */
describe('pathology centre (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};

  const call = async <T>(who: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const fhir = <T>(who: string, path: string) => call<T>(who, 'GET', `/fhir/${path}`);

  const taskOf = async (orderId: string) =>
    (await fhir<Bundle>('clinic-a', `Task?based-on=ServiceRequest/${orderId}`)).body.entry?.[0]
      ?.resource as Task | undefined;

  /** A case ordered by clinic A: its id and case number, once the centre has it. */
  const orderCase = async (code = HISTO, priority: ServiceRequest['priority'] = 'routine') => {
    const response = await fetch(`${hub.baseUrl}/fhir`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['clinic-a']}`,
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(makeOrderBundle({ org: 'CLINIC-A', code, priority })),
    });
    const order = ((await response.json()) as Bundle).entry?.[1]?.resource as ServiceRequest;
    const caseNumber = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    expect(caseNumber).toMatch(/^P\d{12}$/);
    // The case's Specimen carries the case number as its accession number.
    const specimenId = order.specimen?.[0]?.reference?.replace('Specimen/', '');
    const specimen = (await fhir<Specimen>('clinic-a', `Specimen/${specimenId}`)).body;
    expect(specimen.accessionIdentifier?.value).toBe(caseNumber);
    await eventually(
      () => taskOf(order.id ?? ''),
      (task) => task?.status === 'accepted',
      'the pathology centre to accept the case',
    );
    return { orderId: order.id ?? '', caseNumber: caseNumber ?? '' };
  };

  const collect = (orderId: string, specimens: unknown[]) =>
    call<CaseView & Outcome>('clinic-a', 'POST', `/api/pathology/cases/${orderId}/specimens`, {
      specimens,
    });
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  const formalin = (site: string, fixedHoursAgo = 3) => ({
    site,
    fixative: '10% 中性福尔马林 10% NBF',
    collectedAt: hoursAgo(fixedHoursAgo + 0.25),
    fixationStartedAt: hoursAgo(fixedHoursAgo),
  });
  const reading = (who: string, method: string, orderId: string, step = '', body?: unknown) =>
    call<Reading & Outcome>(who, method, `/api/pathology/readings/${orderId}${step}`, body);

  const reportOf = (orderId: string, status: DiagnosticReport['status']) =>
    eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `DiagnosticReport?based-on=ServiceRequest/${orderId}`)).body
          .entry?.[0]?.resource as DiagnosticReport | undefined,
      (report) => report?.status === status,
      `the ${status} pathology report to reach the clinic`,
    );

  beforeAll(async () => {
    hub = await startHub();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens['clinic-a-doctor'] = await userToken(hub.baseUrl, 'clinic-a-doctor');
    tokens.pathologist = await userToken(hub.baseUrl, 'pathologist');
    tokens.chief = await userToken(hub.baseUrl, 'pathology-chief');
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('takes a biopsy from order to a delivered report with blocks and slides, found by any barcode, then amends it', async () => {
    const { orderId, caseNumber } = await orderCase();
    const collected = await collect(orderId, [
      formalin('胃窦 gastric antrum'),
      formalin('胃体 gastric body'),
    ]);
    expect(collected.status).toBe(201);
    const [antrum, body] = collected.body.specimens.map((s) => s.label);
    expect(antrum).toBe(`${caseNumber}-1`);

    for (const label of [antrum, body])
      expect(
        (await call('pathologist', 'POST', `/api/pathology/specimens/${label}/receipt`, {})).status,
      ).toBe(200);
    await eventually(
      () => taskOf(orderId),
      (t) => t?.status === 'in-progress',
      'the Task to be in progress',
    );
    // The clinic sees the case's Specimen with its containers, fixation and receipt.
    const specimen = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `Specimen?accession=${caseNumber}`)).body.entry?.[0]
          ?.resource as Specimen | undefined,
      (s) => s?.status === 'available' && s.container?.length === 2 && !!s.receivedTime,
      'the case Specimen to show both containers received',
    );
    expect(specimen?.container?.map((c) => c.identifier?.[0]?.value)).toEqual([antrum, body]);
    expect(specimen?.processing?.[0]?.description).toContain('福尔马林');

    const grossed = await call<CaseView>(
      'pathologist',
      'POST',
      `/api/pathology/cases/${orderId}/gross`,
      {
        description: '灰白色组织 2 块，大者 0.3×0.2×0.2 cm。',
        blocks: [
          { specimenLabel: antrum, count: 1 },
          { specimenLabel: body, count: 1 },
        ],
      },
    );
    expect(grossed.status).toBe(201);
    const block = grossed.body.specimens[0].blocks[0].barcode;
    expect(block).toBe(`${antrum}-A`);
    const cut = await call<CaseView>(
      'pathologist',
      'POST',
      `/api/pathology/blocks/${block}/slides`,
      {
        stains: ['HE', 'IHC:Ki-67'],
      },
    );
    const slides = cut.body.specimens[0].blocks[0].slides;
    expect(slides.map((s) => s.stain)).toEqual(['HE', 'IHC:Ki-67']);

    // Any barcode finds the whole case.
    for (const barcode of [caseNumber, antrum, block, slides[1].barcode]) {
      const found = await call<CaseView>('pathologist', 'GET', `/api/pathology/lookup/${barcode}`);
      expect({ barcode, orderId: found.body.orderId }).toEqual({ barcode, orderId });
    }
    expect((await call('pathologist', 'GET', '/api/pathology/lookup/P000000000000-9')).status).toBe(
      404,
    );
    const chain = (await call<CaseView>('clinic-a', 'GET', `/api/pathology/cases/${orderId}`)).body;
    expect(chain.events.length).toBeGreaterThanOrEqual(6);
    expect(chain.events.every((e) => e.by && e.at)).toBe(true);
    expect((await call('clinic-b', 'GET', `/api/pathology/cases/${orderId}`)).status).toBe(404);

    // The pathologist reads and signs a benign diagnosis: released with one signature.
    const item = await eventually(
      async () =>
        (
          await call<Array<{ orderId: string; status: string; dueAt?: string }>>(
            'pathologist',
            'GET',
            '/api/pathology/worklist',
          )
        ).body.find((i) => i.orderId === orderId),
      (i) => i?.status === 'unread',
      'the case to be on the worklist',
    );
    // Routine: due five working days after receipt, never on a weekend.
    const due = new Date(item?.dueAt ?? '');
    expect(due.getTime() - Date.now()).toBeGreaterThan(5 * 86_400_000 - 3_600_000);
    expect([0, 6]).not.toContain(due.getDay());
    expect((await reading('pathologist', 'POST', orderId, '/claim')).status).toBe(200);
    await reading('pathologist', 'PUT', orderId, '/draft', {
      microscopic: '胃黏膜慢性炎，固有层淋巴细胞浸润。',
      diagnosis: '（胃窦、胃体）慢性非萎缩性胃炎 Chronic non-atrophic gastritis',
      site: '胃窦、胃体 gastric antrum and body',
      histologicalType: 'INFLAM',
    });
    expect((await reading('pathologist', 'POST', orderId, '/signature')).body.status).toBe('final');
    const report = await reportOf(orderId, 'final');
    expect(report?.conclusion).toContain('慢性非萎缩性胃炎');
    expect(report?.specimen?.[0]?.reference).toMatch(/^Specimen\//);
    expect(report?.conclusionCode?.[0]?.coding?.[0]?.code).toBe('INFLAM');
    const text = Buffer.from(report?.presentedForm?.[0]?.data ?? '', 'base64').toString('utf8');
    expect(text).toContain('灰白色组织');
    await eventually(
      () => taskOf(orderId),
      (t) => t?.status === 'completed',
      'the Task to complete',
    );

    // An amendment is a new version; the history is kept.
    expect(
      (
        await reading('pathologist', 'POST', orderId, '/amendment', {
          reason: '补充部位 site corrected',
        })
      ).body.version,
    ).toBe(2);
    await reading('pathologist', 'PUT', orderId, '/draft', {
      microscopic: '胃黏膜慢性炎，固有层淋巴细胞浸润，未见 Hp。',
      diagnosis: '（胃窦）慢性非萎缩性胃炎，Hp（-）',
      histologicalType: 'INFLAM',
    });
    const amended = await reading('pathologist', 'POST', orderId, '/signature');
    expect(amended.body.history.map((h) => h.status)).toEqual(['final', 'amended']);
    expect((await reportOf(orderId, 'amended'))?.conclusion).toContain('Hp（-）');
  });

  it('rejects a specimen at receipt and tells the clinic why; a bad fixation is refused unless taken knowingly', async () => {
    const { orderId, caseNumber } = await orderCase();
    const stale = await collect(orderId, [formalin('皮肤 skin', 80), formalin('皮肤 skin', 2)]);
    const [overfixed, good] = stale.body.specimens.map((s) => s.label);
    const refused = await call<Outcome>(
      'pathologist',
      'POST',
      `/api/pathology/specimens/${overfixed}/receipt`,
      {},
    );
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].diagnostics).toMatch(/72/);
    expect(
      (await call<CaseView>('pathologist', 'GET', `/api/pathology/lookup/${overfixed}`)).body
        .specimens[0].status,
    ).toBe('collected');
    // An unknown label is not received.
    expect(
      (await call('pathologist', 'POST', `/api/pathology/specimens/${caseNumber}-9/receipt`, {}))
        .status,
    ).toBe(404);
    const rejected = await call<CaseView>(
      'pathologist',
      'POST',
      `/api/pathology/specimens/${good}/rejection`,
      {
        reason: '标签与申请单不符 label does not match the request',
      },
    );
    expect(rejected.status).toBe(200);
    const task = await eventually(
      () => taskOf(orderId),
      (t) => t?.status === 'on-hold',
      'the Task to be on hold',
    );
    expect(task?.statusReason?.text).toContain('label does not match');
    const mirrored = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `Specimen?accession=${caseNumber}`)).body.entry?.[0]
          ?.resource as Specimen | undefined,
      (sp) => (sp?.note ?? []).some((n) => n.text?.includes('label does not match')),
      'the rejection to show on the case Specimen',
    );
    expect(mirrored?.container).toHaveLength(2);
    // A frozen section's fresh tissue cannot come in formalin.
    const frozen = await orderCase(FROZEN, 'stat');
    const wrong = await collect(frozen.orderId, [formalin('乳腺 breast')]);
    expect(wrong.status).toBe(422);
  });

  it('calls a frozen section result back inside 30 minutes, then releases the final report', async () => {
    const { orderId } = await orderCase(FROZEN, 'stat');
    const [label] = (
      await collect(orderId, [{ site: '甲状腺结节 thyroid nodule', fixative: 'none' }])
    ).body.specimens.map((s) => s.label);
    const receivedAt = Date.now();
    expect(
      (await call('pathologist', 'POST', `/api/pathology/specimens/${label}/receipt`, {})).status,
    ).toBe(200);
    const item = await eventually(
      async () =>
        (
          await call<
            Array<{ orderId: string; status: string; minutesLeft?: number; priority: string }>
          >('pathologist', 'GET', '/api/pathology/worklist')
        ).body.find((i) => i.orderId === orderId),
      (i) => i?.status === 'unread',
      'the frozen section on the worklist',
    );
    expect(item?.priority).toBe('stat');
    expect(item?.minutesLeft).toBeLessThanOrEqual(30);

    const called = await reading('pathologist', 'POST', orderId, '/frozen-result', {
      text: '（甲状腺）乳头状癌 Papillary thyroid carcinoma',
    });
    expect(called.status).toBe(200);
    expect(called.body.status).toBe('preliminary');
    // The turnaround is measured per case: receipt → called-back result, against 30 minutes.
    const measured = (called.body as Reading & { turnaround?: { minutes?: number; met?: boolean } })
      .turnaround;
    expect(measured).toMatchObject({ met: true });
    expect(measured?.minutes).toBeLessThan(30);
    const preliminary = await reportOf(orderId, 'preliminary');
    expect(preliminary?.conclusion).toContain('乳头状癌');
    expect((await taskOf(orderId))?.status).toBe('in-progress');
    type Alert = {
      id: string;
      orderId: string;
      status: string;
      finding: { code: string; text?: string };
    };
    const alert = await eventually(
      async () =>
        (
          await call<{ alerts: Alert[] }>('clinic-a-doctor', 'GET', '/api/critical-values')
        ).body.alerts.find((a) => a.orderId === orderId),
      (a) => a !== undefined,
      'the frozen result to be called back to the clinic',
    );
    expect(alert?.finding.code).toBe('PATH-FROZEN');
    const taken = await call<Alert & { acknowledgement?: { at: string } }>(
      'clinic-a-doctor',
      'POST',
      `/api/critical-values/${alert?.id}/acknowledgement`,
      { readBack: '甲状腺乳头状癌' },
    );
    expect(taken.body.status).toBe('acknowledged');
    // Inside the target: receipt → result taken by the theatre in under 30 minutes.
    expect(new Date(taken.body.acknowledgement?.at ?? '').getTime() - receivedAt).toBeLessThan(
      30 * 60_000,
    );

    // The final report follows, as the next version; a second result is refused.
    expect(
      (await reading('pathologist', 'POST', orderId, '/frozen-result', { text: 'again' })).status,
    ).toBe(409);
    await reading('pathologist', 'POST', orderId, '/claim');
    const drafted = await reading('pathologist', 'PUT', orderId, '/draft', {
      microscopic: '乳头状结构，核呈毛玻璃样，可见核沟。',
      diagnosis: '（甲状腺）乳头状癌，经典型 Papillary thyroid carcinoma, classic',
      histologicalType: 'ADENOCA',
      margins: '阴性 negative',
    });
    expect(drafted.body).toMatchObject({ status: 'draft', version: 2 });
    const signed = await reading('pathologist', 'POST', orderId, '/signature');
    expect({ status: signed.status, body: signed.body }).toMatchObject({
      status: 200,
      body: { status: 'awaiting-cosign' },
    });
    expect((await reading('chief', 'POST', orderId, '/cosignature')).body.status).toBe('final');
    expect((await reportOf(orderId, 'final'))?.resultsInterpreter).toHaveLength(2);
    // The final report does not call the frozen result back a second time.
    const alerts = (
      await call<{ alerts: Alert[] }>('clinic-a-doctor', 'GET', '/api/critical-values')
    ).body.alerts.filter((a) => a.orderId === orderId);
    expect(alerts).toHaveLength(1);
  });

  it('does not release a malignant diagnosis until a second pathologist co-signs', async () => {
    const { orderId } = await orderCase();
    const [label] = (await collect(orderId, [formalin('结肠 colon')])).body.specimens.map(
      (s) => s.label,
    );
    await call('pathologist', 'POST', `/api/pathology/specimens/${label}/receipt`, {});
    await eventually(
      async () => (await reading('pathologist', 'GET', orderId)).body.status,
      (status) => status === 'unread',
      'the case to be readable',
    );
    await reading('pathologist', 'POST', orderId, '/claim');
    const unknownType = await reading('pathologist', 'PUT', orderId, '/draft', {
      microscopic: 'x',
      diagnosis: 'y',
      histologicalType: 'NOT-A-TYPE',
    });
    expect(unknownType.status).toBe(400);
    await reading('pathologist', 'PUT', orderId, '/draft', {
      microscopic: '异型腺体浸润黏膜下层。',
      diagnosis: '（结肠）中分化腺癌 Moderately differentiated adenocarcinoma',
      histologicalType: 'ADENOCA',
      grade: 'G2',
      margins: '阴性 negative',
    });
    const signed = await reading('pathologist', 'POST', orderId, '/signature');
    expect(signed.body.status).toBe('awaiting-cosign');
    expect(
      (await fhir<Bundle>('clinic-a', `DiagnosticReport?based-on=ServiceRequest/${orderId}`)).body
        .total,
    ).toBe(0);
    // The one who signed cannot be the second signature.
    expect((await reading('pathologist', 'POST', orderId, '/cosignature')).status).toBe(403);
    expect((await reading('chief', 'POST', orderId, '/cosignature')).body.status).toBe('final');
    const report = await reportOf(orderId, 'final');
    expect(report?.conclusion).toContain('腺癌');
    expect(report?.resultsInterpreter?.map((r) => r.display)).toEqual([
      'pathologist',
      'pathology-chief',
    ]);
  });

  it('links whole-slide images from the centre’s scanner to the case through the imaging archive', async () => {
    const { orderId, caseNumber } = await orderCase();
    const scanner = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens.pathologist);
    const slide = buildDicom({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.6', // VL Whole Slide Microscopy Image Storage
      modality: 'SM',
      accessionNumber: caseNumber,
      photometric: 'RGB',
      rows: 32,
      columns: 32,
    });
    expect((await scanner.store([{ body: slide.bytes }])).status).toBe(200);
    const study = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `ImagingStudy?basedon=ServiceRequest/${orderId}`)).body
          .entry?.[0]?.resource as ImagingStudy | undefined,
      (s) => s !== undefined,
      'the whole-slide images to be linked to the case',
    );
    expect(study?.id).toBe(slide.studyInstanceUid);
    expect(study?.modality?.map((m) => m.code)).toContain('SM');
    // The pathologists find them in the archive; another clinic does not.
    const found = await scanner.search(`studies?AccessionNumber=${caseNumber}`);
    expect(found.json).toHaveLength(1);
    const stranger = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-b']);
    expect((await stranger.search(`studies?AccessionNumber=${caseNumber}`)).json).toEqual([]);
  });

  it('ships two specimens of a case in a transport box, received at the centre in one scan', async () => {
    const { orderId, caseNumber } = await orderCase();
    const labels = (
      await collect(orderId, [formalin('乳腺 breast, left'), formalin('腋窝淋巴结 axillary node')])
    ).body.specimens.map((s) => s.label);
    type Box = {
      batchId: string;
      org: string;
      receivedAt?: string;
      specimens: Array<{ label: string; status: string; refusal?: string }>;
    };
    const shipped = await call<Box>('clinic-a', 'POST', '/api/pathology/batches', {
      labels,
      courier: '顺丰 SF Express',
    });
    expect(shipped.status).toBe(201);
    expect(shipped.body.batchId).toMatch(/^PB\d{12}$/);
    expect(shipped.body.org).toBe('CLINIC-A');
    expect(shipped.body.specimens.map((s) => s.status)).toEqual(['in-transit', 'in-transit']);
    // Another clinic cannot ship them, nor can a clinic receive the box.
    expect(
      (await call('clinic-b', 'POST', '/api/pathology/batches', { labels: [labels[0]] })).status,
    ).toBe(404);
    const boxId = shipped.body.batchId;
    expect(
      (await call('clinic-a', 'POST', `/api/pathology/batches/${boxId}/receipt`, {})).status,
    ).toBe(403);

    const received = await call<Box>(
      'pathologist',
      'POST',
      `/api/pathology/batches/${boxId}/receipt`,
      {},
    );
    expect(received.status).toBe(200);
    expect(received.body.receivedAt).toBeDefined();
    expect(received.body.specimens.map((s) => [s.label, s.status, s.refusal])).toEqual([
      [labels[0], 'received', undefined],
      [labels[1], 'received', undefined],
    ]);
    const chain = (await call<CaseView>('clinic-a', 'GET', `/api/pathology/cases/${orderId}`)).body;
    expect(chain.specimens.map((s) => [s.label, s.status, s.batchId])).toEqual([
      [labels[0], 'received', boxId],
      [labels[1], 'received', boxId],
    ]);
    expect(
      chain.events.filter((e) => e.what.includes(boxId)).map((e) => e.what.split(':')[0]),
    ).toEqual([
      `运送 shipped in box ${boxId} (courier 顺丰 SF Express)`,
      `运送 shipped in box ${boxId} (courier 顺丰 SF Express)`,
      '接收 received',
      '接收 received',
    ]);
    await eventually(
      () => taskOf(orderId),
      (t) => t?.status === 'in-progress',
      'the Task to be in progress',
    );
    await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `Specimen?accession=${caseNumber}`)).body.entry?.[0]
          ?.resource as Specimen | undefined,
      (s) => s?.status === 'available' && !!s.receivedTime,
      'the case Specimen to show the receipt',
    );
    // The box has nothing left in transit.
    expect(
      (await call('pathologist', 'POST', `/api/pathology/batches/${boxId}/receipt`, {})).status,
    ).toBe(409);
  });
});
