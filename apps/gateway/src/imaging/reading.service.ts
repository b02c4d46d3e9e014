import { Injectable } from '@nestjs/common';
import { MessageNames } from '@hub/contracts';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody } from '../http/parse-body';
import {
  CentreReadingService,
  type ReadingViewWithContext,
  imagingDraftBody,
  readerOf,
} from '../reading/centre-reading.service';
import { ReadingContextRepository } from '../reading/reading-context.repository';

/** The radiologists' reading (阅片): a draft is findings and impression. */
@Injectable()
export class ReadingService extends CentreReadingService {
  constructor(centres: CentreClient, audit: AuditService, context: ReadingContextRepository) {
    super('imaging', centres, audit, context);
  }

  draft(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingViewWithContext> {
    const parsed = parseBody(imagingDraftBody, body);
    return this.command(MessageNames.ReadingDraft, 'reading-draft', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      ...parsed,
    });
  }
}
