import type { Organization } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import {
  type DemoOrganization,
  demoCatalogue,
  demoEqaRecords,
  demoOrganizations,
  demoRecognitionRules,
} from '@hub/consortium';
import { Systems } from '@hub/fhir';
import { criticalContactsOf, criticalContactsToFhir } from '@hub/critical-value';
import { hashSecret } from '../auth/password';
import { type Role } from '../auth/principal';

export const DEMO_PASSWORD = 'demo-password';

/** Demo API clients (member systems): client id, secret, organisation, roles. */
export const demoClients: Array<{ clientId: string; secret: string; org: string; roles: Role[] }> =
  [
    { clientId: 'clinic-a', secret: 'clinic-a-secret', org: 'CLINIC-A', roles: ['clinic-system'] },
    { clientId: 'clinic-b', secret: 'clinic-b-secret', org: 'CLINIC-B', roles: ['clinic-system'] },
    { clientId: 'lab-analyser', secret: 'lab-analyser-secret', org: 'LAB', roles: ['lab-tech'] },
  ];

/** Demo users (people), all with password `demo-password`. */
export const demoUsers: Array<{
  username: string;
  name: string;
  org: string;
  roles: Role[];
  licensed?: boolean;
}> = [
  { username: 'radiologist', name: '王影像 (radiologist)', org: 'IMAGING', roles: ['radiologist'] },
  {
    username: 'radiology-trainee',
    name: '陈规培 (radiology trainee)',
    org: 'IMAGING',
    roles: ['radiologist'],
    licensed: false,
  },
  { username: 'cardiologist', name: '李心电 (cardiologist)', org: 'ECG', roles: ['cardiologist'] },
  { username: 'labtech', name: '赵检验 (lab technician)', org: 'LAB', roles: ['lab-tech'] },
  { username: 'labdoc', name: '钱检验医师 (lab physician)', org: 'LAB', roles: ['lab-doctor'] },
  {
    username: 'labchief',
    name: '孙检验主任 (lab director)',
    org: 'LAB',
    roles: ['lab-doctor'],
  },
  {
    username: 'pathologist',
    name: '孙病理 (pathologist)',
    org: 'PATHOLOGY',
    roles: ['pathologist'],
  },
  {
    username: 'pathology-chief',
    name: '冯病理主任 (chief pathologist)',
    org: 'PATHOLOGY',
    roles: ['pathologist'],
  },
  {
    username: 'clinic-a-doctor',
    name: '周医生 (Dongling THC doctor)',
    org: 'CLINIC-A',
    roles: ['clinic-doctor'],
  },
  { username: 'itops', name: '吴运维 (IT operations)', org: 'HUB', roles: ['it-ops'] },
  { username: 'admin', name: '郑管理员 (administrator)', org: 'HUB', roles: ['admin'] },
  { username: 'manager', name: '孙主任 (consortium manager)', org: 'HUB', roles: ['manager'] },
];

/** The FHIR id of an organisation: its code in lower case (`Organization/clinic-a`). */
export function organizationResourceId(code: string): string {
  return code.toLowerCase();
}

/**
 * Seeds the demo consortium: organisations (table + FHIR Organization), the catalogue with its
 * routing, and in demo mode the demo clients and users. Idempotent: what exists is left alone.
 */
export async function seedDemo(
  dataSource: DataSource,
  options: { demo: boolean },
): Promise<{ created: boolean }> {
  return dataSource.transaction(async (manager) => {
    const existing = await manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM gateway.organization`,
    );
    const created = existing[0].n === 0;
    for (const org of demoOrganizations) await seedOrganization(manager, org);
    for (const item of demoCatalogue) {
      await manager.query(
        `INSERT INTO gateway.catalogue_item (system, code, display, display_zh, centre, price, turnaround_minutes, members, specimen_type)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (system, code) DO UPDATE SET specimen_type = COALESCE(gateway.catalogue_item.specimen_type, EXCLUDED.specimen_type)`,
        [
          item.system,
          item.code,
          item.display,
          item.displayZh,
          item.centre,
          item.price,
          JSON.stringify(item.turnaroundMinutes),
          item.members ? JSON.stringify(item.members) : null,
          item.specimenType ?? null,
        ],
      );
    }
    // Recognition rules and the centres' EQA results: defaults, never overwriting an edit.
    for (const rule of demoRecognitionRules)
      await manager.query(
        `INSERT INTO gateway.recognition_rule (system, code, recognized, validity_days)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [rule.system, rule.code, rule.recognized, rule.validityDays],
      );
    const eqa = await manager.query<unknown[]>(`SELECT 1 FROM gateway.eqa_record LIMIT 1`);
    if (eqa.length === 0)
      for (const record of demoEqaRecords) {
        const centre = demoOrganizations.find((o) => o.centre === record.centre)?.code;
        if (!centre) continue;
        await manager.query(
          `INSERT INTO gateway.eqa_record (centre_org, system, code, passed, effective_from, scheme, recorded_by)
           VALUES ($1, $2, $3, $4, $5, $6, 'seed')`,
          [centre, record.system, record.code, record.passed, record.effectiveFrom, record.scheme],
        );
      }
    if (options.demo) {
      // Demo senders connect from this machine; a real consortium lists each member's networks.
      for (const org of ['CLINIC-A', 'CLINIC-B', 'LAB']) {
        for (const network of ['127.0.0.0/8', '::1/128']) {
          await manager.query(
            `INSERT INTO gateway.hl7_peer (org_code, network, note) VALUES ($1, $2, 'demo') ON CONFLICT DO NOTHING`,
            [org, network],
          );
        }
      }
      for (const client of demoClients) {
        await manager.query(
          `INSERT INTO gateway.api_client (client_id, secret_hash, org_code, roles) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [client.clientId, await hashSecret(client.secret), client.org, client.roles],
        );
      }
      for (const user of demoUsers) {
        await manager.query(
          `INSERT INTO gateway.app_user (username, password_hash, display_name, org_code, roles, licensed)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [
            user.username,
            await hashSecret(DEMO_PASSWORD),
            user.name,
            user.org,
            user.roles,
            user.licensed ?? true,
          ],
        );
      }
    }
    return { created };
  });
}

