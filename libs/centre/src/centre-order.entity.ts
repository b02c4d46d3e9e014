import { Column, Entity, PrimaryColumn } from 'typeorm';

export type CentreOrderStatus = 'accepted' | 'in-progress' | 'completed';

/**
 * An order as the centre received it from the hub. Each centre keeps this table in its own schema
 * (the DataSource sets the schema).
 */
@Entity({ name: 'received_order' })
export class CentreOrder {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ name: 'task_id', type: 'text' })
  taskId: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  priority: string;

  @Column({ name: 'requester_org_id', type: 'text' })
  requesterOrgId: string;

  @Column({ type: 'text' })
  status: CentreOrderStatus;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
