import { createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { type INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { type NextFunction, type Request, type Response } from 'express';
import { Queues } from '@hub/contracts';
import { redisOptions } from '@hub/platform';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type Principal } from '../auth/principal';
import { type GatewayConfig } from '../config';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const ALLOWED_ROLES = ['it-ops', 'admin'];
const BASIC_CACHE_MS = 60_000;

/**
 * Mounts bull-board at /admin/queues for IT staff and administrators. A browser signs in with
 * HTTP Basic (the hub's username and password); tools may send a bearer token instead.
 * Returns a function that closes the dashboard's queue connections.
 */
export function mountQueueDashboard(
  app: INestApplication,
  config: GatewayConfig,
): () => Promise<void> {
  const queues = Object.values(Queues).map(
    (name) =>
      new Queue(name, {
        connection: { ...redisOptions(config.REDIS_URL), maxRetriesPerRequest: 1 },
        prefix: config.REDIS_PREFIX,
      }),
  );
  for (const queue of queues) queue.on('error', () => undefined);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: '队列监控 Queues' } },
  });
  const auth = app.get(AuthService);
  const audit = app.get(AuditService);
  const basicCache = new Map<string, { principal: Principal; until: number }>();

  const guard = (request: Request, response: Response, next: NextFunction) => {
    authenticate(request.headers.authorization ?? '', request.ip)
      .then(async (principal) => {
        if (!principal) {
          response.setHeader(
            'WWW-Authenticate',
            'Basic realm="Consortium Hub queues", charset="UTF-8"',
          );
          response.status(401).json({ error: 'sign in as an IT operations user or administrator' });
          return;
        }
        if (!principal.roles.some((role) => ALLOWED_ROLES.includes(role))) {
          response
            .status(403)
            .json({ error: 'the queue dashboard is for IT operations and administrators' });
          return;
        }
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          // Retrying, promoting or cleaning jobs replays or discards work: who did it is audited.
          await audit.record({
            type: '110100',
            subtype: `queue-${request.method.toLowerCase()}`,
            action: request.method === 'DELETE' ? 'D' : 'E',
            agent: {
              subject: principal.subject,
              kind: principal.kind,
              org: principal.org,
              roles: principal.roles,
              ip: request.ip,
              purpose: 'HOPERAT',
            },
            query: `${request.method} ${QUEUE_DASHBOARD_PATH}${request.path}`,
          });
        }
        next();
      })
      .catch(next);
  };

  async function authenticate(header: string, ip?: string): Promise<Principal | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer) return auth.verify(bearer[1]);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (!basic) return undefined;
    // The dashboard loads many assets; remember a verified login briefly instead of running the KDF each time.
    const key = createHash('sha256').update(basic[1]).digest('hex');
    const cached = basicCache.get(key);
    if (cached && cached.until > Date.now()) return cached.principal;
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const signIn = await auth.login(decoded.slice(0, colon), decoded.slice(colon + 1), ip, false);
    const principal = signIn.ok ? await auth.verify(signIn.token.access_token) : undefined;
    if (principal) basicCache.set(key, { principal, until: Date.now() + BASIC_CACHE_MS });
    return principal;
  }

  app.use(QUEUE_DASHBOARD_PATH, guard, serverAdapter.getRouter());
  return async () => {
    await Promise.all(queues.map((queue) => queue.close()));
  };
}
