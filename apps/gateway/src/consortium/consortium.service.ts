import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Coding } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Centre, isCentre } from '@hub/contracts';
import { type CatalogueItem, type OrganizationKind } from '@hub/consortium';

export interface OrganizationRecord {
  code: string;
  resourceId: string;
  name: string;
  nameEn: string;
  kind: OrganizationKind;
  centre?: Centre;
}

/** Member units that order work from the centres. */
export const MEMBER_KINDS: readonly OrganizationKind[] = [
  'township',
  'community',
  'village',
  'lead-hospital',
];

/**
 * The consortium's organisations and catalogue as stored in the gateway schema. Routing (which
 * centre performs an item) is read from the catalogue table: data, not code.
 */
@Injectable()
export class ConsortiumService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async organization(
    code: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OrganizationRecord | undefined> {
    const rows = await manager.query<OrganizationRow[]>(
      `SELECT code, resource_id, name, name_en, kind, centre FROM gateway.organization WHERE code = $1`,
      [code],
    );
    return rows[0] && toOrganization(rows[0]);
  }

  async organizationByResourceId(
    resourceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OrganizationRecord | undefined> {
    const rows = await manager.query<OrganizationRow[]>(
      `SELECT code, resource_id, name, name_en, kind, centre FROM gateway.organization WHERE resource_id = $1`,
      [resourceId],
    );
    return rows[0] && toOrganization(rows[0]);
  }

  async centreOrganization(
    centre: Centre,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OrganizationRecord | undefined> {
    const rows = await manager.query<OrganizationRow[]>(
      `SELECT code, resource_id, name, name_en, kind, centre FROM gateway.organization WHERE centre = $1`,
      [centre],
    );
    return rows[0] && toOrganization(rows[0]);
  }

  /** The active catalogue item matching any of the codings, or undefined. */
  async catalogueItem(
    codings: Coding[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CatalogueItem | undefined> {
    for (const coding of codings) {
      if (!coding.system || !coding.code) continue;
      const rows = await manager.query<CatalogueRow[]>(
        `SELECT system, code, display, display_zh, centre, price::text AS price, turnaround_minutes, members, specimen_type
         FROM gateway.catalogue_item WHERE system = $1 AND code = $2 AND active`,
        [coding.system, coding.code],
      );
      const row = rows[0];
      if (row && isCentre(row.centre)) {
        return {
          system: row.system,
          code: row.code,
          display: row.display,
          displayZh: row.display_zh,
          centre: row.centre,
          price: row.price,
          turnaroundMinutes: row.turnaround_minutes,
          members: row.members ?? undefined,
          specimenType: row.specimen_type ?? undefined,
        };
      }
    }
    return undefined;
  }
}

interface OrganizationRow {
  code: string;
  resource_id: string;
  name: string;
  name_en: string;
  kind: OrganizationKind;
  centre: string | null;
}

interface CatalogueRow {
  system: string;
  code: string;
  display: string;
  display_zh: string;
  centre: string;
  price: string;
  turnaround_minutes: CatalogueItem['turnaroundMinutes'];
  members: string[] | null;
  specimen_type: string | null;
}

function toOrganization(row: OrganizationRow): OrganizationRecord {
  return {
    code: row.code,
    resourceId: row.resource_id,
    name: row.name,
    nameEn: row.name_en,
    kind: row.kind,
    centre: row.centre && isCentre(row.centre) ? row.centre : undefined,
  };
}
