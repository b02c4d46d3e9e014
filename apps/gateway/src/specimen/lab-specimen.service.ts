import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  MessageNames,
  type SpecimenCommandReply,
  SpecimenRejectionReasons,
  type SpecimenView,
} from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';

const instant = z.iso.datetime({ offset: true });
const person = z.string().trim().min(1).max(100);

const collectionBody = z.object({ collectedAt: instant, collector: person });
const shipBody = z.object({
  batchId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be the box id: 1-64 letters, digits or -'),
  courier: person,
  departedAt: instant,
  specimens: z
    .array(
      z.object({
        accession: z.string().min(1).max(32),
        collectedAt: instant.optional(),
        collector: person.optional(),
      }),
    )
    .min(1)
    .max(1000),
});
const reason = z.enum(SpecimenRejectionReasons);
const batchReceiptBody = z.object({
  receivedAt: instant.optional(),
  rejections: z
    .array(
      z.object({
        accession: z.string().min(1).max(32),
        reason,
        note: z.string().max(500).optional(),
      }),
    )
    .max(1000)
    .optional(),
});
const receiptBody = z.object({
  receivedAt: instant.optional(),
  condition: z.string().max(200).optional(),
});
const rejectionBody = z.object({ reason, note: z.string().max(500).optional() });

/**
 * Specimen logistics through the gateway: clinics record collection and ship boxes of their own
 * specimens; lab staff receive boxes or single specimens and reject unusable ones. The lab keeps
 * the state (and checks transport time); every command is audited here.
 */
@Injectable()
export class LabSpecimenService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
  ) {}

  /** A specimen, for a clinic only when it ordered it (`org`), for lab staff any. */
  async get(accession: string, org: string | undefined, agent: AuditAgent): Promise<SpecimenView> {
    const view = await this.centres.lab<SpecimenView | null>(MessageNames.SpecimenGet, {
      accession,
      requesterOrg: org,
    });
    await this.record(agent, 'R', 'specimen-read', [accession], view ? undefined : 'not found');
    if (!view)
      throw new FhirError(404, 'not-found', `no specimen ${accession} is known to you`, [
        'accession',
      ]);
    return view;
  }

  async collect(accession: string, body: unknown, agent: AuditAgent): Promise<SpecimenView[]> {
    const parsed = parseBody(collectionBody, body);
    return this.command(MessageNames.SpecimenCollect, 'specimen-collection', [accession], agent, {
      accession,
      org: agent.org,
      ...parsed,
    });
  }

  async ship(body: unknown, agent: AuditAgent): Promise<SpecimenView[]> {
    const parsed = parseBody(shipBody, body);
    const accessions = parsed.specimens.map((s) => s.accession);
    return this.command(MessageNames.BatchShip, 'specimen-shipment', accessions, agent, {
      ...parsed,
      org: agent.org,
    });
  }

  async receiveBatch(batchId: string, body: unknown, agent: AuditAgent): Promise<SpecimenView[]> {
    const parsed = parseBody(batchReceiptBody, body ?? {});
    return this.command(MessageNames.BatchReceive, 'specimen-receipt', [batchId], agent, {
      batchId,
      receiver: agent.subject,
      ...parsed,
    });
  }

  async receive(accession: string, body: unknown, agent: AuditAgent): Promise<SpecimenView[]> {
    const parsed = parseBody(receiptBody, body ?? {});
    return this.command(MessageNames.SpecimenReceive, 'specimen-receipt', [accession], agent, {
      accession,
      receiver: agent.subject,
      ...parsed,
    });
  }

  async reject(accession: string, body: unknown, agent: AuditAgent): Promise<SpecimenView[]> {
    const parsed = parseBody(rejectionBody, body);
    return this.command(MessageNames.SpecimenReject, 'specimen-rejection', [accession], agent, {
      accession,
      receiver: agent.subject,
      ...parsed,
    });
  }

  private async command(
    message: (typeof MessageNames)[keyof typeof MessageNames],
    subtype: string,
    ids: string[],
    agent: AuditAgent,
    payload: Record<string, unknown>,
  ): Promise<SpecimenView[]> {
    const reply = await this.centres.lab<SpecimenCommandReply>(message, {
      ...payload,
      traceId: randomUUID(),
    });
    await this.record(agent, 'U', subtype, ids, reply.ok ? undefined : reply.diagnostics);
    if (!reply.ok) throw refusal(reply);
    return reply.specimens;
  }

  private record(
    agent: AuditAgent,
    action: 'R' | 'U',
    subtype: string,
    ids: string[],
    failure?: string,
  ): Promise<void> {
    return this.audit.record({
      type: '110110',
      subtype,
      action,
      agent,
      entities: ids.map((id) => ({ type: 'Specimen', id })),
      ...(failure ? { outcome: '4' as const, outcomeDesc: failure } : {}),
    });
  }
}
