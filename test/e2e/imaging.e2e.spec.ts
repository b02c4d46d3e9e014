import { createHash } from 'node:crypto';
import type { Bundle, DiagnosticReport, ImagingStudy, ServiceRequest, Task } from 'fhir/r4';
import { PNG } from 'pngjs';
import { buildDicom } from '@hub/dicom';
import { clientToken, userToken } from '../support/auth-client';
import { DicomwebClient, first, parseMultipart } from '../support/dicomweb-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(180_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The imaging archive end to end through the gateway's `/dicomweb`: a clinic's CT order gets an
 * accession number, the clinic's modality gateway stores the study with STOW-RS (several transfer
 * syntaxes, a multi-frame object, a Chinese name in GB18030), finds it with QIDO-RS, retrieves it
 * byte-identical with WADO-RS and renders a frame; the study is linked to its order and appears in
 * the consortium record as an ImagingStudy; bad uploads are refused per instance with a reason; and
 * another clinic sees none of it.
 */
describe('DICOMweb archive (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};
  let clinicA: DicomwebClient;
  let clinicB: DicomwebClient;
  let radiologist: DicomwebClient;

  const fhir = async <T>(who: string, path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${hub.fhirUrl}/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${tokens[who]}`,
        'content-type': 'application/fhir+json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    return (await response.json()) as T;
  };

  /** A head CT ordered by clinic A; its id and accession number. */
  const orderCt = async (mrn?: string) => {
    const patient = makePatient({ gender: 'female', birthDate: '1962-03-15' });
    if (mrn)
      patient.identifier = [
        ...(patient.identifier ?? []),
        { system: 'urn:hub:mrn:CLINIC-A', value: mrn },
      ];
    const bundle = makeOrderBundle({
      org: 'CLINIC-A',
      code: { system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD' },
      patient,
    });
    const answer = await fhir<Bundle>('clinic-a', '', {
      method: 'POST',
      body: JSON.stringify(bundle),
    });
    const order = answer.entry?.[1]?.resource as ServiceRequest;
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    if (!order.id || !accession) throw new Error('the order has no id or accession number');
    await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `Task?based-on=ServiceRequest/${order.id}`)).entry?.[0]
          ?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the imaging centre to accept the order',
    );
    return { orderId: order.id, accession };
  };

  beforeAll(async () => {
    hub = await startHub();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens['clinic-b'] = await clientToken(hub.baseUrl, 'clinic-b', 'clinic-b-secret');
    tokens.radiologist = await userToken(hub.baseUrl, 'radiologist');
    clinicA = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-a']);
    clinicB = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-b']);
    radiologist = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens.radiologist);
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('stores a study from the clinic, links it to its order and serves it back byte for byte', async () => {
    const { orderId, accession } = await orderCt();
    const common = {
      accessionNumber: accession,
      patientName: '欧阳^娜娜',
      specificCharacterSet: 'GB18030',
      patientId: 'MRN-0001',
      studyDate: '20261123',
      modality: 'CT',
    };
    const head = buildDicom({ ...common, transferSyntax: 'explicit-le' });
    const study = {
      studyInstanceUid: head.studyInstanceUid,
      seriesInstanceUid: head.seriesInstanceUid,
    };
    const instances = [
      head,
      buildDicom({ ...common, ...study, transferSyntax: 'implicit-le' }),
      buildDicom({ ...common, ...study, transferSyntax: 'explicit-be' }),
      buildDicom({ ...common, ...study, transferSyntax: 'deflated' }),
      buildDicom({ ...common, ...study, transferSyntax: 'rle', frames: 3 }),
      buildDicom({ ...common, ...study, transferSyntax: 'jpeg-baseline', frames: 4 }),
      buildDicom({ ...common, ...study, transferSyntax: 'jpeg2000' }),
    ];
    const stored = await clinicA.store(instances.map((i) => ({ body: i.bytes })));
    expect(stored.status).toBe(200);
    expect(stored.json['00081199']?.Value).toHaveLength(instances.length);

    // Sending an instance again is harmless.
    expect((await clinicA.store([{ body: head.bytes }])).status).toBe(200);

    // QIDO-RS: by accession, by a wildcard on the Chinese name, by date range and modality.
    const byAccession = await clinicA.search(`studies?AccessionNumber=${accession}`);
    expect(byAccession.json).toHaveLength(1);
    expect(first(byAccession.json[0], '0020000D')).toBe(head.studyInstanceUid);
    expect(first(byAccession.json[0], '00100010')).toEqual({ Alphabetic: '欧阳^娜娜' });
    const byName = await radiologist.search(
      `studies?PatientName=${encodeURIComponent('欧阳*')}&StudyDate=20261101-20261130&ModalitiesInStudy=CT`,
    );
    expect(byName.json.map((s) => first(s, '0020000D'))).toContain(head.studyInstanceUid);
    const instancesFound = await clinicA.search(
      `studies/${head.studyInstanceUid}/series/${head.seriesInstanceUid}/instances`,
    );
    expect(instancesFound.json).toHaveLength(instances.length);

    // WADO-RS: each instance comes back exactly as it was sent.
    for (const instance of instances) {
      const retrieved = await clinicA.get(
        `studies/${instance.studyInstanceUid}/series/${instance.seriesInstanceUid}/instances/${instance.sopInstanceUid}`,
        'multipart/related; type="application/dicom"',
      );
      expect(retrieved.status).toBe(200);
      const [part] = await parseMultipart(retrieved.body, retrieved.contentType);
      expect(sha256(part.body)).toBe(sha256(instance.bytes));
    }

    // A frame of the multi-frame RLE object, rendered for a browser.
    const rle = instances[4];
    const rendered = await clinicA.get(
      `studies/${rle.studyInstanceUid}/series/${rle.seriesInstanceUid}/instances/${rle.sopInstanceUid}/frames/2/rendered`,
      'image/png',
    );
    expect(rendered.status).toBe(200);
    const png = PNG.sync.read(rendered.body);
    expect([png.width, png.height]).toEqual([64, 64]);

    // The consortium record: an ImagingStudy for the order, and the Task under way.
    const imaging = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `ImagingStudy?basedon=ServiceRequest/${orderId}`))
          .entry?.[0]?.resource as ImagingStudy | undefined,
      (s) => s?.numberOfInstances === instances.length,
      'the ImagingStudy to reach the record',
    );
    expect(imaging?.id).toBe(head.studyInstanceUid);
    expect(imaging?.modality?.[0]?.code).toBe('CT');
    expect((imaging?.contained?.[0] as { address?: string }).address).toBe(
      `http://127.0.0.1:${hub.ports.gateway}/dicomweb`,
    );
    const task = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]
          ?.resource as Task | undefined,
      (t) => t?.status === 'in-progress',
      'the Task to be in progress',
    );
    expect(task?.status).toBe('in-progress');

    // Another clinic finds nothing and cannot retrieve it by its UIDs.
    expect((await clinicB.search(`studies?AccessionNumber=${accession}`)).json).toEqual([]);
    expect(
      (
        await clinicB.get(
          `studies/${head.studyInstanceUid}`,
          'multipart/related; type="application/dicom"',
        )
      ).status,
    ).toBe(404);
  });

  it('reads a study: a trainee drafts and signs, a senior co-signs, the clinic gets the report and its critical value, and an amendment follows', async () => {
    const { orderId, accession } = await orderCt();
    const ct = buildDicom({ accessionNumber: accession, patientName: 'ZHANG^SAN', modality: 'CT' });
    expect((await clinicA.store([{ body: ct.bytes }])).status).toBe(200);
    tokens.trainee = await userToken(hub.baseUrl, 'radiology-trainee');
    const api = async <T>(who: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${hub.baseUrl}/api/imaging/${path}`, {
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
    type View = { status: string; version: number; claimedBy?: string };

    const item = await eventually(
      async () =>
        (
          await api<Array<{ orderId: string; status: string }>>('radiologist', 'GET', 'worklist')
        ).body.find((i) => i.orderId === orderId),
      (i) => i?.status === 'unread',
      'the study to be on the worklist',
    );
    expect(item?.status).toBe('unread');

    expect((await api<View>('trainee', 'POST', `readings/${orderId}/claim`)).status).toBe(200);
    // One reader at a time.
    expect((await api('radiologist', 'POST', `readings/${orderId}/claim`)).status).toBe(409);
    const drafted = await api<View>('trainee', 'PUT', `readings/${orderId}/draft`, {
      findings: '左侧额颞部硬膜下新月形高密度影，中线右移约 6 mm。',
      impression: '左侧急性硬膜下血肿 Acute left subdural haematoma',
      critical: { text: '急性硬膜下血肿伴中线移位 Acute subdural haematoma with midline shift' },
    });
    expect(drafted.body.status).toBe('draft');
    // A trainee's signature does not release the report.
    const signed = await api<View>('trainee', 'POST', `readings/${orderId}/signature`);
    expect(signed.body.status).toBe('awaiting-cosign');
    expect(
      (await fhir<Bundle>('clinic-a', `DiagnosticReport?based-on=ServiceRequest/${orderId}`)).total,
    ).toBe(0);
    expect((await api('trainee', 'POST', `readings/${orderId}/cosignature`)).status).toBe(403);
    const cosigned = await api<View>('radiologist', 'POST', `readings/${orderId}/cosignature`);
    expect(cosigned.body.status).toBe('final');

    const report = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `DiagnosticReport?based-on=ServiceRequest/${orderId}`))
          .entry?.[0]?.resource as DiagnosticReport | undefined,
      (r) => r !== undefined,
      'the signed report to reach the clinic',
    );
    expect(report).toMatchObject({
      status: 'final',
      imagingStudy: [{ reference: `ImagingStudy/${ct.studyInstanceUid}` }],
      conclusion: expect.stringContaining('急性硬膜下血肿') as unknown,
    });
    expect(report?.resultsInterpreter?.map((r) => r.display)).toHaveLength(2);
    const alerts = await eventually(
      async () =>
        (
          (await (
            await fetch(`${hub.baseUrl}/api/critical-values`, {
              headers: { authorization: `Bearer ${tokens['clinic-a']}` },
            })
          ).json()) as { alerts: Array<{ orderId: string; finding: { text?: string } }> }
        ).alerts.filter((a) => a.orderId === orderId),
      (list) => list.length === 1,
      'the critical finding to reach the clinic',
    );
    expect(alerts[0].finding.text).toMatch(/硬膜下血肿/);

    // A signed report is never edited in place: it is amended, and the history is kept.
    expect(
      (await api('trainee', 'POST', `readings/${orderId}/amendment`, { reason: 'x y' })).status,
    ).toBe(403);
    const amending = await api<View>('radiologist', 'POST', `readings/${orderId}/amendment`, {
      reason: '补充描述 added the skull fracture',
    });
    expect(amending.body).toMatchObject({ status: 'amending', version: 2 });
    await api('radiologist', 'PUT', `readings/${orderId}/draft`, {
      findings: '左侧额颞部硬膜下血肿；左颞骨线样骨折。',
      impression: '左侧急性硬膜下血肿，左颞骨骨折',
      critical: null,
    });
    expect(
      (await api<View>('radiologist', 'POST', `readings/${orderId}/signature`)).body.status,
    ).toBe('final');
    const amended = await eventually(
      async () =>
        (await fhir<DiagnosticReport>('clinic-a', `DiagnosticReport/${report?.id}`)).status,
      (status) => status === 'amended',
      'the amendment to reach the record',
    );
    expect(amended).toBe('amended');
    const history = await fhir<Bundle>('clinic-a', `DiagnosticReport/${report?.id}/_history`);
    expect(history.total).toBe(2);
  });

  it('links a study without an accession number by patient and procedure, and leaves a stranger for staff', async () => {
    const mrn = `MRN-${Date.now()}`;
    const { orderId } = await orderCt(mrn);
    const ct = buildDicom({ patientId: mrn, patientName: 'LI^SI', modality: 'CT' });
    expect((await clinicA.store([{ body: ct.bytes }])).status).toBe(200);
    const linked = await eventually(
      async () =>
        (await fhir<Bundle>('clinic-a', `ImagingStudy?basedon=ServiceRequest/${orderId}`))
          .entry?.[0]?.resource as ImagingStudy | undefined,
      (s) => s !== undefined,
      'the study to be linked by patient and procedure',
    );
    expect(linked?.id).toBe(ct.studyInstanceUid);

    const stranger = buildDicom({ patientId: 'NOBODY-1', patientName: 'WANG^WU', modality: 'CT' });
    expect((await clinicA.store([{ body: stranger.bytes }])).status).toBe(200);
    const unmatched = await eventually(
      async () =>
        (await (
          await fetch(`${hub.baseUrl}/dicomweb-admin/unmatched`, {
            headers: { authorization: `Bearer ${tokens.radiologist}` },
          })
        ).json()) as Array<{ studyInstanceUid: string }>,
      (list) => list.some((s) => s.studyInstanceUid === stranger.studyInstanceUid),
      'the stranger to be in the unmatched list',
    );
    expect(unmatched.map((s) => s.studyInstanceUid)).not.toContain(ct.studyInstanceUid);
  });

  it('refuses bad instances one by one with a reason and keeps the good ones', async () => {
    const good = buildDicom({ patientName: 'TEST^GOOD' });
    const truncated = buildDicom({ patientName: 'TEST^TRUNCATED' }).bytes;
    const answer = await clinicA.store([
      { body: good.bytes },
      { body: Buffer.from('this is not DICOM at all') },
      { body: truncated.subarray(0, truncated.length - 300) },
    ]);
    expect(answer.status).toBe(202);
    expect(answer.json['00081199']?.Value).toHaveLength(1);
    const failed = answer.json['00081198']?.Value as Array<Record<string, { Value?: unknown[] }>>;
    expect(failed).toHaveLength(2);
    for (const item of failed) expect(first(item, '00081197')).toEqual(expect.any(Number));
    // The refused ones left nothing behind.
    expect((await radiologist.search(`studies?PatientName=TEST^TRUNCATED`)).json).toEqual([]);

    const wrongType = await fetch(`${hub.baseUrl}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['clinic-a']}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers only callers with a token and a role that may see images', async () => {
    expect((await fetch(`${hub.baseUrl}/dicomweb/studies`)).status).toBe(401);
    const itops = await userToken(hub.baseUrl, 'itops');
    expect(
      (
        await fetch(`${hub.baseUrl}/dicomweb/studies`, {
          headers: { authorization: `Bearer ${itops}` },
        })
      ).status,
    ).toBe(403);
  });
});
