import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
} from '@nestjs/common';
import { type Request, type Response } from 'express';
import { FhirError, type IssueType, operationOutcome } from '@hub/fhir';
import { maskResidentIdsInText } from '@hub/identity';
import { isDatabaseUnavailable } from '@hub/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

const ISSUE_BY_STATUS: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  412: 'conflict',
  413: 'too-long',
  415: 'not-supported',
  422: 'invalid',
  429: 'throttled',
};

/**
 * The one place where errors become HTTP answers. Every error is an OperationOutcome with a
 * precise diagnostics; an unexpected error is logged with its stack and answered with a 500 that
 * gives nothing away. While PostgreSQL (the gateway's or a centre's) is unavailable the answer is
 * a 503 with Retry-After and issue code `transient`: nothing was stored, send it again later.
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(
        { method: request.method, url: request.originalUrl, error: describe(exception) },
        'database unavailable: answered 503',
      );
      response
        .status(503)
        .setHeader('Retry-After', String(this.config.DB_RETRY_AFTER_S))
        .type('application/fhir+json')
        .send(
          JSON.stringify(
            operationOutcome(
              'error',
              'transient',
              `the hub's database is unavailable right now; nothing was stored: send the request again in ${this.config.DB_RETRY_AFTER_S} s`,
            ),
          ),
        );
      return;
    }
    const { status, outcome } = toOutcome(exception);
    if (status >= 500) {
      this.logger.error(
        { err: exception, method: request.method, url: request.originalUrl },
        'unexpected error',
      );
    }
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="consortium-hub"');
    // An error message never repeats an identity number a caller sent.
    for (const issue of outcome.issue)
      if (issue.diagnostics) issue.diagnostics = maskResidentIdsInText(issue.diagnostics);
    response.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
  }
}

function toOutcome(exception: unknown) {
  if (exception instanceof FhirError)
    return { status: exception.status, outcome: exception.toOperationOutcome() };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    let diagnostics = Array.isArray(raw)
      ? raw.join('; ')
      : typeof raw === 'string'
        ? raw
        : exception.message;
    // Nest turns body-parser's SyntaxError into a plain 400 carrying the parser's message.
    if (status === 400 && /JSON/.test(diagnostics))
      diagnostics = `the request body is not valid JSON (${diagnostics})`;
    return {
      status,
      outcome: operationOutcome(
        'error',
        ISSUE_BY_STATUS[status] ?? (status >= 500 ? 'exception' : 'processing'),
        diagnostics,
      ),
    };
  }
  const parserError = exception as { type?: string; status?: number };
  if (parserError?.type === 'entity.parse.failed') {
    return {
      status: 400,
      outcome: operationOutcome('error', 'invalid', 'the request body is not valid JSON'),
    };
  }
  if (parserError?.type === 'entity.too.large') {
    return {
      status: 413,
      outcome: operationOutcome(
        'error',
        'too-long',
        'the request body is larger than this endpoint accepts',
      ),
    };
  }
  if (
    parserError?.status === 415 ||
    parserError?.type === 'encoding.unsupported' ||
    parserError?.type === 'charset.unsupported'
  ) {
    return {
      status: 415,
      outcome: operationOutcome(
        'error',
        'not-supported',
        'unsupported content encoding or charset',
      ),
    };
  }
  return {
    status: 500,
    outcome: operationOutcome(
      'fatal',
      'exception',
      'internal error: the request was not completed; the server log has the details',
    ),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}
