import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { FhirError } from '@hub/fhir';
import { isDatabaseUnavailable } from '@hub/platform';
import {
  type AckError,
  ErrorCodes,
  Hl7ParseError,
  Hl7v2Message,
  UnsupportedCharsetError,
  type OrderResponseItem,
  buildAck,
  orderResponse,
  declaredCharset,
  decode,
  encode,
} from '@hub/hl7v2';
import { type AuditAgent } from '../audit/accessor';
import {
  ConsortiumService,
  MEMBER_KINDS,
  type OrganizationRecord,
} from '../consortium/consortium.service';
import { MetricsService } from '../metrics/metrics.service';
import { OrderCancelService } from '../order/order-cancel.service';
import { OrderIntakeService } from '../order/order-intake.service';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { PatientService } from '../patient/patient.service';
import { LabResultService } from '../result/lab-result.service';
import { Hl7Refusal, mapOrderMessage } from './hl7-order.mapper';
import { mapResultMessage } from './hl7-result.mapper';

export interface InboundContext {
  transport: 'mllp' | 'http';
  /** Remote address (and port) of the sender. */
  peer: string;
  /** For HTTP: the organisation of the authenticated caller, which MSH-4 must name. */
  authenticatedOrg?: string;
  /** The logged message this one replays. */
  replayOf?: string;
  /** The sender's IP address, checked against the facility's allowed networks (MLLP only). */
  address?: string;
}

export interface InboundResult {
  /** The ACK, encoded in the sender's character set. */
  ack: Buffer;
  /** MSH-9 and MSH-4 as far as they could be read (for metrics). */
  messageType: string;
  facility: string;
  ackCode: 'AA' | 'AE' | 'AR';
  charset: string;
  messageId: string;
}

const ORDER_TYPES = new Set(['ORM^O01', 'OML^O21']);
const RESULT_TYPES = new Set(['ORU^R01']);

/**
 * Every inbound HL7 v2 message: logged with its raw bytes before anything else (so nothing is ever
 * lost or silently dropped), decoded in the character set MSH-18 declares, parsed, and for orders
 * fed through the same intake as FHIR. The ACK is AA only after the orders and the log are
 * committed; anything refused gets AE/AR with an ERR naming the segment and field, and changes
 * nothing but the log.
 */
@Injectable()
export class Hl7InboundService {
  private readonly logger = new Logger(Hl7InboundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consortium: ConsortiumService,
    private readonly patients: PatientService,
    private readonly intake: OrderIntakeService,
    private readonly relay: OutboxRelayService,
    private readonly labResults: LabResultService,
    private readonly cancels: OrderCancelService,
    private readonly metrics: MetricsService,
  ) {}

