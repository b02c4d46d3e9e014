import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  type MessageName,
  MessageNames,
  type PathologyActor,
  type PathologyBatchReply,
  type PathologyBatchView,
  type PathologyCaseReply,
  type PathologyCaseView,
} from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal, hasAnyRole } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { parseBody, refusal } from '../http/parse-body';

const ORDER_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Case numbers, specimen labels, block and slide barcodes: letters, digits and `-`. */
const BARCODE = /^[A-Za-z0-9-]{1,64}$/;

const instant = z.iso.datetime({ offset: true });
const specimensBody = z.object({
  specimens: z
    .array(
      z.object({
        site: z.string().trim().min(1).max(200),
        fixative: z.string().trim().min(1).max(100),
        fixationStartedAt: instant.optional(),
        collectedAt: instant.optional(),
        container: z.string().trim().min(1).max(100).optional(),
      }),
    )
    .min(1)
    .max(20),
});
const receiptBody = z.object({ acceptDespite: z.string().trim().min(2).max(500).optional() });
const rejectionBody = z.object({ reason: z.string().trim().min(2).max(500) });
const grossBody = z.object({
  description: z.string().trim().min(1).max(10_000),
  blocks: z
    .array(
      z.object({
        specimenLabel: z.string().regex(BARCODE, 'must be a specimen label'),
        count: z.number().int().min(1).max(26),
        description: z.string().trim().min(1).max(500).optional(),
      }),
    )
    .min(1)
    .max(20),
});
const slidesBody = z.object({ stains: z.array(z.string().trim().min(1).max(64)).min(1).max(20) });
const shipBody = z.object({
  labels: z.array(z.string().regex(BARCODE, 'must be a specimen label')).min(1).max(50),
  courier: z.string().trim().min(1).max(100).optional(),
});
const boxReceiptBody = z.object({
  acceptDespite: z
    .record(
      z.string().regex(BARCODE, 'must be a specimen label'),
      z.string().trim().min(2).max(500),
    )
    .optional(),
});

/**
 * Pathology specimen tracking through the gateway: clinics record the specimens of their own
 * orders and ship them in transport boxes; the pathology centre's staff receive them (one by one
 * or a whole box) or reject them, gross them into blocks and cut slides, and find a case by any of
 * its barcodes. The centre keeps the chain and its rules; every
 * call is audited here as a use of the order.
 */
