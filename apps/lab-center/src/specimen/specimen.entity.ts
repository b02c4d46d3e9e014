import { Column, Entity, PrimaryColumn } from 'typeorm';
import { type SpecimenRejectionReason, type SpecimenStatus } from '@hub/contracts';

/**
 * A specimen the lab expects, tracks and receives (标本), keyed by the accession number on its
 * label. Created when the lab order arrives; no patient data.
 */
@Entity({ name: 'specimen' })
export class Specimen {
  @PrimaryColumn({ type: 'text' })
  accession: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'text' })
  type: string;

  /** The type's transport limit when the specimen was expected (config may change later). */
  @Column({ name: 'transport_limit_minutes', type: 'int' })
  transportLimitMinutes: number;

  @Column({ name: 'requester_org', type: 'text' })
  requesterOrg: string;

  @Column({ type: 'text' })
  status: SpecimenStatus;

  @Column({ name: 'collected_at', type: 'timestamptz', nullable: true })
  collectedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  collector: string | null;

  @Column({ name: 'batch_id', type: 'text', nullable: true })
  batchId: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  receiver: string | null;

  @Column({ type: 'text', nullable: true })
  condition: string | null;

  @Column({ name: 'rejection_reason', type: 'text', nullable: true })
  rejectionReason: SpecimenRejectionReason | null;

  @Column({ name: 'rejection_note', type: 'text', nullable: true })
  rejectionNote: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** A transport box (运输箱) a clinic hands to the courier: its specimens point to it. */
@Entity({ name: 'transport_batch' })
export class TransportBatch {
  @PrimaryColumn({ name: 'batch_id', type: 'text' })
  batchId: string;

  @Column({ name: 'requester_org', type: 'text' })
  requesterOrg: string;

  @Column({ type: 'text' })
  courier: string;

  @Column({ name: 'departed_at', type: 'timestamptz' })
  departedAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  receiver: string | null;
}
