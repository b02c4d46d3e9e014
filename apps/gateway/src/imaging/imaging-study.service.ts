import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ImagingStudy, ServiceRequest } from 'fhir/r4';
import {
  MessageNames,
  type StudyLinkReply,
  type StudySummary,
  type StudyUpdatePayload,
} from '@hub/contracts';
import { demoCatalogue, demoOrganizations } from '@hub/consortium';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { type StoredResource, Systems, mrnSystem } from '@hub/fhir';
import { systemAgent } from '../audit/accessor';
import { CentreClient } from '../centre-link/centre-client.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { FhirStore } from '../fhir/fhir-store.service';

/** The organisation that hosts the pathology centre (its scanner sends whole-slide images). */
const PATHOLOGY_ORG = demoOrganizations.find((o) => o.centre === 'pathology')?.code ?? 'PATHOLOGY';

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
    const summary = await this.centres.study(event.studyInstanceUid);
    if (!summary) throw new Error(`the archive does not know study ${event.studyInstanceUid}`);
    if (!summary.orderId) {
      // The archive found no imaging order by accession number: a pathology case's whole-slide
      // images, or a study to match by the patient and the procedure.
      if (event.orderId) return;
      const caseOrder = await this.pathologyCaseOf(summary);
      if (caseOrder) await this.record(summary, caseOrder);
      else await this.matchByPatient(summary, event.traceId);
      return;
    }
    await this.record(summary, summary.orderId);
  }

  /**
   * Writes the ImagingStudy of a study for its order (id = the Study Instance UID, `basedOn` the
   * order, the order's patient and owners), or updates it when the study changed.
   */
  private async record(summary: StudySummary, orderId: string): Promise<void> {
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

  /**
   * The pathology case a whole-slide imaging study (modality SM) belongs to: the one whose case
   * number (the ServiceRequest's ACSN identifier) is the study's AccessionNumber, when the study
   * was sent by the pathology centre itself (its scanner). The study stays in the archive, outside
   * the imaging worklist; the ImagingStudy links it to the case.
   */
  private async pathologyCaseOf(summary: StudySummary): Promise<string | undefined> {
    if (!summary.accessionNumber || !summary.modalities.includes('SM')) return undefined;
    if (!summary.uploadedByOrg || summary.uploadedByOrg !== PATHOLOGY_ORG) return undefined;
    const rows = await this.store.manager.query<Array<{ resource_id: string }>>(
      `SELECT t.resource_id FROM gateway.fhir_search_token t
         JOIN gateway.fhir_resource r ON r.resource_type = t.resource_type AND r.id = t.resource_id
        WHERE t.resource_type = 'ServiceRequest' AND t.param = 'identifier'
          AND t.system = $1 AND t.value = $2 AND $3 = ANY (r.owner_orgs)`,
      [Systems.HubAccession, summary.accessionNumber, PATHOLOGY_ORG],
    );
    return rows.length === 1 ? rows[0].resource_id : undefined;
  }

  /**
   * The fallback when a study carries no known accession number: the one open imaging order of the
   * member that sent it, for the patient its PatientID names (the member's MRN or the 居民身份证号),
   * for a procedure whose modalities include the study's, that has no study yet. Exactly one such
   * order links the study (through the archive); none or several leave it in the unmatched list for
   * imaging staff, who know better than a guess.
   */
  private async matchByPatient(summary: StudySummary, traceId: string): Promise<void> {
    const org = summary.uploadedByOrg;
    if (!org || !summary.patientId) return;
    const rows = await this.store.manager.query<Array<{ order_id: string; code: string }>>(
      `SELECT o.order_id, o.code FROM gateway.service_order o
        WHERE o.centre = 'imaging' AND o.requester_org = $1 AND o.status IN ('requested', 'accepted')
          AND EXISTS (SELECT 1 FROM gateway.patient_identifier pi
                       WHERE pi.patient_id = o.patient_id AND pi.value = $2
                         AND pi.system IN ($3, $4))
          AND NOT EXISTS (SELECT 1 FROM gateway.fhir_resource r
                           WHERE r.resource_type = 'ImagingStudy'
                             AND r.content->'basedOn'->0->>'reference' = 'ServiceRequest/' || o.order_id)`,
      [org, summary.patientId, mrnSystem(org), RESIDENT_ID_SYSTEM],
    );
    const candidates = rows.filter((row) => {
      const modalities = demoCatalogue.find((item) => item.code === row.code)?.modalities ?? [];
      return summary.modalities.some((m) => modalities.includes(m));
    });
    if (candidates.length !== 1) {
      this.logger.log(
        { studyInstanceUid: summary.studyInstanceUid, candidates: candidates.length },
        'unmatched study left for imaging staff to link',
      );
      return;
    }
    const reply = await this.centres.imaging<StudyLinkReply>(MessageNames.StudyLink, {
      studyInstanceUid: summary.studyInstanceUid,
      orderId: candidates[0].order_id,
      traceId,
    });
    if (!reply.ok) {
      // Linked meanwhile by someone else, or the order was cancelled: nothing to do.
      this.logger.warn(
        { studyInstanceUid: summary.studyInstanceUid, reason: reply.diagnostics },
        'study could not be linked by patient and procedure',
      );
      return;
    }
    this.logger.log(
      { studyInstanceUid: summary.studyInstanceUid, orderId: candidates[0].order_id },
      'study linked to its order by patient and procedure',
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
