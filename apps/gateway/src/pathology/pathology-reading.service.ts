import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { MessageNames, type PathologyCatalogues } from '@hub/contracts';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody } from '../http/parse-body';
import {
  CentreReadingService,
  type ReadingViewWithContext,
  readerOf,
} from '../reading/centre-reading.service';
import { ReadingContextRepository } from '../reading/reading-context.repository';

const field = (max: number) => z.string().trim().min(1).max(max);
const draftBody = z.object({
  microscopic: field(10_000),
  diagnosis: field(5000),
  site: field(200).optional(),
  histologicalType: field(32).optional(),
  grade: field(50).optional(),
  margins: field(200).optional(),
  critical: z
    .object({ text: z.string().trim().min(2).max(1000) })
    .nullable()
    .optional(),
});
const frozenBody = z.object({ text: z.string().trim().min(2).max(2000) });

/**
 * The pathologists' reading (病理诊断) through the gateway: the report's descriptions, diagnosis
 * and structured fields, the frozen section's call-back, and the catalogues.
 */
@Injectable()
export class PathologyReadingService extends CentreReadingService {
  constructor(centres: CentreClient, audit: AuditService, context: ReadingContextRepository) {
    super('pathology', centres, audit, context);
  }

  catalogues(): Promise<PathologyCatalogues> {
    return this.centres.send<PathologyCatalogues>(
      'pathology',
      MessageNames.PathologyCatalogues,
      {},
    );
  }

  draft(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingViewWithContext> {
    const parsed = parseBody(draftBody, body);
    return this.command(MessageNames.PathologyDraft, 'reading-draft', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      ...parsed,
    });
  }

  /** 术中冰冻: released at once as a preliminary report, called back through the critical loop. */
  frozenResult(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingViewWithContext> {
    const parsed = parseBody(frozenBody, body);
    return this.command(MessageNames.PathologyFrozenResult, 'frozen-result', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      text: parsed.text,
      traceId: randomUUID(),
    });
  }
}
