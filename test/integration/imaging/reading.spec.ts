// First: the fixture sets REDIS_PREFIX before the app modules are imported.
import {
  type ImagingCentre,
  callers,
  jobsWith,
  makeImagingOrder,
  startImagingCentre,
  waitForJob,
} from './imaging-fixture';
import { randomUUID } from 'node:crypto';
import type { DiagnosticReport } from 'fhir/r4';
import { Client as PgClient } from 'pg';
import { buildDicom } from '@hub/dicom';
import {
  type CentreRefusal,
  JobNames,
  MessageNames,
  type OrderRoutePayload,
  type Reader,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReadingWorklistRequest,
  type ReportGetReply,
  jobIds,
} from '@hub/contracts';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

/** This run's mark in patient ids, so what other runs left behind never matches. */
const RUN = randomUUID().slice(0, 8).toUpperCase();

const radiologist: Reader = { username: 'radiologist', licensed: true };
const chief: Reader = { username: 'chief-radiologist', licensed: true };
const trainee: Reader = { username: 'radiology-trainee', licensed: false };
const otherTrainee: Reader = { username: 'radiology-trainee-2', licensed: false };

const findings = '左侧额颞部硬膜下新月形高密度影，中线右移约 6 mm。';
const impression = '左侧急性硬膜下血肿 Acute left subdural haematoma';
const criticalText = '急性硬膜下血肿伴中线移位 Acute subdural haematoma with midline shift';

/** The report's text as the clinic reads it from `presentedForm`. */
const presented = (f: string, i: string) =>
  Buffer.from(`检查所见 Findings:\n${f}\n\n诊断意见 Impression:\n${i}`, 'utf8').toString('base64');

const MINUTE = 60_000;