  async handle(raw: Buffer, context: InboundContext): Promise<InboundResult> {
    const started = process.hrtime.bigint();
    const result = await this.handleLogged(raw, context);
    this.metrics.recordHl7(
      'in',
      result.messageType,
      result.facility,
      result.ackCode,
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return result;
  }

  private async handleLogged(raw: Buffer, context: InboundContext): Promise<InboundResult> {
    const logged = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO gateway.hl7_message (direction, transport, peer, raw, status, replay_of) VALUES ('in', $1, $2, $3, 'received', $4) RETURNING id`,
      [context.transport, context.peer, raw, context.replayOf ?? null],
    );
    const messageId = logged[0].id;
    let encoding = 'utf-8';
    let message: Hl7v2Message | undefined;
    try {
      const declared = declaredCharset(raw);
      encoding = declared.encoding;
      message = Hl7v2Message.parse(decode(raw, encoding));
      const facility = message.segment('MSH')?.get(4) ?? '';
      await this.dataSource.query(
        `UPDATE gateway.hl7_message SET facility = $2, message_type = $3, control_id = $4, charset = $5 WHERE id = $1`,
        [
          messageId,
          facility || null,
          message.messageType || null,
          message.controlId || null,
          declared.declared || 'UNICODE UTF-8',
        ],
      );
      const outcome = await this.process(message, facility, messageId, context);
      const response = ORDER_TYPES.has(message.messageType)
        ? orderResponse(message.messageType, await this.answeredOrders(outcome.orderIds))
        : undefined;
      return this.finish(messageId, message, encoding, 'AA', [], outcome, response);
    } catch (error) {
      // The store went away mid-message: nothing was committed; the listener answers AR.
      if (isDatabaseUnavailable(error)) throw error;
      const refusal = toRefusal(error);
      if (!refusal) {
        this.logger.error({ err: error, messageId }, 'HL7 message failed');
        return this.finish(messageId, message, encoding, 'AE', [
          {
            code: ErrorCodes.ApplicationInternalError,
            text: 'internal error: the message was logged and can be replayed once fixed',
          },
        ]);
      }
      return this.finish(messageId, message, encoding, refusal.ackCode, [refusal.error]);
    }
  }

  private async process(
    message: Hl7v2Message,
    facility: string,
    messageId: string,
    context: InboundContext,
  ): Promise<{ orderIds: string[]; patientId?: string }> {
    if (!facility) {
      throw new Hl7Refusal('AR', {
        code: ErrorCodes.RequiredFieldMissing,
        text: 'MSH-4 (sending facility) is required',
        location: { segment: 'MSH', field: 4 },
      });
    }
    const organization = await this.consortium.organization(facility);
    const unknownFacility = () =>
      new Hl7Refusal('AR', {
        code: ErrorCodes.UnknownKeyIdentifier,
        text: `MSH-4 sending facility "${facility}" is not a member unit of the consortium`,
        location: { segment: 'MSH', field: 4 },
      });
    if (!organization) throw unknownFacility();
    if (
      context.transport === 'mllp' &&
      !context.replayOf &&
      !(await this.allowedPeer(organization.code, context.address))
    ) {
      throw new Hl7Refusal('AR', {
        code: ErrorCodes.UnknownKeyIdentifier,
        text: `MSH-4 sending facility "${facility}" does not send from this network address`,
        location: { segment: 'MSH', field: 4 },
      });
    }
    if (context.authenticatedOrg && context.authenticatedOrg !== organization.code) {
      throw new Hl7Refusal('AR', {
        code: ErrorCodes.UnknownKeyIdentifier,
        text: `MSH-4 sending facility "${facility}" is not the organisation of your credentials`,
        location: { segment: 'MSH', field: 4 },
      });
    }
    if (RESULT_TYPES.has(message.messageType))
      return this.processResults(message, organization, messageId, context);
    if (!ORDER_TYPES.has(message.messageType)) {
      throw new Hl7Refusal('AR', {
        code: ErrorCodes.UnsupportedMessageType,
        text: `MSH-9 message type "${message.messageType || '(empty)'}" is not accepted here; send ORM^O01, OML^O21 or ORU^R01`,
        location: { segment: 'MSH', field: 9 },
      });
    }
    if (!MEMBER_KINDS.includes(organization.kind)) throw unknownFacility();
    const mapped = mapOrderMessage(message, organization.code);
    const agent: AuditAgent = {
      subject: `hl7:${organization.code}`,
      kind: 'client',
      org: organization.code,
      roles: ['clinic-system'],
      ip: context.peer,
      purpose: 'TREAT',
    };
    const result = await this.dataSource.transaction(async (manager) => {
      const patient = mapped.patient;
      const link = patient
        ? await this.patients
            .createOrLink(manager, patient, organization.code, 'PID', agent)
            .catch((error: unknown) => rethrowAt(error, 'PID', 3))
        : undefined;
      const orderIds: string[] = [];
      let routed = false;
      const orcs = message.segments('ORC');
      for (const order of mapped.orders) {
        if (order.control === 'CA') {
          const placer = order.request.identifier?.[0] ?? {};
          const cancelled = await this.cancels
            .cancel(
              manager,
              organization.code,
              placer,
              agent,
              orcs[order.index]?.get(16, 2) || undefined,
            )
            .catch((error: unknown) => rethrowAt(error, 'ORC', 2));
          orderIds.push(cancelled.orderId);
          routed ||= !cancelled.alreadyCancelled;
          continue;
        }
        if (!link) throw new Error('a new order without its patient');
        const intake = await this.intake
          .accept(
            manager,
            { ...order.request, subject: { reference: `Patient/${link.patient.id}` } },
            organization.code,
            `OBR[${order.index}]`,
            agent,
          )
          .catch((error: unknown) => rethrowAt(error, 'OBR', 4));
        orderIds.push(intake.serviceRequest.id);
        routed ||= intake.created;
      }
      await manager.query(
        `UPDATE gateway.hl7_message SET order_ids = $2, patient_id = $3 WHERE id = $1`,
        [messageId, orderIds, link?.patient.id ?? null],
      );
      return { orderIds, patientId: link?.patient.id, routed };
    });
    if (result.routed) this.relay.kick();
    return result;
  }

  /**
   * What the ORR^O02 / ORL^O22 says of each order: placer and hub numbers, what was ordered, and
   * for lab orders the accession number the clinic prints on the specimen label.
   */
  private async answeredOrders(orderIds: string[]): Promise<OrderResponseItem[]> {
    const rows = await this.dataSource.query<
      Array<{
        order_id: string;
        order_number: string;
        placer_value: string;
        code: string;
        code_system: string;
        status: string;
        accession: string | null;
        specimen_type: string | null;
        accession_number: string | null;
      }>
    >(
      `SELECT o.order_id, o.order_number, o.placer_value, o.code, o.code_system, o.status,
              sp.content->'accessionIdentifier'->>'value' AS accession,
              sp.content->'type'->'coding'->0->>'code' AS specimen_type,
              (SELECT i->>'value' FROM jsonb_array_elements(sr.content->'identifier') i
                WHERE i->'type'->'coding'->0->>'code' = 'ACSN' LIMIT 1) AS accession_number
       FROM gateway.service_order o
       JOIN gateway.fhir_resource sr ON sr.resource_type = 'ServiceRequest' AND sr.id = o.order_id
       LEFT JOIN gateway.fhir_resource sp ON sp.resource_type = 'Specimen'
         AND sp.id = split_part(sr.content->'specimen'->0->>'reference', '/', 2)
       WHERE o.order_id = ANY($1)`,
      [orderIds],
    );
    return orderIds.flatMap((id) => {
      const row = rows.find((r) => r.order_id === id);
      if (!row) return [];
      return [
        {
          control: row.status === 'cancelled' ? ('CR' as const) : ('OK' as const),
          placer: row.placer_value,
          filler: row.order_number,
          code: row.code,
          codeSystem: row.code_system,
          ...(row.accession || row.accession_number
            ? { accession: row.accession ?? row.accession_number ?? '' }
            : {}),
          ...(row.specimen_type ? { specimenType: row.specimen_type } : {}),
        },
      ];
    });
  }

  /** True when `address` is in one of the facility's allowed networks (hl7_peer). */
  private async allowedPeer(org: string, address: string | undefined): Promise<boolean> {
    if (!address) return false;
    const ip = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM gateway.hl7_peer WHERE org_code = $1 AND $2::inet <<= network`,
      [org, ip],
    );
    return rows.length > 0;
  }

