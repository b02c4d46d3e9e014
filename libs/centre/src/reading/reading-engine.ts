import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DiagnosticReport } from 'fhir/r4';
import { type DataSource, type EntityManager } from 'typeorm';
import {
  type Centre,
  type CentreRefusal,
  JobNames,
  OrderPriorities,
  Queues,
  type Reader,
  type ReadingItem,
  type ReadingReply,
  type ReadingStatus,
  type ReadingView,
  type ReportGetReply,
  jobIds,
} from '@hub/contracts';
import { type CatalogueItem, turnaroundFor } from '@hub/consortium';
import {
  type CentreOutboxService,
  type OutboxEnqueue,
  enqueueTaskUpdate,
} from '../centre-outbox.service';
import { type CodedContent, type ReleasedCritical, ReportVersion, Reading } from './reading.entity';
import {
  amendRequest,
  claimRequest,
  getRequest,
  parseRequest,
  refuse,
  signRequest,
  worklistRequest,
} from './reading-requests';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statuses before the first report is released: the turnaround clock is running. */
const AWAITING_REPORT: ReadingStatus[] = [
  'unread',
  'claimed',
  'draft',
  'awaiting-cosign',
  'preliminary',
];

/** Version statuses that left the centre (a preliminary frozen-section result among them). */
const RELEASED = ['final', 'amended', 'preliminary'];

/**
 * What differs between the centres that read (imaging, ECG, pathology): what is read, how a
 * released version becomes FHIR, and the words refusals use. The rest, from claims to
 * amendments, is the same everywhere and lives in {@link ReadingEngine}.
 */
export interface ReadingSpec {
  centre: Centre;
  /** The centre's catalogue items (turnaround targets). */
  items: CatalogueItem[];
  /** How long a reader's claim lasts, in minutes. */
  claimMinutes: number;
  /**
   * SQL of a LATERAL subquery over the order `o` giving what there is to read: `material` (text[]:
   * ids, first arrived first; NULL when nothing has arrived), `material_at` (when the first
   * arrived: the turnaround clock starts), `modalities` (text[]), `accession` (text) and `flags`
   * (text[]: machine flags that make the order urgent; empty when none). Only orders it gives a
   * row for are read at all.
   */
  materialSql: string;
  /** How {@link ReadingView} and {@link ReadingItem} name the first of `material`. */
  materialKey: 'studyInstanceUid' | 'recordingId' | 'specimenLabel';
  /** What the reader waits for, in refusals: e.g. 'no images of order X have arrived yet'. */
  nothingToRead(orderId: string): string;
  /** Builds the released version's FHIR: the DiagnosticReport and the critical finding, if any. */
  release(input: ReleaseInput): Promise<{
    diagnosticReport: DiagnosticReport;
    critical: ReleasedCritical | null;
  }>;
  /**
   * Why a licensed reader's signature is not enough for this version (a second reader must
   * co-sign), or undefined. Pathology: a malignant diagnosis.
   */
  secondSignature?(version: ReportVersion): string | undefined;
  /**
   * SQL for when the report is due, over `m.material_at` (the clock's start), `o` (the order), `e`
   * (`e.priority`, raised by machine flags) and `$2` (the turnaround targets as minutes); default
   * the catalogue's minutes after the material arrived.
   */
  dueAtSql?: string;
  /** The observations `report.get` answers with a released version (none by default). */
  reportObservations?(
    version: ReportVersion,
  ): Promise<Array<{ fullUrl: string; resource: Record<string, unknown> }>>;
}

/** What {@link ReadingSpec.release} builds a released version from. */
export interface ReleaseInput {
  manager: EntityManager;
  order: OrderReading;
  version: ReportVersion;
  status: 'final' | 'amended' | 'preliminary';
  issued: Date;
  /** Who wrote, signed and co-signed it (repeats are named once by the builders). */
  interpreters: string[];
  /** The last to sign: the co-signer of a trainee's report. */
  releasedBy: string;
}

/** The text and structured content of a draft, as the centre's reading service prepared it. */
export interface DraftContent {
  findings: string;
  impression: string;
  coded?: CodedContent | null;
}

/**
 * An order as the reading sees it. `status` is worked out in the SQL (one place), from what has
 * arrived to read, the latest report version and whether a claim is live.
 */
