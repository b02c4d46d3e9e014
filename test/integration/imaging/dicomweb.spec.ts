// First: the fixture sets REDIS_PREFIX before the app modules are imported.
import {
  type Caller,
  type ImagingCentre,
  callers,
  jobsWith,
  makeImagingOrder,
  multipartRelated,
  readMultipart,
  sha256,
  startImagingCentre,
  waitForJob,
} from './imaging-fixture';
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  type BuiltDicom,
  type DicomInstanceSpec,
  TransferSyntaxes,
  buildDicom,
  frameBytes,
  newUid,
  parseInstance,
} from '@hub/dicom';
import {
  JobNames,
  MessageNames,
  type OrderRoutePayload,
  type StudySummary,
  jobIds,
} from '@hub/contracts';

type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;
/** An answer's JSON: DICOM JSON datasets, the unmatched list, or an error ({ message }). */
type JsonBody = Array<Record<string, unknown>> & { message?: string };

/** This run's mark in names and ids, so what other runs left behind never matches. */
const RUN = randomUUID().slice(0, 8).toUpperCase();

const FailureReason = '00081197';
const FailedSOPSequence = '00081198';
const ReferencedSOPSequence = '00081199';
const ReferencedSOPInstanceUID = '00081155';
const RetrieveURL = '00081190';
const FailureDescription = '00091001';

