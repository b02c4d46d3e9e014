import { Injectable } from '@nestjs/common';
import type { Identifier, Patient, PatientLink as FhirPatientLink } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { FhirError, type StoredResource } from '@hub/fhir';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { FhirStore } from '../fhir/fhir-store.service';

type StoredPatient = StoredResource & Patient;

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Resource types whose references to a patient are records about the person, moved by a merge. */
const NOT_MOVED = new Set(['Patient', 'AuditEvent', 'Provenance']);

/** One merge as the index keeps it. */
export interface PatientMergeView {
  id: string;
  /** The record replaced (inactive while merged, `link` replaced-by the target). */
  sourceId: string;
  /** The surviving record. */
  targetId: string;
  status: 'merged' | 'unmerged';
  mergedBy: string;
  mergedAt: string;
  note?: string;
  unmergedBy?: string;
  unmergedAt?: string;
  unmergeNote?: string;
  moved: {
    identifiers: Identifier[];
    resources: Array<{ type: string; id: string }>;
    orders: number;
    criticalAlerts: number;
  };
  /**
   * After an unmerge: records about the survivor written while the two were merged, which stayed
   * with it (the hub cannot tell whose they are) — for the steward to look at.
   */
  review?: Array<{ type: string; id: string }>;
}

/**
 * Merges in the consortium patient index (患者主索引): when two records turn out to be one person,
 * a steward merges the duplicate (source) into the surviving record (target). The source becomes
 * inactive with `link` replaced-by the target, the target gains its identifiers and `link` replaces
 * the source, and what was recorded about the source — identifier lookups, orders and their Tasks,
 * results, critical-value alerts — moves to the target as new versions, so a search, a
 * cross-reference or a recognition check on any of the person's numbers finds one record. Nothing is
 * deleted: a merge keeps what it moved and an unmerge moves exactly that back. Records that name
 * two different 居民身份证号 are two people and are never merged. Every merge and unmerge is
 * audited.
 */
@Injectable()
export class PatientMergeService {
  constructor(
    private readonly store: FhirStore,
    private readonly audit: AuditService,
  ) {}

  async merge(
    input: { sourceId: string; targetId: string; note?: string },
    by: string,
    agent: AuditAgent,
  ): Promise<PatientMergeView> {
    const { sourceId, targetId } = input;
    if (!ID.test(sourceId) || !ID.test(targetId))
      throw FhirError.unprocessable('source and target must be Patient ids', ['source', 'target']);
    if (sourceId === targetId)
      throw FhirError.unprocessable('a patient cannot be merged into itself', ['target']);
    return this.store.transaction(async (manager) => {
      const [source, target] = await this.lockBoth(manager, sourceId, targetId);
      const active = await manager.query<Array<{ id: string; source_id: string }>>(
        `SELECT id::text, source_id FROM gateway.patient_merge
          WHERE status = 'merged' AND (source_id = ANY ($1::text[]) OR target_id = $2)`,
        [[sourceId, targetId], sourceId],
      );
      for (const row of active) {
        if (row.source_id === sourceId)
          throw FhirError.conflict(
            `Patient/${sourceId} is already merged into another record (merge ${row.id})`,
          );
        if (row.source_id === targetId)
          throw FhirError.conflict(
            `Patient/${targetId} was itself merged into another record (merge ${row.id}): merge into that record instead`,
          );
        throw FhirError.conflict(
          `Patient/${sourceId} is the surviving record of merge ${row.id}: merge the other way, or undo that merge first`,
        );
      }
      const theirs = residentIds(source);
      const ours = residentIds(target);
      if (theirs.length && ours.length && !theirs.some((id) => ours.includes(id)))
        throw FhirError.conflict(
          `Patient/${sourceId} and Patient/${targetId} have different 居民身份证号: they are two people and cannot be merged`,
        );

      const known = new Set((target.identifier ?? []).map(identifierKey));
      const added = (source.identifier ?? []).filter((i) => !known.has(identifierKey(i)));
      const owners = await manager.query<Array<{ org: string }>>(
        `SELECT unnest(s.owner_orgs) AS org FROM gateway.fhir_resource s
          WHERE s.resource_type = 'Patient' AND s.id = $1
         EXCEPT
         SELECT unnest(t.owner_orgs) FROM gateway.fhir_resource t
          WHERE t.resource_type = 'Patient' AND t.id = $2`,
        [sourceId, targetId],
      );
      const ownersAdded = owners.map((o) => o.org).sort();
      await this.store.update(
        manager,
        {
          ...target,
          identifier: [...(target.identifier ?? []), ...added],
          link: [...(target.link ?? []), link(sourceId, 'replaces')],
        },
        ownersAdded,
      );
      await this.store.update(manager, {
        ...source,
        active: false,
        link: [...(source.link ?? []), link(targetId, 'replaced-by')],
      });

      const [mergeRow] = await manager.query<Array<{ id: string }>>(
        `INSERT INTO gateway.patient_merge
           (source_id, target_id, status, merged_by, merge_note, source_before, identifiers_added, owners_added)
         VALUES ($1, $2, 'merged', $3, $4, $5, $6, $7) RETURNING id::text`,
        [
          sourceId,
          targetId,
          by,
          input.note ?? null,
          JSON.stringify(source),
          JSON.stringify(added),
          ownersAdded,
        ],
      );
      const mergeId = mergeRow.id;
      await manager.query(
        `WITH moved AS (
           UPDATE gateway.patient_identifier SET patient_id = $2 WHERE patient_id = $1
           RETURNING system, value)
         INSERT INTO gateway.patient_merge_item (merge_id, kind, ref)
         SELECT $3, 'identifier', system || '|' || value FROM moved`,
        [sourceId, targetId, mergeId],
      );
      for (const resource of await this.referencing(manager, sourceId)) {
        await this.repoint(manager, resource, sourceId, targetId);
        await manager.query(
          `INSERT INTO gateway.patient_merge_item (merge_id, kind, resource_type, ref) VALUES ($1, 'resource', $2, $3)`,
          [mergeId, resource.type, resource.id],
        );
      }
      await this.moveRows(manager, mergeId, sourceId, targetId);
      await this.auditStep(manager, 'patient-merge', agent, sourceId, targetId);
      return this.view(manager, mergeId);
    });
  }

