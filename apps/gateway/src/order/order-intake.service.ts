import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Identifier, Patient, Reference, ServiceRequest, Specimen, Task } from 'fhir/r4';
import { demoSpecimenTypes } from '@hub/consortium';
import { type EntityManager } from 'typeorm';
import {
  CentreOrderQueue,
  JobNames,
  OrderPriorities,
  Queues,
  bullPriority,
  jobIds,
} from '@hub/contracts';
import {
  FhirError,
  Systems,
  hasIdentifierType,
  parseReference,
  placerSystem,
  typedIdentifier,
} from '@hub/fhir';
import { enqueueInOutbox } from '@hub/persistence';
import {
  ConsortiumService,
  MEMBER_KINDS,
  type OrganizationRecord,
} from '../consortium/consortium.service';
import { type AuditAgent } from '../audit/accessor';
import { FhirStore } from '../fhir/fhir-store.service';
import { survivorOf } from '../patient/patient-merge.service';
import { PatientService } from '../patient/patient.service';
import {
  OVERRIDE_EXTENSION,
  REUSE_EXTENSION,
  decisionOf,
} from '../recognition/recognition-decision';
import { RecognitionService } from '../recognition/recognition.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { OutboxRelayService } from './outbox-relay.service';

export interface IntakeResult {
  serviceRequest: ServiceRequest & { id: string };
  task: Task & { id: string };
  /** Lab orders: the specimen to collect, with the accession number for its label. */
  specimen?: Specimen & { id: string };
  /** False when the placer number was already known: the existing order is returned. */
  created: boolean;
}

/**
 * Order intake (受理): validates a member clinic's ServiceRequest, links the patient, and writes the
 * ServiceRequest, its Task and the routing outbox row in the caller's transaction. The same placer
 * number from the same clinic returns the existing order and routes nothing twice. FHIR and (later)
 * HL7 v2 orders come through here alike.
 */