export interface OrderReading {
  orderId: string;
  taskId: string;
  code: string;
  /** As ordered; {@link effectivePriority} is raised to urgent by a machine flag. */
  priority: string;
  effectivePriority: string;
  orderStatus: string;
  accession: string | null;
  requesterOrg: string;
  /** What there is to read, first arrived first; null when nothing has arrived. */
  material: string[] | null;
  modalities: string[];
  flags: string[];
  materialAt: Date | null;
  dueAt: Date | null;
  reportId: string | null;
  claimedBy: string | null;
  claimExpiresAt: Date | null;
  status: ReadingStatus;
}

/**
 * The reading of every order of the centre: what there is to read (the first to arrive starts the
 * turnaround clock), its reading and latest report version. `$1` is the time a claim must
 * outlive, `$2` the turnaround targets (catalogue code → priority → minutes).
 */
function orderReadings(schema: Centre, materialSql: string, dueAtSql?: string): string {
  return `
  SELECT o.order_id AS "orderId", o.task_id AS "taskId", o.code, o.priority,
         e.priority AS "effectivePriority",
         o.status AS "orderStatus", o.received_at AS "receivedAt", o.requester_org_id AS "requesterOrg",
         m.accession, m.material, m.modalities, coalesce(m.flags, '{}') AS flags,
         m.material_at AS "materialAt",
         ${dueAtSql ?? `m.material_at + make_interval(mins => ($2::jsonb -> o.code ->> e.priority)::int)`} AS "dueAt",
         r.report_id AS "reportId", r.claimed_by AS "claimedBy",
         r.claim_expires_at AS "claimExpiresAt",
         CASE WHEN m.material IS NULL THEN 'awaiting-images'
              WHEN (v.status IS NULL OR v.status = 'preliminary') AND r.claim_expires_at > $1
                THEN 'claimed'
              WHEN v.status IS NULL THEN 'unread'
              WHEN v.status IN ('final', 'amended') THEN 'final'
              ELSE v.status END AS status
    FROM "${schema}".received_order o
    CROSS JOIN LATERAL (${materialSql}) m
    CROSS JOIN LATERAL (
      SELECT CASE WHEN cardinality(coalesce(m.flags, '{}')) > 0 AND o.priority = 'routine'
                  THEN 'urgent' ELSE o.priority END AS priority
    ) e
    LEFT JOIN "${schema}".reading r ON r.order_id = o.order_id
    LEFT JOIN LATERAL (
      SELECT status FROM "${schema}".report WHERE order_id = o.order_id ORDER BY version DESC LIMIT 1
    ) v ON true
   WHERE o.status <> 'cancelled'`;
}

/** Machine-flagged orders first, then stat, asap, urgent, routine. */
const PRIORITY_RANK = `CASE WHEN cardinality(w.flags) > 0 THEN 0 WHEN w."effectivePriority" = 'stat' THEN 1
  WHEN w."effectivePriority" = 'asap' THEN 2 WHEN w."effectivePriority" = 'urgent' THEN 3 ELSE 4 END`;

/** Worklist filters, already checked by the centre. */
export interface WorklistFilter {
  modality?: string;
  requesterOrg?: string;
  status?: ReadingStatus;
  limit?: number;
}

/** What a command works on: the locked order, its reading as it stands, and now. */
interface CommandContext {
  manager: EntityManager;
  enqueue: OutboxEnqueue;
  order: OrderReading;
  /** The latest report version, if any has been written. */
  latest: ReportVersion | null;
  now: Date;
}

/**
 * Reading (阅片, 心电图诊断, 病理诊断) and releasing reports, the same at every reading centre. One
 * reader at a time claims an order (for the spec's claim minutes), writes the report, and signs. A
 * licensed reader's signature releases the report; a trainee's, or one on a report the spec wants
 * two signatures for (a malignant diagnosis), waits for another licensed reader's co-signature (the
 * author cannot co-sign their own). A preliminary result (a frozen section) may be released before
 * the report, which is then the next version. A released report is never changed: a
 * licensed reader amends it, which writes the next version. Release stores the DiagnosticReport
 * and, in the same transaction, queues `ReportSubmit` (and, for the first version, completes the
 * order and queues `TaskUpdate completed`); the hub then fetches it with `report.get`, delivers it
 * and starts the critical-value loop for a flagged finding. Refusals are answered, never thrown,
 * and change nothing.
 */
