import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type OrderRoutePayload } from '@hub/contracts';
import { type CentreOrderHook } from '@hub/centre';
import { CASE_NUMBER, FROZEN_SECTION_CODE } from './case.rules';

/**
 * Runs in the transaction that records a new pathology order: opens its case under the case number
 * (病理号) the hub gave it (the order's accession number, the Specimen's accessionIdentifier in the
 * consortium record). Every specimen, block and slide barcode of the case extends that number.
 */
@Injectable()
export class CaseNumberService implements CentreOrderHook {
  private readonly logger = new Logger(CaseNumberService.name);

  async received(manager: EntityManager, order: OrderRoutePayload): Promise<void> {
    const caseNumber = order.accessionNumber?.trim();
    // The order is still accepted (its Task tells the clinic so): a case without a number could
    // never be labelled, so it is a fault to look into, not a reason to refuse the order.
    if (!caseNumber || !CASE_NUMBER.test(caseNumber)) {
      this.logger.error(
        { orderId: order.orderId, accessionNumber: order.accessionNumber, traceId: order.traceId },
        caseNumber
          ? 'pathology order has a malformed case number (1-32 letters and digits): no case opened'
          : 'pathology order arrived without a case number (accessionNumber): no case opened',
      );
      return;
    }
    const inserted = await manager.query<Array<{ order_id: string }>>(
      `INSERT INTO pathology.case (order_id, case_number, frozen) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING order_id`,
      [order.orderId, caseNumber, order.code === FROZEN_SECTION_CODE],
    );
    if (inserted.length === 0) {
      this.logger.error(
        { orderId: order.orderId, caseNumber, traceId: order.traceId },
        'case number already belongs to another pathology order: no case opened',
      );
      return;
    }
    await manager.query(
      `INSERT INTO pathology.case_event (order_id, by, what, barcode) VALUES ($1, 'hub', $2, $3)`,
      [
        order.orderId,
        order.code === FROZEN_SECTION_CODE
          ? '立案 case opened: 术中冰冻 frozen section'
          : '立案 case opened: 常规组织病理 routine histology',
        caseNumber,
      ],
    );
  }
}
