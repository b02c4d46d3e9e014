import { type Request } from 'express';
import { FhirError } from '@hub/fhir';
import { type Accessor, agentFor } from '../audit/accessor';
import { CENTRE_ROLES, CLINIC_ROLES, type Principal, hasAnyRole } from '../auth/principal';
import { type AccessScope, fullAccess, orgScope } from './access-scope';

/**
 * Which part of the consortium record a caller may see through the FHIR API (the access matrix in
 * docs/architecture.md):
 * - a member clinic: the resources its organisation owns (its orders, their Tasks and results, the
 *   patients it has ordered for);
 * - a centre's staff: the work routed to their centre (the centre is an owner of those resources);
 * - administrators: everything;
 * - IT operations: no patient data (they work with queues and health).
 * The scope is applied inside the SQL.
 */
export function scopeFor(principal: Principal): AccessScope {
  if (hasAnyRole(principal, ['admin'])) return fullAccess;
  if (hasAnyRole(principal, [...CLINIC_ROLES, ...CENTRE_ROLES])) return orgScope(principal.org);
  throw FhirError.forbidden(
    'your role does not give access to patient data in the consortium record',
  );
}

/** The scope and audit agent for a request. */
export function accessorFor(principal: Principal, request: Request): Accessor {
  return { scope: scopeFor(principal), agent: agentFor(principal, request) };
}

/** Who may create each resource type through the FHIR API. */
export function assertMayCreate(principal: Principal, type: string): void {
  const clinicTypes = ['Patient', 'ServiceRequest', 'Observation', 'DiagnosticReport'];
  if (clinicTypes.includes(type) && hasAnyRole(principal, CLINIC_ROLES)) return;
  if ((type === 'Organization' || type === 'Task') && hasAnyRole(principal, ['admin'])) return;
  if (type === 'Specimen' || type === 'Communication' || type === 'ImagingStudy') {
    throw FhirError.forbidden(
      `${type} resources are created by the hub (specimens at order intake, communications for critical values, imaging studies when the archive stores a study)`,
    );
  }
  throw FhirError.forbidden(
    clinicTypes.includes(type)
      ? `only a member clinic can create ${type} resources`
      : `only an administrator can create ${type} resources (Tasks are created by order intake)`,
  );
}