@Injectable()
export class PathologyCaseService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
  ) {}

  collect(orderId: string, body: unknown, principal: Principal, agent: AuditAgent) {
    checkId(orderId, ORDER_ID, 'orderId');
    const parsed = parseBody(specimensBody, body);
    return this.command(MessageNames.PathologyCollect, 'pathology-collect', 'C', agent, {
      ids: { orderId },
      payload: { orderId, ...parsed, by: actorOf(principal) },
    });
  }

  receive(label: string, body: unknown, principal: Principal, agent: AuditAgent) {
    checkId(label, BARCODE, 'label');
    const parsed = parseBody(receiptBody, body ?? {});
    return this.command(MessageNames.PathologyReceive, 'pathology-receipt', 'U', agent, {
      ids: { specimen: label },
      payload: { label, ...parsed, by: actorOf(principal) },
    });
  }

  reject(label: string, body: unknown, principal: Principal, agent: AuditAgent) {
    checkId(label, BARCODE, 'label');
    const parsed = parseBody(rejectionBody, body);
    return this.command(MessageNames.PathologyReject, 'pathology-rejection', 'U', agent, {
      ids: { specimen: label },
      payload: { label, ...parsed, by: actorOf(principal) },
    });
  }

  /** A transport box of collected specimens, for the courier: the box with its id. */
  ship(body: unknown, principal: Principal, agent: AuditAgent): Promise<PathologyBatchView> {
    const parsed = parseBody(shipBody, body);
    return this.boxCommand(MessageNames.PathologyShip, 'pathology-shipment', 'C', agent, {
      labels: parsed.labels,
      payload: { ...parsed, by: actorOf(principal) },
    });
  }

  /** A whole box received in one scan: the box, with the specimens left in transit and why. */
  receiveBox(
    batchId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<PathologyBatchView> {
    checkId(batchId, BARCODE, 'batchId');
    const parsed = parseBody(boxReceiptBody, body ?? {});
    return this.boxCommand(
      MessageNames.PathologyBatchReceive,
      'pathology-box-receipt',
      'U',
      agent,
      {
        labels: Object.keys(parsed.acceptDespite ?? {}),
        payload: { batchId, ...parsed, by: actorOf(principal) },
      },
    );
  }

  gross(orderId: string, body: unknown, principal: Principal, agent: AuditAgent) {
    checkId(orderId, ORDER_ID, 'orderId');
    const parsed = parseBody(grossBody, body);
    return this.command(MessageNames.PathologyGross, 'pathology-gross', 'C', agent, {
      ids: { orderId },
      payload: { orderId, ...parsed, by: actorOf(principal) },
    });
  }

  slides(blockBarcode: string, body: unknown, principal: Principal, agent: AuditAgent) {
    checkId(blockBarcode, BARCODE, 'barcode');
    const parsed = parseBody(slidesBody, body);
    return this.command(MessageNames.PathologySlides, 'pathology-slides', 'C', agent, {
      ids: {},
      payload: { blockBarcode, ...parsed, by: actorOf(principal) },
    });
  }

  /** A case, for a clinic only when it ordered it (`requesterOrg`), for the centre's staff any. */
  async get(
    orderId: string,
    requesterOrg: string | undefined,
    agent: AuditAgent,
  ): Promise<PathologyCaseView> {
    checkId(orderId, ORDER_ID, 'orderId');
    const view = await this.centres.send<PathologyCaseView | null>(
      'pathology',
      MessageNames.PathologyCaseGet,
      { orderId, ...(requesterOrg ? { requesterOrg } : {}) },
    );
    await this.record(
      agent,
      'R',
      'pathology-case-read',
      [{ type: 'ServiceRequest', id: orderId }],
      view ? undefined : 'not found',
    );
    if (!view) throw FhirError.notFound(`no pathology case of order ${orderId} is known to you`);
    return view;
  }

  /** The case a scanned barcode belongs to (case number, specimen, block or slide). */
  async lookup(barcode: string, agent: AuditAgent): Promise<PathologyCaseView> {
    checkId(barcode, BARCODE, 'barcode');
    const view = await this.centres.send<PathologyCaseView | null>(
      'pathology',
      MessageNames.PathologyLookup,
      { barcode },
    );
    await this.record(
      agent,
      'R',
      'pathology-lookup',
      view ? [{ type: 'ServiceRequest', id: view.orderId }] : [],
      view ? undefined : `no case has barcode ${barcode}`,
    );
    if (!view) throw FhirError.notFound(`no pathology case has the barcode ${barcode}`);
    return view;
  }

  private async command(
    message: MessageName,
    subtype: string,
    action: 'C' | 'U',
    agent: AuditAgent,
    request: {
      /** What the caller named, for the audit when the centre refuses (no order is known then). */
      ids: { orderId?: string; specimen?: string };
      payload: Record<string, unknown>;
    },
  ): Promise<PathologyCaseView> {
    const reply = await this.centres.send<PathologyCaseReply>('pathology', message, {
      ...request.payload,
      traceId: randomUUID(),
    });
    const orderId = reply.ok ? reply.case.orderId : request.ids.orderId;
    await this.record(
      agent,
      action,
      subtype,
      [
        ...(orderId ? [{ type: 'ServiceRequest', id: orderId }] : []),
        ...(request.ids.specimen ? [{ type: 'Specimen', id: request.ids.specimen }] : []),
      ],
      reply.ok ? undefined : reply.diagnostics,
    );
    if (!reply.ok) throw refusal(reply);
    return reply.case;
  }

  /**
   * A box command, audited as a use of every order in the box and of each specimen in it (or, when
   * refused, of the specimens the caller named).
   */
  private async boxCommand(
    message: MessageName,
    subtype: string,
    action: 'C' | 'U',
    agent: AuditAgent,
    request: { labels: string[]; payload: Record<string, unknown> },
  ): Promise<PathologyBatchView> {
    const reply = await this.centres.send<PathologyBatchReply>('pathology', message, {
      ...request.payload,
      traceId: randomUUID(),
    });
    const specimens = reply.ok ? reply.batch.specimens : [];
    const orderIds = [...new Set(specimens.map((s) => s.orderId))];
    const labels = reply.ok ? specimens.map((s) => s.label) : request.labels;
    await this.record(
      agent,
      action,
      subtype,
      [
        ...orderIds.map((id) => ({ type: 'ServiceRequest', id })),
        ...labels.map((id) => ({ type: 'Specimen', id })),
      ],
      reply.ok ? undefined : reply.diagnostics,
    );
    if (!reply.ok) throw refusal(reply);
    return reply.batch;
  }

  private record(
    agent: AuditAgent,
    action: 'C' | 'R' | 'U',
    subtype: string,
    entities: Array<{ type: string; id: string }>,
    failure?: string,
  ): Promise<void> {
    return this.audit.record({
      type: '110110',
      subtype,
      action,
      agent,
      entities,
      ...(failure ? { outcome: '4' as const, outcomeDesc: failure } : {}),
    });
  }
}

/** The caller as the pathology centre knows them: the centre's staff act on any case. */
export function actorOf(principal: Principal): PathologyActor {
  return {
    username: principal.subject,
    org: principal.org,
    centreStaff: hasAnyRole(principal, ['pathologist', 'admin']),
  };
}

function checkId(value: string, pattern: RegExp, field: string): void {
  if (!pattern.test(value))
    throw FhirError.badRequest(`${field} ${JSON.stringify(value)} is not a valid ${field}`, [
      field,
    ]);
}
