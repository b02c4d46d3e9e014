import { Injectable, Logger } from '@nestjs/common';
import type { Annotation, Specimen } from 'fhir/r4';
import {
  MessageNames,
  type PathologyCaseView,
  SpecimenRejectionText as REJECTION_TEXT,
  type SpecimenUpdatePayload,
  type SpecimenView,
} from '@hub/contracts';
import { type StoredResource, Systems } from '@hub/fhir';
import { systemAgent } from '../audit/accessor';
import { CentreClient } from '../centre-link/centre-client.service';
import { FhirStore } from '../fhir/fhir-store.service';

/**
 * Keeps each lab order's FHIR Specimen in step with the lab, and each pathology case's with the
 * pathology centre: on every `SpecimenUpdate` it re-reads the specimen (or the case) and writes its
 * current state (collection, containers, fixation, receipt, rejection), so a late or repeated event
 * changes nothing. The clinic reads it as `Specimen/{id}`.
 */
@Injectable()
export class SpecimenMirrorService {
  private readonly logger = new Logger(SpecimenMirrorService.name);

  constructor(
    private readonly store: FhirStore,
    private readonly centres: CentreClient,
  ) {}

  async apply(event: SpecimenUpdatePayload): Promise<void> {
    if (event.centre === 'pathology') return this.applyCase(event);
    const view = await this.centres.lab<SpecimenView | null>(MessageNames.SpecimenGet, {
      accession: event.accession,
    });
    if (!view) throw new Error(`the lab does not know specimen ${event.accession}`);
    await this.store.transaction(async (manager) => {
      const rows = await manager.query<Array<{ resource_id: string }>>(
        `SELECT resource_id FROM gateway.fhir_search_token
         WHERE resource_type = 'Specimen' AND param = 'accession' AND system = $1 AND value = $2`,
        [Systems.HubSpecimen, event.accession],
      );
      if (!rows[0]) throw new Error(`no FHIR Specimen has accession ${event.accession}`);
      const current = await this.store.lockForUpdate<Specimen & StoredResource>(
        manager,
        'Specimen',
        rows[0].resource_id,
      );
      if (!current) throw new Error(`Specimen/${rows[0].resource_id} is gone`);
      const next = mirror(current, view);
      if (JSON.stringify(stripMeta(next)) === JSON.stringify(stripMeta(current))) return;
      await this.store.update(manager, next, [], systemAgent('lab-center', 'LAB'));
    });
    this.logger.log({ accession: event.accession, status: view.status }, 'specimen mirrored');
  }

  /**
   * A pathology case's Specimen (accession = the case number) from the case as the pathology
   * centre tracks it: one container per specimen taken (its label, site, fixative), collection,
   * fixation, receipt and rejections.
   */
  private async applyCase(event: SpecimenUpdatePayload): Promise<void> {
    const view = await this.centres.send<PathologyCaseView | null>(
      'pathology',
      MessageNames.PathologyCaseGet,
      { orderId: event.orderId },
    );
    if (!view) throw new Error(`the pathology centre does not know case ${event.orderId}`);
    await this.store.transaction(async (manager) => {
      const rows = await manager.query<Array<{ resource_id: string }>>(
        `SELECT resource_id FROM gateway.fhir_search_token
         WHERE resource_type = 'Specimen' AND param = 'accession' AND system = $1 AND value = $2`,
        [Systems.HubAccession, view.caseNumber],
      );
      if (!rows[0]) throw new Error(`no FHIR Specimen has case number ${view.caseNumber}`);
      const current = await this.store.lockForUpdate<Specimen & StoredResource>(
        manager,
        'Specimen',
        rows[0].resource_id,
      );
      if (!current) throw new Error(`Specimen/${rows[0].resource_id} is gone`);
      const next = mirrorCase(current, view);
      if (JSON.stringify(stripMeta(next)) === JSON.stringify(stripMeta(current))) return;
      await this.store.update(manager, next, [], systemAgent('pathology-center', 'PATHOLOGY'));
    });
    this.logger.log(
      { caseNumber: view.caseNumber, orderId: event.orderId },
      'case specimen mirrored',
    );
  }
}

/** Where a pathology specimen's label is written in its FHIR container. */
const PATHOLOGY_LABEL_SYSTEM = 'urn:hub:pathology-specimen';

