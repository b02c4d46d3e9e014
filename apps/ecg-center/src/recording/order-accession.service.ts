import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type OrderRoutePayload } from '@hub/contracts';
import { type CentreOrderHook } from '@hub/centre';

/**
 * Runs in the transaction that records a new ECG order: keeps the order's accession number (检查号),
 * which the cart writes into the recording (DICOM AccessionNumber, aECG placer order id) and by
 * which the recording finds its order.
 */
@Injectable()
export class OrderAccessionService implements CentreOrderHook {
  private readonly logger = new Logger(OrderAccessionService.name);

  async received(manager: EntityManager, order: OrderRoutePayload): Promise<void> {
    const accession = order.accessionNumber;
    if (!accession) return;
    const inserted = await manager.query<Array<{ accession: string }>>(
      `INSERT INTO ecg.order_accession (accession, order_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING accession`,
      [accession, order.orderId],
    );
    if (inserted.length === 0)
      // The hub gives every order its own accession number: a clash is a fault to look into, not
      // a reason to refuse the order. Its recording is then uploaded with ?order=.
      this.logger.error(
        { orderId: order.orderId, accession, traceId: order.traceId },
        'accession number already belongs to another ECG order',
      );
  }
}
