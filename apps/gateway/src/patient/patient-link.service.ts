import { Injectable } from '@nestjs/common';
import type { Patient, PatientLink as FhirPatientLink } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { FhirStore } from '../fhir/fhir-store.service';

type StoredPatient = StoredResource & Patient;

/** A link between two patient records, as the index keeps it. */
export interface PatientLinkView {
  id: string;
  patientId: string;
  otherId: string;
  score: number;
  reasons: string[];
  status: 'candidate' | 'confirmed' | 'rejected' | 'unlinked';
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  history: Array<{ action: string; by: string; at: string; note?: string }>;
}

/** A name as compared: its text (or family + given), without spaces or case. */
function nameKey(patient: Patient): string | undefined {
  const name = patient.name?.[0];
  const text = name?.text ?? `${name?.family ?? ''}${(name?.given ?? []).join('')}`;
  const key = text.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return key || undefined;
}

function phones(patient: Patient): string[] {
  return (patient.telecom ?? [])
    .filter((t) => t.system === 'phone' && t.value)
    .map((t) => (t.value ?? '').replace(/\D/g, '').slice(-11));
}

/**
 * The consortium patient index for people registered without a 居民身份证号 (who are linked within
 * one member by its MRN only): a new such record with the same name, birth date and sex as another
 * becomes a candidate link (a matching phone number raises the score), which a person confirms or
 * rejects; nothing is merged automatically. A confirmed link shows on both FHIR Patients as
 * `link` (seealso) and joins their identifiers in the cross-reference; it can be undone. Every step
 * is an event and an AuditEvent.
 */
@Injectable()
export class PatientLinkService {
  constructor(
    private readonly store: FhirStore,
    private readonly audit: AuditService,
  ) {}

  /** Proposes candidate links for a newly created patient that carries no 居民身份证号. */
  async propose(manager: EntityManager, patient: StoredPatient): Promise<void> {
    if (patient.identifier?.some((i) => i.system === RESIDENT_ID_SYSTEM)) return;
    const name = nameKey(patient);
    if (!name || !patient.birthDate || !patient.gender) return;
    const rows = await manager.query<Array<{ content: StoredPatient }>>(
      `SELECT content FROM gateway.fhir_resource
        WHERE resource_type = 'Patient' AND id <> $1
          AND content ->> 'birthDate' = $2 AND content ->> 'gender' = $3
        LIMIT 200`,
      [patient.id, patient.birthDate, patient.gender],
    );
    const mine = phones(patient);
    for (const { content: other } of rows) {
      if (nameKey(other) !== name) continue;
      const reasons = ['name', 'birth date', 'sex'];
      let score = 80;
      if (mine.length && phones(other).some((p) => mine.includes(p))) {
        reasons.push('phone');
        score += 20;
      }
      const [a, b] = [patient.id, other.id].sort();
      const inserted = await manager.query<Array<{ id: string }>>(
        `INSERT INTO gateway.patient_link (patient_id, other_id, score, reasons, status)
         VALUES ($1, $2, $3, $4, 'candidate') ON CONFLICT DO NOTHING RETURNING id::text`,
        [a, b, score, reasons],
      );
      if (inserted[0])
        await manager.query(
          `INSERT INTO gateway.patient_link_event (link_id, action, by) VALUES ($1, 'proposed', 'hub')`,
          [inserted[0].id],
        );
    }
  }

  async list(status?: string): Promise<PatientLinkView[]> {
    const rows = await this.store.manager.query<Array<Record<string, unknown>>>(
      `SELECT l.id::text, l.patient_id, l.other_id, l.score, l.reasons, l.status, l.created_at,
              l.decided_by, l.decided_at,
              coalesce((SELECT json_agg(json_build_object('action', e.action, 'by', e.by, 'at', e.at, 'note', e.note) ORDER BY e.id)
                          FROM gateway.patient_link_event e WHERE e.link_id = l.id), '[]') AS history
         FROM gateway.patient_link l
        WHERE ($1::text IS NULL OR l.status = $1)
        ORDER BY l.created_at DESC, l.id DESC LIMIT 500`,
      [status ?? null],
    );
    return rows.map(viewOf);
  }

