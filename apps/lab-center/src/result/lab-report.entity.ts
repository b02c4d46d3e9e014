import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A final lab report as the lab issued it (FHIR JSON kept as released). */
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

  @Column({ type: 'text' })
  performer: string;

  @Column({ name: 'diagnostic_report', type: 'jsonb' })
  diagnosticReport: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  observations: Array<{ fullUrl: string; resource: Record<string, unknown> }>;
}
