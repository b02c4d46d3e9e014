import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Merges in the patient index: a duplicate record (the source) replaced by the surviving one (the
 * target), its identifiers, orders and results moved over, and undone when the merge was wrong.
 * A merge keeps what it moved (`patient_merge_item`) so an unmerge moves back exactly that, and the
 * replaced record as it was; a merge row only ever goes from merged to unmerged, and neither table
 * loses rows.
 */
export class PatientMerges1763880000950 implements MigrationInterface {
  name = 'PatientMerges1763880000950';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.patient_merge (
        id bigserial PRIMARY KEY,
        source_id text NOT NULL,
        target_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('merged', 'unmerged')),
        merged_by text NOT NULL,
        merged_at timestamptz NOT NULL DEFAULT now(),
        merge_note text,
        unmerged_by text,
        unmerged_at timestamptz,
        unmerge_note text,
        source_before jsonb NOT NULL,
        identifiers_added jsonb NOT NULL,
        owners_added text[] NOT NULL,
        CHECK (source_id <> target_id)
      )`);
    // A record is replaced by at most one survivor at a time.
    await q.query(
      `CREATE UNIQUE INDEX patient_merge_source_active ON gateway.patient_merge (source_id) WHERE status = 'merged'`,
    );
    await q.query(`CREATE INDEX patient_merge_target_idx ON gateway.patient_merge (target_id)`);
    await q.query(`
      CREATE TABLE gateway.patient_merge_item (
        merge_id bigint NOT NULL REFERENCES gateway.patient_merge (id),
        kind text NOT NULL CHECK (kind IN ('identifier', 'resource', 'order', 'critical-alert')),
        resource_type text,
        ref text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX patient_merge_item_merge_idx ON gateway.patient_merge_item (merge_id)`,
    );
    await q.query(`
      CREATE FUNCTION gateway.patient_merge_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'patient merges are kept: undo one with an unmerge';
        END IF;
        IF TG_TABLE_NAME = 'patient_merge_item' OR OLD.status <> 'merged' OR NEW.status <> 'unmerged'
           OR NEW.source_id <> OLD.source_id OR NEW.target_id <> OLD.target_id
           OR NEW.merged_by <> OLD.merged_by OR NEW.merged_at <> OLD.merged_at
           OR NEW.source_before <> OLD.source_before OR NEW.identifiers_added <> OLD.identifiers_added
           OR NEW.owners_added <> OLD.owners_added THEN
          RAISE EXCEPTION 'a patient merge can only be undone once, by an unmerge';
        END IF;
        RETURN NEW;
      END $$`);
    for (const table of ['patient_merge', 'patient_merge_item'])
      await q.query(`
        CREATE TRIGGER ${table}_guard BEFORE UPDATE OR DELETE ON gateway.${table}
        FOR EACH ROW EXECUTE FUNCTION gateway.patient_merge_guard()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.patient_merge_item`);
    await q.query(`DROP TABLE gateway.patient_merge`);
    await q.query(`DROP FUNCTION gateway.patient_merge_guard()`);
  }
}
