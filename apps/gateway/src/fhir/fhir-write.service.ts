import { Injectable } from '@nestjs/common';
import type { Patient, Reference } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { FhirError, parseReference, type StoredResource } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { type Principal } from '../auth/principal';
import { OrderIntakeService } from '../order/order-intake.service';
import { PatientService } from '../patient/patient.service';
import { orgScope } from './access-scope';
import { assertMayCreate } from './fhir-access';
import { FhirStore } from './fhir-store.service';
import { supportedTypes } from './search-parameters';

export interface WriteOutcome {
  resource: StoredResource;
  /** True when a new resource was stored; false when an existing one was matched. */
  created: boolean;
  /** An order was accepted: the relay should run after commit. */
  routed: boolean;
}

const CLINICAL_STATUSES: Record<string, string[]> = {
  Observation: [
    'registered',
    'preliminary',
    'final',
    'amended',
    'corrected',
    'cancelled',
    'entered-in-error',
    'unknown',
  ],
  DiagnosticReport: [
    'registered',
    'partial',
    'preliminary',
    'final',
    'amended',
    'corrected',
    'appended',
    'cancelled',
    'entered-in-error',
    'unknown',
  ],
};

/**
 * Creates a resource of any supported type inside a transaction, sending each kind through the
 * service that owns its rules (orders through intake, patients through identity linking).
 */
@Injectable()
export class FhirWriteService {
  constructor(
    private readonly store: FhirStore,
    private readonly intake: OrderIntakeService,
    private readonly patients: PatientService,
  ) {}

  async create(
    manager: EntityManager,
    input: unknown,
    principal: Principal,
    agent: AuditAgent,
    path: string,
    expectedType?: string,
  ): Promise<WriteOutcome> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw FhirError.badRequest(`${path}: expected a FHIR resource (JSON object)`, [path]);
    }
    assertNesting(input, path);
    const type = (input as { resourceType?: unknown }).resourceType;
    if (typeof type !== 'string')
      throw FhirError.badRequest(`${path}.resourceType is required`, [`${path}.resourceType`]);
    if (expectedType && type !== expectedType) {
      throw FhirError.badRequest(
        `${path}.resourceType is ${type} but the URL is for ${expectedType}`,
        [`${path}.resourceType`],
      );
    }
    if (!supportedTypes.includes(type))
      throw FhirError.notSupported(`creating ${type} resources is not supported`);
    assertMayCreate(principal, type);
    switch (type) {
      case 'ServiceRequest': {
        const result = await this.intake.accept(manager, input, principal.org, path, agent);
        return { resource: result.serviceRequest, created: result.created, routed: result.created };
      }
      case 'Patient': {
        const link = await this.patients.createOrLink(
          manager,
          input as Patient,
          principal.org,
          path,
          agent,
        );
        return { resource: link.patient, created: link.created, routed: false };
      }
      case 'Observation':
      case 'DiagnosticReport': {
        const resource = input as StoredResource & {
          status?: string;
          code?: unknown;
          subject?: Reference;
        };
        if (!resource.status || !CLINICAL_STATUSES[type].includes(resource.status)) {
          throw FhirError.unprocessable(
            `${path}.status must be one of ${CLINICAL_STATUSES[type].join(', ')}`,
            [`${path}.status`],
          );
        }
        if (!resource.code)
          throw FhirError.unprocessable(`${path}.code is required`, [`${path}.code`]);
        const subject = parseReference(resource.subject);
        if (
          !subject ||
          subject.type !== 'Patient' ||
          !(await this.store.find('Patient', subject.id, orgScope(principal.org), manager))
        ) {
          throw FhirError.unprocessable(
            `${path}.subject must reference a Patient of your organisation`,
            [`${path}.subject`],
          );
        }
        const stored = await this.store.create(
          manager,
          { ...resource, id: undefined, meta: undefined },
          [principal.org],
          agent,
        );
        return { resource: stored, created: true, routed: false };
      }
      default: {
        const stored = await this.store.create(
          manager,
          { ...(input as StoredResource), id: undefined, meta: undefined },
          [],
          agent,
        );
        return { resource: stored, created: true, routed: false };
      }
    }
  }
}

/** Deeper than any FHIR R4 resource nests (contained resources and extensions included). */
export const MAX_NESTING = 64;

/**
 * Refuses JSON nested deeper than {@link MAX_NESTING}: the writers copy resources with
 * JSON.stringify and JSON.parse, which overflow the stack on a value nested thousands deep.
 * Walked with a stack of its own, so the check itself cannot overflow.
 */
export function assertNesting(input: unknown, path: string): void {
  const pending: Array<[unknown, number]> = [[input, 0]];
  while (pending.length) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_NESTING)
      throw FhirError.badRequest(`${path} is nested more than ${MAX_NESTING} levels deep`, [path]);
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
}
