import { type ArgumentsHost, Catch, Inject, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { type Response } from 'express';
import { type Observable, throwError } from 'rxjs';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

/**
 * A centre's errors while its PostgreSQL is unavailable. Over HTTP (DICOMweb, through the
 * gateway's proxy) the answer is a 503 with Retry-After and a JSON body saying nothing was stored;
 * over request/reply messages the gateway gets an error with code {@link DATABASE_UNAVAILABLE} and
 * answers its caller 503 in turn. Every other error keeps Nest's usual answer.
 */
@Catch()
export class CentreExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('CentreErrors');
  private readonly rpc = new BaseRpcExceptionFilter();

  constructor(@Inject(CENTRE_CONFIG) private readonly config: CentreConfig) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> | void {
    const unavailable = isDatabaseUnavailable(exception);
    if (unavailable)
      this.logger.warn(
        { error: exception instanceof Error ? exception.message : String(exception) },
        'database unavailable: request refused for now',
      );
    if (host.getType() === 'rpc') {
      if (!unavailable) return this.rpc.catch(exception, host);
      return throwError(() => ({
        status: 'error',
        code: DATABASE_UNAVAILABLE,
        message: `the ${this.config.centre} centre's database is unavailable`,
      }));
    }
    if (host.getType() !== 'http' || !unavailable) return super.catch(exception, host);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(503)
      .setHeader('Retry-After', String(this.config.DB_RETRY_AFTER_S))
      .json({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `the ${this.config.centre} centre's database is unavailable right now; nothing was stored: send the request again in ${this.config.DB_RETRY_AFTER_S} s`,
      });
  }
}
