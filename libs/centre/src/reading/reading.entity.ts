import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DiagnosticReport } from 'fhir/r4';
import { type CriticalFinding } from '@hub/contracts';

/**
 * The reading of one order at a reading centre (imaging, ECG, pathology): the id its report has in
 * every version, and the reader who has claimed it (one at a time, until `claimExpiresAt`). Each
 * centre has the table in its own schema.
 */
@Entity({ name: 'reading' })
export class Reading {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId: string;

  /** The DiagnosticReport's id at the hub, the same for every version. */
  @Column({ name: 'report_id', type: 'uuid', unique: true })
  reportId: string;

  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy: string | null;

  @Column({ name: 'claim_expires_at', type: 'timestamptz', nullable: true })
  claimExpiresAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** A report's structured content: field → text, or a list of codes. */
export type CodedContent = Record<string, string | string[]>;

/**
 * Where a version stands: being written (`draft`; `amending` until the amendment's first save),
 * signed by a trainee and waiting for a licensed senior (`awaiting-cosign`), or released
 * (`final` for version 1, `amended` after).
 */
export type ReportVersionStatus =
  'draft' | 'amending' | 'awaiting-cosign' | 'final' | 'amended' | 'preliminary';

/** The critical finding of a released version, as `report.get` gives it. */
export interface ReleasedCritical {
  findings: CriticalFinding[];
  reportedBy: string;
  reportedAt: string;
}

/**
 * One version of an order's report (影像/心电/病理诊断报告): the text, structured content, who
 * wrote, signed and co-signed it, and once released the DiagnosticReport. A released version is
 * never changed (a trigger refuses it); an amendment is the next version.
 */
@Entity({ name: 'report' })
export class ReportVersion {
  @PrimaryColumn({ name: 'report_id', type: 'uuid' })
  reportId: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'text' })
  status: ReportVersionStatus;

  /** 检查所见 (ECG: the measurements; pathology: the gross and microscopic description) */
  @Column({ type: 'text' })
  findings: string;

  /** 诊断意见 */
  @Column({ type: 'text' })
  impression: string;

  /**
   * The report's structured content where the centre has one (ECG: the chosen catalogue
   * statements and the free text), as the centre's reading service writes it.
   */
  @Column({ type: 'jsonb', nullable: true })
  coded: CodedContent | null;

  /** A critical finding (危急值) in the reader's words. */
  @Column({ name: 'critical_text', type: 'text', nullable: true })
  criticalText: string | null;

  /** Who wrote the text: the last to save the draft (the amending reader until they do). */
  @Column({ type: 'text' })
  author: string;

  @Column({ name: 'drafted_at', type: 'timestamptz', nullable: true })
  draftedAt: Date | null;

  @Column({ name: 'signed_by', type: 'text', nullable: true })
  signedBy: string | null;

  @Column({ name: 'signed_at', type: 'timestamptz', nullable: true })
  signedAt: Date | null;

  @Column({ name: 'cosigned_by', type: 'text', nullable: true })
  cosignedBy: string | null;

  @Column({ name: 'cosigned_at', type: 'timestamptz', nullable: true })
  cosignedAt: Date | null;

  /** Who started the amendment (later versions). */
  @Column({ name: 'amended_by', type: 'text', nullable: true })
  amendedBy: string | null;

  @Column({ name: 'amendment_reason', type: 'text', nullable: true })
  amendmentReason: string | null;

  /** When the version was released; null until then. */
  @Column({ name: 'issued_at', type: 'timestamptz', nullable: true })
  issuedAt: Date | null;

  @Column({ name: 'diagnostic_report', type: 'jsonb', nullable: true })
  diagnosticReport: DiagnosticReport | null;

  @Column({ type: 'jsonb', nullable: true })
  critical: ReleasedCritical | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