async function seedOrganization(manager: EntityManager, org: DemoOrganization): Promise<void> {
  const id = organizationResourceId(org.code);
  const inserted = await manager.query<unknown[]>(
    `INSERT INTO gateway.organization (code, resource_id, name, name_en, kind, part_of, centre)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING code`,
    [org.code, id, org.name, org.nameEn, org.kind, org.partOf ?? null, org.centre ?? null],
  );
  if (inserted.length === 0) {
    await backfillCriticalContacts(manager, org);
    return;
  }
  const contact = demoCriticalContacts(org);
  const resource: Organization = {
    resourceType: 'Organization',
    id,
    meta: { versionId: '1', lastUpdated: new Date().toISOString() },
    identifier: [{ system: Systems.HubOrganization, value: org.code }],
    active: true,
    type: [{ coding: [{ system: 'urn:hub:organization-kind', code: org.kind }] }],
    name: org.name,
    alias: [org.nameEn],
    ...(contact.length ? { contact } : {}),
    ...(org.partOf
      ? { partOf: { reference: `Organization/${organizationResourceId(org.partOf)}` } }
      : {}),
  };
  // Written through SQL here (not FhirStore) so the seed runs without the Nest container.
  await manager.query(
    `INSERT INTO gateway.fhir_resource (resource_type, id, version_id, last_updated, content, owner_orgs) VALUES ('Organization', $1, 1, now(), $2, '{}')`,
    [id, JSON.stringify(resource)],
  );
  await manager.query(
    `INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content) VALUES ('Organization', $1, 1, now(), $2)`,
    [id, JSON.stringify(resource)],
  );
  await manager.query(
    `INSERT INTO gateway.fhir_search_token (resource_type, resource_id, param, system, value) VALUES
       ('Organization', $1, '_id', NULL, $1), ('Organization', $1, 'identifier', $2, $3)`,
    [id, Systems.HubOrganization, org.code],
  );
  await manager.query(
    `INSERT INTO gateway.fhir_search_string (resource_type, resource_id, param, value) VALUES ('Organization', $1, 'name', $2), ('Organization', $1, 'name', $3)`,
    [id, org.name.toLowerCase(), org.nameEn.toLowerCase()],
  );
  if (org.partOf) {
    await manager.query(
      `INSERT INTO gateway.fhir_search_reference (resource_type, resource_id, param, target_type, target_id) VALUES ('Organization', $1, 'partof', 'Organization', $2)`,
      [id, organizationResourceId(org.partOf)],
    );
  }
}

/** A demo organisation's critical-value contacts: a centre's primary contact is its supervisor. */
function demoCriticalContacts(org: DemoOrganization) {
  const contacts = org.criticalContacts;
  if (!contacts) return [];
  return criticalContactsToFhir(
    org.centre
      ? { supervisor: contacts.primary }
      : { primary: contacts.primary, backup: contacts.backup },
  );
}

/**
 * Adds the demo critical-value contacts to an Organization seeded before they existed, as a new
 * version. An Organization that already has critical-value contacts is left alone.
 */
async function backfillCriticalContacts(
  manager: EntityManager,
  org: DemoOrganization,
): Promise<void> {
  const contact = demoCriticalContacts(org);
  if (!contact.length) return;
  const id = organizationResourceId(org.code);
  const rows = await manager.query<Array<{ content: Organization; version_id: number }>>(
    `SELECT content, version_id FROM gateway.fhir_resource WHERE resource_type = 'Organization' AND id = $1 FOR UPDATE`,
    [id],
  );
  const current = rows[0];
  if (!current || Object.keys(criticalContactsOf(current.content)).length) return;
  const version = current.version_id + 1;
  const resource: Organization = {
    ...current.content,
    meta: {
      ...current.content.meta,
      versionId: String(version),
      lastUpdated: new Date().toISOString(),
    },
    contact: [...(current.content.contact ?? []), ...contact],
  };
  await manager.query(
    `UPDATE gateway.fhir_resource SET version_id = $2, last_updated = now(), content = $3 WHERE resource_type = 'Organization' AND id = $1`,
    [id, version, JSON.stringify(resource)],
  );
  await manager.query(
    `INSERT INTO gateway.fhir_resource_history (resource_type, id, version_id, last_updated, content) VALUES ('Organization', $1, $2, now(), $3)`,
    [id, version, JSON.stringify(resource)],
  );
}
