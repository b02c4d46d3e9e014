import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a received order stands at the centre (its Task follows the same states). */
export type CentreOrderStatus = 'accepted' | 'in-progress' | 'on-hold' | 'completed' | 'cancelled';

/**
 * An order as the centre received it from the hub: ids and what was ordered, never patient data.
 * Every centre keeps this table in its own schema (the app's DataSource sets the schema).
 */
@Entity({ name: 'received_order' })
export class CentreOrder {
  /** The hub's order id (ServiceRequest id). */
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId: string;

  /** The hub's Task tracking the order; status changes are reported against it. */
  @Column({ name: 'task_id', type: 'text', unique: true })
  taskId: string;

  /** Catalogue code of what was ordered. */
  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  priority: string;

  @Column({ name: 'requester_org_id', type: 'text' })
  requesterOrgId: string;

  @Column({ type: 'text' })
  status: CentreOrderStatus;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
