import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type Centre,
  MessageNames,
  type Reader,
  type ReadingItem,
  type ReadingReply,
  ReadingStatuses,
  type ReadingView,
} from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { type AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { type CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';
import { type ReadingContext, type ReadingContextRepository } from './reading-context.repository';

const text = z.string().trim().min(1).max(10_000);
/** An imaging draft: findings and impression. */
export const imagingDraftBody = z.object({
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

/** One order on a worklist, with what the consortium record knows of it. */
export type ReadingWorklistEntry = ReadingItem &
  ReadingContext & {
    /** The display name of the reader holding the claim. */
    claimedByName?: string;
  };

/** An order's reading, with its patient, clinic, item and the display names of its readers. */
export type ReadingViewWithContext = ReadingView &
  ReadingContext & {
    /** username → display name of everyone named on the reading (claim, author, signatures). */
    readers: Record<string, string>;
  };

/**
 * Reading through the gateway, the same for every reading centre (imaging, ECG): the worklist,
 * claiming an order, drafting, signing (a trainee's signature waits for a licensed senior's
 * co-signature), and amendments. The centre keeps the rules and the versions; every step is
 * audited here as a use of the order. The centres hold no patient data: the worklist and the
 * reading are joined here with the record's patients, clinics and catalogue (one query per page).
 * Each centre's service extends it with its draft.
 */
export abstract class CentreReadingService {
  constructor(
    protected readonly centre: Centre,
    protected readonly centres: CentreClient,
    private readonly audit: AuditService,
    private readonly context: ReadingContextRepository,
  ) {}

  /**
   * The centre's worklist, each order with its patient, clinic and item; the patients shown are
   * audited as one read of the page.
   */
  async worklist(query: unknown, agent: AuditAgent): Promise<ReadingWorklistEntry[]> {
    const parsed = parseBody(worklistQuery, query);
    const items = await this.centres.send<ReadingItem[]>(
      this.centre,
      MessageNames.ReadingWorklist,
      {
        modality: parsed.modality,
        requesterOrg: parsed.clinic,
        status: parsed.status,
        limit: parsed.limit,
      },
    );
    if (items.length === 0) return [];
    const { orders, readers } = await this.context.contextOf(
      items.map((item) => item.orderId),
      items.flatMap((item) => (item.claimedBy ? [item.claimedBy] : [])),
    );
    const entries = items.map((item) => ({
      ...item,
      ...orders.get(item.orderId),
      ...(item.claimedBy && readers[item.claimedBy]
        ? { claimedByName: readers[item.claimedBy] }
        : {}),
    }));
    await this.audit.record({
      type: '110110',
      subtype: 'reading-worklist',
      action: 'R',
      agent,
      entities: entries.map((entry) => ({ type: 'ServiceRequest', id: entry.orderId })),
      patientIds: entries.flatMap((entry) => (entry.patient ? [entry.patient.id] : [])),
    });
    return entries;
  }

  /** An order's reading with its patient, clinic, item and the names of its readers. */
  async get(orderId: string, agent: AuditAgent): Promise<ReadingViewWithContext> {
    const view = await this.centres.send<ReadingView | null>(this.centre, MessageNames.ReadingGet, {
      orderId,
    });
    await this.record(agent, 'R', 'reading-read', orderId, view ? undefined : 'not found');
    if (!view)
      throw FhirError.notFound(`no order ${orderId} is known to the ${this.centre} centre`);
    return this.withContext(view);
  }

  /** A reading as a command answered it, with the same context as {@link get}. */
  protected async withContext(view: ReadingView): Promise<ReadingViewWithContext> {
    const names = [
      view.claimedBy,
      view.author,
      view.signedBy,
      view.cosignedBy,
      ...view.history.map((h) => h.signedBy),
    ].filter((name): name is string => Boolean(name));
    const { orders, readers } = await this.context.contextOf([view.orderId], names);
    return { ...view, ...orders.get(view.orderId), readers };
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

  abstract draft(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingViewWithContext>;

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

  protected async command(
    message: (typeof MessageNames)[keyof typeof MessageNames],
    subtype: string,
    orderId: string,
    agent: AuditAgent,
    payload: Record<string, unknown>,
  ): Promise<ReadingViewWithContext> {
    const reply = await this.centres.send<ReadingReply>(this.centre, message, payload);
    await this.record(agent, 'U', subtype, orderId, reply.ok ? undefined : reply.diagnostics);
    if (!reply.ok) throw refusal(reply);
    return this.withContext(reply.reading);
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

/** The reader as the centres know them: the account and whether they hold a licence. */
export function readerOf(principal: Principal): Reader {
  return { username: principal.subject, licensed: principal.licensed };
}
