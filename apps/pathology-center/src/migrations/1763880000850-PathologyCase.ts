import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Pathology cases (病例) and their chain: each routed order with a case number (病理号) becomes a
 * case; the clinic's specimens (标本) are received or rejected at the centre, grossed (取材) into
 * blocks (蜡块) and cut into slides (切片), one per stain. Barcodes extend the case number:
 * specimen `<case>-1`, block `<case>-1-A`, slide `<case>-1-A-1`. Every step is a row of the
 * append-only `case_event` with who and when.
 */
export class PathologyCase1763880000850 implements MigrationInterface {
  name = 'PathologyCase1763880000850';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pathology.case (
        order_id text PRIMARY KEY REFERENCES pathology.received_order (order_id),
        case_number text NOT NULL UNIQUE,
        frozen boolean NOT NULL,
        gross_description text,
        grossed_by text,
        grossed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((gross_description IS NULL) = (grossed_by IS NULL)
           AND (grossed_by IS NULL) = (grossed_at IS NULL))
      )`);
    await q.query(`
      CREATE TABLE pathology.specimen (
        label text PRIMARY KEY,
        order_id text NOT NULL REFERENCES pathology.case (order_id),
        site text NOT NULL,
        container text,
        fixative text NOT NULL,
        fixation_started_at timestamptz,
        collected_at timestamptz NOT NULL,
        collected_by text NOT NULL,
        status text NOT NULL CHECK (status IN ('collected', 'received', 'rejected')),
        received_at timestamptz,
        received_by text,
        rejected_at timestamptz,
        rejected_by text,
        rejection_reason text,
        accepted_despite text,
        CHECK (status <> 'received' OR (received_at IS NOT NULL AND received_by IS NOT NULL)),
        CHECK ((status = 'rejected') = (rejected_at IS NOT NULL AND rejected_by IS NOT NULL
                                        AND rejection_reason IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX specimen_order_idx ON pathology.specimen (order_id)`);
    await q.query(
      `COMMENT ON COLUMN pathology.specimen.accepted_despite IS 'why a pathologist received the specimen although it failed the receipt checks (the problems are in case_event)'`,
    );
    await q.query(`
      CREATE TABLE pathology.block (
        barcode text PRIMARY KEY,
        specimen_label text NOT NULL REFERENCES pathology.specimen (label),
        description text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX block_specimen_idx ON pathology.block (specimen_label)`);
    await q.query(`
      CREATE TABLE pathology.slide (
        barcode text PRIMARY KEY,
        block_barcode text NOT NULL REFERENCES pathology.block (barcode),
        stain text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX slide_block_idx ON pathology.slide (block_barcode)`);
    await q.query(`
      CREATE TABLE pathology.case_event (
        id bigserial PRIMARY KEY,
        order_id text NOT NULL REFERENCES pathology.case (order_id),
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL,
        what text NOT NULL,
        barcode text
      )`);
    await q.query(`CREATE INDEX case_event_order_idx ON pathology.case_event (order_id, at, id)`);
    await q.query(`
      CREATE FUNCTION pathology.case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_event is append-only: % is not allowed', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON pathology.case_event
      FOR EACH ROW EXECUTE FUNCTION pathology.case_event_append_only()`);
    await q.query(`
      CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON pathology.case_event
      FOR EACH STATEMENT EXECUTE FUNCTION pathology.case_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pathology.case_event`);
    await q.query(`DROP FUNCTION pathology.case_event_append_only()`);
    await q.query(`DROP TABLE pathology.slide`);
    await q.query(`DROP TABLE pathology.block`);
    await q.query(`DROP TABLE pathology.specimen`);
    await q.query(`DROP TABLE pathology.case`);
  }
}
