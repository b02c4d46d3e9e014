import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import {
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { demoCatalogue } from '@hub/consortium';
import {
  CentreOutboxService,
  ReadingEngine,
  centreOrganizationReference,
  type ReleaseInput,
  draftRequest,
  parseRequest,
} from '@hub/centre';
import { IMAGING_CONFIG, type ImagingConfig } from '../imaging-config';
import { buildImagingReport, imagingCritical } from './imaging-report.builder';

/**
 * What radiologists read: the studies linked to the order (by accession number or by hand), the
 * first linked starting the turnaround clock.
 */
const STUDIES = `
  SELECT a.accession, st.studies AS material, st.images_at AS material_at,
         ARRAY(SELECT DISTINCT m FROM imaging.study s2 CROSS JOIN LATERAL unnest(s2.modalities) m
                WHERE s2.order_id = o.order_id ORDER BY m) AS modalities,
         '{}'::text[] AS flags
    FROM imaging.order_accession a
    CROSS JOIN LATERAL (
      SELECT array_agg(s.study_uid ORDER BY coalesce(s.linked_at, s.created_at), s.study_uid) AS studies,
             min(coalesce(s.linked_at, s.created_at)) AS images_at
        FROM imaging.study s WHERE s.order_id = o.order_id
    ) st
   WHERE a.order_id = o.order_id`;

/**
 * Reading imaging studies (阅片): the shared reading engine (libs/centre) over the imaging
 * archive's studies, with the imaging report (findings and impression) and the imaging critical
 * finding.
 */
@Injectable()
export class ReadingService {
  private readonly engine: ReadingEngine;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    outbox: CentreOutboxService,
    @Inject(IMAGING_CONFIG) config: ImagingConfig,
  ) {
    const performer = centreOrganizationReference('imaging');
    this.engine = new ReadingEngine(dataSource, outbox, {
      centre: 'imaging',
      // The demo consortium's catalogue until the catalogue is editable.
      items: demoCatalogue.filter((item) => item.centre === 'imaging'),
      claimMinutes: config.READING_CLAIM_MINUTES,
      materialSql: STUDIES,
      materialKey: 'studyInstanceUid',
      nothingToRead: (orderId) => `no images of order ${orderId} have arrived yet`,
      release: (input: ReleaseInput) => {
        const { order, version } = input;
        return Promise.resolve({
          diagnosticReport: buildImagingReport({
            orderId: order.orderId,
            item: this.engine.item(order.code) ?? { code: order.code },
            studyInstanceUids: order.material ?? [],
            status: input.status,
            observed: order.materialAt,
            issued: input.issued,
            findings: version.findings,
            impression: version.impression,
            interpreters: input.interpreters,
            amendmentReason: version.amendmentReason,
            performer,
          }),
          critical: version.criticalText
            ? imagingCritical(version.criticalText, input.releasedBy, input.issued)
            : null,
        });
      },
    });
  }

  worklist(request: unknown): Promise<ReadingItem[]> {
    return this.engine.worklist(request);
  }

  get(request: unknown): Promise<ReadingView | null> {
    return this.engine.get(request);
  }

  claim(request: unknown): Promise<ReadingReply> {
    return this.engine.claim(request);
  }

  /** Saves the claimer's findings, impression and critical finding (null clears it). */
  async draft(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(draftRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader, findings, impression, critical } = parsed.value;
    return this.engine.draft(
      orderId,
      reader,
      () => Promise.resolve({ findings, impression }),
      critical,
    );
  }

  sign(request: unknown): Promise<ReadingReply> {
    return this.engine.sign(request);
  }

  cosign(request: unknown): Promise<ReadingReply> {
    return this.engine.cosign(request);
  }

  amend(request: unknown): Promise<ReadingReply> {
    return this.engine.amend(request);
  }

  reportGet(request: unknown): Promise<ReportGetReply | null> {
    return this.engine.reportGet(request);
  }
}