describe('imaging centre DICOMweb archive (real PostgreSQL, Redis and files)', () => {
  let centre: ImagingCentre;
  const studies: string[] = [];
  const orders: string[] = [];

  beforeAll(async () => {
    centre = await startImagingCentre();
  }, 60_000);

  afterAll(async () => {
    if (!centre) return;
    await centre.forget(studies, orders);
    await centre.close();
  });

  /** An instance built for this run (its study remembered for clean-up). */
  const instance = (spec: DicomInstanceSpec = {}): BuiltDicom => {
    const built = buildDicom({ patientId: `P${RUN}`, ...spec });
    if (!studies.includes(built.studyInstanceUid)) studies.push(built.studyInstanceUid);
    return built;
  };

  /** An imaging order the centre has received. */
  const receivedOrder = async (overrides: Partial<OrderRoutePayload> = {}) => {
    const order = makeImagingOrder(overrides);
    orders.push(order.orderId);
    await centre.orders.receive(order);
    return order;
  };

  const json = async (
    caller: Caller | undefined,
    path: string,
    accept = 'application/dicom+json',
  ) => {
    const response = await centre.request(caller, path, { headers: { accept } });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as JsonBody,
    };
  };

  /** QIDO-RS as the radiologist unless told otherwise; the answer must be 200. */
  const qido = async (path: string, caller: Caller = callers.radiologist): Promise<DicomJson[]> => {
    const answer = await json(caller, `/dicomweb/${path}`);
    if (answer.status !== 200)
      throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    expect(answer.headers.get('content-type')).toMatch(/^application\/dicom\+json/);
    return answer.body as DicomJson[];
  };

  const value = (dataset: DicomJson, tag: string) => dataset[tag]?.Value?.[0];
  const uidsOf = (items: DicomJson[], tag = '0020000D') => items.map((item) => value(item, tag));
  const sequence = (body: DicomJson, tag: string) => (body[tag]?.Value ?? []) as DicomJson[];

  const instancePath = (built: BuiltDicom) =>
    `/dicomweb/studies/${built.studyInstanceUid}/series/${built.seriesInstanceUid}/instances/${built.sopInstanceUid}`;

  describe('a study of every transfer syntax, a multi-frame series and a GB18030 name', () => {
    const study = newUid();
    const series = newUid();
    const multiFrameSeries = newUid();
    const accession = `ACC-${RUN}-A`;
    const common = {
      studyInstanceUid: study,
      seriesInstanceUid: series,
      specificCharacterSet: 'GB18030',
      patientName: `ZHANG${RUN}^SAN=张${RUN}^三`,
      accessionNumber: accession,
      studyDate: '20260115',
      studyTime: '083000',
      studyDescription: '胸部CT平扫',
    };
    const syntaxes = [
      'explicit-le',
      'implicit-le',
      'explicit-be',
      'deflated',
      'jpeg-baseline',
      'rle',
      'jpeg2000',
    ] as const;
    let built: Record<(typeof syntaxes)[number], BuiltDicom>;
    let multiFrame: BuiltDicom;
    let other: BuiltDicom;

    beforeAll(async () => {
      built = Object.fromEntries(
        syntaxes.map((transferSyntax, i) => [
          transferSyntax,
          instance({ ...common, transferSyntax, instanceNumber: i + 1, rows: 32, columns: 48 }),
        ]),
      ) as typeof built;
      multiFrame = instance({
        ...common,
        seriesInstanceUid: multiFrameSeries,
        modality: 'MR',
        seriesNumber: 2,
        frames: 3,
        rows: 16,
        columns: 20,
        windowCenter: 500,
        windowWidth: 1000,
      });
      // Another study of the same patient, a year earlier.
      other = instance({
        patientName: `ZHANG${RUN}^SAN`,
        accessionNumber: `ACC-${RUN}-B`,
        studyDate: '20250620',
        modality: 'DX',
      });
      const answer = await centre.stow(callers.radiologist, [
        ...syntaxes.map((s) => ({ bytes: built[s].bytes })),
        { bytes: multiFrame.bytes },
      ]);
      expect(answer.status).toBe(200);
      expect(answer.body[RetrieveURL].Value).toEqual([`${centre.url}/dicomweb/studies/${study}`]);
      const stored = sequence(answer.body, ReferencedSOPSequence);
      expect(stored.map((item) => value(item, ReferencedSOPInstanceUID))).toEqual([
        ...syntaxes.map((s) => built[s].sopInstanceUid),
        multiFrame.sopInstanceUid,
      ]);
      expect(value(stored[0], RetrieveURL)).toBe(
        `${centre.url}${instancePath(built['explicit-le'])}`,
      );
      expect(answer.body[FailedSOPSequence]).toBeUndefined();
      expect((await centre.stow(callers.radiologist, [{ bytes: other.bytes }])).status).toBe(200);
    });

    it('finds the study by name, wildcards and case aside, in either writing of the name', async () => {
      for (const name of [
        `zhang${RUN.toLowerCase()}*`,
        `张${RUN}*`,
        `ZHANG${RUN}^SAN`,
        `*${RUN}^S?N`,
      ]) {
        const found = await qido(`studies?PatientName=${encodeURIComponent(name)}`);
        expect(uidsOf(found).sort()).toEqual(
          name.includes('张') ? [study] : [study, other.studyInstanceUid].sort(),
        );
      }
      const [match] = await qido(`studies?StudyInstanceUID=${study}`);
      expect(match['00100010'].Value).toEqual([
        { Alphabetic: `ZHANG${RUN}^SAN`, Ideographic: `张${RUN}^三` },
      ]);
      expect(match).toMatchObject({
        '00080020': { vr: 'DA', Value: ['20260115'] },
        '00080030': { vr: 'TM', Value: ['083000'] },
        '00080050': { vr: 'SH', Value: [accession] },
        '00080061': { vr: 'CS', Value: ['CT', 'MR'] },
        '00100020': { vr: 'LO', Value: [`P${RUN}`] },
        '0020000D': { vr: 'UI', Value: [study] },
        '00201206': { vr: 'IS', Value: [2] },
        '00201208': { vr: 'IS', Value: [8] },
        '00081190': { vr: 'UR', Value: [`${centre.url}/dicomweb/studies/${study}`] },
      });
      expect(match['00081030']).toBeUndefined();
    });

    it('matches date ranges, accession, modality and UID lists, with limit, offset and includefield', async () => {
      const mine = `PatientID=P${RUN}`;
      expect(uidsOf(await qido(`studies?${mine}&StudyDate=20260101-20261231`))).toEqual([study]);
      expect(uidsOf(await qido(`studies?${mine}&StudyDate=-20251231`))).toEqual([
        other.studyInstanceUid,
      ]);
      expect(uidsOf(await qido(`studies?${mine}&StudyDate=20250620`))).toEqual([
        other.studyInstanceUid,
      ]);
      expect(uidsOf(await qido(`studies?${mine}&StudyDate=20250621-`))).toEqual([study]);
      expect(uidsOf(await qido(`studies?00080050=${accession}`))).toEqual([study]);
      expect(uidsOf(await qido(`studies?AccessionNumber=ACC-${RUN}-*&limit=5`)).sort()).toEqual(
        [study, other.studyInstanceUid].sort(),
      );
      expect(uidsOf(await qido(`studies?${mine}&ModalitiesInStudy=MR`))).toEqual([study]);
      expect(uidsOf(await qido(`studies?${mine}&ModalitiesInStudy=DX\\MR`)).sort()).toEqual(
        [study, other.studyInstanceUid].sort(),
      );
      expect(
        uidsOf(await qido(`studies?StudyInstanceUID=${study}\\${other.studyInstanceUid}`)).sort(),
      ).toEqual([study, other.studyInstanceUid].sort());

      // Newest first: the 2026 study, then the 2025 one.
      expect(uidsOf(await qido(`studies?${mine}&limit=1`))).toEqual([study]);
      expect(uidsOf(await qido(`studies?${mine}&limit=1&offset=1`))).toEqual([
        other.studyInstanceUid,
      ]);
      expect(await qido(`studies?${mine}&offset=2`)).toEqual([]);

      const [byTag] = await qido(`studies?StudyInstanceUID=${study}&includefield=00081030`);
      expect(byTag['00081030']).toEqual({ vr: 'LO', Value: ['胸部CT平扫'] });
      const [byKeyword] = await qido(
        `studies?StudyInstanceUID=${study}&includefield=StudyDescription,PatientSex`,
      );
      expect(byKeyword['00081030'].Value).toEqual(['胸部CT平扫']);
      const [all] = await qido(`studies?StudyInstanceUID=${study}&includefield=all`);
      expect(all['00081030'].Value).toEqual(['胸部CT平扫']);
      expect(all['00280010']).toBeUndefined(); // Rows is not a study attribute
    });

    it('searches series and instances in a study and across studies', async () => {
      const allSeries = await qido(`studies/${study}/series`);
      expect(uidsOf(allSeries, '0020000E')).toEqual([series, multiFrameSeries]);
      expect(allSeries[1]).toMatchObject({
        '00080060': { Value: ['MR'] },
        '00200011': { Value: [2] },
        '00201209': { Value: [1] },
        '00081190': {
          Value: [`${centre.url}/dicomweb/studies/${study}/series/${multiFrameSeries}`],
        },
      });
      expect(uidsOf(await qido(`studies/${study}/series?Modality=MR`), '0020000E')).toEqual([
        multiFrameSeries,
      ]);
      const inSeries = await qido(`studies/${study}/series/${series}/instances`);
      expect(uidsOf(inSeries, '00080018')).toEqual(syntaxes.map((s) => built[s].sopInstanceUid));
      expect(inSeries[0]).toMatchObject({
        '00080016': { Value: [built['explicit-le'].sopClassUid] },
        '00200013': { Value: [1] },
        '00280010': { Value: [32] },
        '00280011': { Value: [48] },
      });
      const [across] = await qido(`instances?SOPInstanceUID=${multiFrame.sopInstanceUid}`);
      expect(across).toMatchObject({
        '00100020': { Value: [`P${RUN}`] },
        '0020000D': { Value: [study] },
        '0020000E': { Value: [multiFrameSeries] },
        '00080060': { Value: ['MR'] },
        '00280008': { Value: [3] },
      });
      expect(uidsOf(await qido(`series?PatientID=P${RUN}&Modality=DX`), '0020000E')).toEqual([
        other.seriesInstanceUid,
      ]);
      expect(await qido(`studies?PatientID=nobody-${RUN}`)).toEqual([]);
    });

    it('answers 400 naming what is wrong with a query', async () => {
      for (const [query, reason] of [
        ['studies?Foo=bar', /"Foo" is not a query key/],
        ['studies?StudyDate=2026-01-01', /StudyDate "2026-01-01" is not a date/],
        ['studies?StudyDate=20261301', /not a date/],
        ['studies?limit=abc', /limit must be a whole number/],
        ['studies?Modality=CT', /series-level key .* \(use ModalitiesInStudy\)/],
        ['studies?includefield=NoSuchKeyword', /includefield "NoSuchKeyword"/],
        ['studies?StudyInstanceUID=1.2.x', /not a UID/],
      ] as const) {
        const answer = await json(callers.radiologist, `/dicomweb/${query}`);
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(reason);
      }
    });

    it('retrieves every instance byte for byte', async () => {
      const response = await centre.request(callers.radiologist, `/dicomweb/studies/${study}`, {
        headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(
        /^multipart\/related; type="application\/dicom"; boundary=/,
      );
      const parts = await readMultipart(response);
      const sent = [...syntaxes.map((s) => built[s]), multiFrame];
      expect(parts.map((part) => sha256(part.bytes))).toEqual(sent.map((b) => sha256(b.bytes)));
      expect(parts[4].contentType).toBe(
        `application/dicom; transfer-syntax=${TransferSyntaxes.JpegBaseline}`,
      );

      const one = await centre.request(callers.radiologist, instancePath(built.deflated));
      const [only] = await readMultipart(one);
      expect(sha256(only.bytes)).toBe(sha256(built.deflated.bytes));

      const series = await readMultipart(
        await centre.request(
          callers.radiologist,
          `/dicomweb/studies/${study}/series/${multiFrameSeries}`,
          { headers: { accept: 'multipart/related; type="application/dicom"' } },
        ),
      );
      expect(series.map((part) => sha256(part.bytes))).toEqual([sha256(multiFrame.bytes)]);
    });

    it('answers 406 for what it cannot send and 404 for what it does not have', async () => {
      const notJson = await centre.request(callers.radiologist, `/dicomweb/studies/${study}`, {
        headers: { accept: 'application/json' },
      });
      expect(notJson.status).toBe(406);
      const transcode = await centre.request(
        callers.radiologist,
        instancePath(built['jpeg-baseline']),
        {
          headers: {
            accept: `multipart/related; type="application/dicom"; transfer-syntax=${TransferSyntaxes.ExplicitVRLittleEndian}`,
          },
        },
      );
      expect(transcode.status).toBe(406);
      expect(((await transcode.json()) as { message: string }).message).toMatch(
        /stored transfer syntax/,
      );
      const missing = await json(callers.radiologist, `/dicomweb/studies/${newUid()}`, '*/*');
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/study .* not found/);
      const missingInstance = await json(
        callers.radiologist,
        `/dicomweb/studies/${study}/series/${series}/instances/${newUid()}/metadata`,
      );
      expect(missingInstance.status).toBe(404);
    });

    it('gives the headers as DICOM JSON with bulk data by reference', async () => {
      const answer = await json(callers.radiologist, `${instancePath(multiFrame)}/metadata`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/dicom\+json/);
      const [metadata] = answer.body as DicomJson[];
      expect(metadata['00100010'].Value).toEqual([
        { Alphabetic: `ZHANG${RUN}^SAN`, Ideographic: `张${RUN}^三` },
      ]);
      expect(metadata['00080018'].Value).toEqual([multiFrame.sopInstanceUid]);
      const pixelUri = metadata['7FE00010'].BulkDataURI;
      expect(pixelUri).toBe(`${centre.url}${instancePath(multiFrame)}/bulkdata/7FE00010`);
      const bulk = await readMultipart(
        await centre.request(callers.radiologist, pixelUri!.slice(centre.url.length)),
      );
      const parsed = parseInstance(multiFrame.bytes);
      expect(Buffer.concat(bulk.map((part) => part.bytes))).toEqual(
        Buffer.concat([1, 2, 3].map((n) => frameBytes(parsed, n))),
      );

      const studyMetadata = await json(callers.radiologist, `/dicomweb/studies/${study}/metadata`);
      expect((studyMetadata.body as DicomJson[]).map((m) => value(m, '00080018'))).toEqual([
        ...syntaxes.map((s) => built[s].sopInstanceUid),
        multiFrame.sopInstanceUid,
      ]);
    });

    it('retrieves frames: native pixels, or the compressed bitstream with its media type', async () => {
      const native = await centre.request(
        callers.radiologist,
        `${instancePath(multiFrame)}/frames/2,3`,
        { headers: { accept: 'multipart/related; type="application/octet-stream"' } },
      );
      expect(native.status).toBe(200);
      expect(native.headers.get('content-type')).toMatch(
        /^multipart\/related; type="application\/octet-stream"/,
      );
      const parsed = parseInstance(multiFrame.bytes);
      const frames = await readMultipart(native);
      expect(frames.map((f) => f.bytes)).toEqual([frameBytes(parsed, 2), frameBytes(parsed, 3)]);
      expect(frames[0].bytes.length).toBe(16 * 20 * 2);

      const jpeg = await centre.request(
        callers.radiologist,
        `${instancePath(built['jpeg-baseline'])}/frames/1`,
        {
          headers: {
            accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
          },
        },
      );
      const [compressed] = await readMultipart(jpeg);
      expect(compressed.contentType).toBe(
        `image/jpeg; transfer-syntax=${TransferSyntaxes.JpegBaseline}`,
      );
      expect(compressed.bytes).toEqual(frameBytes(parseInstance(built['jpeg-baseline'].bytes), 1));
      expect(compressed.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

      const uncompressedOnly = await centre.request(
        callers.radiologist,
        `${instancePath(built['jpeg-baseline'])}/frames/1`,
        { headers: { accept: 'multipart/related; type="application/octet-stream"' } },
      );
      expect(uncompressedOnly.status).toBe(406);
      const pastTheEnd = await centre.request(
        callers.radiologist,
        `${instancePath(multiFrame)}/frames/4`,
      );
      expect(pastTheEnd.status).toBe(404);
      const badList = await centre.request(
        callers.radiologist,
        `${instancePath(multiFrame)}/frames/0,x`,
      );
      expect(badList.status).toBe(400);
    });

    it('renders frames as PNG or JPEG, windowed, and says why it cannot render JPEG 2000', async () => {
      const png = await centre.request(
        callers.radiologist,
        `${instancePath(built['explicit-le'])}/rendered`,
      );
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
      expect([image.width, image.height]).toEqual([48, 32]);

      const frame = await centre.request(
        callers.radiologist,
        `${instancePath(multiFrame)}/frames/3/rendered?window=100,50,linear`,
        { headers: { accept: 'image/png' } },
      );
      const decoded = PNG.sync.read(Buffer.from(await frame.arrayBuffer()));
      expect([decoded.width, decoded.height]).toEqual([20, 16]);

      for (const syntax of ['explicit-be', 'rle', 'jpeg-baseline', 'deflated'] as const) {
        const rendered = await centre.request(
          callers.radiologist,
          `${instancePath(built[syntax])}/rendered`,
        );
        expect(rendered.status).toBe(200);
        const picture = PNG.sync.read(Buffer.from(await rendered.arrayBuffer()));
        expect([picture.width, picture.height]).toEqual([48, 32]);
      }

      const jpeg = await centre.request(
        callers.radiologist,
        `${instancePath(built['implicit-le'])}/rendered`,
        {
          headers: { accept: 'image/jpeg' },
        },
      );
      expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await jpeg.arrayBuffer()).subarray(0, 2)).toEqual(
        Buffer.from([0xff, 0xd8]),
      );

      const j2k = await json(
        callers.radiologist,
        `${instancePath(built.jpeg2000)}/rendered`,
        'image/png',
      );
      expect(j2k.status).toBe(406);
      expect(j2k.body.message).toMatch(/cannot be rendered/);
      const gif = await json(
        callers.radiologist,
        `${instancePath(built['explicit-le'])}/rendered`,
        'image/gif',
      );
      expect(gif.status).toBe(406);
      const badWindow = await json(
        callers.radiologist,
        `${instancePath(built['explicit-le'])}/rendered?window=40,-1`,
        'image/png',
      );
      expect(badWindow.status).toBe(400);
    });

    it('takes the same instance again without change, and keeps the first of two different ones', async () => {
      const again = await centre.stow(callers.radiologist, [{ bytes: built['explicit-le'].bytes }]);
      expect(again.status).toBe(200);
      expect(
        sequence(again.body, ReferencedSOPSequence).map((i) => value(i, ReferencedSOPInstanceUID)),
      ).toEqual([built['explicit-le'].sopInstanceUid]);
      const changed = buildDicom({
        ...common,
        patientId: `P${RUN}`,
        sopInstanceUid: built['explicit-le'].sopInstanceUid,
        studyDescription: 'changed',
      });
      const conflict = await centre.stow(callers.radiologist, [{ bytes: changed.bytes }]);
      expect(conflict.status).toBe(409);
      const [failure] = sequence(conflict.body, FailedSOPSequence);
      expect(value(failure, FailureReason)).toBe(0x0111);
      expect(value(failure, FailureDescription)).toMatch(
        /different content; the first one is kept/,
      );

      const [match] = await qido(`studies?StudyInstanceUID=${study}`);
      expect(value(match, '00201208')).toBe(8);
      const [kept] = await readMultipart(
        await centre.request(callers.radiologist, instancePath(built['explicit-le'])),
      );
      expect(sha256(kept.bytes)).toBe(sha256(built['explicit-le'].bytes));
    });
  });

  describe('STOW-RS refusals', () => {
    it('stores the good parts and says why each other one failed (202)', async () => {
      const good = instance();
      const truncated = instance();
      const noUid = instance({ extra: { '00080018': { vr: 'UI', value: '' } } });
      const asText = instance();
      const answer = await centre.stow(callers.radiologist, [
        { bytes: good.bytes },
        { bytes: Buffer.from('this is not a DICOM file, it is a letter') },
        { bytes: truncated.bytes.subarray(0, truncated.bytes.length - 300) },
        { bytes: noUid.bytes },
        { bytes: asText.bytes, contentType: 'text/plain' },
        { bytes: instance().bytes, contentType: null },
      ]);
      expect(answer.status).toBe(202);
      expect(sequence(answer.body, ReferencedSOPSequence)).toHaveLength(2);
      const failures = sequence(answer.body, FailedSOPSequence);
      expect(failures.map((f) => [value(f, FailureReason), value(f, FailureDescription)])).toEqual([
        [0xc000, expect.stringMatching(/^part 2: not a DICOM Part 10 file/)],
        [0xc000, expect.stringMatching(/^part 3: .*truncated/)],
        [0xa900, expect.stringMatching(/^part 4: SOP Instance UID \(0008,0018\) is missing/)],
        [0xc000, expect.stringMatching(/^part 5: its Content-Type is text\/plain/)],
      ]);
      expect(value(failures[0], '00090010')).toBe('CONSORTIUM HUB DICOMWEB');
      expect(
        await qido(
          `instances?SOPInstanceUID=${truncated.sopInstanceUid}\\${asText.sopInstanceUid}`,
        ),
      ).toEqual([]);
    });

    it('answers 409 when nothing is stored, also for instances of another study than the one named', async () => {
      const target = newUid();
      const elsewhere = instance();
      const answer = await centre.stow(callers.radiologist, [{ bytes: elsewhere.bytes }], {
        study: target,
      });
      expect(answer.status).toBe(409);
      const [failure] = sequence(answer.body, FailedSOPSequence);
      expect(value(failure, FailureReason)).toBe(0xa900);
      expect(value(failure, ReferencedSOPInstanceUID)).toBe(elsewhere.sopInstanceUid);
      expect(value(failure, FailureDescription)).toMatch(/belongs to study .*, not to/);

      const into = instance({ studyInstanceUid: target });
      expect(
        (await centre.stow(callers.radiologist, [{ bytes: into.bytes }], { study: target })).status,
      ).toBe(200);
    });

    it('answers 415 for another media type and 400 for a malformed body', async () => {
      const bytes = instance().bytes;
      for (const contentType of [
        'application/dicom',
        'multipart/related; type="application/dicom+json"; boundary=x',
      ]) {
        const answer = await centre.stow(callers.radiologist, [{ bytes }], { contentType });
        expect(answer.status).toBe(415);
        expect(answer.body.message).toMatch(/multipart\/related; type="application\/dicom"/);
      }
      const cut = await centre.request(callers.radiologist, '/dicomweb/studies', {
        method: 'POST',
        headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=b' },
        body: Buffer.concat([Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\n'), bytes]),
      });
      expect(cut.status).toBe(400);
      expect(((await cut.json()) as { message: string }).message).toMatch(/closing boundary/);
    });
  });

  describe('studies and their orders', () => {
    it('links a study to its order by accession number and tells the hub once per change', async () => {
      const order = await receivedOrder({ requesterOrgId: 'CLINIC-A' });
      const first = instance({
        accessionNumber: order.accessionNumber,
        patientName: `LI${RUN}^SI`,
      });
      const stored = await centre.stow(callers.clinicA, [{ bytes: first.bytes }]);
      expect(stored.status).toBe(200);
      const study = first.studyInstanceUid;

      const update = await waitForJob(centre.queues.imagingEvents, jobIds.studyUpdate(study, 1));
      expect(update.name).toBe(JobNames.StudyUpdate);
      expect(update.data).toMatchObject({ studyInstanceUid: study, orderId: order.orderId });
      const started = await waitForJob(
        centre.queues.taskEvents,
        jobIds.taskUpdate(order.taskId, 'in-progress'),
      );
      expect(started.data).toMatchObject({
        orderId: order.orderId,
        status: 'in-progress',
        centre: 'imaging',
      });

      const second = instance({
        accessionNumber: order.accessionNumber,
        studyInstanceUid: study,
        seriesInstanceUid: first.seriesInstanceUid,
        instanceNumber: 2,
      });
      expect((await centre.stow(callers.clinicA, [{ bytes: second.bytes }])).status).toBe(200);
      await waitForJob(centre.queues.imagingEvents, jobIds.studyUpdate(study, 2));
      // Sent again: stored already, so nothing changes and the hub is not told again.
      expect((await centre.stow(callers.clinicA, [{ bytes: first.bytes }])).status).toBe(200);
      // The outbox is written with the answer, so it shows at once whether a job was queued.
      const queued = await centre.db.query<Array<{ job_id: string }>>(
        `SELECT job_id FROM imaging.outbox WHERE payload->>'studyInstanceUid' = $1 ORDER BY id`,
        [study],
      );
      expect(queued.map((row) => row.job_id)).toEqual([
        jobIds.studyUpdate(study, 1),
        jobIds.studyUpdate(study, 2),
      ]);
      const taskJobs = await jobsWith(centre.queues.taskEvents, 'orderId', order.orderId);
      expect(taskJobs.map((job) => (job.data as { status: string }).status).sort()).toEqual([
        'accepted',
        'in-progress',
      ]);

      const [status] = await centre.db.query<Array<{ status: string }>>(
        `SELECT status FROM imaging.received_order WHERE order_id = $1`,
        [order.orderId],
      );
      expect(status.status).toBe('in-progress');

      const summary = await centre.send<StudySummary | null>(MessageNames.StudyGet, {
        studyInstanceUid: study,
      });
      expect(summary).toEqual({
        studyInstanceUid: study,
        orderId: order.orderId,
        accessionNumber: order.accessionNumber,
        patientId: `P${RUN}`,
        uploadedByOrg: 'CLINIC-A',
        modalities: ['CT'],
        numberOfSeries: 1,
        numberOfInstances: 2,
        series: [
          {
            seriesInstanceUid: first.seriesInstanceUid,
            number: 1,
            modality: 'CT',
            instances: [
              { sopInstanceUid: first.sopInstanceUid, sopClassUid: first.sopClassUid, number: 1 },
              { sopInstanceUid: second.sopInstanceUid, sopClassUid: second.sopClassUid, number: 2 },
            ],
          },
        ],
      });
      expect(await centre.send(MessageNames.StudyGet, { studyInstanceUid: newUid() })).toBeNull();
    });

    it('shows a clinic its own studies only; others get 404, no token 401, other roles 403', async () => {
      const order = await receivedOrder({ requesterOrgId: 'CLINIC-A' });
      const built = instance({ accessionNumber: order.accessionNumber });
      expect((await centre.stow(callers.clinicA, [{ bytes: built.bytes }])).status).toBe(200);
      const study = built.studyInstanceUid;

      expect(uidsOf(await qido(`studies?StudyInstanceUID=${study}`, callers.clinicA))).toEqual([
        study,
      ]);
      expect(await qido(`studies?StudyInstanceUID=${study}`, callers.clinicB)).toEqual([]);
      expect(
        await qido(`instances?SOPInstanceUID=${built.sopInstanceUid}`, callers.clinicB),
      ).toEqual([]);
      for (const path of [
        `/dicomweb/studies/${study}`,
        `/dicomweb/studies/${study}/metadata`,
        `/dicomweb/studies/${study}/series`,
        `${instancePath(built)}/rendered`,
      ]) {
        expect((await centre.request(callers.clinicA, path)).status).toBe(200);
        const hidden = await json(callers.clinicB, path, '*/*');
        expect([path, hidden.status]).toEqual([path, 404]);
      }
      // Another clinic cannot add to the study either.
      const intrusion = instance({ studyInstanceUid: study });
      const refused = await centre.stow(callers.clinicB, [{ bytes: intrusion.bytes }]);
      expect(refused.status).toBe(409);
      expect(value(sequence(refused.body, FailedSOPSequence)[0], FailureReason)).toBe(0x0124);

      expect(
        (await centre.request(undefined, `/dicomweb/studies?StudyInstanceUID=${study}`)).status,
      ).toBe(401);
      const expired = await fetch(`${centre.url}/dicomweb/studies`, {
        headers: { 'x-hub-accessor': centre.token(callers.admin, { expiresIn: -10 }) },
      });
      expect(expired.status).toBe(401);
      const forged = await fetch(`${centre.url}/dicomweb/studies`, {
        headers: {
          'x-hub-accessor': centre.token(callers.admin, {
            secret: 'another-secret-of-32-characters-or-more',
          }),
        },
      });
      expect(forged.status).toBe(401);
      const notAccessor = await fetch(`${centre.url}/dicomweb/studies`, {
        headers: { 'x-hub-accessor': centre.token(callers.admin, { kind: 'access' }) },
      });
      expect(notAccessor.status).toBe(401);
      expect((await centre.request(callers.itOps, '/dicomweb/studies')).status).toBe(403);
      expect(uidsOf(await qido(`studies?StudyInstanceUID=${study}`, callers.admin))).toEqual([
        study,
      ]);
    });

    it('leaves a study sent with another clinic’s accession unmatched, for imaging staff to link', async () => {
      const order = await receivedOrder({ requesterOrgId: 'CLINIC-A' });
      const wrong = instance({
        accessionNumber: order.accessionNumber,
        patientName: `WU${RUN}^LIU`,
      });
      const stored = await centre.stow(callers.clinicB, [{ bytes: wrong.bytes }]);
      expect(stored.status).toBe(200);
      const study = wrong.studyInstanceUid;
      expect(await qido(`studies?StudyInstanceUID=${study}`, callers.clinicB)).toEqual([]);
      expect(await qido(`studies?StudyInstanceUID=${study}`, callers.clinicA)).toEqual([]);

      const unmatched = await json(callers.radiologist, '/dicomweb-admin/unmatched?limit=1000');
      expect(unmatched.status).toBe(200);
      expect(unmatched.body).toContainEqual(
        expect.objectContaining({
          studyInstanceUid: study,
          accessionNumber: order.accessionNumber,
          patientName: `WU${RUN}^LIU`,
          uploadedByOrg: 'CLINIC-B',
          numberOfInstances: 1,
        }),
      );
      expect((await json(callers.clinicB, '/dicomweb-admin/unmatched')).status).toBe(403);

      // Imaging staff link it by hand to an order of clinic B that has no study.
      const right = await receivedOrder({ requesterOrgId: 'CLINIC-B' });
      const link = (caller: Caller, orderId: string, uid = study) =>
        centre.request(caller, `/dicomweb-admin/studies/${uid}/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ orderId }),
        });
      expect((await link(callers.clinicB, right.orderId)).status).toBe(403);
      expect((await link(callers.radiologist, randomUUID())).status).toBe(404);
      expect((await link(callers.radiologist, right.orderId, newUid())).status).toBe(404);
      const linked = await link(callers.radiologist, right.orderId);
      expect(linked.status).toBe(200);
      expect(await linked.json()).toEqual({ studyInstanceUid: study, orderId: right.orderId });
      expect((await link(callers.radiologist, right.orderId)).status).toBe(200);
      expect((await link(callers.radiologist, order.orderId)).status).toBe(409);

      await waitForJob(centre.queues.imagingEvents, jobIds.studyUpdate(study, 1));
      await waitForJob(centre.queues.taskEvents, jobIds.taskUpdate(right.taskId, 'in-progress'));
      expect(uidsOf(await qido(`studies?StudyInstanceUID=${study}`, callers.clinicB))).toEqual([
        study,
      ]);
      const after = await json(callers.radiologist, '/dicomweb-admin/unmatched?limit=1000');
      expect(
        (after.body as Array<{ studyInstanceUid: string }>).map((s) => s.studyInstanceUid),
      ).not.toContain(study);
    });

    it('links a study that arrived before its order when the order comes', async () => {
      const accessionNumber = `IMG-EARLY-${RUN}`;
      const early = instance({ accessionNumber });
      expect((await centre.stow(callers.radiologist, [{ bytes: early.bytes }])).status).toBe(200);
      // Unmatched: the hub is asked once to try the patient and the procedure.
      const unmatched = await waitForJob(
        centre.queues.imagingEvents,
        jobIds.studyUnmatched(early.studyInstanceUid),
      );
      expect(unmatched.data).not.toHaveProperty('orderId');

      const order = await receivedOrder({ accessionNumber, requesterOrgId: 'CLINIC-A' });
      const update = await waitForJob(
        centre.queues.imagingEvents,
        jobIds.studyUpdate(early.studyInstanceUid, 1),
      );
      expect(update.data).toMatchObject({ orderId: order.orderId });
      await waitForJob(centre.queues.taskEvents, jobIds.taskUpdate(order.taskId, 'in-progress'));
      expect(
        uidsOf(await qido(`studies?AccessionNumber=${accessionNumber}`, callers.clinicA)),
      ).toEqual([early.studyInstanceUid]);
    });
  });

  it('takes a large instance streamed in small pieces and gives it back byte for byte', async () => {
    const large = instance({ rows: 256, columns: 256, frames: 40 }); // about 5 MB of pixels
    const boundary = `stream-${randomUUID()}`;
    const whole = multipartRelated(boundary, [{ bytes: large.bytes }]);
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < whole.length; i += 16 * 1024)
          controller.enqueue(whole.subarray(i, i + 16 * 1024));
        controller.close();
      },
    });
    const stored = await centre.request(callers.radiologist, '/dicomweb/studies', {
      method: 'POST',
      headers: {
        'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      },
      body,
      duplex: 'half',
    });
    expect(stored.status).toBe(200);
    const [back] = await readMultipart(
      await centre.request(callers.radiologist, instancePath(large)),
    );
    expect(back.bytes.length).toBe(large.bytes.length);
    expect(sha256(back.bytes)).toBe(sha256(large.bytes));
  });

  it('keeps each instance as one file under DATA_DIR and nothing staged', async () => {
    const built = instance();
    expect((await centre.stow(callers.admin, [{ bytes: built.bytes }])).status).toBe(200);
    const file = join(
      centre.dataDir,
      'instances',
      built.studyInstanceUid,
      built.seriesInstanceUid,
      `${built.sopInstanceUid}.dcm`,
    );
    expect(sha256(await readFile(file))).toBe(sha256(built.bytes));
    expect(await readdir(join(centre.dataDir, 'tmp'))).toEqual([]);
  });
});
