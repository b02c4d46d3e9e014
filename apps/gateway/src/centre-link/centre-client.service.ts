import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ClientProxy } from '@nestjs/microservices';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import {
  type Centre,
  type CentreHealthReply,
  MessageNames,
  type MessageName,
  type ReportGetReply,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  type StudySummary,
  centrePattern,
} from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { createMessageClient } from '@hub/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** ioredis' errors while the connection to Redis is down. */
const UNREACHABLE = /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT/;

/**
 * Request/reply with the centres over @nestjs/microservices (Redis transport). Every call has a
 * deadline so a centre that is down gives a clear failure instead of a hung request.
 */
@Injectable()
export class CentreClient implements OnModuleDestroy {
  private readonly client: ClientProxy;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.client = createMessageClient(config.REDIS_URL);
  }

  health(centre: Centre, deadlineMs = 2000): Promise<CentreHealthReply> {
    return this.send<CentreHealthReply>(centre, MessageNames.Health, {}, deadlineMs);
  }

  getReport(centre: Centre, reportId: string, version?: number): Promise<ReportGetReply | null> {
    return this.send<ReportGetReply | null>(centre, MessageNames.ReportGet, { reportId, version });
  }

  submitLabResults(request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    return this.send<ResultSubmitReply>('lab', MessageNames.ResultSubmit, request);
  }

  /** A stored study's summary from the imaging archive, or null when it does not know it. */
  study(studyInstanceUid: string): Promise<StudySummary | null> {
    return this.send<StudySummary | null>('imaging', MessageNames.StudyGet, { studyInstanceUid });
  }

  /** Any of the lab's request/reply messages (specimens, verification); see libs/contracts. */
  lab<T>(message: MessageName, payload: unknown): Promise<T> {
    return this.send<T>('lab', message, payload);
  }

  /** Any of the imaging centre's request/reply messages (reading); see libs/contracts. */
  imaging<T>(message: MessageName, payload: unknown): Promise<T> {
    return this.send<T>('imaging', message, payload);
  }

  /**
   * Any request/reply message of a centre; see libs/contracts. A centre that does not answer by
   * the deadline (down, restarting) or cannot be reached (Redis away) is a 503 the caller may
   * retry, not a 500: the
   * message changed nothing the caller can rely on, and the centre's handlers are idempotent.
   */
  async send<T>(
    centre: Centre,
    message: MessageName,
    payload: unknown,
    deadlineMs = this.config.MESSAGE_TIMEOUT_MS,
  ): Promise<T> {
    try {
      return await firstValueFrom(
        this.client
          .send<T>(centrePattern(this.config.REDIS_PREFIX, centre, message), payload)
          .pipe(timeout(deadlineMs)),
      );
    } catch (error) {
      if (error instanceof TimeoutError)
        throw new FhirError(
          503,
          'transient',
          `the ${centre} centre did not answer ${message} within ${deadlineMs} ms; try again`,
        );
      // Redis (the message transport) is away: nothing was sent.
      if (error instanceof Error && UNREACHABLE.test(error.message))
        throw new FhirError(
          503,
          'transient',
          `the ${centre} centre cannot be reached now (${error.message}); try again`,
        );
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.close();
  }
}