export class ReadingEngine {
  private readonly logger: Logger;
  private readonly items: Map<string, CatalogueItem>;
  /** Turnaround targets for the SQL: catalogue code → priority → minutes. */
  private readonly turnaround: string;
  private readonly orderReadingsSql: string;
  private readonly schema: Centre;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: CentreOutboxService,
    private readonly spec: ReadingSpec,
  ) {
    this.schema = spec.centre;
    this.logger = new Logger(`ReadingEngine(${spec.centre})`);
    this.items = new Map(spec.items.map((item) => [item.code, item]));
    this.turnaround = JSON.stringify(
      Object.fromEntries(
        spec.items.map((item) => [
          item.code,
          Object.fromEntries(OrderPriorities.map((p) => [p, turnaroundFor(item, p)])),
        ]),
      ),
    );
    this.orderReadingsSql = orderReadings(spec.centre, spec.materialSql, spec.dueAtSql);
  }

  /** The catalogue item an order names, if the catalogue has it. */
  item(code: string): CatalogueItem | undefined {
    return this.items.get(code);
  }

  /**
   * The worklist: orders by priority (stat, asap, urgent, routine), then by the time left to their
   * turnaround target (those with no clock running after), then by arrival. Signed (`final`)
   * orders are listed only when asked for by status; cancelled orders never.
   */
  async worklist(request: unknown): Promise<ReadingItem[]> {
    const parsed = worklistRequest.safeParse(request ?? {});
    if (!parsed.success) return [];
    const { modality, requesterOrg, status, limit }: WorklistFilter = parsed.data;
    const now = new Date();
    const params: unknown[] = [now, this.turnaround, limit ?? 100];
    const where: string[] = [];
    if (status) where.push(`w.status = $${params.push(status)}`);
    else where.push(`w.status <> 'final'`);
    if (modality) where.push(`$${params.push(modality)} = ANY (w.modalities)`);
    if (requesterOrg) where.push(`w."requesterOrg" = $${params.push(requesterOrg)}`);
    const rows = await this.dataSource.query<Array<OrderReading & { receivedAt: Date }>>(
      `SELECT w.* FROM (${this.orderReadingsSql}) w
        WHERE ${where.join(' AND ')}
        ORDER BY ${PRIORITY_RANK},
                 CASE WHEN w.status IN ('unread', 'claimed', 'draft', 'awaiting-cosign')
                      THEN w."dueAt" END NULLS LAST,
                 w."receivedAt", w."orderId"
        LIMIT $3`,
      params,
    );
    return rows.map((row) => worklistItem(row, now, this.spec.materialKey));
  }

  /** An order's reading: the version being written or last signed, and the released history. */
  async get(request: unknown): Promise<ReadingView | null> {
    const parsed = parseRequest(getRequest, request);
    if (!parsed.ok) return null;
    return this.view(this.dataSource.manager, parsed.value.orderId, new Date());
  }

  /**
   * Claims a study for the reader, or extends their claim; `release` gives it back. Another
   * reader's live claim is refused with who and until when; an expired one is taken over.
   */
  async claim(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(claimRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader, release } = parsed.value;
    return this.command(orderId, reader, release ? 'claim released' : 'study claimed', (c) =>
      release ? this.releaseClaim(c, reader) : this.takeClaim(c, reader),
    );
  }

  /**
   * Saves the claimer's draft and critical finding (null clears it, undefined keeps it). The
   * centre has checked the request and prepared the content: `prepare` runs on the locked order
   * and may still refuse (e.g. a statement that does not fit what was recorded).
   */
  async draft(
    orderId: string,
    reader: Reader,
    prepare: (order: OrderReading, manager: EntityManager) => Promise<DraftContent | CentreRefusal>,
    critical: { text: string } | null | undefined,
  ): Promise<ReadingReply> {
    return this.command(orderId, reader, 'draft saved', async (c) => {
      const refusal = writable(c, this.spec) ?? claimHeldBy(c, reader);
      if (refusal) return refusal;
      const content = await prepare(c.order, c.manager);
      if ('ok' in content) return content;
      // A preliminary result's finding was called back when it was released: the report after it
      // carries a critical finding only when the reader flags one again.
      const kept = c.latest?.status === 'preliminary' ? null : c.latest?.criticalText;
      const criticalText = critical === undefined ? kept : critical?.text;
      const text = {
        findings: content.findings,
        impression: content.impression,
        coded: content.coded ?? null,
        criticalText: criticalText ?? null,
      };
      if (c.latest && (c.latest.status === 'draft' || c.latest.status === 'amending')) {
        await c.manager.update(
          ReportVersion,
          { reportId: c.latest.reportId, version: c.latest.version },
          { ...text, status: 'draft', author: reader.username, draftedAt: c.now, updatedAt: c.now },
        );
      } else {
        // The first version, or the one after a preliminary result.
        await c.manager.insert(ReportVersion, {
          reportId: c.order.reportId as string,
          version: (c.latest?.version ?? 0) + 1,
          orderId: c.order.orderId,
          status: 'draft',
          ...text,
          author: reader.username,
          draftedAt: c.now,
        });
      }
      // Writing is reading: the claim runs on from the last save.
      await this.setClaim(c, reader.username);
      return undefined;
    });
  }

  /**
   * The claimer signs a complete draft. A licensed reader's signature releases it (`final`, or
   * `amended` for a later version); a trainee's waits for a licensed senior's co-signature.
   */
  async sign(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(signRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader } = parsed.value;
    const traceId = parsed.value.traceId ?? randomUUID();
    return this.command(
      orderId,
      reader,
      'report signed',
      async (c) => {
        const refusal = signable(c, this.spec) ?? claimHeldBy(c, reader);
        if (refusal) return refusal;
        const version = c.latest as ReportVersion;
        Object.assign(version, { signedBy: reader.username, signedAt: c.now });
        if (reader.licensed && !this.spec.secondSignature?.(version)) {
          await this.release(c, version, traceId);
        } else {
          await c.manager.update(
            ReportVersion,
            { reportId: version.reportId, version: version.version },
            {
              status: 'awaiting-cosign',
              signedBy: reader.username,
              signedAt: c.now,
              updatedAt: c.now,
            },
          );
          await this.clearClaim(c);
        }
        return undefined;
      },
      traceId,
    );
  }

  /**
   * A licensed reader who neither wrote nor signed it co-signs a report waiting for a second
   * signature (a trainee's, or one the spec's `secondSignature` names): it is released.
   */
  async cosign(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(signRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader } = parsed.value;
    const traceId = parsed.value.traceId ?? randomUUID();
    return this.command(
      orderId,
      reader,
      'report co-signed and released',
      async (c) => {
        if (!reader.licensed)
          return refuse(
            403,
            `${reader.username} is a trainee: a licensed reader co-signs a trainee's report`,
            'reader',
          );
        const version = c.latest;
        if (!version || version.status !== 'awaiting-cosign')
          return refuse(
            409,
            `the report of order ${orderId} is not waiting for a co-signature (${c.order.status})`,
            'orderId',
          );
        if (reader.username === version.author || reader.username === version.signedBy)
          return refuse(
            403,
            `${reader.username} ${reader.username === version.author ? 'wrote' : 'signed'} this report and cannot co-sign it: another licensed reader must`,
            'reader',
          );
        Object.assign(version, { cosignedBy: reader.username, cosignedAt: c.now });
        await this.release(c, version, traceId);
        return undefined;
      },
      traceId,
    );
  }

  /**
   * Releases a preliminary result before the report (a frozen section's intraoperative diagnosis,
   * called back to the theatre): version 1 with status `preliminary`, signed by a licensed reader,
   * its text also the critical finding so that the hub's critical-value loop carries the call-back
   * and its acknowledgement. The order stays open; the final report is the next version, written and
   * signed as usual. Only before anything else has been written or released.
   */
  async releasePreliminary(
    orderId: string,
    reader: Reader,
    content: DraftContent,
    traceId: string,
  ): Promise<ReadingReply> {
    return this.command(
      orderId,
      reader,
      'preliminary result released',
      async (c) => {
        if (!reader.licensed)
          return refuse(
            403,
            `${reader.username} is a trainee: a licensed reader gives the preliminary result`,
            'reader',
          );
        if (c.order.status === 'awaiting-images')
          return refuse(409, this.spec.nothingToRead(orderId), 'orderId');
        if (c.latest)
          return refuse(
            409,
            `order ${orderId} already has a ${c.latest.status === 'preliminary' ? 'preliminary result' : 'report being written or signed'} (version ${c.latest.version}): the preliminary result comes first and once`,
            'orderId',
          );
        const holder = liveClaim(c.order, c.now);
        if (holder && holder.by !== reader.username) return claimedByOther(orderId, holder);
        if (!c.order.reportId) await this.setClaim(c, reader.username);
        const version = Object.assign(new ReportVersion(), {
          reportId: c.order.reportId as string,
          version: 1,
          orderId,
          findings: content.findings,
          impression: content.impression,
          coded: content.coded ?? null,
          criticalText: content.impression,
          author: reader.username,
          signedBy: reader.username,
          signedAt: c.now,
          amendmentReason: null,
        });
        const { diagnosticReport, critical } = await this.spec.release({
          manager: c.manager,
          order: c.order,
          version,
          status: 'preliminary',
          issued: c.now,
          interpreters: [reader.username],
          releasedBy: reader.username,
        });
        await c.manager.insert(ReportVersion, {
          ...version,
          status: 'preliminary',
          draftedAt: c.now,
          issuedAt: c.now,
          diagnosticReport,
          critical,
        });
        await this.clearClaim(c);
        await c.enqueue(
          Queues.HubResults,
          JobNames.ReportSubmit,
          {
            reportId: version.reportId,
            orderId,
            taskId: c.order.taskId,
            centre: this.schema,
            version: 1,
            traceId,
          },
          { jobId: jobIds.reportSubmit(version.reportId, 1) },
        );
        return undefined;
      },
      traceId,
    );
  }

  /**
   * A licensed reader starts an amendment of the signed report: the next version, with the text
   * of the last, claimed by them. Signed versions stay as they were.
   */
  async amend(request: unknown): Promise<ReadingReply> {
    const parsed = parseRequest(amendRequest, request);
    if (!parsed.ok) return parsed.refusal;
    const { orderId, reader, reason } = parsed.value;
    return this.command(orderId, reader, 'amendment started', async (c) => {
      if (!reader.licensed)
        return refuse(
          403,
          `${reader.username} is a trainee: only a licensed reader amends a signed report`,
          'reader',
        );
      const signed = c.latest;
      if (!signed || (signed.status !== 'final' && signed.status !== 'amended')) {
        const why =
          signed?.status === 'amending' || signed?.status === 'draft'
            ? `version ${signed.version} is being written by ${signed.author}`
            : signed?.status === 'awaiting-cosign'
              ? `version ${signed.version} waits for a co-signature`
              : 'nothing has been signed yet';
        return refuse(409, `the report of order ${orderId} cannot be amended: ${why}`, 'orderId');
      }
      await c.manager.insert(ReportVersion, {
        reportId: signed.reportId,
        version: signed.version + 1,
        orderId,
        status: 'amending',
        findings: signed.findings,
        impression: signed.impression,
        coded: signed.coded,
        criticalText: signed.criticalText,
        author: reader.username,
        amendedBy: reader.username,
        amendmentReason: reason,
      });
      await this.setClaim(c, reader.username);
      return undefined;
    });
  }

  /**
   * A released version's FHIR content (the latest released when no version is given), or null.
   * Drafts and reports waiting for a co-signature never leave the centre.
   */
  async reportGet(request: unknown): Promise<ReportGetReply | null> {
    const { reportId, version } = (request ?? {}) as { reportId?: unknown; version?: unknown };
    // report_id is a uuid column: anything else names no report (and would fail the cast).
    if (typeof reportId !== 'string' || !UUID.test(reportId)) return null;
    if (version !== undefined && version !== null && !isVersion(version)) return null;
    const query = this.dataSource.manager
      .createQueryBuilder(ReportVersion, 'r')
      .where('r.report_id = :reportId', { reportId })
      .andWhere(`r.status IN ('final', 'amended', 'preliminary')`);
    if (typeof version === 'number') query.andWhere('r.version = :version', { version });
    const shown = await query.orderBy('r.version', 'DESC').getOne();
    if (!shown?.diagnosticReport) return null;
    return {
      reportId: shown.reportId,
      orderId: shown.orderId,
      version: shown.version,
      diagnosticReport: { ...shown.diagnosticReport },
      observations: (await this.spec.reportObservations?.(shown)) ?? [],
      ...(shown.critical ? { critical: shown.critical } : {}),
    };
  }

  /**
   * Runs a command on one order in one transaction with the outbox: the order is locked (so two
   * commands on it, or a study being linked, run one after the other), its reading read, and the
   * reading as it then stands answered. A refusal comes before any write.
   */
  private async command(
    orderId: string,
    reader: Reader,
    done: string,
    work: (context: CommandContext) => Promise<CentreRefusal | undefined>,
    traceId?: string,
  ): Promise<ReadingReply> {
    const reply = await this.outbox.transaction(async (manager, enqueue): Promise<ReadingReply> => {
      const locked = await manager.query<Array<{ status: string }>>(
        `SELECT status FROM "${this.schema}".received_order WHERE order_id = $1 FOR UPDATE`,
        [orderId],
      );
      // Taken once the order is ours: claims are judged at the moment the command runs.
      const now = new Date();
      if (locked.length === 0)
        return refuse(404, `order ${orderId} is not known to the ${this.schema} centre`, 'orderId');
      if (locked[0].status === 'cancelled')
        return refuse(409, `order ${orderId} was cancelled by the clinic`, 'orderId');
      const order = await this.orderReading(manager, orderId, now);
      if (!order)
        return refuse(
          404,
          `order ${orderId} has nothing the ${this.schema} centre reads`,
          'orderId',
        );
      const latest = await manager.findOne(ReportVersion, {
        where: { orderId },
        order: { version: 'DESC' },
      });
      const refusal = await work({ manager, enqueue, order, latest, now });
      if (refusal) return refusal;
      const reading = await this.view(manager, orderId, now);
      if (!reading) throw new Error(`the reading of order ${orderId} vanished in its transaction`);
      return { ok: true, reading };
    });
    if (reply.ok)
      this.logger.log(
        {
          orderId,
          reader: reader.username,
          version: reply.reading.version,
          status: reply.reading.status,
          ...(traceId ? { traceId } : {}),
        },
        done,
      );
    return reply;
  }

  /** Claims the study for `reader` (or extends their claim). */
  private async takeClaim(c: CommandContext, reader: Reader): Promise<CentreRefusal | undefined> {
    const { orderId } = c.order;
    switch (c.order.status) {
      case 'awaiting-images':
        return refuse(
          409,
          `${this.spec.nothingToRead(orderId)}: there is nothing to read`,
          'orderId',
        );
      case 'awaiting-cosign':
        return refuse(
          409,
          `the report of order ${orderId} was signed by ${c.latest?.signedBy} and waits for a licensed reader's co-signature, which needs no claim`,
          'orderId',
        );
      case 'final':
        return refuse(
          409,
          `the report of order ${orderId} is signed (version ${c.latest?.version}): a licensed reader amends it`,
          'orderId',
        );
      case 'unread':
      case 'claimed':
      case 'draft':
      case 'amending':
      case 'preliminary':
        break;
    }
    const holder = liveClaim(c.order, c.now);
    if (holder && holder.by !== reader.username) return claimedByOther(orderId, holder);
    await this.setClaim(c, reader.username);
    return undefined;
  }

  /** Gives the reader's claim back; one they do not hold is another reader's to give back. */
  private async releaseClaim(
    c: CommandContext,
    reader: Reader,
  ): Promise<CentreRefusal | undefined> {
    const holder = liveClaim(c.order, c.now);
    if (holder && holder.by !== reader.username) return claimedByOther(c.order.orderId, holder);
    if (c.order.claimedBy) await this.clearClaim(c);
    return undefined;
  }

  private async setClaim(c: CommandContext, username: string): Promise<void> {
    const claimExpiresAt = new Date(c.now.getTime() + this.spec.claimMinutes * 60_000);
    if (c.order.reportId) {
      await c.manager.update(
        Reading,
        { orderId: c.order.orderId },
        { claimedBy: username, claimExpiresAt, updatedAt: c.now },
      );
    } else {
      const reportId = randomUUID();
      await c.manager.insert(Reading, {
        orderId: c.order.orderId,
        reportId,
        claimedBy: username,
        claimExpiresAt,
      });
      c.order.reportId = reportId;
    }
  }

  private async clearClaim(c: CommandContext): Promise<void> {
    await c.manager.update(
      Reading,
      { orderId: c.order.orderId },
      { claimedBy: null, claimExpiresAt: null, updatedAt: c.now },
    );
  }

  /**
   * Releases a signed version (its `signedBy`, and `cosignedBy` for a trainee's, set by the
   * caller): stores its DiagnosticReport and critical finding, gives the claim back, completes the
   * order with the first version, and queues `ReportSubmit` for the hub.
   */
  private async release(c: CommandContext, version: ReportVersion, traceId: string): Promise<void> {
    const { order, now } = c;
    // The first signed report is final (also after a preliminary result); later ones amend it.
    const status = (await this.signedBefore(c, version)) ? 'amended' : 'final';
    const releasedBy = version.cosignedBy ?? version.signedBy ?? version.author;
    const { diagnosticReport, critical } = await this.spec.release({
      manager: c.manager,
      order,
      version,
      status,
      issued: now,
      interpreters: [version.author, version.signedBy, version.cosignedBy].filter(
        (name): name is string => !!name,
      ),
      releasedBy,
    });
    await c.manager.update(
      ReportVersion,
      { reportId: version.reportId, version: version.version },
      {
        status,
        signedBy: version.signedBy,
        signedAt: version.signedAt,
        cosignedBy: version.cosignedBy,
        cosignedAt: version.cosignedAt,
        issuedAt: now,
        diagnosticReport,
        critical,
        updatedAt: now,
      },
    );
    await this.clearClaim(c);
    if (order.orderStatus !== 'completed') {
      await c.manager.query(
        `UPDATE "${this.schema}".received_order SET status = 'completed', updated_at = $2 WHERE order_id = $1`,
        [order.orderId, now],
      );
      await enqueueTaskUpdate(c.enqueue, order, this.schema, 'completed', traceId, { at: now });
    }
    await c.enqueue(
      Queues.HubResults,
      JobNames.ReportSubmit,
      {
        reportId: version.reportId,
        orderId: order.orderId,
        taskId: order.taskId,
        centre: this.schema,
        version: version.version,
        traceId,
      },
      { jobId: jobIds.reportSubmit(version.reportId, version.version) },
    );
  }

  /** True when a version before this one was signed and released (not just preliminary). */
  private async signedBefore(c: CommandContext, version: ReportVersion): Promise<boolean> {
    const rows = await c.manager.query<unknown[]>(
      `SELECT 1 FROM "${this.schema}".report
        WHERE order_id = $1 AND version < $2 AND status IN ('final', 'amended') LIMIT 1`,
      [version.orderId, version.version],
    );
    return rows.length > 0;
  }

  private async orderReading(
    manager: EntityManager,
    orderId: string,
    now: Date,
  ): Promise<OrderReading | undefined> {
    const rows = await manager.query<OrderReading[]>(
      `SELECT w.* FROM (${this.orderReadingsSql}) w WHERE w."orderId" = $3`,
      [now, this.turnaround, orderId],
    );
    return rows[0];
  }

  private async view(
    manager: EntityManager,
    orderId: string,
    now: Date,
  ): Promise<ReadingView | null> {
    const order = await this.orderReading(manager, orderId, now);
    if (!order) return null;
    const versions = await manager.find(ReportVersion, {
      where: { orderId },
      order: { version: 'ASC' },
    });
    const latest = versions.at(-1);
    const claim = liveClaim(order, now);
    // The turnaround of this order: from the first material to the first released result (a
    // frozen section's call-back counts), against the target.
    const reportedAt = versions.find((v) => RELEASED.includes(v.status))?.issuedAt ?? undefined;
    const turnaround = order.materialAt
      ? {
          startedAt: order.materialAt.toISOString(),
          ...(order.dueAt ? { dueAt: order.dueAt.toISOString() } : {}),
          ...(reportedAt
            ? {
                reportedAt: reportedAt.toISOString(),
                minutes: Math.round((reportedAt.getTime() - order.materialAt.getTime()) / 60_000),
                ...(order.dueAt ? { met: reportedAt <= order.dueAt } : {}),
              }
            : {}),
        }
      : undefined;
    return {
      orderId,
      ...(order.material ? { [this.spec.materialKey]: order.material[0] } : {}),
      ...(order.flags.length ? { flags: order.flags } : {}),
      ...(turnaround ? { turnaround } : {}),
      status: order.status,
      version: latest?.version ?? 1,
      ...(claim ? { claimedBy: claim.by, claimExpiresAt: claim.until.toISOString() } : {}),
      ...(latest ? written(latest) : {}),
      history: versions.flatMap((v) =>
        RELEASED.includes(v.status) && v.issuedAt
          ? [
              {
                version: v.version,
                status: v.status as 'final' | 'amended' | 'preliminary',
                signedBy: v.cosignedBy ?? v.signedBy ?? v.author,
                signedAt: v.issuedAt.toISOString(),
              },
            ]
          : [],
      ),
    };
  }
}

