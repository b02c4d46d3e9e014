import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The patient index beyond identifiers: two records that may be one person (registered without a
 * 居民身份证号, same name, birth date and sex) become a candidate link that a person confirms or
 * rejects, never an automatic merge. Every step is an event (append-only); an unlink is a step too.
 */
export class PatientLinks1763880000940 implements MigrationInterface {
  name = 'PatientLinks1763880000940';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.patient_link (
        id bigserial PRIMARY KEY,
        patient_id text NOT NULL,
        other_id text NOT NULL,
        score integer NOT NULL,
        reasons text[] NOT NULL,
        status text NOT NULL CHECK (status IN ('candidate', 'confirmed', 'rejected', 'unlinked')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        UNIQUE (patient_id, other_id),
        CHECK (patient_id < other_id)
      )`);
    await q.query(`CREATE INDEX patient_link_other_idx ON gateway.patient_link (other_id)`);
    await q.query(`
      CREATE TABLE gateway.patient_link_event (
        id bigserial PRIMARY KEY,
        link_id bigint NOT NULL REFERENCES gateway.patient_link (id),
        action text NOT NULL CHECK (action IN ('proposed', 'confirmed', 'rejected', 'unlinked')),
        by text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        note text
      )`);
    await q.query(`
      CREATE FUNCTION gateway.patient_link_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'patient link events are append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER patient_link_event_append_only BEFORE UPDATE OR DELETE ON gateway.patient_link_event
      FOR EACH ROW EXECUTE FUNCTION gateway.patient_link_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.patient_link_event`);
    await q.query(`DROP FUNCTION gateway.patient_link_event_append_only()`);
    await q.query(`DROP TABLE gateway.patient_link`);
  }
}
