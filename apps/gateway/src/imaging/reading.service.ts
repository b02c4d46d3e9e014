import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  MessageNames,
  type Reader,
  type ReadingItem,
  type ReadingReply,
  ReadingStatuses,
  type ReadingView,
} from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';

const text = z.string().trim().min(1).max(10_000);
const draftBody = z.object({
  findings: text,
  impression: text,
  critical: z
    .object({ text: z.string().trim().min(2).max(1000) })
    .nullable()
    .optional(),
});
const amendBody = z.object({ reason: z.string().trim().min(2).max(500) });
const worklistQuery = z.object({
  modality: z.string().max(16).optional(),
  clinic: z.string().max(32).optional(),
  status: z.enum(ReadingStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/**
 * The radiologists' reading through the gateway: the worklist, claiming a study, drafting, signing
 * (a trainee's signature waits for a licensed senior's co-signature), and amendments. The imaging
 * centre keeps the rules and the versions; every step is audited here as a use of the order.
 */
@Injectable()
export class ReadingService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
  ) {}

  async worklist(query: unknown): Promise<ReadingItem[]> {
    const parsed = parseBody(worklistQuery, query);
    return this.centres.imaging<ReadingItem[]>(MessageNames.ReadingWorklist, {
      modality: parsed.modality,
      requesterOrg: parsed.clinic,
      status: parsed.status,
      limit: parsed.limit,
    });
  }

  async get(orderId: string, agent: AuditAgent): Promise<ReadingView> {
    const view = await this.centres.imaging<ReadingView | null>(MessageNames.ReadingGet, {
      orderId,
    });
    await this.record(agent, 'R', 'reading-read', orderId, view ? undefined : 'not found');
    if (!view)
      throw FhirError.notFound(`no imaging order ${orderId} is known to the imaging centre`);
    return view;
  }

  claim(orderId: string, principal: Principal, agent: AuditAgent, release = false) {
    return this.command(
      MessageNames.ReadingClaim,
      release ? 'reading-release' : 'reading-claim',
      orderId,
      agent,
      {
        orderId,
        reader: readerOf(principal),
        release,
      },
    );
  }

  draft(orderId: string, body: unknown, principal: Principal, agent: AuditAgent) {
    const parsed = parseBody(draftBody, body);
    return this.command(MessageNames.ReadingDraft, 'reading-draft', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      ...parsed,
    });
  }

  sign(orderId: string, principal: Principal, agent: AuditAgent) {
    return this.command(MessageNames.ReadingSign, 'reading-sign', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      traceId: randomUUID(),
    });
  }

  cosign(orderId: string, principal: Principal, agent: AuditAgent) {
    return this.command(MessageNames.ReadingCosign, 'reading-cosign', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      traceId: randomUUID(),
    });
  }

  amend(orderId: string, body: unknown, principal: Principal, agent: AuditAgent) {
    const parsed = parseBody(amendBody, body);
    return this.command(MessageNames.ReadingAmend, 'reading-amend', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      reason: parsed.reason,
    });
  }

  private async command(
    message: (typeof MessageNames)[keyof typeof MessageNames],
    subtype: string,
    orderId: string,
    agent: AuditAgent,
    payload: Record<string, unknown>,
  ): Promise<ReadingView> {
    const reply = await this.centres.imaging<ReadingReply>(message, payload);
    await this.record(agent, 'U', subtype, orderId, reply.ok ? undefined : reply.diagnostics);
    if (!reply.ok) throw refusal(reply);
    return reply.reading;
  }

  private record(
    agent: AuditAgent,
    action: 'R' | 'U',
    subtype: string,
    orderId: string,
    failure?: string,
  ): Promise<void> {
    return this.audit.record({
      type: '110110',
      subtype,
      action,
      agent,
      entities: [{ type: 'ServiceRequest', id: orderId }],
      ...(failure ? { outcome: '4' as const, outcomeDesc: failure } : {}),
    });
  }
}

/** The reader as the imaging centre knows them: the account and whether they hold a licence. */
function readerOf(principal: Principal): Reader {
  return { username: principal.subject, licensed: principal.licensed };
}