/** A report version number as the `report.version` column can hold it. */
function isVersion(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 2_147_483_647;
}

/** The reader holding a live claim on the order, if any. */
function liveClaim(order: OrderReading, now: Date): { by: string; until: Date } | undefined {
  return order.claimedBy && order.claimExpiresAt && order.claimExpiresAt > now
    ? { by: order.claimedBy, until: order.claimExpiresAt }
    : undefined;
}

function claimedByOther(orderId: string, holder: { by: string; until: Date }): CentreRefusal {
  return refuse(
    409,
    `order ${orderId} is being read by ${holder.by}, whose claim runs until ${holder.until.toISOString()}`,
    'orderId',
  );
}

/** Refused unless `reader` holds a live claim on the order. */
function claimHeldBy(c: CommandContext, reader: Reader): CentreRefusal | undefined {
  const holder = liveClaim(c.order, c.now);
  if (holder?.by === reader.username) return undefined;
  if (holder) return claimedByOther(c.order.orderId, holder);
  const expired =
    c.order.claimedBy === reader.username && c.order.claimExpiresAt
      ? `: ${reader.username}'s claim expired at ${c.order.claimExpiresAt.toISOString()}`
      : '';
  return refuse(
    409,
    `claim order ${c.order.orderId} before writing its report${expired}`,
    'orderId',
  );
}