/**
 * The case's FHIR Specimen for the pathology centre's view of it: `available` once a specimen is
 * received, `unsatisfactory` when every specimen taken was rejected.
 */
export function mirrorCase<T extends Specimen>(current: T, view: PathologyCaseView): T {
  const specimens = view.specimens;
  const received = specimens.filter((s) => s.receivedAt).map((s) => s.receivedAt as string);
  const allRejected = specimens.length > 0 && specimens.every((s) => s.status === 'rejected');
  const collected = specimens.map((s) => s.collectedAt).sort();
  const notes: Annotation[] = specimens.flatMap((s) =>
    s.status === 'rejected'
      ? [
          {
            text: `标本 ${s.label} 拒收，请重新送检 Rejected, please send another: ${s.rejectionReason ?? ''}`,
          },
        ]
      : s.status === 'in-transit' && s.batchId
        ? [{ text: `标本 ${s.label} 运送中 In transit, box 运输箱 ${s.batchId}` }]
        : [],
  );
  const next: T = {
    ...current,
    status: allRejected ? 'unsatisfactory' : received.length ? 'available' : undefined,
    receivedTime: received.sort()[0],
    collection: collected.length
      ? {
          collectedDateTime: collected[0],
          bodySite: { text: [...new Set(specimens.map((s) => s.site))].join('; ') },
        }
      : undefined,
    container: specimens.length
      ? specimens.map((s) => ({
          identifier: [{ system: PATHOLOGY_LABEL_SYSTEM, value: s.label }],
          description: `${s.site}${s.container ? ` (${s.container})` : ''}`,
          additiveCodeableConcept: { text: s.fixative },
        }))
      : undefined,
    processing: specimens
      .filter((s) => s.fixationStartedAt)
      .map((s) => ({
        description: `${s.label} 固定 fixation: ${s.fixative}`,
        timeDateTime: s.fixationStartedAt,
      })),
    condition: allRejected ? [{ text: '标本不合格 Specimen rejected' }] : undefined,
    note: notes.length ? notes : current.note,
  };
  if (!next.processing?.length) delete next.processing;
  for (const key of Object.keys(next) as Array<keyof T>)
    if (next[key] === undefined) delete next[key];
  return next;
}

/** The FHIR Specimen for the lab's view of it. */
export function mirror<T extends Specimen>(current: T, view: SpecimenView): T {
  const notes: Annotation[] = [];
  if (view.status === 'awaiting-collection') notes.push({ text: '待采集 Awaiting collection' });
  if (view.batchId) notes.push({ text: `运输箱 Transport box ${view.batchId}` });
  if (view.transportMinutes !== undefined)
    notes.push({
      text: `运输 ${view.transportMinutes} 分钟 / transport ${view.transportMinutes} min (限 limit ${view.transportLimitMinutes} min)`,
    });
  if (view.status === 'rejected' && view.rejectionReason)
    notes.push({
      text: `标本不合格，请重新采集 Rejected, please recollect: ${REJECTION_TEXT[view.rejectionReason]}${view.rejectionNote ? ` — ${view.rejectionNote}` : ''}`,
    });
  const next: T = {
    ...current,
    status:
      view.status === 'rejected'
        ? 'unsatisfactory'
        : view.status === 'awaiting-collection'
          ? undefined
          : 'available',
    collection: view.collectedAt
      ? {
          collectedDateTime: view.collectedAt,
          ...(view.collector ? { collector: { display: view.collector } } : {}),
        }
      : undefined,
    receivedTime: view.receivedAt,
    condition:
      view.status === 'rejected' && view.rejectionReason
        ? [
            {
              coding: [{ system: Systems.HubSpecimenRejection, code: view.rejectionReason }],
              text: REJECTION_TEXT[view.rejectionReason],
            },
          ]
        : view.condition
          ? [{ text: view.condition }]
          : undefined,
    note: notes.length ? notes : undefined,
  };
  for (const key of Object.keys(next) as Array<keyof T>)
    if (next[key] === undefined) delete next[key];
  return next;
}

function stripMeta(resource: Specimen): Specimen {
  const { meta: _meta, ...rest } = resource;
  return rest;
}
