import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type Centre } from '@hub/contracts';
import { type HealthStatus, RedisPinger, probe } from '@hub/platform';
import { CentreClient } from '../centre-link/centre-client.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { HubQueuesService, type QueueCounts } from './hub-queues.service';

export type OverallStatus = 'up' | 'degraded' | 'down';

/** The hub at a glance for IT operations (`GET /api/ops/status`). */
export interface OpsStatus {
  checkedAt: string;
  status: OverallStatus;
  database: HealthStatus;
  redis: HealthStatus;
  apps: Array<{ name: 'gateway' | Centre; status: HealthStatus }>;
  queues: QueueCounts[];
}

/**
 * The hub is down without its database or Redis (no order is taken or routed), degraded while a
 * centre does not answer (its work waits in its queue), up otherwise. Failed or paused jobs do
 * not change it: they are listed per queue.
 */
export function overallStatus(
  database: HealthStatus,
  redis: HealthStatus,
  apps: ReadonlyArray<{ status: HealthStatus }>,
): OverallStatus {
  if (database === 'down' || redis === 'down') return 'down';
  return apps.every((app) => app.status === 'up') ? 'up' : 'degraded';
}

/**
 * The same probes as `GET /health` (PostgreSQL, Redis, each configured centre over its `health`
 * message, each with the probe deadline) and the job counts of every queue of the hub.
 */
@Injectable()
export class OpsStatusService implements OnModuleDestroy {
  private readonly redis: RedisPinger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly centres: CentreClient,
    private readonly queues: HubQueuesService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.redis = new RedisPinger(config.REDIS_URL);
  }

  async status(): Promise<OpsStatus> {
    const [database, redis, queues, ...centreStatuses] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.redis.ping()),
      this.queues.counts(),
      ...this.config.CENTRES.map((centre) =>
        probe(async () => {
          const reply = await this.centres.health(centre);
          if (reply.status !== 'up') throw new Error('centre reports down');
        }),
      ),
    ]);
    // The gateway answers this request, so it is up.
    const apps: OpsStatus['apps'] = [
      { name: 'gateway', status: 'up' },
      ...this.config.CENTRES.map((name, i) => ({ name, status: centreStatuses[i] })),
    ];
    return {
      checkedAt: new Date().toISOString(),
      status: overallStatus(database, redis, apps),
      database,
      redis,
      apps,
      queues,
    };
  }

  onModuleDestroy(): void {
    this.redis.close();
  }
}
