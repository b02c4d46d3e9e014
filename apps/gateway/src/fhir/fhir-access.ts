import { FhirError } from '@hub/fhir';
import { CENTRE_ROLES, CLINIC_ROLES, type Principal, hasAnyRole } from '../auth/principal';
import { type AccessScope, fullAccess, orgScope } from './access-scope';

/**
 * Which part of the consortium record a caller may see through the FHIR API: a member clinic its
 * own organisation's data, consortium staff and administrators all of it. IT staff work with
 * operations (queues, health), not patient data.
 */
export function scopeFor(principal: Principal): AccessScope {
  if (hasAnyRole(principal, ['admin', ...CENTRE_ROLES])) return fullAccess;
  if (hasAnyRole(principal, CLINIC_ROLES)) return orgScope(principal.org);
  throw FhirError.forbidden(
    'your role does not give access to patient data in the consortium record',
  );
}

/** Who may create each resource type through the FHIR API. */
export function assertMayCreate(principal: Principal, type: string): void {
  const clinicTypes = ['Patient', 'ServiceRequest', 'Observation', 'DiagnosticReport'];
  if (clinicTypes.includes(type) && hasAnyRole(principal, CLINIC_ROLES)) return;
  if ((type === 'Organization' || type === 'Task') && hasAnyRole(principal, ['admin'])) return;
  throw FhirError.forbidden(
    clinicTypes.includes(type)
      ? `only a member clinic can create ${type} resources`
      : `only an administrator can create ${type} resources (Tasks are created by order intake)`,
  );
}