  /**
   * A person decides a link: `confirmed` (both Patients get `link` seealso the other), `rejected`
   * (they are different people), or `unlinked` (a confirmed link undone; the `link` entries go).
   */
  async decide(
    id: string,
    action: 'confirmed' | 'rejected' | 'unlinked',
    by: string,
    agent: AuditAgent,
    note?: string,
  ): Promise<PatientLinkView> {
    if (!/^\d{1,18}$/.test(id)) throw FhirError.notFound(`no patient link ${id}`);
    return this.store.transaction(async (manager) => {
      const rows = await manager.query<
        Array<{ patient_id: string; other_id: string; status: string }>
      >(`SELECT patient_id, other_id, status FROM gateway.patient_link WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      const link = rows[0];
      if (!link) throw FhirError.notFound(`no patient link ${id}`);
      const allowed =
        action === 'unlinked' ? link.status === 'confirmed' : link.status === 'candidate';
      if (!allowed)
        throw FhirError.conflict(
          `patient link ${id} is ${link.status}: it can${action === 'unlinked' ? ' only be undone when confirmed' : ' only be decided while a candidate'}`,
        );
      await manager.query(
        `UPDATE gateway.patient_link SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1`,
        [id, action, by],
      );
      await manager.query(
        `INSERT INTO gateway.patient_link_event (link_id, action, by, note) VALUES ($1, $2, $3, $4)`,
        [id, action, by, note ?? null],
      );
      if (action !== 'rejected')
        for (const [self, other] of [
          [link.patient_id, link.other_id],
          [link.other_id, link.patient_id],
        ]) {
          const patient = await this.store.lockForUpdate<StoredPatient>(manager, 'Patient', self);
          if (!patient) throw new Error(`Patient/${self} of link ${id} is gone`);
          const kept = (patient.link ?? []).filter((l) => l.other.reference !== `Patient/${other}`);
          const next: FhirPatientLink[] =
            action === 'confirmed'
              ? [...kept, { other: { reference: `Patient/${other}` }, type: 'seealso' }]
              : kept;
          await this.store.update(
            manager,
            { ...patient, ...(next.length ? { link: next } : { link: undefined }) },
            [],
            agent,
          );
        }
      await this.audit.record(
        {
          type: '110110',
          subtype: `patient-link-${action}`,
          action: 'U',
          agent,
          entities: [
            { type: 'Patient', id: link.patient_id },
            { type: 'Patient', id: link.other_id },
          ],
          patientIds: [link.patient_id, link.other_id],
        },
        manager,
      );
      const [view] = (
        await manager.query<Array<Record<string, unknown>>>(
          `SELECT l.id::text, l.patient_id, l.other_id, l.score, l.reasons, l.status, l.created_at,
                  l.decided_by, l.decided_at,
                  (SELECT json_agg(json_build_object('action', e.action, 'by', e.by, 'at', e.at, 'note', e.note) ORDER BY e.id)
                     FROM gateway.patient_link_event e WHERE e.link_id = l.id) AS history
             FROM gateway.patient_link l WHERE l.id = $1`,
          [id],
        )
      ).map(viewOf);
      return view;
    });
  }

  /** The patients confirmed to be the same person as `patientId` (one hop). */
  async confirmedWith(patientId: string): Promise<string[]> {
    const rows = await this.store.manager.query<Array<{ id: string }>>(
      `SELECT CASE WHEN patient_id = $1 THEN other_id ELSE patient_id END AS id
         FROM gateway.patient_link WHERE status = 'confirmed' AND (patient_id = $1 OR other_id = $1)`,
      [patientId],
    );
    return rows.map((row) => row.id);
  }
}

/** A text column as text (the driver gives strings for text columns). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function viewOf(row: Record<string, unknown>): PatientLinkView {
  const when = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
  return {
    id: String(row.id),
    patientId: String(row.patient_id),
    otherId: String(row.other_id),
    score: Number(row.score),
    reasons: row.reasons as string[],
    status: row.status as PatientLinkView['status'],
    createdAt: when(row.created_at),
    ...(row.decided_by ? { decidedBy: text(row.decided_by) } : {}),
    ...(row.decided_at ? { decidedAt: when(row.decided_at) } : {}),
    history: ((row.history as Array<Record<string, unknown>> | null) ?? []).map((e) => ({
      action: String(e.action),
      by: String(e.by),
      at: String(e.at),
      ...(e.note ? { note: text(e.note) } : {}),
    })),
  };
}
