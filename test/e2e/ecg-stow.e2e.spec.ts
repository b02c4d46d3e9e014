import type { Bundle, Observation, ServiceRequest, Task } from 'fhir/r4';
import { buildDicom, newUid } from '@hub/dicom';
import { syntheticEcg, writeDicomEcg } from '@hub/ecg';
import { clientToken, userToken } from '../support/auth-client';
import { DicomwebClient, first } from '../support/dicomweb-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(180_000);

const ECG_CODE = { system: 'http://loinc.org', code: '11524-6' };
const TWELVE_LEAD_ECG = '1.2.840.10008.5.1.4.1.1.9.1.1';
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';

/** DICOM JSON tags of the STOW-RS answer. */
const Tags = {
  RetrieveURL: '00081190',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
  FailureDescription: '00091001',
  ForwardDescription: '00091002',
} as const;

type Item = Record<string, { vr?: string; Value?: unknown[] }>;

/** A resting 12-lead ECG of a healthy adult, as a cart writes it. */
const ecgFile = (accessionNumber: string, sopInstanceUid = newUid(), studyInstanceUid = newUid()) =>
  writeDicomEcg(
    syntheticEcg({
      heartRateBpm: 72,
      prMs: 164,
      qrsMs: 92,
      qtMs: 384,
      axisDeg: 45,
      durationS: 10,
      samplingHz: 500,
      seed: 31,
    }),
    { accessionNumber, patientName: 'ZHAO^LIU', sopInstanceUid, studyInstanceUid },
  );

/**
 * DICOM ECG waveforms sent to the imaging archive by STOW-RS (a modality gateway that sends
 * everything to one DICOMweb address): a 12-lead ECG goes to the ECG centre, is filed under its
 * order by accession number and reaches the record as an Observation, while a CT image sent with it
 * is stored in the archive as usual; the archive keeps nothing of the ECG. An ECG for no known
 * order is refused with the ECG centre's reason.
 */
describe('ECG waveforms by STOW-RS (e2e)', () => {
  let hub: RunningHub;
  const tokens: Record<string, string> = {};
  let clinicA: DicomwebClient;
  let radiologist: DicomwebClient;

  const fhir = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${hub.fhirUrl}/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${tokens['clinic-a']}`,
        'content-type': 'application/fhir+json',
      },
    });
    return (await response.json()) as T;
  };

  const task = (orderId: string, status: Task['status']) =>
    eventually(
      async () =>
        (await fhir<Bundle>(`Task?based-on=ServiceRequest/${orderId}`)).entry?.[0]?.resource as
          Task | undefined,
      (t) => t?.status === status,
      `the Task of ${orderId} to be ${status}`,
    );

  /** A 12-lead ECG ordered by clinic A, accepted by the ECG centre; its id and accession number. */
  const orderEcg = async () => {
    const bundle = makeOrderBundle({ org: 'CLINIC-A', code: ECG_CODE, patient: makePatient() });
    const answer = await fhir<Bundle>('', { method: 'POST', body: JSON.stringify(bundle) });
    const order = answer.entry?.[1]?.resource as ServiceRequest;
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    if (!order.id || !accession) throw new Error('the ECG order has no id or accession number');
    await task(order.id, 'accepted');
    return { orderId: order.id, accession };
  };

  beforeAll(async () => {
    hub = await startHub();
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    tokens.radiologist = await userToken(hub.baseUrl, 'radiologist');
    clinicA = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens['clinic-a']);
    radiologist = new DicomwebClient(`${hub.baseUrl}/dicomweb`, tokens.radiologist);
  });

  afterAll(async () => {
    await hub?.shutdown();
  });

  it('hands a 12-lead ECG to the ECG centre and stores the CT image sent with it', async () => {
    const { orderId, accession } = await orderEcg();
    const ecgUid = newUid();
    const ecgStudy = newUid();
    const ecg = ecgFile(accession, ecgUid, ecgStudy);
    const ct = buildDicom({ patientName: 'ZHAO^LIU', modality: 'CT' });

    const answer = await clinicA.store([{ body: ecg }, { body: ct.bytes }]);
    expect(answer.status).toBe(200);
    expect(answer.json[Tags.FailedSOPSequence]).toBeUndefined();
    const referenced = answer.json[Tags.ReferencedSOPSequence]?.Value as Item[];
    expect(referenced).toHaveLength(2);
    const ecgItem = referenced.find((i) => first(i, Tags.ReferencedSOPInstanceUID) === ecgUid);
    const ctItem = referenced.find(
      (i) => first(i, Tags.ReferencedSOPInstanceUID) === ct.sopInstanceUid,
    );
    expect(first(ecgItem ?? {}, Tags.ReferencedSOPClassUID)).toBe(TWELVE_LEAD_ECG);
    expect(first(ctItem ?? {}, Tags.ReferencedSOPClassUID)).toBe(CT_IMAGE);
    // The CT can be retrieved from the archive; the ECG is not there, and the answer says where
    // it went instead.
    expect(first(ctItem ?? {}, Tags.RetrieveURL)).toEqual(
      expect.stringContaining(ct.sopInstanceUid),
    );
    expect(ecgItem?.[Tags.RetrieveURL]).toBeUndefined();
    const forwarded = String(first(ecgItem ?? {}, Tags.ForwardDescription));
    expect(forwarded).toMatch(/ECG centre/);
    expect(forwarded).toContain(orderId);
    const recordingId = /recording ([0-9a-f-]{36})/.exec(forwarded)?.[1];
    expect(recordingId).toBeDefined();
    expect(first(answer.json, Tags.RetrieveURL)).toEqual(
      expect.stringContaining(ct.studyInstanceUid),
    );

    // In the record: the recording's Observation for the order, and the order under way.
    const found = await eventually(
      () => fhir<Bundle>(`Observation?based-on=ServiceRequest/${orderId}&code=${ECG_CODE.code}`),
      (bundle) => bundle.total === 1,
      'the ECG Observation to reach the record',
    );
    expect((found.entry?.[0]?.resource as Observation).id).toBe(recordingId);
    expect((await task(orderId, 'in-progress'))?.status).toBe('in-progress');

    // The archive holds the CT and nothing of the ECG, even for imaging staff who see everything.
    expect(
      (await radiologist.search(`studies/${ct.studyInstanceUid}/instances`)).json,
    ).toHaveLength(1);
    expect((await radiologist.search(`instances?SOPInstanceUID=${ecgUid}`)).json).toEqual([]);
    expect((await radiologist.search(`studies?StudyInstanceUID=${ecgStudy}`)).json).toEqual([]);
    expect((await clinicA.search(`studies?AccessionNumber=${accession}`)).json).toEqual([]);
  });

  it('refuses an ECG whose accession number names no ECG order, and keeps nothing of it', async () => {
    const accession = `NO-SUCH-${Date.now()}`;
    const ecgUid = newUid();
    const answer = await clinicA.store([{ body: ecgFile(accession, ecgUid) }]);
    expect(answer.status).toBe(409);
    expect(answer.json[Tags.ReferencedSOPSequence]).toBeUndefined();
    const failed = answer.json[Tags.FailedSOPSequence]?.Value as Item[];
    expect(failed).toHaveLength(1);
    expect(first(failed[0], Tags.ReferencedSOPInstanceUID)).toBe(ecgUid);
    expect(first(failed[0], Tags.FailureReason)).toBe(0xa900);
    expect(first(failed[0], Tags.FailureDescription)).toEqual(expect.stringContaining(accession));
    expect((await radiologist.search(`instances?SOPInstanceUID=${ecgUid}`)).json).toEqual([]);
  });
});