  /**
   * Undoes a merge: the source is active again without its replaced-by link, the target loses the
   * identifiers, owners and replaces link the merge gave it, and what the merge moved moves back.
   */
  async unmerge(id: string, by: string, agent: AuditAgent, note?: string) {
    if (!/^\d{1,18}$/.test(id)) throw FhirError.notFound(`no patient merge ${id}`);
    return this.store.transaction(async (manager) => {
      const rows = await manager.query<
        Array<{
          source_id: string;
          target_id: string;
          status: string;
          merged_at: Date;
          source_before: StoredPatient;
          identifiers_added: Identifier[];
          owners_added: string[];
        }>
      >(
        `SELECT source_id, target_id, status, merged_at, source_before, identifiers_added, owners_added
           FROM gateway.patient_merge WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const merge = rows[0];
      if (!merge) throw FhirError.notFound(`no patient merge ${id}`);
      if (merge.status !== 'merged')
        throw FhirError.conflict(`patient merge ${id} was already undone`);
      const { source_id: sourceId, target_id: targetId } = merge;
      const [source, target] = await this.lockBoth(manager, sourceId, targetId);

      const items = await manager.query<
        Array<{ kind: string; resource_type: string | null; ref: string }>
      >(`SELECT kind, resource_type, ref FROM gateway.patient_merge_item WHERE merge_id = $1`, [
        id,
      ]);
      const refs = (kind: string) => items.filter((i) => i.kind === kind).map((i) => i.ref);
      for (const item of items.filter((i) => i.kind === 'resource'))
        await this.repoint(
          manager,
          { type: item.resource_type ?? '', id: item.ref },
          targetId,
          sourceId,
        );
      await manager.query(
        `UPDATE gateway.patient_identifier SET patient_id = $1
          WHERE patient_id = $2 AND system || '|' || value = ANY ($3::text[])`,
        [sourceId, targetId, refs('identifier')],
      );
      await manager.query(
        `UPDATE gateway.service_order SET patient_id = $1 WHERE patient_id = $2 AND order_id::text = ANY ($3::text[])`,
        [sourceId, targetId, refs('order')],
      );
      await manager.query(
        `UPDATE gateway.critical_alert SET patient_id = $1 WHERE patient_id = $2 AND id::text = ANY ($3::text[])`,
        [sourceId, targetId, refs('critical-alert')],
      );

      const removed = new Set(merge.identifiers_added.map(identifierKey));
      const targetLinks = withoutLink(target.link, sourceId, 'replaces');
      await this.store.update(manager, {
        ...target,
        identifier: (target.identifier ?? []).filter((i) => !removed.has(identifierKey(i))),
        ...(targetLinks ? { link: targetLinks } : { link: undefined }),
      });
      // Members that saw the survivor only because of the merge lose it, unless they have ordered
      // for it since.
      await manager.query(
        `UPDATE gateway.fhir_resource SET owner_orgs = ARRAY(
           SELECT o FROM unnest(owner_orgs) o
            WHERE NOT (o = ANY ($2::text[]))
               OR EXISTS (SELECT 1 FROM gateway.service_order s WHERE s.patient_id = $1 AND s.requester_org = o))
          WHERE resource_type = 'Patient' AND id = $1`,
        [targetId, merge.owners_added],
      );
      const sourceLinks = withoutLink(source.link, targetId, 'replaced-by');
      const { active: _inactive, link: _links, ...rest } = source;
      await this.store.update(manager, {
        ...rest,
        ...(merge.source_before.active !== undefined ? { active: merge.source_before.active } : {}),
        ...(sourceLinks ? { link: sourceLinks } : {}),
      });

      await manager.query(
        `UPDATE gateway.patient_merge
            SET status = 'unmerged', unmerged_by = $2, unmerged_at = now(), unmerge_note = $3
          WHERE id = $1`,
        [id, by, note ?? null],
      );
      await this.auditStep(manager, 'patient-unmerge', agent, sourceId, targetId);
      const moved = new Set(refs('resource'));
      const review = (await this.referencing(manager, targetId, merge.merged_at)).filter(
        (r) => !moved.has(r.id),
      );
      return { ...(await this.view(manager, id)), review };
    });
  }

  /** Merges of the patient (as source or target), newest first; all merges without a patient. */
  async list(patientId?: string): Promise<PatientMergeView[]> {
    const rows = await this.store.manager.query<Array<{ id: string }>>(
      `SELECT id::text FROM gateway.patient_merge
        WHERE $1::text IS NULL OR source_id = $1 OR target_id = $1
        ORDER BY id DESC LIMIT 200`,
      [patientId ?? null],
    );
    const views = [];
    for (const row of rows) views.push(await this.view(this.store.manager, row.id));
    return views;
  }

  /** One AuditEvent (patient record, update) naming both records. */
  private auditStep(
    manager: EntityManager,
    subtype: 'patient-merge' | 'patient-unmerge',
    agent: AuditAgent,
    sourceId: string,
    targetId: string,
  ): Promise<void> {
    return this.audit.record(
      {
        type: '110110',
        subtype,
        action: 'U',
        agent,
        entities: [
          { type: 'Patient', id: sourceId },
          { type: 'Patient', id: targetId },
        ],
        patientIds: [sourceId, targetId],
      },
      manager,
    );
  }

  private async lockBoth(
    manager: EntityManager,
    sourceId: string,
    targetId: string,
  ): Promise<[StoredPatient, StoredPatient]> {
    // Always in the same order, so two stewards merging the same pair cannot deadlock.
    const locked = new Map<string, StoredPatient>();
    for (const id of [sourceId, targetId].sort()) {
      const patient = await this.store.lockForUpdate<StoredPatient>(manager, 'Patient', id);
      if (!patient) throw FhirError.notFound(`Patient/${id} is not known`);
      locked.set(id, patient);
    }
    return [locked.get(sourceId) as StoredPatient, locked.get(targetId) as StoredPatient];
  }

  /** Resources (not patients, not audit) that reference the patient, optionally changed since. */
  private async referencing(
    manager: EntityManager,
    patientId: string,
    since?: Date,
  ): Promise<Array<{ type: string; id: string }>> {
    const rows = await manager.query<Array<{ resource_type: string; resource_id: string }>>(
      `SELECT DISTINCT s.resource_type, s.resource_id
         FROM gateway.fhir_search_reference s
         JOIN gateway.fhir_resource r ON r.resource_type = s.resource_type AND r.id = s.resource_id
        WHERE s.target_type = 'Patient' AND s.target_id = $1
          AND ($2::timestamptz IS NULL OR r.last_updated >= $2)
        ORDER BY 1, 2`,
      [patientId, since ?? null],
    );
    return rows
      .filter((row) => !NOT_MOVED.has(row.resource_type))
      .map((row) => ({ type: row.resource_type, id: row.resource_id }));
  }

  /** A new version of the resource with every reference to `from` pointing at `to`. */
  private async repoint(
    manager: EntityManager,
    ref: { type: string; id: string },
    from: string,
    to: string,
  ): Promise<void> {
    const current = await this.store.lockForUpdate(manager, ref.type, ref.id);
    if (!current) return;
    const next = replaceReferences(current, `Patient/${from}`, `Patient/${to}`);
    if (JSON.stringify(next) !== JSON.stringify(current)) await this.store.update(manager, next);
  }

  /** The hub's own rows keyed by patient: orders and critical-value alerts. */
  private async moveRows(
    manager: EntityManager,
    mergeId: string,
    from: string,
    to: string,
  ): Promise<void> {
    await manager.query(
      `WITH moved AS (
         UPDATE gateway.service_order SET patient_id = $2 WHERE patient_id = $1 RETURNING order_id)
       INSERT INTO gateway.patient_merge_item (merge_id, kind, ref)
       SELECT $3, 'order', order_id::text FROM moved`,
      [from, to, mergeId],
    );
    await manager.query(
      `WITH moved AS (
         UPDATE gateway.critical_alert SET patient_id = $2 WHERE patient_id = $1 RETURNING id)
       INSERT INTO gateway.patient_merge_item (merge_id, kind, ref)
       SELECT $3, 'critical-alert', id::text FROM moved`,
      [from, to, mergeId],
    );
  }

  private async view(manager: EntityManager, id: string): Promise<PatientMergeView> {
    const [row] = await manager.query<Array<Record<string, unknown>>>(
      `SELECT m.id::text, m.source_id, m.target_id, m.status, m.merged_by, m.merged_at, m.merge_note,
              m.unmerged_by, m.unmerged_at, m.unmerge_note, m.identifiers_added,
              coalesce((SELECT json_agg(json_build_object('type', i.resource_type, 'id', i.ref) ORDER BY i.resource_type, i.ref)
                          FROM gateway.patient_merge_item i WHERE i.merge_id = m.id AND i.kind = 'resource'), '[]') AS resources,
              (SELECT count(*) FROM gateway.patient_merge_item i WHERE i.merge_id = m.id AND i.kind = 'order')::int AS orders,
              (SELECT count(*) FROM gateway.patient_merge_item i WHERE i.merge_id = m.id AND i.kind = 'critical-alert')::int AS alerts
         FROM gateway.patient_merge m WHERE m.id = $1`,
      [id],
    );
    const when = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      id: String(row.id),
      sourceId: String(row.source_id),
      targetId: String(row.target_id),
      status: row.status === 'unmerged' ? 'unmerged' : 'merged',
      mergedBy: String(row.merged_by),
      mergedAt: when(row.merged_at),
      ...(text(row.merge_note) ? { note: text(row.merge_note) } : {}),
      ...(text(row.unmerged_by) ? { unmergedBy: text(row.unmerged_by) } : {}),
      ...(row.unmerged_at ? { unmergedAt: when(row.unmerged_at) } : {}),
      ...(text(row.unmerge_note) ? { unmergeNote: text(row.unmerge_note) } : {}),
      moved: {
        identifiers: row.identifiers_added as Identifier[],
        resources: row.resources as Array<{ type: string; id: string }>,
        orders: Number(row.orders),
        criticalAlerts: Number(row.alerts),
      },
    };
  }
}

/** The surviving record a merged (replaced) record points to, if it is merged into one. */
export function survivorOf(patient: Patient): string | undefined {
  if (patient.active !== false) return undefined;
  const ref = patient.link?.find((l) => l.type === 'replaced-by')?.other.reference;
  return /^Patient\/(.+)$/.exec(ref ?? '')?.[1];
}

function link(other: string, type: FhirPatientLink['type']): FhirPatientLink {
  return { other: { reference: `Patient/${other}` }, type };
}

function withoutLink(
  links: FhirPatientLink[] | undefined,
  other: string,
  type: FhirPatientLink['type'],
): FhirPatientLink[] | undefined {
  const kept = (links ?? []).filter(
    (l) => !(l.type === type && l.other.reference === `Patient/${other}`),
  );
  return kept.length ? kept : undefined;
}

function residentIds(patient: Patient): string[] {
  return (patient.identifier ?? [])
    .filter((i) => i.system === RESIDENT_ID_SYSTEM && i.value)
    .map((i) => i.value ?? '');
}

function identifierKey(identifier: Identifier): string {
  return `${identifier.system}|${identifier.value}`;
}

/** A copy of a JSON value with every `reference` equal to `from` replaced by `to`. */
export function replaceReferences<T>(value: T, from: string, to: string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => replaceReferences(v, from, to)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === 'reference' && v === from ? to : replaceReferences(v, from, to);
  }
  return out as T;
}
