import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ImagingStudy, ServiceRequest } from 'fhir/r4';
import { type StudySummary, type StudyUpdatePayload } from '@hub/contracts';
import { type StoredResource, Systems } from '@hub/fhir';
import { systemAgent } from '../audit/accessor';
import { CentreClient } from '../centre-link/centre-client.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { FhirStore } from '../fhir/fhir-store.service';

/**
 * Keeps the consortium record's ImagingStudy in step with the archive: on every `StudyUpdate` for a
 * study linked to an order it re-reads the study (`imaging:study.get`) and writes an ImagingStudy
 * (id = the Study Instance UID) with its series and instances, the order as `basedOn`, the order's
 * patient as subject, and the hub's DICOMweb base as its Endpoint. Studies that match no order
 * stay in the archive's unmatched list until someone links them.
 */
@Injectable()
export class ImagingStudyService {
  private readonly logger = new Logger(ImagingStudyService.name);

  constructor(
    private readonly store: FhirStore,
    private readonly centres: CentreClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async apply(event: StudyUpdatePayload): Promise<void> {
    if (!event.orderId) return;
    const summary = await this.centres.study(event.studyInstanceUid);
    if (!summary) throw new Error(`the archive does not know study ${event.studyInstanceUid}`);
    if (!summary.orderId) return;
    const orderId = summary.orderId;
    await this.store.transaction(async (manager) => {
      const order = await this.store.lockForUpdate<ServiceRequest & StoredResource>(
        manager,
        'ServiceRequest',
        orderId,
      );
      if (!order)
        throw new Error(`study ${summary.studyInstanceUid}: order ${orderId} is not known`);
      const rows = await manager.query<Array<{ owner_orgs: string[] }>>(
        `SELECT owner_orgs FROM gateway.fhir_resource WHERE resource_type = 'ServiceRequest' AND id = $1`,
        [orderId],
      );
      const content = imagingStudyFor(summary, order, `${this.config.PUBLIC_URL}/dicomweb`);
      const existing = await this.store.lockForUpdate<ImagingStudy & StoredResource>(
        manager,
        'ImagingStudy',
        content.id ?? '',
      );
      const agent = systemAgent('imaging-center', 'IMAGING');
      if (!existing) {
        await this.store.create(manager, content, rows[0]?.owner_orgs ?? [], agent);
        return;
      }
      const { meta: _meta, ...current } = existing;
      if (JSON.stringify(current) === JSON.stringify(content)) return;
      await this.store.update(
        manager,
        { ...content, id: existing.id, meta: existing.meta },
        [],
        agent,
      );
    });
    this.logger.log(
      { studyInstanceUid: summary.studyInstanceUid, orderId, instances: summary.numberOfInstances },
      'imaging study recorded',
    );
  }
}

/** The FHIR ImagingStudy for a stored study linked to `order`. */
export function imagingStudyFor(
  summary: StudySummary,
  order: ServiceRequest & { id?: string },
  dicomwebBase: string,
): ImagingStudy {
  const dcm = (code: string) => ({ system: Systems.DicomModality, code });
  return {
    resourceType: 'ImagingStudy',
    id: summary.studyInstanceUid,
    identifier: [
      { system: 'urn:dicom:uid', value: `urn:oid:${summary.studyInstanceUid}` },
      ...(summary.accessionNumber
        ? [
            {
              type: {
                coding: [{ system: Systems.IdentifierType, code: 'ACSN' }],
              },
              system: Systems.HubAccession,
              value: summary.accessionNumber,
            },
          ]
        : []),
    ],
    status: 'available',
    modality: summary.modalities.map(dcm),
    subject: order.subject,
    basedOn: [{ reference: `ServiceRequest/${order.id ?? ''}` }],
    ...(summary.started ? { started: summary.started } : {}),
    ...(summary.description ? { description: summary.description } : {}),
    numberOfSeries: summary.numberOfSeries,
    numberOfInstances: summary.numberOfInstances,
    contained: [
      {
        resourceType: 'Endpoint',
        id: 'dicomweb',
        status: 'active',
        connectionType: {
          system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
          code: 'dicom-wado-rs',
        },
        payloadType: [{ text: 'DICOM' }],
        address: dicomwebBase,
      },
    ],
    endpoint: [{ reference: '#dicomweb' }],
    series: summary.series.map((series) => ({
      uid: series.seriesInstanceUid,
      ...(series.number !== undefined ? { number: series.number } : {}),
      modality: dcm(series.modality),
      ...(series.description ? { description: series.description } : {}),
      numberOfInstances: series.instances.length,
      instance: series.instances.map((instance) => ({
        uid: instance.sopInstanceUid,
        sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${instance.sopClassUid}` },
        ...(instance.number !== undefined ? { number: instance.number } : {}),
      })),
    })),
  };
}
