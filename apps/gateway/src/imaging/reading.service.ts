import { Injectable } from '@nestjs/common';
import { MessageNames, type ReadingView } from '@hub/contracts';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody } from '../http/parse-body';
import {
  CentreReadingService,
  imagingDraftBody,
  readerOf,
} from '../reading/centre-reading.service';

/** The radiologists' reading (阅片): a draft is findings and impression. */
@Injectable()
export class ReadingService extends CentreReadingService {
  constructor(centres: CentreClient, audit: AuditService) {
    super('imaging', centres, audit);
  }

  draft(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingView> {
    const parsed = parseBody(imagingDraftBody, body);
    return this.command(MessageNames.ReadingDraft, 'reading-draft', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      ...parsed,
    });
  }
}
