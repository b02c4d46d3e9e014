import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type Centre } from '@hub/contracts';
import { type HealthStatus, RedisPinger, probe } from '@hub/platform';
import { CentreClient } from '../centre-link/centre-client.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** What the gateway can see of the hub's parts, each probed with the probe deadline. */
export interface HubProbes {
  database: HealthStatus;
  redis: HealthStatus;
  centres: Array<{ name: Centre; status: HealthStatus }>;
}

/**
 * The probes behind `GET /health` and `GET /api/ops/status`: PostgreSQL (`SELECT 1`), Redis
 * (PING) and each configured centre over its `health` message, all at once.
 */
@Injectable()
export class HubProbesService implements OnModuleDestroy {
  private readonly redis: RedisPinger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly centreClient: CentreClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.redis = new RedisPinger(config.REDIS_URL);
  }

  async probeAll(): Promise<HubProbes> {
    const [database, redis, ...centres] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.redis.ping()),
      ...this.config.CENTRES.map((centre) =>
        probe(async () => {
          const reply = await this.centreClient.health(centre);
          if (reply.status !== 'up') throw new Error('centre reports down');
        }),
      ),
    ]);
    return {
      database,
      redis,
      centres: this.config.CENTRES.map((name, i) => ({ name, status: centres[i] })),
    };
  }

  onModuleDestroy(): void {
    this.redis.close();
  }
}
