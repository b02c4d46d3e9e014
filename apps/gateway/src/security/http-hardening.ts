import { type INestApplication } from '@nestjs/common';
import { type NextFunction, type Request, type Response, json, raw, urlencoded } from 'express';
import helmet from 'helmet';
import Redis from 'ioredis';
import { redisOptions } from '@hub/platform';
import { QUEUE_DASHBOARD_PATH } from '../admin/queue-dashboard';
import { type GatewayConfig } from '../config';
import { rateLimitMiddleware } from './rate-limit.middleware';

/** Body size limits per route family: sign-in bodies are tiny, FHIR Bundles may be large. */
export const BODY_LIMITS = { auth: '16kb', api: '1mb', search: '64kb', ecg: '16mb' } as const;

/** What an ECG cart uploads: a DICOM waveform object or HL7 aECG XML. */
export const ECG_FILE_TYPES = ['application/dicom', 'application/xml', 'text/xml'];

/**
 * The gateway's HTTP hardening, applied before any route: security headers, CORS limited to the
 * configured origins, rate limits, and JSON/form parsers with a size limit per route family.
 * Returns a function that releases the rate limiter's Redis connection.
 */
export function hardenHttp(app: INestApplication, config: GatewayConfig): () => void {
  // The workbench shows rendered images fetched with the user's token, as blob: URLs.
  const strict = helmet({
    contentSecurityPolicy: {
      directives: { 'img-src': ["'self'", 'data:', 'blob:'] },
    },
  });
  // bull-board's page runs its own inline bootstrap script.
  const dashboard = helmet({ contentSecurityPolicy: false });
  app.use((request: Request, response: Response, next: NextFunction) =>
    request.path.startsWith(QUEUE_DASHBOARD_PATH)
      ? dashboard(request, response, next)
      : strict(request, response, next),
  );
  app.enableCors({
    origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false,
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Purpose-Of-Use'],
    exposedHeaders: ['Location', 'ETag', 'Last-Modified', 'Retry-After'],
    maxAge: 600,
  });

  const redis = new Redis({
    ...redisOptions(config.REDIS_URL),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  app.use(
    rateLimitMiddleware({
      redis,
      prefix: config.REDIS_PREFIX,
      authPerMinute: config.AUTH_RATE_PER_MINUTE,
      apiPerMinute: config.API_RATE_PER_MINUTE,
    }),
  );

  const fhirJson = ['application/fhir+json', 'application/json'];
  app.use(
    '/auth',
    json({ limit: BODY_LIMITS.auth }),
    urlencoded({ extended: false, limit: BODY_LIMITS.auth }),
  );
  // ECG recordings: the file's bytes, parsed by the ECG centre.
  app.use('/api/ecg/recordings', raw({ type: ECG_FILE_TYPES, limit: BODY_LIMITS.ecg }));
  app.use('/api', json({ limit: BODY_LIMITS.api }));
  // HL7 v2 over HTTP: the raw bytes, decoded later by the character set MSH-18 declares.
  app.use('/hl7', raw({ type: () => true, limit: BODY_LIMITS.api }));
  app.use(
    '/fhir',
    json({ type: fhirJson, limit: config.JSON_BODY_LIMIT }),
    urlencoded({ extended: false, limit: BODY_LIMITS.search }),
  );
  return () => redis.disconnect();
}
