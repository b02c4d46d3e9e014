import type { CodeableConcept, Reference } from 'fhir/r4';
import { type Centre } from '@hub/contracts';
import { type CatalogueItem, demoOrganizations } from '@hub/consortium';
import { Systems } from '@hub/fhir';

/** A report's `code`: the ordered catalogue item, or only its code when the catalogue lost it. */
export function catalogueCode(item: CatalogueItem | undefined, code: string): CodeableConcept {
  return item
    ? {
        coding: [{ system: item.system, code: item.code, display: item.display }],
        text: item.displayZh,
      }
    : { coding: [{ code }], text: code };
}

/**
 * A centre as its reports name it: by the consortium's organisation identifier, which every app
 * shares (the FHIR id of the Organization is the gateway's).
 */
export function centreOrganizationReference(centre: Centre): Reference {
  const organization = demoOrganizations.find((o) => o.centre === centre);
  if (!organization)
    throw new Error(`no organisation of the consortium hosts the ${centre} centre`);
  return {
    identifier: { system: Systems.HubOrganization, value: organization.code },
    display: organization.name,
  };
}