/** Refused unless the order's report may be written now (a draft, or a version to start). */
function writable(c: CommandContext, spec: ReadingSpec): CentreRefusal | undefined {
  const { orderId, status } = c.order;
  switch (status) {
    case 'awaiting-images':
      return refuse(409, spec.nothingToRead(orderId), 'orderId');
    case 'awaiting-cosign':
      return refuse(
        409,
        `the report of order ${orderId} is signed and waits for a co-signature: it cannot be changed`,
        'orderId',
      );
    case 'final':
      return refuse(
        409,
        `the report of order ${orderId} is signed and is never changed in place: amend it`,
        'orderId',
      );
    case 'unread':
    case 'claimed':
    case 'draft':
    case 'amending':
    case 'preliminary':
      return undefined;
  }
}

/** Refused unless the order's latest version is a complete draft. */
function signable(c: CommandContext, spec: ReadingSpec): CentreRefusal | undefined {
  const { orderId, status } = c.order;
  const latest = c.latest;
  switch (status) {
    case 'awaiting-cosign':
      return refuse(
        409,
        `the report of order ${orderId} was signed by ${latest?.signedBy} and waits for a licensed reader's co-signature`,
        'orderId',
      );
    case 'final':
      return refuse(409, `the report of order ${orderId} is signed already`, 'orderId');
    case 'amending':
      return refuse(
        409,
        `version ${latest?.version} of the report of order ${orderId} has not been saved since the amendment started: save the amended draft first`,
        'orderId',
      );
    case 'awaiting-images':
      return refuse(409, spec.nothingToRead(orderId), 'orderId');
    case 'unread':
    case 'claimed':
    case 'preliminary':
      return refuse(409, `the report of order ${orderId} has no draft to sign`, 'orderId');
    case 'draft':
      break;
  }
  if (!latest?.findings.trim() || !latest.impression.trim())
    return refuse(
      409,
      `the draft of order ${orderId} needs both findings and impression before it is signed`,
      'orderId',
    );
  return undefined;
}

