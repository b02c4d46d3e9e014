import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type {
  DiagnosticReport,
  Observation,
  Patient,
  ServiceRequest,
  Specimen,
  Task,
} from 'fhir/r4';
import { type DataSource } from 'typeorm';
import { type OrderStatusDeliverPayload, type ReportDeliverPayload } from '@hub/contracts';
import { parseReference } from '@hub/fhir';
import { Hl7v2Message, declaredCharset, decode, encode } from '@hub/hl7v2';
import { fullAccess } from '../fhir/access-scope';
import { FhirStore } from '../fhir/fhir-store.service';
import { MetricsService } from '../metrics/metrics.service';
import { sendOverMllp } from './mllp-sender';
import { fetchToken, postTransaction, reportBundle } from './fhir-delivery';
import { buildOrderStatus, buildOru } from './oru-builder';

export type DeliveryOutcome = 'delivered' | 'not-configured' | 'already-delivered';

interface Endpoint {
  kind: 'mllp' | 'fhir' | 'none';
  host: string | null;
  port: number | null;
  charset: string;
  fhir_base_url: string | null;
  token_url: string | null;
  client_id: string | null;
  client_secret_env: string | null;
}

/** How long to wait for a clinic's ACK. */
const ACK_TIMEOUT_MS = 30_000;

/**
 * Sends a stored report to the ordering clinic's own system as ORU^R01 over MLLP, when the clinic
 * has configured an endpoint (otherwise it reads the report over FHIR). Every attempt is in the HL7
 * message log. A clinic that is down makes the job fail and BullMQ retry it later (other clinics'
 * deliveries go on); a clinic that answers AE/AR rejected the report: that is final, kept as
 * failed with its reason.
 */
@Injectable()
export class ReportDeliveryService {
  private readonly logger = new Logger(ReportDeliveryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: FhirStore,
    private readonly metrics: MetricsService,
  ) {}

  async deliver(job: ReportDeliverPayload): Promise<DeliveryOutcome> {
    const endpoint = await this.endpointOf(job.org);
    if (!endpoint || endpoint.kind === 'none' || !endpoint.host || !endpoint.port)
      return 'not-configured';
    if (await this.delivered(controlIdFor(job))) return 'already-delivered';

    const report = await this.store.find<DiagnosticReport & { id: string }>(
      'DiagnosticReport',
      job.reportId,
      fullAccess,
    );
    const order = await this.store.find<ServiceRequest & { id: string }>(
      'ServiceRequest',
      job.orderId,
      fullAccess,
    );
    const patientId = parseReference(report?.subject)?.id;
    const patient = patientId
      ? await this.store.find<Patient & { id: string }>('Patient', patientId, fullAccess)
      : undefined;
    if (!report || !order || !patient)
      throw new UnrecoverableError(
        `report ${job.reportId}, its order or its patient is not in the record`,
      );
    const observations: Array<Observation & { id: string }> = [];
    for (const reference of report.result ?? []) {
      const id = parseReference(reference)?.id;
      const observation = id
        ? await this.store.find<Observation & { id: string }>('Observation', id, fullAccess)
        : undefined;
      if (observation) observations.push(observation);
    }

    if (endpoint.kind === 'fhir')
      return this.deliverToFhir(job, endpoint, patient, report, observations);
    if (!endpoint.host || !endpoint.port) return 'not-configured';

    const text = buildOru({
      controlId: controlIdFor(job),
      receiver: { facility: job.org, charset: endpoint.charset },
      patient,
      order,
      report,
      observations,
      correction: report.status === 'amended' || report.status === 'corrected',
    });
    await this.sendOverMllp(endpoint, text, {
      messageType: 'ORU^R01',
      org: job.org,
      controlId: controlIdFor(job),
      orderId: job.orderId,
      patientId: patient.id,
      what: `report ${job.reportId}`,
    });
    this.logger.log({ reportId: job.reportId, org: job.org }, 'report delivered');
    return 'delivered';
  }

