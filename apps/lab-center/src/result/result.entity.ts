import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DiagnosticReport, Observation } from 'fhir/r4';
import { type CriticalFinding, type ResultFlags } from '@hub/contracts';

/** Where a report version stands: waiting for verification, or released. */
export type LabReportStatus = 'preliminary' | 'final' | 'amended';

/**
 * One version of an order's lab report: the DiagnosticReport and its Observations as FHIR JSON.
 * Version 1 is released `final`; a correction after release is a new version, released `amended`;
 * released versions are never changed (the history is the rows).
 */
@Entity({ name: 'report' })
export class LabReport {
  @PrimaryColumn({ name: 'report_id', type: 'uuid' })
  reportId: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'text' })
  status: LabReportStatus;

  /** The hub's patient id, for delta checks (no other patient data is kept here). */
  @Column({ name: 'patient_id', type: 'text', nullable: true })
  patientId: string | null;

  /** Who entered the results (user name or analyser client id). */
  @Column({ type: 'text' })
  performer: string;

  @Column({ name: 'entered_at', type: 'timestamptz', nullable: true })
  enteredAt: Date | null;

  @Column({ name: 'source_kind', type: 'text', nullable: true })
  sourceKind: 'analyser' | 'person' | null;

  @Column({ name: 'source_id', type: 'text', nullable: true })
  sourceId: string | null;

  /** When the version was released; null while it waits for verification. */
  @Column({ name: 'issued_at', type: 'timestamptz', nullable: true })
  issuedAt: Date | null;

  @Column({ name: 'verified_by', type: 'text', nullable: true })
  verifiedBy: string | null;

  /** Whether an autoverification rule or a person released it. */
  @Column({ type: 'text', nullable: true })
  verification: 'rule' | 'person' | null;

  @Column({ name: 'correction_reason', type: 'text', nullable: true })
  correctionReason: string | null;

  @Column({ type: 'jsonb' })
  flags: ResultFlags[];

  /** Critical findings of the version, set when it is released. */
  @Column({ type: 'jsonb', nullable: true })
  critical: { findings: CriticalFinding[]; reportedBy: string; reportedAt: string } | null;

  @Column({ name: 'diagnostic_report', type: 'jsonb' })
  diagnosticReport: DiagnosticReport;

  /** The Observations, each with the `urn:uuid:` fullUrl the report's `result` names. */
  @Column({ type: 'jsonb' })
  observations: Array<{ fullUrl: string; resource: Observation }>;
}