  /**
   * Results from a centre's analyser middleware (MSH-4 = the centre, e.g. LAB), one order per
   * message so that a refusal changes nothing. They take the same path as `POST /api/lab/results`.
   */
  private async processResults(
    message: Hl7v2Message,
    organization: OrganizationRecord,
    messageId: string,
    context: InboundContext,
  ): Promise<{ orderIds: string[]; patientId?: string }> {
    if (organization.centre !== 'lab') {
      throw new Hl7Refusal('AR', {
        code: ErrorCodes.UnknownKeyIdentifier,
        text: `MSH-4 "${organization.code}" cannot send results: ORU^R01 is taken from the lab centre's analysers`,
        location: { segment: 'MSH', field: 4 },
      });
    }
    const groups = mapResultMessage(message);
    if (groups.length > 1) {
      throw new Hl7Refusal('AE', {
        code: ErrorCodes.SegmentSequence,
        text: 'send one order (one OBR with its OBX) per ORU^R01',
        location: { segment: 'OBR' },
      });
    }
    const [group] = groups;
    const orders = group.fillerNumber
      ? await this.dataSource.query<
          Array<{ order_id: string; centre: string; patient_id: string }>
        >(
          `SELECT order_id, centre, patient_id FROM gateway.service_order WHERE order_number = $1`,
          [group.fillerNumber],
        )
      : await this.dataSource.query<
          Array<{ order_id: string; centre: string; patient_id: string }>
        >(
          `SELECT order_id, centre, patient_id FROM gateway.service_order WHERE placer_value = $1 AND centre = 'lab'`,
          [group.placerNumber],
        );
    const where = group.fillerNumber ? { segment: 'OBR', field: 3 } : { segment: 'OBR', field: 2 };
    if (orders.length !== 1 || orders[0].centre !== 'lab') {
      throw new Hl7Refusal('AE', {
        code: ErrorCodes.UnknownKeyIdentifier,
        text: `OBR-${where.field}: ${orders.length > 1 ? 'more than one lab order has' : 'no lab order has'} the number "${group.fillerNumber ?? group.placerNumber}"`,
        location: where,
      });
    }
    const agent: AuditAgent = {
      subject: `hl7:${organization.code}`,
      kind: 'client',
      org: organization.code,
      roles: ['lab-tech'],
      ip: context.peer,
      purpose: 'TREAT',
    };
    await this.labResults
      .submit({ orderId: orders[0].order_id, results: group.results }, agent)
      .catch((error: unknown) => {
        if (!(error instanceof FhirError)) throw error;
        const index = /results\[(\d+)\]\.(\w+)/.exec(error.expression?.[0] ?? '');
        const fields: Record<string, number> = {
          code: 3,
          value: 5,
          unit: 6,
          effectiveDateTime: 14,
        };
        const field = index ? (fields[index[2]] ?? 3) : 3;
        throw new Hl7Refusal('AE', {
          code:
            error.status === 404 ? ErrorCodes.UnknownKeyIdentifier : ErrorCodes.TableValueNotFound,
          text: `OBX${index ? ` ${Number(index[1]) + 1}` : ''}: ${error.diagnostics}`,
          location: { segment: 'OBX', field },
        });
      });
    await this.dataSource.query(
      `UPDATE gateway.hl7_message SET order_ids = $2, patient_id = $3 WHERE id = $1`,
      [messageId, [orders[0].order_id], orders[0].patient_id],
    );
    return { orderIds: [orders[0].order_id], patientId: orders[0].patient_id };
  }