  /**
   * Tells the clinic's system that its order is held or failed, with the reason (a rejected
   * specimen to recollect), as ORM^O01 over MLLP. A member with a FHIR endpoint reads the Task
   * (its status and statusReason) from the hub instead.
   */
  async deliverStatus(job: OrderStatusDeliverPayload): Promise<DeliveryOutcome> {
    const endpoint = await this.endpointOf(job.org);
    if (!endpoint || endpoint.kind !== 'mllp' || !endpoint.host || !endpoint.port)
      return 'not-configured';
    const controlId = `S${job.taskId.replace(/-/g, '').slice(0, 16)}V${job.taskVersion}`;
    if (await this.delivered(controlId)) return 'already-delivered';
    const task = await this.store.find<Task & { id: string }>('Task', job.taskId, fullAccess);
    const order = await this.store.find<ServiceRequest & { id: string }>(
      'ServiceRequest',
      job.orderId,
      fullAccess,
    );
    const patientId = parseReference(order?.subject)?.id;
    const patient = patientId
      ? await this.store.find<Patient & { id: string }>('Patient', patientId, fullAccess)
      : undefined;
    if (!task || !order || !patient)
      throw new UnrecoverableError(
        `order ${job.orderId}, its Task or its patient is not in the record`,
      );
    if (task.status !== 'on-hold' && task.status !== 'failed') return 'already-delivered';
    const specimenId = parseReference(order.specimen?.[0])?.id;
    const specimen = specimenId
      ? await this.store.find<Specimen & { id: string }>('Specimen', specimenId, fullAccess)
      : undefined;
    const text = buildOrderStatus({
      controlId,
      receiver: { facility: job.org, charset: endpoint.charset },
      patient,
      order,
      status: task.status,
      reason: task.statusReason?.text ?? '',
      accession: specimen?.accessionIdentifier?.value,
    });
    await this.sendOverMllp(endpoint, text, {
      messageType: 'ORM^O01',
      org: job.org,
      controlId,
      orderId: job.orderId,
      patientId: patient.id,
      what: `the status of order ${job.orderId}`,
    });
    this.logger.log({ orderId: job.orderId, org: job.org }, 'order status delivered');
    return 'delivered';
  }

  private async endpointOf(org: string): Promise<Endpoint | undefined> {
    const endpoints = await this.dataSource.query<Endpoint[]>(
      `SELECT kind, host, port, charset, fhir_base_url, token_url, client_id, client_secret_env
       FROM gateway.delivery_endpoint WHERE org_code = $1 AND active`,
      [org],
    );
    return endpoints[0];
  }