@Injectable()
export class OrderIntakeService {
  constructor(
    private readonly store: FhirStore,
    private readonly consortium: ConsortiumService,
    private readonly patients: PatientService,
    private readonly relay: OutboxRelayService,
    private readonly recognition: RecognitionService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Accepts an order in its own transaction and kicks the relay after commit. */
  async submit(input: unknown, org: string, agent?: AuditAgent): Promise<IntakeResult> {
    const result = await this.store.transaction((manager) =>
      this.accept(manager, input, org, 'ServiceRequest', agent),
    );
    if (result.created) this.relay.kick();
    return result;
  }

  /**
   * Accepts an order inside an existing transaction (Bundle processing). The caller kicks the
   * relay after its commit.
   * @param path where the request sits, for error expressions
   */
  async accept(
    manager: EntityManager,
    input: unknown,
    org: string,
    path: string,
    agent?: AuditAgent,
  ): Promise<IntakeResult> {
    const requester = await this.consortium.organization(org, manager);
    if (!requester || !MEMBER_KINDS.includes(requester.kind)) {
      throw FhirError.forbidden(`organisation ${org} is not a member unit that can place orders`);
    }
    const request = validateShape(input, path);
    checkRequester(request.requester, requester, path);

    const placer = request.identifier?.find((i) => hasIdentifierType(i, 'PLAC'));
    if (
      typeof placer?.value !== 'string' ||
      !placer.value ||
      (placer.system !== undefined && typeof placer.system !== 'string')
    ) {
      throw FhirError.unprocessable(
        `${path}.identifier: a placer order number (identifier with type PLAC, system and value as strings) is required`,
        [`${path}.identifier`],
      );
    }
    const placerIdentifier: Identifier = { ...placer, system: placer.system ?? placerSystem(org) };

    const existing = await this.findByPlacer(manager, org, placerIdentifier);
    if (existing) return existing;

    const item = await this.consortium.catalogueItem(request.code?.coding ?? [], manager);
    if (!item) {
      const given =
        (request.code?.coding ?? [])
          .map((c) => `${c.system ?? '(no system)'}|${c.code ?? ''}`)
          .join(', ') || 'none';
      throw FhirError.unprocessable(
        `${path}.code: no orderable catalogue item matches ${given}`,
        [`${path}.code`],
        'code-invalid',
      );
    }
    const centre = await this.consortium.centreOrganization(item.centre, manager);
    if (!centre) throw new Error(`no organisation hosts the ${item.centre} centre`);

    const priority = request.priority ?? 'routine';
    const patientId = await this.resolveSubject(manager, request.subject, org, path, agent);
    // 检查检验结果互认: the patient's recognized priors of the item, and what the clinic decided.
    const decision = decisionOf(request, path);
    const { priors, refused } = await this.recognition.priorsFor(manager, patientId, item);
    const reused =
      decision?.kind === 'reuse'
        ? priors.find((prior) => prior.report.id === decision.reportId)
        : undefined;
    if (decision?.kind === 'reuse' && !reused)
      throw FhirError.unprocessable(
        `${path}: DiagnosticReport/${decision.reportId} is not a recognized prior result of this patient for ${item.code} (${
          refused
            .map((r) => r.reason + (r.reportId ? ` DiagnosticReport/${r.reportId}` : ''))
            .join('; ') || 'none'
        }): order the test, or reuse one that $recognition-check offers`,
        [`${path}.extension`],
      );
    if (!decision && priors.length && this.config.RECOGNITION_DEFAULT === 'refuse')
      throw FhirError.conflict(
        `${path}: the patient has a recognized result of ${item.code} (${priors
          .map(
            (p) => `DiagnosticReport/${p.report.id} of ${p.observedAt.toISOString().slice(0, 10)}`,
          )
          .join(
            ', ',
          )}): reuse it (extension ${REUSE_EXTENSION}) or order anyway with a reason (extension ${OVERRIDE_EXTENSION})`,
      );
    // The centre sees the patient of the work routed to it.
    await this.patients.addOwner(manager, patientId, centre.code);

    const orderId = randomUUID();
    const taskId = randomUUID();
    const numberRows = await manager.query<Array<{ n: string }>>(
      `SELECT nextval('gateway.order_number_seq')::text AS n`,
    );
    const orderNumber = `HUB${new Date().toISOString().slice(0, 10).replace(/-/g, '')}${numberRows[0].n.padStart(6, '0')}`;

    const inserted = await manager.query<Array<{ order_id: string }>>(
      `INSERT INTO gateway.service_order
         (order_id, order_number, task_id, requester_org, placer_system, placer_value, patient_id, centre, code_system, code, priority, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ON CONSTRAINT service_order_placer_unique DO NOTHING RETURNING order_id`,
      [
        orderId,
        orderNumber,
        taskId,
        org,
        placerIdentifier.system,
        placerIdentifier.value,
        patientId,
        item.centre,
        item.system,
        item.code,
        priority,
        reused ? 'completed' : 'requested',
      ],
    );
    if (inserted.length === 0) {
      // A concurrent submission of the same placer number committed first.
      const raced = await this.findByPlacer(manager, org, placerIdentifier);
      if (raced) return raced;
      throw FhirError.conflict(
        `order ${placerIdentifier.value} is being submitted concurrently; retry`,
      );
    }

    const now = new Date().toISOString();
    const requesterRef: Reference = {
      reference: `Organization/${requester.resourceId}`,
      display: requester.name,
    };
    const centreRef: Reference = {
      reference: `Organization/${centre.resourceId}`,
      display: centre.name,
    };
    const otherIdentifiers = (request.identifier ?? []).filter(
      (i) => i !== placer && !hasIdentifierType(i, 'FILL') && !hasIdentifierType(i, 'ACSN'),
    );
    // Imaging and ECG orders: the accession number the clinic puts in its modality worklist (or
    // ECG cart), by which the study or recording finds its order.
    // Pathology orders: the case number (病理号), also the accession number of the case's specimens.
    const accessionNumber =
      !reused && (item.centre === 'imaging' || item.centre === 'ecg' || item.centre === 'pathology')
        ? await this.accessionNumber(manager, ACCESSION_PREFIX[item.centre])
        : undefined;
    const serviceRequestContent: ServiceRequest = {
      ...request,
      resourceType: 'ServiceRequest',
      id: orderId,
      meta: undefined,
      identifier: [
        placerIdentifier,
        ...otherIdentifiers,
        typedIdentifier('FILL', Systems.HubOrder, orderNumber),
        ...(accessionNumber
          ? [typedIdentifier('ACSN', Systems.HubAccession, accessionNumber)]
          : []),
      ],
      // A reused prior result completes the order at once: nothing is routed.
      status: reused ? 'completed' : 'active',
      ...(reused
        ? { supportingInfo: [{ reference: `DiagnosticReport/${reused.report.id}` }] }
        : {}),
      intent: request.intent ?? 'order',
      priority,
      code: {
        ...request.code,
        coding: request.code?.coding,
        text: request.code?.text ?? `${item.displayZh} ${item.display}`,
      },
      subject: { reference: `Patient/${patientId}` },
      requester: requesterRef,
      performer: [centreRef],
      authoredOn: request.authoredOn ?? now,
    };
    // Owners: the ordering member and the performing centre (each sees it, nobody else).
    const owners = [org, centre.code];
    // A lab order's specimen gets its accession number now, so the clinic can print the label.
    const specimen = reused
      ? undefined
      : item.specimenType
        ? await this.store.create(
            manager,
            await this.specimenFor(manager, item.specimenType, orderId, patientId, requesterRef),
            owners,
            agent,
          )
        : item.centre === 'pathology' && accessionNumber
          ? await this.store.create(
              manager,
              caseSpecimen(accessionNumber, item, orderId, patientId),
              owners,
              agent,
            )
          : undefined;
    if (specimen) serviceRequestContent.specimen = [{ reference: `Specimen/${specimen.id}` }];
    const serviceRequest = await this.store.create(manager, serviceRequestContent, owners, agent);
    const taskContent: Task = {
      resourceType: 'Task',
      id: taskId,
      identifier: [{ system: Systems.HubOrder, value: orderNumber }],
      basedOn: [{ reference: `ServiceRequest/${orderId}` }],
      focus: { reference: `ServiceRequest/${orderId}` },
      for: { reference: `Patient/${patientId}` },
      status: reused ? 'completed' : 'requested',
      ...(reused
        ? {
            businessStatus: { text: '结果互认，沿用既往结果 Recognized prior result reused' },
            output: [
              {
                type: { text: 'DiagnosticReport' },
                valueReference: { reference: `DiagnosticReport/${reused.report.id}` },
              },
            ],
          }
        : {}),
      intent: 'order',
      priority,
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
      authoredOn: now,
      lastModified: now,
      requester: requesterRef,
      owner: centreRef,
    };
    const task = await this.store.create(manager, taskContent, owners, agent);
    if (decision || priors.length)
      await this.recognition.recordDecision(manager, {
        orderId,
        org,
        item,
        decision,
        reused: reused?.report,
        agent,
      });
    if (reused) {
      // The clinic's own system gets the prior report under this order's numbers (the delivery
      // decides whether the member has an endpoint).
      const version = reused.report.meta?.versionId ?? '1';
      await enqueueInOutbox(
        manager,
        Queues.HubDeliveries,
        JobNames.ReportDeliver,
        {
          reportId: reused.report.id,
          orderId,
          org,
          version,
          reuse: true,
          traceId: randomUUID(),
        },
        { jobId: jobIds.reportDeliver(reused.report.id, version, orderId) },
      );
      return { serviceRequest, task, specimen, created: true };
    }
    await enqueueInOutbox(
      manager,
      CentreOrderQueue[item.centre],
      JobNames.OrderRoute,
      {
        orderId,
        taskId,
        centre: item.centre,
        code: item.code,
        priority,
        requesterOrgId: org,
        acceptedAt: now,
        ...(specimen && item.specimenType
          ? { specimen: { accession: accessionOf(specimen), type: item.specimenType } }
          : {}),
        ...(accessionNumber ? { accessionNumber } : {}),
        traceId: randomUUID(),
      },
      { jobId: jobIds.orderRoute(orderId), priority: bullPriority(priority) },
    );
    return { serviceRequest, task, specimen, created: true };
  }

  /**
   * A new accession number: `I` (imaging), `E` (ECG) or `P` (pathology case) + yyMMdd + sequence
   * (13 characters; DICOM SH allows 16).
   */
  private async accessionNumber(manager: EntityManager, prefix: 'I' | 'E' | 'P'): Promise<string> {
    const rows = await manager.query<Array<{ n: string }>>(
      `SELECT nextval('gateway.imaging_accession_seq')::text AS n`,
    );
    return `${prefix}${new Date().toISOString().slice(2, 10).replace(/-/g, '')}${rows[0].n.padStart(6, '0')}`;
  }

  /** The Specimen a lab order needs, with a new accession number (`L` + yyMMdd + sequence). */
  private async specimenFor(
    manager: EntityManager,
    type: string,
    orderId: string,
    patientId: string,
    requester: Reference,
  ): Promise<Specimen> {
    const rows = await manager.query<Array<{ n: string }>>(
      `SELECT nextval('gateway.specimen_accession_seq')::text AS n`,
    );
    const accession = `L${new Date().toISOString().slice(2, 10).replace(/-/g, '')}${rows[0].n.padStart(6, '0')}`;
    const definition = demoSpecimenTypes.find((t) => t.code === type);
    return {
      resourceType: 'Specimen',
      id: randomUUID(),
      accessionIdentifier: { system: Systems.HubSpecimen, value: accession },
      type: {
        coding: [{ system: Systems.HubSpecimenType, code: type, display: definition?.display }],
        text: definition ? `${definition.displayZh} ${definition.display}` : type,
      },
      subject: { reference: `Patient/${patientId}` },
      request: [{ reference: `ServiceRequest/${orderId}` }],
      note: [{ text: `待采集 Awaiting collection at ${requester.display ?? 'the clinic'}` }],
    };
  }

  private async findByPlacer(
    manager: EntityManager,
    org: string,
    placer: Identifier,
  ): Promise<IntakeResult | undefined> {
    const rows = await manager.query<Array<{ order_id: string; task_id: string }>>(
      `SELECT order_id, task_id FROM gateway.service_order WHERE requester_org = $1 AND placer_system = $2 AND placer_value = $3`,
      [org, placer.system, placer.value],
    );
    if (!rows[0]) return undefined;
    const scope = { kind: 'orgs' as const, orgs: [org] };
    const serviceRequest = await this.store.find<ServiceRequest & { id: string }>(
      'ServiceRequest',
      rows[0].order_id,
      scope,
      manager,
    );
    const task = await this.store.find<Task & { id: string }>(
      'Task',
      rows[0].task_id,
      scope,
      manager,
    );
    if (!serviceRequest || !task)
      throw new Error(`order ${rows[0].order_id} is missing its FHIR resources`);
    const specimenId = serviceRequest.specimen?.[0]?.reference?.replace(/^Specimen\//, '');
    const specimen = specimenId
      ? await this.store.find<Specimen & { id: string }>('Specimen', specimenId, scope, manager)
      : undefined;
    return { serviceRequest, task, specimen: specimen ?? undefined, created: false };
  }

  private async resolveSubject(
    manager: EntityManager,
    subject: Reference | undefined,
    org: string,
    path: string,
    agent?: AuditAgent,
  ): Promise<string> {
    if (!subject)
      throw FhirError.unprocessable(
        `${path}.subject is required (a Patient reference or identifier)`,
        [`${path}.subject`],
      );
    if (subject.reference) {
      const ref = parseReference(subject.reference);
      if (!ref || ref.type !== 'Patient') {
        throw FhirError.unprocessable(`${path}.subject must reference a Patient`, [
          `${path}.subject`,
        ]);
      }
      const patient = await this.store.find(
        'Patient',
        ref.id,
        { kind: 'orgs', orgs: [org] },
        manager,
      );
      if (!patient)
        throw FhirError.unprocessable(`${path}.subject: Patient/${ref.id} is not known`, [
          `${path}.subject`,
        ]);
      // A record merged into another: the order goes to the surviving record.
      return survivorOf(patient as Patient) ?? ref.id;
    }
    if (subject.identifier) {
      const link = await this.patients.linkByIdentifier(
        manager,
        subject.identifier,
        org,
        `${path}.subject.identifier`,
        agent,
      );
      return link.patient.id;
    }
    throw FhirError.unprocessable(`${path}.subject needs a reference or an identifier`, [
      `${path}.subject`,
    ]);
  }
}

export function validateShape(input: unknown, path: string): ServiceRequest {
  if (
    typeof input !== 'object' ||
    input === null ||
    (input as { resourceType?: unknown }).resourceType !== 'ServiceRequest'
  ) {
    throw FhirError.badRequest(`${path}: expected a ServiceRequest resource`, [path]);
  }
  const request = input as ServiceRequest;
  if (request.status !== undefined && request.status !== 'active') {
    throw FhirError.unprocessable(
      `${path}.status must be "active" for a new order (got "${String(request.status)}")`,
      [`${path}.status`],
    );
  }
  if (
    request.intent !== undefined &&
    request.intent !== 'order' &&
    request.intent !== 'original-order'
  ) {
    throw FhirError.unprocessable(`${path}.intent must be "order"`, [`${path}.intent`]);
  }
  if (
    request.priority !== undefined &&
    !(OrderPriorities as readonly string[]).includes(request.priority)
  ) {
    throw FhirError.unprocessable(`${path}.priority must be one of ${OrderPriorities.join(', ')}`, [
      `${path}.priority`,
    ]);
  }
  if (request.identifier !== undefined && !Array.isArray(request.identifier)) {
    throw FhirError.badRequest(`${path}.identifier must be an array`, [`${path}.identifier`]);
  }
  if (request.code?.coding !== undefined && !Array.isArray(request.code.coding)) {
    throw FhirError.badRequest(`${path}.code.coding must be an array`, [`${path}.code.coding`]);
  }
  if (
    request.code?.coding?.some(
      (coding: unknown) => typeof coding !== 'object' || coding === null || Array.isArray(coding),
    )
  ) {
    throw FhirError.badRequest(`${path}.code.coding must hold Coding objects`, [
      `${path}.code.coding`,
    ]);
  }
  return request;
}

/** The requester, when given, must be the caller's own organisation. */
function checkRequester(
  requester: Reference | undefined,
  org: OrganizationRecord,
  path: string,
): void {
  if (!requester) return;
  const ref = parseReference(requester.reference);
  const byReference = ref?.type === 'Organization' && ref.id === org.resourceId;
  const byIdentifier = requester.identifier?.value === org.code;
  if (!byReference && !byIdentifier) {
    throw FhirError.forbidden(
      `${path}.requester must be your own organisation (Organization/${org.resourceId})`,
    );
  }
}

/** The accession number of a Specimen the hub created. */
export function accessionOf(specimen: Specimen): string {
  const value = specimen.accessionIdentifier?.value;
  if (!value) throw new Error(`Specimen/${specimen.id ?? '?'} has no accession number`);
  return value;
}

/** The accession number's first letter per centre that gives one at intake. */
const ACCESSION_PREFIX = { imaging: 'I', ecg: 'E', pathology: 'P', lab: 'L' } as const;

/**
 * The Specimen of a pathology case: its accession number is the case number, so every label,
 * block and slide barcode the centre prints starts with it. The clinic records the containers, site
 * and fixation when it takes the tissue (`/api/pathology/cases/{id}/specimens`).
 */
function caseSpecimen(
  caseNumber: string,
  item: { code: string; display: string; displayZh: string },
  orderId: string,
  patientId: string,
): Specimen {
  const frozen = item.code === 'PATH-FROZEN';
  return {
    resourceType: 'Specimen',
    id: randomUUID(),
    accessionIdentifier: { system: Systems.HubAccession, value: caseNumber },
    type: {
      coding: [
        {
          system: Systems.HubSpecimenType,
          code: frozen ? 'fresh-tissue' : 'fixed-tissue',
          display: frozen ? 'Fresh tissue' : 'Formalin-fixed tissue',
        },
      ],
      text: frozen ? '新鲜组织 Fresh tissue (frozen section)' : '固定组织 Formalin-fixed tissue',
    },
    subject: { reference: `Patient/${patientId}` },
    request: [{ reference: `ServiceRequest/${orderId}` }],
    note: [{ text: `病理号 Case ${caseNumber}: ${item.displayZh} ${item.display}` }],
  };
}
