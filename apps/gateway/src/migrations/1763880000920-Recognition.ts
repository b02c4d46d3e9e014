import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Mutual recognition (检查检验结果互认): per catalogue item whether its results are recognized and
 * for how many days, and each centre's external quality assessment (室间质评) results per item,
 * append-only: a result is eligible when the latest EQA entry in force on the day it was observed
 * says passed (a failed EQA is a new entry from its date, never an edit).
 */
export class Recognition1763880000920 implements MigrationInterface {
  name = 'Recognition1763880000920';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.recognition_rule (
        system text NOT NULL,
        code text NOT NULL,
        recognized boolean NOT NULL,
        validity_days integer NOT NULL CHECK (validity_days BETWEEN 1 AND 3650),
        updated_by text NOT NULL DEFAULT 'seed',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (system, code),
        FOREIGN KEY (system, code) REFERENCES gateway.catalogue_item (system, code)
      )`);
    await q.query(`
      CREATE TABLE gateway.eqa_record (
        id bigserial PRIMARY KEY,
        centre_org text NOT NULL,
        system text NOT NULL,
        code text NOT NULL,
        passed boolean NOT NULL,
        effective_from date NOT NULL,
        scheme text,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX eqa_record_item_idx ON gateway.eqa_record (centre_org, system, code, effective_from DESC, id DESC)`,
    );
    await q.query(`
      CREATE FUNCTION gateway.eqa_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'EQA records are append-only: record a new result instead';
      END $$`);
    await q.query(`
      CREATE TRIGGER eqa_record_append_only BEFORE UPDATE OR DELETE ON gateway.eqa_record
      FOR EACH ROW EXECUTE FUNCTION gateway.eqa_record_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.eqa_record`);
    await q.query(`DROP FUNCTION gateway.eqa_record_append_only()`);
    await q.query(`DROP TABLE gateway.recognition_rule`);
  }
}