describe('imaging centre reading (real PostgreSQL and Redis)', () => {
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

  /** An imaging order the centre has received, with no images yet. */
  const receivedOrder = async (overrides: Partial<OrderRoutePayload> = {}) => {
    const order = makeImagingOrder(overrides);
    orders.push(order.orderId);
    await centre.orders.receive(order);
    return order;
  };

  /** The modality sends the order's study (one CT image unless told otherwise). */
  const imagesFor = async (order: OrderRoutePayload, modality = 'CT') => {
    const image = buildDicom({
      accessionNumber: order.accessionNumber,
      modality,
      patientId: `P${RUN}`,
    });
    studies.push(image.studyInstanceUid);
    const stored = await centre.stow(callers.radiologist, [{ bytes: image.bytes }]);
    expect(stored.status).toBe(200);
    return image.studyInstanceUid;
  };

  /** An order whose images have arrived: ready to read. */
  const readyOrder = async (overrides: Partial<OrderRoutePayload> = {}, modality = 'CT') => {
    const order = await receivedOrder(overrides);
    const study = await imagesFor(order, modality);
    return { order, study };
  };

  const worklist = async (filter: ReadingWorklistRequest = {}) =>
    (
      await centre.send<ReadingItem[]>(MessageNames.ReadingWorklist, { limit: 500, ...filter })
    ).filter((item) => orders.includes(item.orderId));
  const reading = (orderId: string) =>
    centre.send<ReadingView | null>(MessageNames.ReadingGet, { orderId });
  const claim = (orderId: string, reader: Reader, release?: boolean) =>
    centre.send<ReadingReply>(MessageNames.ReadingClaim, {
      orderId,
      reader,
      ...(release === undefined ? {} : { release }),
    });
  const draft = (orderId: string, reader: Reader, text: Record<string, unknown> = {}) =>
    centre.send<ReadingReply>(MessageNames.ReadingDraft, {
      orderId,
      reader,
      findings,
      impression,
      ...text,
    });
  const sign = (orderId: string, reader: Reader) =>
    centre.send<ReadingReply>(MessageNames.ReadingSign, { orderId, reader, traceId: 'trace-sign' });
  const cosign = (orderId: string, reader: Reader) =>
    centre.send<ReadingReply>(MessageNames.ReadingCosign, {
      orderId,
      reader,
      traceId: 'trace-cosign',
    });
  const amend = (orderId: string, reader: Reader, reason?: string) =>
    centre.send<ReadingReply>(MessageNames.ReadingAmend, { orderId, reader, reason });
  const reportGet = (reportId: string, version?: number) =>
    centre.send<ReportGetReply | null>(MessageNames.ReportGet, {
      reportId,
      ...(version === undefined ? {} : { version }),
    });

  /** The reading after a command that must succeed. */
  const accepted = async (reply: Promise<ReadingReply>): Promise<ReadingView> => {
    const answer = await reply;
    if (!answer.ok) throw new Error(`refused: ${answer.status} ${answer.diagnostics}`);
    return answer.reading;
  };

  /** A refusal, which must be one. */
  const refused = async (reply: Promise<ReadingReply>): Promise<CentreRefusal> => {
    const answer = await reply;
    if (answer.ok) throw new Error(`accepted: ${JSON.stringify(answer.reading)}`);
    return answer;
  };

  /** A released report version's content, which must exist. */
  const released = async (reportId: string, version?: number) => {
    const content = await reportGet(reportId, version);
    if (!content) throw new Error(`report ${reportId} has no released version ${version ?? ''}`);
    return { ...content, report: content.diagnosticReport as unknown as DiagnosticReport };
  };

  /** The id the order's report has at the hub (the same in every version). */
  const reportIdOf = async (orderId: string) =>
    (
      await centre.db.query<Array<{ report_id: string }>>(
        `SELECT report_id FROM imaging.reading WHERE order_id = $1`,
        [orderId],
      )
    )[0].report_id;

  const orderStatus = async (orderId: string) =>
    (
      await centre.db.query<Array<{ status: string }>>(
        `SELECT status FROM imaging.received_order WHERE order_id = $1`,
        [orderId],
      )
    )[0].status;

  /** The reader's claim ran out `minutes` ago. */
  const expireClaim = (orderId: string, minutes = 1) =>
    centre.db.query(
      `UPDATE imaging.reading SET claim_expires_at = now() - make_interval(mins => $2) WHERE order_id = $1`,
      [orderId, minutes],
    );

  /** The images of the order arrived `minutes` ago (the turnaround clock started then). */
  const imagesArrivedAgo = (orderId: string, minutes: number) =>
    centre.db.query(
      `UPDATE imaging.study SET linked_at = now() - make_interval(mins => $2),
                                created_at = now() - make_interval(mins => $2)
        WHERE order_id = $1`,
      [orderId, minutes],
    );

  /** An order read and signed by a licensed radiologist: released as version 1. */
  const signedOrder = async (text: Record<string, unknown> = {}) => {
    const { order, study } = await readyOrder();
    await accepted(claim(order.orderId, radiologist));
    await accepted(draft(order.orderId, radiologist, text));
    const view = await accepted(sign(order.orderId, radiologist));
    return { order, study, view, reportId: await reportIdOf(order.orderId) };
  };

  describe('worklist', () => {
    it('lists orders by priority, then by the time left to their turnaround target, and filters them', async () => {
      const routine = await readyOrder({ code: 'IMG-CT-CHEST', priority: 'routine' });
      const noImages = await receivedOrder({ code: 'IMG-CT-CHEST', priority: 'routine' });
      const urgentDr = await readyOrder(
        { code: 'IMG-DR-CHEST', priority: 'urgent', requesterOrgId: 'CLINIC-B' },
        'DX',
      );
      const urgentUs = await readyOrder({ code: 'IMG-US-ABD', priority: 'urgent' }, 'US');
      // The ultrasound came 50 minutes ago: 10 of its 60 minutes are left, fewer than the DR's 30.
      await imagesArrivedAgo(urgentUs.order.orderId, 50);
      const asap = await readyOrder({ code: 'IMG-CT-HEAD', priority: 'asap' });
      const stat = await readyOrder({ code: 'IMG-CT-HEAD', priority: 'stat' });
      const cancelled = await readyOrder({ priority: 'stat' });
      await centre.orders.cancel({
        orderId: cancelled.order.orderId,
        taskId: cancelled.order.taskId,
        centre: 'imaging',
        code: cancelled.order.code,
        priority: cancelled.order.priority,
        requesterOrgId: cancelled.order.requesterOrgId,
        traceId: randomUUID(),
      });

      const list = await worklist();
      expect(list.map((item) => [item.orderId, item.status, item.minutesLeft])).toEqual([
        [stat.order.orderId, 'unread', 30],
        [asap.order.orderId, 'unread', 60],
        [urgentUs.order.orderId, 'unread', 10],
        [urgentDr.order.orderId, 'unread', 30],
        [routine.order.orderId, 'unread', 240],
        [noImages.orderId, 'awaiting-images', undefined],
      ]);
      const item = list.find((i) => i.orderId === routine.order.orderId) as ReadingItem;
      expect(item).toEqual({
        orderId: routine.order.orderId,
        accessionNumber: routine.order.accessionNumber,
        code: 'IMG-CT-CHEST',
        priority: 'routine',
        requesterOrg: 'CLINIC-A',
        studyInstanceUid: routine.study,
        modalities: ['CT'],
        imagesAt: expect.any(String) as unknown,
        dueAt: expect.any(String) as unknown,
        minutesLeft: 240,
        status: 'unread',
      });
      expect(Date.parse(item.dueAt as string) - Date.parse(item.imagesAt as string)).toBe(
        240 * MINUTE,
      );
      expect(list.find((i) => i.orderId === noImages.orderId)).toEqual({
        orderId: noImages.orderId,
        accessionNumber: noImages.accessionNumber,
        code: 'IMG-CT-CHEST',
        priority: 'routine',
        requesterOrg: 'CLINIC-A',
        modalities: [],
        status: 'awaiting-images',
      });

      expect((await worklist({ modality: 'US' })).map((i) => i.orderId)).toEqual([
        urgentUs.order.orderId,
      ]);
      expect((await worklist({ requesterOrg: 'CLINIC-B' })).map((i) => i.orderId)).toEqual([
        urgentDr.order.orderId,
      ]);
      expect((await worklist({ status: 'awaiting-images' })).map((i) => i.orderId)).toEqual([
        noImages.orderId,
      ]);

      await accepted(claim(stat.order.orderId, radiologist));
      expect(await worklist({ status: 'claimed' })).toEqual([
        expect.objectContaining({
          orderId: stat.order.orderId,
          status: 'claimed',
          claimedBy: 'radiologist',
        }),
      ]);
      // Still first: a claimed study is still work to do.
      expect((await worklist())[0]).toMatchObject({ orderId: stat.order.orderId });
    });

    it('leaves signed reports off the list unless asked for', async () => {
      const { order } = await signedOrder();
      expect((await worklist()).map((i) => i.orderId)).not.toContain(order.orderId);
      const signed = (await worklist({ status: 'final' })).find((i) => i.orderId === order.orderId);
      expect(signed).toMatchObject({ status: 'final', dueAt: expect.any(String) as unknown });
      expect(signed?.minutesLeft).toBeUndefined();
    });
  });

  describe('claims', () => {
    it('lets one reader at a time claim a study, refuses a second, hands over an expired claim and takes it back', async () => {
      const { order, study } = await readyOrder();
      const before = Date.now();
      const claimed = await accepted(claim(order.orderId, trainee));
      expect(claimed).toMatchObject({
        orderId: order.orderId,
        studyInstanceUid: study,
        status: 'claimed',
        version: 1,
        claimedBy: 'radiology-trainee',
        history: [],
      });
      const until = Date.parse(claimed.claimExpiresAt as string);
      expect(until - before).toBeGreaterThanOrEqual(30 * MINUTE);
      expect(until - Date.now()).toBeLessThanOrEqual(30 * MINUTE);

      const second = await refused(claim(order.orderId, radiologist));
      expect(second).toMatchObject({ status: 409, expression: ['orderId'] });
      expect(second.diagnostics).toContain('radiology-trainee');
      expect(second.diagnostics).toContain(claimed.claimExpiresAt);
      // Nor may the other reader give it back.
      expect(await refused(claim(order.orderId, radiologist, true))).toMatchObject({ status: 409 });
      expect((await reading(order.orderId))?.claimedBy).toBe('radiology-trainee');

      // The same reader claiming again extends the claim.
      await centre.db.query(
        `UPDATE imaging.reading SET claim_expires_at = now() + interval '1 minute' WHERE order_id = $1`,
        [order.orderId],
      );
      const extended = await accepted(claim(order.orderId, trainee));
      expect(Date.parse(extended.claimExpiresAt as string) - Date.now()).toBeGreaterThan(
        29 * MINUTE,
      );

      // An expired claim holds nobody: the study is unread again, and another reader takes it.
      await expireClaim(order.orderId);
      expect(await reading(order.orderId)).toMatchObject({ status: 'unread' });
      expect((await reading(order.orderId))?.claimedBy).toBeUndefined();
      const takenOver = await accepted(claim(order.orderId, radiologist));
      expect(takenOver).toMatchObject({ status: 'claimed', claimedBy: 'radiologist' });
      expect(await refused(claim(order.orderId, trainee))).toMatchObject({ status: 409 });

      const given = await accepted(claim(order.orderId, radiologist, true));
      expect(given.status).toBe('unread');
      expect(given.claimedBy).toBeUndefined();
      expect(await accepted(claim(order.orderId, trainee))).toMatchObject({
        claimedBy: 'radiology-trainee',
      });
    });

    it('refuses a study with no images, an unknown or cancelled order and a malformed request', async () => {
      const waiting = await receivedOrder();
      const noImages = await refused(claim(waiting.orderId, radiologist));
      expect(noImages).toMatchObject({ status: 409 });
      expect(noImages.diagnostics).toMatch(/no images/);
      expect(await reading(waiting.orderId)).toMatchObject({ status: 'awaiting-images' });

      expect(await refused(claim(randomUUID(), radiologist))).toMatchObject({
        status: 404,
        expression: ['orderId'],
      });
      expect(await reading(randomUUID())).toBeNull();

      const { order } = await readyOrder();
      await centre.orders.cancel({ ...order, traceId: randomUUID() });
      expect(await refused(claim(order.orderId, radiologist))).toMatchObject({ status: 409 });

      expect(
        await refused(
          centre.send<ReadingReply>(MessageNames.ReadingClaim, { orderId: order.orderId }),
        ),
      ).toMatchObject({ status: 400, expression: ['reader'] });
      expect(
        await refused(
          centre.send<ReadingReply>(MessageNames.ReadingClaim, {
            orderId: order.orderId,
            reader: { username: 'radiologist' },
          }),
        ),
      ).toMatchObject({ status: 400, expression: ['reader.licensed'] });
    });
  });

  describe('drafts', () => {
    it('takes a draft from the reader holding the claim only, and keeps it as it was when refused', async () => {
      const { order } = await readyOrder();
      // Nobody has claimed it yet.
      expect(await refused(draft(order.orderId, radiologist))).toMatchObject({ status: 409 });
      await accepted(claim(order.orderId, radiologist));
      const saved = await accepted(draft(order.orderId, radiologist));
      expect(saved).toMatchObject({
        status: 'draft',
        version: 1,
        findings,
        impression,
        author: 'radiologist',
        claimedBy: 'radiologist',
      });
      expect(saved.critical).toBeUndefined();

      const notTheirs = await refused(draft(order.orderId, trainee, { impression: '正常' }));
      expect(notTheirs).toMatchObject({ status: 409 });
      expect(notTheirs.diagnostics).toContain('radiologist');

      expect(
        await refused(draft(order.orderId, radiologist, { findings: 'x'.repeat(10_001) })),
      ).toMatchObject({ status: 400, expression: ['findings'] });
      expect(await refused(draft(order.orderId, radiologist, { impression: '  ' }))).toMatchObject({
        status: 400,
        expression: ['impression'],
      });
      expect(
        await refused(draft(order.orderId, radiologist, { critical: { text: '' } })),
      ).toMatchObject({ status: 400, expression: ['critical.text'] });
      expect(await reading(order.orderId)).toMatchObject({ findings, impression, status: 'draft' });

      // A draft stays with the order when its reader gives the claim back, for the next reader.
      await accepted(claim(order.orderId, radiologist, true));
      expect(await reading(order.orderId)).toMatchObject({ status: 'draft', findings });
      expect(await refused(draft(order.orderId, radiologist))).toMatchObject({ status: 409 });
      await accepted(claim(order.orderId, trainee));
      expect(
        await accepted(draft(order.orderId, trainee, { impression: '未见异常' })),
      ).toMatchObject({ author: 'radiology-trainee', impression: '未见异常' });
    });

    it('keeps the critical finding until the reader clears it', async () => {
      const { order } = await readyOrder();
      await accepted(claim(order.orderId, radiologist));
      const flagged = await accepted(
        draft(order.orderId, radiologist, { critical: { text: criticalText } }),
      );
      expect(flagged.critical).toEqual({ text: criticalText });
      expect((await accepted(draft(order.orderId, radiologist))).critical).toEqual({
        text: criticalText,
      });
      expect(
        (await accepted(draft(order.orderId, radiologist, { critical: null }))).critical,
      ).toBeUndefined();
    });
  });

  describe('signing', () => {
    it("releases a licensed reader's report as final: the order completes, the hub is told, and report.get gives the DiagnosticReport", async () => {
      const { order, study } = await readyOrder();
      expect(await refused(sign(order.orderId, radiologist))).toMatchObject({ status: 409 });
      await accepted(claim(order.orderId, radiologist));
      // Nothing drafted yet.
      expect(await refused(sign(order.orderId, radiologist))).toMatchObject({ status: 409 });
      await accepted(draft(order.orderId, radiologist));

      const view = await accepted(sign(order.orderId, radiologist));
      expect(view).toEqual({
        orderId: order.orderId,
        studyInstanceUid: study,
        status: 'final',
        version: 1,
        findings,
        impression,
        author: 'radiologist',
        signedBy: 'radiologist',
        signedAt: expect.any(String) as unknown,
        history: [
          { version: 1, status: 'final', signedBy: 'radiologist', signedAt: view.signedAt },
        ],
        // Reported straight away: well inside the CT's target, measured from the images' arrival.
        turnaround: {
          startedAt: expect.any(String) as unknown,
          dueAt: expect.any(String) as unknown,
          reportedAt: view.signedAt,
          minutes: 0,
          met: true,
        },
      });
      expect(await orderStatus(order.orderId)).toBe('completed');

      const reportId = await reportIdOf(order.orderId);
      const submit = await waitForJob(centre.queues.results, jobIds.reportSubmit(reportId, 1));
      expect(submit.name).toBe(JobNames.ReportSubmit);
      expect(submit.data).toEqual({
        reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'imaging',
        version: 1,
        traceId: 'trace-sign',
      });
      const completed = await waitForJob(
        centre.queues.taskEvents,
        jobIds.taskUpdate(order.taskId, 'completed'),
      );
      expect(completed.name).toBe(JobNames.TaskUpdate);
      expect(completed.data).toEqual({
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'imaging',
        status: 'completed',
        at: view.signedAt,
        traceId: 'trace-sign',
      });

      const content = await released(reportId);
      expect(content).toMatchObject({ reportId, orderId: order.orderId, version: 1 });
      expect(content.observations).toEqual([]);
      expect(content.critical).toBeUndefined();
      expect(content.report).toEqual({
        resourceType: 'DiagnosticReport',
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v2-0074',
                code: 'RAD',
                display: 'Radiology',
              },
            ],
          },
        ],
        code: {
          coding: [
            {
              system: 'urn:hub:catalogue',
              code: 'IMG-CT-CHEST',
              display: 'CT chest without contrast',
            },
          ],
          text: '胸部CT平扫',
        },
        basedOn: [{ reference: `ServiceRequest/${order.orderId}` }],
        // Observed when the images arrived: the recognition window counts from then.
        effectiveDateTime: view.turnaround?.startedAt,
        imagingStudy: [{ reference: `ImagingStudy/${study}` }],
        issued: view.signedAt,
        performer: [
          {
            identifier: { system: 'urn:hub:organization', value: 'IMAGING' },
            display: '医共体医学影像中心',
          },
        ],
        resultsInterpreter: [{ display: 'radiologist' }],
        conclusion: impression,
        presentedForm: [
          {
            contentType: 'text/plain; charset=utf-8',
            language: 'zh-CN',
            data: presented(findings, impression),
            title: '影像诊断报告 Imaging report',
          },
        ],
      });

      // Signed is signed: no second signature, no edit in place, no new claim.
      expect(await refused(sign(order.orderId, radiologist))).toMatchObject({ status: 409 });
      expect(await refused(draft(order.orderId, radiologist))).toMatchObject({ status: 409 });
      expect(await refused(claim(order.orderId, radiologist))).toMatchObject({ status: 409 });
      expect(await jobsWith(centre.queues.results, 'orderId', order.orderId)).toHaveLength(1);
    });

    it("keeps a trainee's signed report at the centre until a licensed senior, not its author, co-signs it", async () => {
      const { order, study } = await readyOrder();
      await accepted(claim(order.orderId, trainee));
      await accepted(draft(order.orderId, trainee, { critical: { text: criticalText } }));
      const signed = await accepted(sign(order.orderId, trainee));
      expect(signed).toMatchObject({
        status: 'awaiting-cosign',
        version: 1,
        author: 'radiology-trainee',
        signedBy: 'radiology-trainee',
        history: [],
      });
      expect(signed.claimedBy).toBeUndefined();
      const reportId = await reportIdOf(order.orderId);
      expect(await reportGet(reportId)).toBeNull();
      expect(await orderStatus(order.orderId)).toBe('in-progress');
      expect(
        await centre.db.query(`SELECT 1 FROM imaging.outbox WHERE job_id = $1`, [
          jobIds.reportSubmit(reportId, 1),
        ]),
      ).toEqual([]);
      expect((await worklist({ status: 'awaiting-cosign' })).map((i) => i.orderId)).toEqual([
        order.orderId,
      ]);
      // The trainee cannot change it, sign it again or claim it now.
      expect(await refused(draft(order.orderId, trainee))).toMatchObject({ status: 409 });
      expect(await refused(sign(order.orderId, trainee))).toMatchObject({ status: 409 });
      expect(await refused(claim(order.orderId, radiologist))).toMatchObject({ status: 409 });

      expect(await refused(cosign(order.orderId, otherTrainee))).toMatchObject({
        status: 403,
        expression: ['reader'],
      });
      expect(await refused(cosign(order.orderId, trainee))).toMatchObject({ status: 403 });
      expect(await reading(order.orderId)).toMatchObject({ status: 'awaiting-cosign' });

      const cosigned = await accepted(cosign(order.orderId, radiologist));
      expect(cosigned).toMatchObject({
        status: 'final',
        version: 1,
        author: 'radiology-trainee',
        signedBy: 'radiology-trainee',
        signedAt: signed.signedAt,
        cosignedBy: 'radiologist',
        critical: { text: criticalText },
        history: [{ version: 1, status: 'final', signedBy: 'radiologist' }],
      });
      expect(await orderStatus(order.orderId)).toBe('completed');
      const submit = await waitForJob(centre.queues.results, jobIds.reportSubmit(reportId, 1));
      expect(submit.data).toMatchObject({ version: 1, centre: 'imaging', traceId: 'trace-cosign' });
      await waitForJob(centre.queues.taskEvents, jobIds.taskUpdate(order.taskId, 'completed'));

      const content = await released(reportId);
      expect(content.report).toMatchObject({
        status: 'final',
        imagingStudy: [{ reference: `ImagingStudy/${study}` }],
        issued: cosigned.cosignedAt,
        resultsInterpreter: [{ display: 'radiology-trainee' }, { display: 'radiologist' }],
      });
      // The senior who co-signed reports the critical finding.
      expect(content.critical).toEqual({
        findings: [
          {
            code: 'IMG-CRITICAL',
            display: 'Critical imaging finding',
            displayZh: '影像危急值',
            text: criticalText,
          },
        ],
        reportedBy: 'radiologist',
        reportedAt: cosigned.cosignedAt,
      });
      expect(await refused(cosign(order.orderId, chief))).toMatchObject({ status: 409 });
    });

    it('refuses the co-signature of the licensed reader who wrote the text a trainee signed', async () => {
      const { order } = await readyOrder();
      await accepted(claim(order.orderId, radiologist));
      await accepted(draft(order.orderId, radiologist));
      // The radiologist steps away; the trainee takes the study over and signs the text as it is.
      await expireClaim(order.orderId);
      await accepted(claim(order.orderId, trainee));
      expect(await accepted(sign(order.orderId, trainee))).toMatchObject({
        status: 'awaiting-cosign',
        author: 'radiologist',
        signedBy: 'radiology-trainee',
      });
      const own = await refused(cosign(order.orderId, radiologist));
      expect(own).toMatchObject({ status: 403 });
      expect(own.diagnostics).toContain('radiologist');

      expect(await accepted(cosign(order.orderId, chief))).toMatchObject({
        status: 'final',
        cosignedBy: 'chief-radiologist',
      });
      const content = await released(await reportIdOf(order.orderId));
      expect(content.report.resultsInterpreter).toEqual([
        { display: 'radiologist' },
        { display: 'radiology-trainee' },
        { display: 'chief-radiologist' },
      ]);
    });

    it("reports a licensed reader's critical finding with the report", async () => {
      const { view, reportId } = await signedOrder({ critical: { text: criticalText } });
      const content = await released(reportId);
      expect(content.critical).toEqual({
        findings: [
          {
            code: 'IMG-CRITICAL',
            display: 'Critical imaging finding',
            displayZh: '影像危急值',
            text: criticalText,
          },
        ],
        reportedBy: 'radiologist',
        reportedAt: view.signedAt,
      });
    });
  });

  describe('amendments', () => {
    it('amends a signed report as a new version and keeps the signed one as it was', async () => {
      const { order, study, view, reportId } = await signedOrder({
        critical: { text: criticalText },
      });
      expect(await refused(amend(order.orderId, trainee, '补充描述'))).toMatchObject({
        status: 403,
      });
      expect(await refused(amend(order.orderId, chief, ' '))).toMatchObject({
        status: 400,
        expression: ['reason'],
      });

      const reason = '补充描述 added the skull fracture';
      const amending = await accepted(amend(order.orderId, chief, reason));
      expect(amending).toMatchObject({
        status: 'amending',
        version: 2,
        claimedBy: 'chief-radiologist',
        findings,
        impression,
        critical: { text: criticalText },
        amendmentReason: reason,
        history: [{ version: 1, status: 'final', signedBy: 'radiologist' }],
      });
      expect(amending.signedBy).toBeUndefined();
      expect(await refused(amend(order.orderId, radiologist, reason))).toMatchObject({
        status: 409,
      });
      // The amendment is written before it is signed, by the reader who holds it.
      expect(await refused(sign(order.orderId, chief))).toMatchObject({ status: 409 });
      expect(await refused(draft(order.orderId, radiologist))).toMatchObject({ status: 409 });

      const newFindings = '左侧额颞部硬膜下血肿；左颞骨线样骨折。';
      const newImpression = '左侧急性硬膜下血肿，左颞骨骨折';
      expect(
        await accepted(
          draft(order.orderId, chief, {
            findings: newFindings,
            impression: newImpression,
            critical: null,
          }),
        ),
      ).toMatchObject({ status: 'draft', version: 2 });
      const signed = await accepted(sign(order.orderId, chief));
      expect(signed).toMatchObject({
        status: 'final',
        version: 2,
        author: 'chief-radiologist',
        signedBy: 'chief-radiologist',
        amendmentReason: reason,
        history: [
          { version: 1, status: 'final', signedBy: 'radiologist', signedAt: view.signedAt },
          {
            version: 2,
            status: 'amended',
            signedBy: 'chief-radiologist',
            signedAt: signed.signedAt,
          },
        ],
      });

      const submit = await waitForJob(centre.queues.results, jobIds.reportSubmit(reportId, 2));
      expect(submit.data).toEqual({
        reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: 'imaging',
        version: 2,
        traceId: 'trace-sign',
      });
      // The order was completed by version 1: once.
      const taskJobs = await jobsWith(centre.queues.taskEvents, 'orderId', order.orderId);
      expect(
        taskJobs.filter((job) => (job.data as { status: string }).status === 'completed'),
      ).toHaveLength(1);

      const latest = await released(reportId);
      expect(latest.version).toBe(2);
      expect(latest.critical).toBeUndefined();
      expect(latest.report).toMatchObject({
        status: 'amended',
        imagingStudy: [{ reference: `ImagingStudy/${study}` }],
        issued: signed.signedAt,
        resultsInterpreter: [{ display: 'chief-radiologist' }],
        conclusion: `更正报告 Amended: ${reason}\n${newImpression}`,
        presentedForm: [{ data: presented(newFindings, newImpression) }],
      });

      const first = await released(reportId, 1);
      expect(first.version).toBe(1);
      expect(first.critical?.findings[0].text).toBe(criticalText);
      expect(first.report).toMatchObject({
        status: 'final',
        issued: view.signedAt,
        conclusion: impression,
        presentedForm: [{ data: presented(findings, impression) }],
      });
      // The database refuses to change a released version (asked directly, as a DBA would).
      const pg = new PgClient({ connectionString: TEST_DATABASE_URL });
      await pg.connect();
      try {
        await expect(
          pg.query(
            `UPDATE imaging.report SET impression = 'changed' WHERE report_id = $1 AND version = 1`,
            [reportId],
          ),
        ).rejects.toThrow(/never change it/);
      } finally {
        await pg.end();
      }
      expect(await reportGet(reportId, 3)).toBeNull();
    });

    it("takes a trainee's amendment through a co-signature like a first report", async () => {
      const { order, reportId } = await signedOrder();
      await accepted(amend(order.orderId, radiologist, '更正部位 corrected the side'));
      await accepted(claim(order.orderId, radiologist, true));
      await accepted(claim(order.orderId, trainee));
      await accepted(draft(order.orderId, trainee, { impression: '右侧急性硬膜下血肿' }));
      expect(await accepted(sign(order.orderId, trainee))).toMatchObject({
        status: 'awaiting-cosign',
        version: 2,
      });
      expect(await reportGet(reportId, 2)).toBeNull();
      expect((await released(reportId)).version).toBe(1);
      expect(await accepted(cosign(order.orderId, chief))).toMatchObject({
        status: 'final',
        version: 2,
      });
      expect((await released(reportId)).report).toMatchObject({
        status: 'amended',
        resultsInterpreter: [{ display: 'radiology-trainee' }, { display: 'chief-radiologist' }],
      });
    });
  });

  it('answers report.get with null for what it does not have', async () => {
    expect(await reportGet('not-a-uuid')).toBeNull();
    expect(await reportGet(randomUUID())).toBeNull();
    expect(await reportGet(randomUUID(), 2 ** 40)).toBeNull();
    expect(await centre.send(MessageNames.ReportGet, {})).toBeNull();
  });
});