  private async delivered(controlId: string): Promise<boolean> {
    const done = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM gateway.hl7_message WHERE direction = 'out' AND status = 'delivered' AND control_id = $1`,
      [controlId],
    );
    return done.length > 0;
  }

  /**
   * Sends one message to the member over MLLP, logged in the message log before it leaves. An
   * unreachable member throws (BullMQ retries with backoff); an AE/AR is final (kept as failed
   * with the member's answer).
   */
  private async sendOverMllp(
    endpoint: Endpoint,
    text: string,
    message: {
      messageType: string;
      org: string;
      controlId: string;
      orderId: string;
      patientId: string;
      what: string;
    },
  ): Promise<void> {
    const host = endpoint.host as string;
    const port = endpoint.port as number;
    const { encoding } = declaredCharset(Buffer.from(text.split('\r')[0], 'latin1'));
    const raw = encode(text, encoding);
    const peer = `${host}:${port}`;
    const logged = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO gateway.hl7_message (direction, transport, peer, facility, message_type, control_id, charset, raw, status, order_ids, patient_id)
       VALUES ('out', 'mllp', $1, $2, $3, $4, $5, $6, 'received', $7, $8) RETURNING id`,
      [
        peer,
        message.org,
        message.messageType,
        message.controlId,
        endpoint.charset,
        raw,
        [message.orderId],
        message.patientId,
      ],
    );
    const started = process.hrtime.bigint();
    let reply: Buffer;
    try {
      reply = await sendOverMllp(host, port, raw, ACK_TIMEOUT_MS);
    } catch (error) {
      await this.finish(logged[0].id, 'failed', null, null, (error as Error).message);
      this.metrics.recordHl7(
        'out',
        message.messageType,
        message.org,
        'unreachable',
        seconds(started),
      );
      throw error; // retried with backoff
    }
    const ackCode = readAckCode(reply, encoding);
    this.metrics.recordHl7(
      'out',
      message.messageType,
      message.org,
      ackCode ?? 'invalid',
      seconds(started),
    );
    if (ackCode === 'AA' || ackCode === 'CA') {
      await this.finish(logged[0].id, 'delivered', ackCode, reply, null);
      return;
    }
    const reason = `the clinic answered ${ackCode ?? 'something that is not an ACK'}`;
    await this.finish(logged[0].id, 'failed', ackCode ?? null, reply, reason);
    throw new UnrecoverableError(`${message.what} rejected by ${message.org}: ${reason}`);
  }

  /** The report as a transaction Bundle to the member's FHIR server (fhir-kit-client). */
  private async deliverToFhir(
    job: ReportDeliverPayload,
    endpoint: Endpoint,
    patient: Patient,
    report: DiagnosticReport & { id: string },
    observations: Array<Observation & { id: string }>,
  ): Promise<DeliveryOutcome> {
    const base = endpoint.fhir_base_url as string;
    let token: string | undefined;
    if (endpoint.token_url && endpoint.client_id) {
      const secret = endpoint.client_secret_env
        ? process.env[endpoint.client_secret_env]
        : undefined;
      if (!secret)
        throw new UnrecoverableError(
          `the FHIR delivery secret for ${job.org} is not set (environment variable ${endpoint.client_secret_env ?? '(none named)'})`,
        );
      token = await fetchToken(endpoint.token_url, endpoint.client_id, secret);
    }
    const started = process.hrtime.bigint();
    try {
      await postTransaction(
        base,
        token,
        reportBundle({ org: job.org, patient, report, observations }),
      );
    } catch (error) {
      const status = (error as { response?: { status?: number } }).response?.status;
      this.metrics.recordHl7(
        'out',
        'FHIR-transaction',
        job.org,
        String(status ?? 'unreachable'),
        seconds(started),
      );
      // A 4xx other than 408/429 is the member refusing the content: final. Anything else: retry.
      if (status && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        throw new UnrecoverableError(
          `report ${job.reportId} refused by ${job.org}'s FHIR server (HTTP ${status})`,
        );
      }
      throw error;
    }
    this.metrics.recordHl7('out', 'FHIR-transaction', job.org, '200', seconds(started));
    this.logger.log(
      { reportId: job.reportId, org: job.org, base },
      'report delivered to FHIR server',
    );
    return 'delivered';
  }

  private async finish(
    id: string,
    status: 'delivered' | 'failed',
    ackCode: string | null,
    ack: Buffer | null,
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE gateway.hl7_message SET status = $2, ack_code = $3, ack = $4, error = $5, completed_at = now() WHERE id = $1`,
      [id, status, ackCode, ack, error],
    );
  }
}

/**
 * One control id per report version (and per reusing order), so a retried delivery is
 * recognisable as the same message.
 */
export function controlIdFor(job: ReportDeliverPayload): string {
  return job.reuse
    ? `U${job.orderId.replace(/-/g, '').slice(0, 16)}V${job.version}`
    : `R${job.reportId.replace(/-/g, '').slice(0, 16)}V${job.version}`;
}

function readAckCode(reply: Buffer, encoding: string): string | undefined {
  try {
    return (
      Hl7v2Message.parse(decode(reply, encoding)).segment('MSA')?.get(1)?.toUpperCase() || undefined
    );
  } catch {
    return undefined;
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
