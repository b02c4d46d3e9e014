import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type Centre, isCentre } from '@hub/contracts';
import { type CatalogueItem, demoSpecimenTypes } from '@hub/consortium';

/** One orderable item as a person ordering or reading results sees it. */
export interface CatalogueEntry {
  system: string;
  code: string;
  display: string;
  displayZh: string;
  centre: Centre;
  /** The organisation that hosts the performing centre. */
  centreOrg?: { code: string; name: string; nameEn: string };
  /** Lab items: the specimen the clinic collects. */
  specimenType?: { code: string; display?: string; displayZh?: string };
  /** Price in yuan (CNY), two decimals. */
  price: string;
  turnaroundMinutes: CatalogueItem['turnaroundMinutes'];
  /** 检查检验结果互认: whether results of the item are recognized, and for how many days. */
  recognition: { recognized: boolean; validityDays: number } | null;
}

interface EntryRow {
  system: string;
  code: string;
  display: string;
  display_zh: string;
  centre: string;
  price: string;
  turnaround_minutes: CatalogueItem['turnaroundMinutes'];
  specimen_type: string | null;
  recognized: boolean | null;
  validity_days: number | null;
  org_code: string | null;
  org_name: string | null;
  org_name_en: string | null;
}

/**
 * The consortium catalogue (检查检验项目) as the gateway keeps it: the active items with their
 * performing centre, price, specimen type and recognition rule, read from the catalogue table
 * (data, not code) so an administrator's change of a rule shows at once.
 */
@Injectable()
export class CatalogueService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The active items, by centre and code; `centre` narrows to one centre. */
  async list(centre?: Centre): Promise<CatalogueEntry[]> {
    const rows = await this.dataSource.query<EntryRow[]>(
      `SELECT c.system, c.code, c.display, c.display_zh, c.centre, c.price::text AS price,
              c.turnaround_minutes, c.specimen_type, r.recognized, r.validity_days,
              o.code AS org_code, o.name AS org_name, o.name_en AS org_name_en
         FROM gateway.catalogue_item c
         LEFT JOIN gateway.recognition_rule r USING (system, code)
         LEFT JOIN gateway.organization o ON o.centre = c.centre
        WHERE c.active AND ($1::text IS NULL OR c.centre = $1)
        ORDER BY c.centre, c.code`,
      [centre ?? null],
    );
    return rows.flatMap((row) => (isCentre(row.centre) ? [toEntry(row, row.centre)] : []));
  }
}

function toEntry(row: EntryRow, centre: Centre): CatalogueEntry {
  const specimen = row.specimen_type
    ? demoSpecimenTypes.find((type) => type.code === row.specimen_type)
    : undefined;
  return {
    system: row.system,
    code: row.code,
    display: row.display,
    displayZh: row.display_zh,
    centre,
    ...(row.org_code && row.org_name
      ? { centreOrg: { code: row.org_code, name: row.org_name, nameEn: row.org_name_en ?? '' } }
      : {}),
    ...(row.specimen_type
      ? {
          specimenType: {
            code: row.specimen_type,
            ...(specimen ? { display: specimen.display, displayZh: specimen.displayZh } : {}),
          },
        }
      : {}),
    price: row.price,
    turnaroundMinutes: row.turnaround_minutes,
    recognition:
      row.recognized === null || row.validity_days === null
        ? null
        : { recognized: row.recognized, validityDays: row.validity_days },
  };
}
