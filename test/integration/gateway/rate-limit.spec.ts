import { type Server } from 'node:http';
import express from 'express';
import Redis from 'ioredis';
import { rateLimitMiddleware } from '../../../apps/gateway/src/security/rate-limit.middleware';

/** The rate limiter against the real Redis, behind a real HTTP server. */
describe('rate limits (real Redis)', () => {
  const prefix = `rl${process.pid}`;
  let redis: Redis;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(rateLimitMiddleware({ redis, prefix, authPerMinute: 3, apiPerMinute: 5 }));
    app.all('/{*path}', (_request, response) => {
      response.json({ ok: true });
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers 429 with an OperationOutcome and Retry-After once sign-ins exceed the limit', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${base}/auth/login`, { method: 'POST' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const outcome = (await last!.json()) as {
      resourceType: string;
      issue: Array<{ code: string }>;
    };
    expect(outcome).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'throttled' }],
    });
  });

  it('counts API calls per caller, so one busy client does not throttle another', async () => {
    const call = (token: string) =>
      fetch(`${base}/fhir/Patient`, { headers: { authorization: `Bearer ${token}` } });
    const busy: number[] = [];
    for (let i = 0; i < 6; i++) busy.push((await call('busy-client')).status);
    expect(busy).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await call('quiet-client')).status).toBe(200);
  });

  it('never limits /health', async () => {
    for (let i = 0; i < 8; i++) expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
