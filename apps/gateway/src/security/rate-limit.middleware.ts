import { createHash } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { operationOutcome } from '@hub/fhir';

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  authPerMinute: number;
  apiPerMinute: number;
}

/**
 * Rate limits shared by every gateway replica (counters in Redis): sign-in endpoints per client
 * address, everything else per caller (bearer token or address). If Redis is unreachable each
 * replica falls back to counting in memory rather than refusing service. `/health` is not limited.
 */
export function rateLimitMiddleware(options: RateLimitOptions) {
  const limiter = (name: string, points: number) =>
    new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.prefix}:ratelimit:${name}`,
      points,
      duration: 60,
      insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
    });
  const auth = limiter('auth', options.authPerMinute);
  const api = limiter('api', options.apiPerMinute);

  return (request: Request, response: Response, next: NextFunction) => {
    if (request.path === '/health') {
      next();
      return;
    }
    const isAuth = request.path.startsWith('/auth/');
    const credential = request.headers.authorization;
    const key =
      isAuth || !credential
        ? `ip:${request.ip}`
        : `cred:${createHash('sha256').update(credential).digest('hex').slice(0, 32)}`;
    (isAuth ? auth : api).consume(key).then(
      (result) => {
        response.setHeader('RateLimit-Remaining', String(result.remainingPoints));
        next();
      },
      (rejection: RateLimiterRes | Error) => {
        if (rejection instanceof Error) {
          next(rejection);
          return;
        }
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        response.setHeader('Retry-After', String(seconds));
        response
          .status(429)
          .type('application/fhir+json')
          .send(
            JSON.stringify(
              operationOutcome(
                'error',
                'throttled',
                `too many requests: try again in ${seconds} s`,
              ),
            ),
          );
      },
    );
  };
}
