import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Final lab reports: the DiagnosticReport and its Observations as FHIR JSON, one per order. */
export class LabReports1763880000200 implements MigrationInterface {
  name = 'LabReports1763880000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lab.report (
        report_id uuid PRIMARY KEY,
        order_id text NOT NULL UNIQUE REFERENCES lab.received_order (order_id),
        status text NOT NULL CHECK (status IN ('final')),
        issued_at timestamptz NOT NULL,
        performer text NOT NULL,
        diagnostic_report jsonb NOT NULL,
        observations jsonb NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lab.report`);
  }
}
