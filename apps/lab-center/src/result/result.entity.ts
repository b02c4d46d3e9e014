import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DiagnosticReport, Observation } from 'fhir/r4';

/**
 * A final lab report as the lab issued it: the DiagnosticReport and its Observations as FHIR JSON,
 * exactly as released (the gateway adds the subject when it stores them). One per order.
 */
@Entity({ name: 'report' })
export class LabReport {
  @PrimaryColumn({ name: 'report_id', type: 'uuid' })
  reportId: string;

  @Column({ name: 'order_id', type: 'text', unique: true })
  orderId: string;

  @Column({ type: 'text' })
  status: 'final';

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  /** Who performed or verified the results, as the caller named them (user or client id). */
  @Column({ type: 'text' })
  performer: string;

  @Column({ name: 'diagnostic_report', type: 'jsonb' })
  diagnosticReport: DiagnosticReport;

  /** The Observations, each with the `urn:uuid:` fullUrl the report's `result` names. */
  @Column({ type: 'jsonb' })
  observations: Array<{ fullUrl: string; resource: Observation }>;
}
