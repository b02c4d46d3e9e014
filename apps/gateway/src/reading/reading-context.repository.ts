import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HumanName } from 'fhir/r4';
import { type DataSource } from 'typeorm';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';

/** The patient of an order, as a reader needs to recognise them. */
export interface ReadingPatient {
  /** The hub's Patient id. */
  id: string;
  name?: string;
  /** 居民身份证号, when the record has one (screens show it masked). */
  residentId?: string;
  gender?: string;
  birthDate?: string;
}

/**
 * What the centres do not know about an order (they hold no patient data): its patient, the
 * ordering clinic's name and the catalogue item's display, from the consortium record.
 */
export interface ReadingContext {
  patient?: ReadingPatient;
  clinic?: { code: string; name: string; nameEn: string };
  item?: { code: string; display: string; displayZh: string };
  /** The priority the clinic ordered (stat, asap, urgent, routine; a worklist may raise it). */
  requestedPriority?: string;
  /** Why the clinic asked (the order's reason and notes), for the reading screen. */
  clinical?: string;
}

interface ContextRow {
  orderId: string | null;
  patientId: string | null;
  names: HumanName[] | null;
  gender: string | null;
  birthDate: string | null;
  residentId: string | null;
  clinicCode: string | null;
  clinicName: string | null;
  clinicNameEn: string | null;
  code: string | null;
  priority: string | null;
  display: string | null;
  displayZh: string | null;
  reasons: string[] | null;
  readers: Record<string, string>;
}

/**
 * Joins the consortium record's side of reading work: for a page of orders, their patients
 * (name, 居民身份证号, sex, birth date), clinics and catalogue items, and the display names of the
 * readers named on them, in one query whatever the page's length.
 */
@Injectable()
export class ReadingContextRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async contextOf(
    orderIds: readonly string[],
    usernames: readonly string[] = [],
  ): Promise<{ orders: Map<string, ReadingContext>; readers: Record<string, string> }> {
    if (orderIds.length === 0 && usernames.length === 0) return { orders: new Map(), readers: {} };
    // The reader names ride along as a one-row CTE, so a page is still one round trip.
    const rows = await this.dataSource.query<ContextRow[]>(
      `WITH readers AS (
         SELECT coalesce(jsonb_object_agg(u.username, u.display_name), '{}'::jsonb) AS map
           FROM gateway.app_user u WHERE u.username = ANY ($3::text[])
       )
       SELECT o.order_id AS "orderId", o.patient_id AS "patientId",
              p.content -> 'name' AS names, p.content ->> 'gender' AS gender,
              p.content ->> 'birthDate' AS "birthDate",
              (SELECT i.value FROM gateway.patient_identifier i
                WHERE i.patient_id = o.patient_id AND i.system = $2
                ORDER BY i.value LIMIT 1) AS "residentId",
              g.code AS "clinicCode", g.name AS "clinicName", g.name_en AS "clinicNameEn",
              o.code, o.priority, c.display, c.display_zh AS "displayZh",
              (SELECT array_agg(x.text) FROM (
                 SELECT jsonb_array_elements(coalesce(s.content -> 'reasonCode', '[]'::jsonb)) ->> 'text'
                 UNION ALL
                 SELECT jsonb_array_elements(coalesce(s.content -> 'note', '[]'::jsonb)) ->> 'text'
               ) x(text) WHERE x.text IS NOT NULL) AS reasons,
              readers.map AS readers
         FROM readers
         LEFT JOIN gateway.service_order o ON o.order_id = ANY ($1::text[])
         LEFT JOIN gateway.fhir_resource p ON p.resource_type = 'Patient' AND p.id = o.patient_id
         LEFT JOIN gateway.fhir_resource s ON s.resource_type = 'ServiceRequest' AND s.id = o.order_id
         LEFT JOIN gateway.organization g ON g.code = o.requester_org
         LEFT JOIN gateway.catalogue_item c ON c.system = o.code_system AND c.code = o.code`,
      [[...orderIds], RESIDENT_ID_SYSTEM, [...new Set(usernames)]],
    );
    const orders = new Map<string, ReadingContext>();
    for (const row of rows) {
      if (!row.orderId) continue;
      const name = nameOf(row.names);
      orders.set(row.orderId, {
        ...(row.patientId
          ? {
              patient: {
                id: row.patientId,
                ...(name ? { name } : {}),
                ...(row.residentId ? { residentId: row.residentId } : {}),
                ...(row.gender ? { gender: row.gender } : {}),
                ...(row.birthDate ? { birthDate: row.birthDate } : {}),
              },
            }
          : {}),
        ...(row.clinicCode
          ? {
              clinic: {
                code: row.clinicCode,
                name: row.clinicName ?? row.clinicCode,
                nameEn: row.clinicNameEn ?? row.clinicCode,
              },
            }
          : {}),
        ...(row.code && row.display
          ? { item: { code: row.code, display: row.display, displayZh: row.displayZh ?? '' } }
          : {}),
        ...(row.priority ? { requestedPriority: row.priority } : {}),
        ...(row.reasons?.length ? { clinical: row.reasons.join('\n') } : {}),
      });
    }
    return { orders, readers: rows[0]?.readers ?? {} };
  }
}

/** A person's name as a Chinese record writes it: the text, else family name then given names. */
export function nameOf(names: HumanName[] | null | undefined): string | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  const name = names.find((n) => n.use === 'official') ?? names[0];
  if (name.text?.trim()) return name.text.trim();
  const family = name.family ?? '';
  const given = name.given ?? [];
  // Chinese names are written family name first, without spaces; Latin ones given names first.
  if (/[A-Za-z]/.test(family + given.join('')))
    return [...given, family].filter(Boolean).join(' ') || undefined;
  return family + given.join('') || undefined;
}
