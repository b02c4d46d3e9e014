import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What a clinic decided when an order met a recognized prior result: reuse it (nothing routed, a
 * duplicate avoided, saved at the item's price), order anyway with a reason, or nothing said (the
 * configured default applied). One row per such order; the figures are counted from it.
 */
export class RecognitionDecisions1763880000930 implements MigrationInterface {
  name = 'RecognitionDecisions1763880000930';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gateway.recognition_decision (
        order_id text PRIMARY KEY REFERENCES gateway.service_order (order_id),
        requester_org text NOT NULL,
        centre text NOT NULL,
        system text NOT NULL,
        code text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('reuse', 'override', 'none')),
        prior_report_id text,
        reason_code text,
        reason_text text,
        price numeric(10, 2) NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((decision = 'reuse') = (prior_report_id IS NOT NULL)),
        CHECK ((decision = 'override') = (reason_code IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX recognition_decision_month_idx ON gateway.recognition_decision (decided_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway.recognition_decision`);
  }
}