/** What a version says and who wrote, signed and co-signed it, for the reading's view. */
function written(version: ReportVersion): Partial<ReadingView> {
  return {
    findings: version.findings,
    impression: version.impression,
    ...(version.coded ? { coded: version.coded } : {}),
    ...(version.criticalText ? { critical: { text: version.criticalText } } : {}),
    author: version.author,
    ...(version.signedBy ? { signedBy: version.signedBy } : {}),
    ...(version.signedAt ? { signedAt: version.signedAt.toISOString() } : {}),
    ...(version.cosignedBy ? { cosignedBy: version.cosignedBy } : {}),
    ...(version.cosignedAt ? { cosignedAt: version.cosignedAt.toISOString() } : {}),
    ...(version.amendmentReason ? { amendmentReason: version.amendmentReason } : {}),
  };
}

function worklistItem(
  row: OrderReading,
  now: Date,
  materialKey: ReadingSpec['materialKey'],
): ReadingItem {
  const claim = liveClaim(row, now);
  const running = AWAITING_REPORT.includes(row.status);
  return {
    orderId: row.orderId,
    ...(row.accession ? { accessionNumber: row.accession } : {}),
    code: row.code,
    priority: row.effectivePriority,
    ...(row.effectivePriority !== row.priority ? { orderedPriority: row.priority } : {}),
    requesterOrg: row.requesterOrg,
    ...(row.material ? { [materialKey]: row.material[0] } : {}),
    modalities: row.modalities,
    ...(row.flags.length ? { flags: row.flags } : {}),
    ...(row.materialAt ? { imagesAt: row.materialAt.toISOString() } : {}),
    ...(row.dueAt ? { dueAt: row.dueAt.toISOString() } : {}),
    ...(row.dueAt && running
      ? { minutesLeft: Math.round((row.dueAt.getTime() - now.getTime()) / 60_000) || 0 }
      : {}),
    status: row.status,
    ...(claim ? { claimedBy: claim.by, claimExpiresAt: claim.until.toISOString() } : {}),
  };
}