  private async finish(
    messageId: string,
    request: Hl7v2Message | undefined,
    encoding: string,
    code: 'AA' | 'AE' | 'AR',
    errors: AckError[],
    outcome?: { orderIds: string[]; patientId?: string },
    response?: { messageType: string; segments: string[] },
  ): Promise<InboundResult> {
    const text = buildAck({
      request,
      code,
      controlId: `ACK${randomUUID().replace(/-/g, '').slice(0, 16)}`,
      errors,
      response,
    });
    const ack = encode(text, encoding);
    await this.dataSource.query(
      `UPDATE gateway.hl7_message SET status = $2, ack_code = $3, ack = $4, error = $5, completed_at = now() WHERE id = $1`,
      [
        messageId,
        code === 'AA' ? 'processed' : 'refused',
        code,
        ack,
        errors.map((e) => e.text).join('; ') || null,
      ],
    );
    if (outcome?.orderIds.length)
      this.logger.log({ messageId, orders: outcome.orderIds.length }, 'HL7 orders accepted');
    return {
      ack,
      ackCode: code,
      charset: encoding,
      messageId,
      messageType: request?.messageType ?? '',
      // An AR may come from an unknown facility: keep such values out of metric labels.
      facility: code === 'AR' ? '' : (request?.segment('MSH')?.get(4) ?? ''),
    };
  }
}

/** A FhirError from intake, placed at the segment and field the HL7 sender recognises. */
function rethrowAt(error: unknown, segment: string, field: number): never {
  if (!(error instanceof FhirError)) throw error;
  const expression = error.expression?.[0] ?? '';
  const at = /birthDate/.test(expression)
    ? { segment: 'PID', field: 7 }
    : /extension/.test(expression)
      ? { segment: 'ORC', field: 16 }
      : /gender/.test(expression)
        ? { segment: 'PID', field: 8 }
        : /identifier/.test(expression) && segment === 'OBR'
          ? { segment: 'ORC', field: 2 }
          : /priority/.test(expression)
            ? { segment: 'OBR', field: 27 }
            : /subject|identifier/.test(expression)
              ? { segment: 'PID', field: 3 }
              : { segment, field };
  const code =
    error.code === 'code-invalid'
      ? ErrorCodes.TableValueNotFound
      : error.status === 409
        ? ErrorCodes.DuplicateKeyIdentifier
        : error.status === 403
          ? ErrorCodes.UnknownKeyIdentifier
          : ErrorCodes.DataTypeError;
  throw new Hl7Refusal('AE', {
    code,
    text: `${at.segment}-${at.field}: ${error.diagnostics}`,
    location: at,
  });
}

function toRefusal(error: unknown): Hl7Refusal | undefined {
  if (error instanceof Hl7Refusal) return error;
  if (error instanceof UnsupportedCharsetError) {
    return new Hl7Refusal('AR', {
      code: ErrorCodes.TableValueNotFound,
      text: `MSH-18: ${error.message}`,
      location: { segment: 'MSH', field: 18 },
    });
  }
  if (error instanceof Hl7ParseError)
    return new Hl7Refusal('AR', { code: ErrorCodes.SegmentSequence, text: error.message });
  if (error instanceof FhirError)
    return new Hl7Refusal('AE', { code: ErrorCodes.DataTypeError, text: error.diagnostics });
  return undefined;
}
