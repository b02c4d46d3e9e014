import type { Organization, OrganizationContact } from 'fhir/r4';

/** Code system of the purpose of an Organization.contact that receives critical values. */
export const CriticalContactSystem = 'urn:hub:critical-contact';

/**
 * Who is called about a critical value (危急值联系人): a member's `primary` duty contact, reached
 * first, and its `backup`, reached when an alert goes unacknowledged; a centre's `supervisor`, also
 * told of every escalation.
 */
export const CriticalContactRoles = ['primary', 'backup', 'supervisor'] as const;
export type CriticalContactRole = (typeof CriticalContactRoles)[number];

export interface CriticalContact {
  name: string;
  phone: string;
}

/** A contact told of an alert, as recorded in its events (organisation code, role, who, number). */
export interface NotifiedContact extends CriticalContact {
  org: string;
  role: CriticalContactRole;
}

const PURPOSE_TEXT: Record<CriticalContactRole, string> = {
  primary: '危急值联系人 critical value contact',
  backup: '危急值备用联系人 critical value backup contact',
  supervisor: '危急值上报主管 critical value supervisor',
};

/** An organisation's critical-value contacts as FHIR Organization.contact entries. */
export function criticalContactsToFhir(
  contacts: Partial<Record<CriticalContactRole, CriticalContact>>,
): OrganizationContact[] {
  return CriticalContactRoles.flatMap((role) => {
    const contact = contacts[role];
    if (!contact) return [];
    return [
      {
        purpose: {
          coding: [{ system: CriticalContactSystem, code: role }],
          text: PURPOSE_TEXT[role],
        },
        name: { text: contact.name },
        telecom: [{ system: 'phone' as const, value: contact.phone, use: 'work' as const }],
      },
    ];
  });
}

/** The critical-value contacts recorded on an Organization (other contacts are ignored). */
export function criticalContactsOf(
  organization: Pick<Organization, 'contact'>,
): Partial<Record<CriticalContactRole, CriticalContact>> {
  const found: Partial<Record<CriticalContactRole, CriticalContact>> = {};
  for (const contact of organization.contact ?? []) {
    const role = contact.purpose?.coding?.find((c) => c.system === CriticalContactSystem)?.code;
    if (!role || !(CriticalContactRoles as readonly string[]).includes(role)) continue;
    const phone = contact.telecom?.find((t) => t.system === 'phone' && t.value)?.value;
    const name =
      contact.name?.text ?? [contact.name?.family, ...(contact.name?.given ?? [])].join('');
    if (!phone || !name) continue;
    found[role as CriticalContactRole] ??= { name, phone };
  }
  return found;
}
