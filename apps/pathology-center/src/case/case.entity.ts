import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { type PathologySpecimenStatus } from '@hub/contracts';

/** A pathology case (病例): one routed order under its case number (see migration PathologyCase850). */
@Entity({ name: 'case' })
export class PathologyCase {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId: string;

  /** 病理号, the hub's accession number of the order (e.g. `P261123000012`). */
  @Column({ name: 'case_number', type: 'text', unique: true })
  caseNumber: string;

  /** 术中冰冻: a frozen section (fresh tissue, stat) rather than routine histology. */
  @Column({ type: 'boolean' })
  frozen: boolean;

  /** 大体描述, written once at the first grossing. */
  @Column({ name: 'gross_description', type: 'text', nullable: true })
  grossDescription: string | null;

  @Column({ name: 'grossed_by', type: 'text', nullable: true })
  grossedBy: string | null;

  @Column({ name: 'grossed_at', type: 'timestamptz', nullable: true })
  grossedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** A specimen (标本) the clinic took, labelled `<case number>-<n>`. */
@Entity({ name: 'specimen' })
export class PathologySpecimen {
  @PrimaryColumn({ type: 'text' })
  label: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'text' })
  site: string;

  @Column({ type: 'text', nullable: true })
  container: string | null;

  /** 'none' for fresh tissue (frozen section). */
  @Column({ type: 'text' })
  fixative: string;

  @Column({ name: 'fixation_started_at', type: 'timestamptz', nullable: true })
  fixationStartedAt: Date | null;

  @Column({ name: 'collected_at', type: 'timestamptz' })
  collectedAt: Date;

  @Column({ name: 'collected_by', type: 'text' })
  collectedBy: string;

  @Column({ type: 'text' })
  status: PathologySpecimenStatus;

  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ name: 'received_by', type: 'text', nullable: true })
  receivedBy: string | null;

  @Column({ name: 'rejected_at', type: 'timestamptz', nullable: true })
  rejectedAt: Date | null;

  @Column({ name: 'rejected_by', type: 'text', nullable: true })
  rejectedBy: string | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  rejectionReason: string | null;

  /** Why it was received although it failed the receipt checks (让步接收). */
  @Column({ name: 'accepted_despite', type: 'text', nullable: true })
  acceptedDespite: string | null;

  /** The transport box it was shipped in, if it was. */
  @Column({ name: 'batch_id', type: 'text', nullable: true })
  batchId: string | null;

  @Column({ name: 'shipped_at', type: 'timestamptz', nullable: true })
  shippedAt: Date | null;
}

/**
 * A transport box (运输箱) a clinic shipped its specimens in, `PB` + yyMMdd + a 6-digit number
 * (see migration PathologyTransport870).
 */
@Entity({ name: 'batch' })
export class PathologyBatch {
  @PrimaryColumn({ name: 'batch_id', type: 'text' })
  batchId: string;

  /** The sending clinic. */
  @Column({ type: 'text' })
  org: string;

  @Column({ name: 'shipped_by', type: 'text' })
  shippedBy: string;

  @Column({ name: 'shipped_at', type: 'timestamptz' })
  shippedAt: Date;

  @Column({ type: 'text', nullable: true })
  courier: string | null;

  /** When a box receipt first took a specimen out of it. */
  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ name: 'received_by', type: 'text', nullable: true })
  receivedBy: string | null;
}

/** A block (蜡块) cut from a specimen at grossing, `<label>-A`, `-B`, … */
@Entity({ name: 'block' })
export class PathologyBlock {
  @PrimaryColumn({ type: 'text' })
  barcode: string;

  @Column({ name: 'specimen_label', type: 'text' })
  specimenLabel: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** A slide (切片) cut from a block for one stain, `<block>-1`, `-2`, … */
@Entity({ name: 'slide' })
export class PathologySlide {
  @PrimaryColumn({ type: 'text' })
  barcode: string;

  @Column({ name: 'block_barcode', type: 'text' })
  blockBarcode: string;

  @Column({ type: 'text' })
  stain: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** One step of a case, with who and when (append-only). */
@Entity({ name: 'case_event' })
export class PathologyCaseEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'text' })
  by: string;

  @Column({ type: 'text' })
  what: string;

  @Column({ type: 'text', nullable: true })
  barcode: string | null;
}
