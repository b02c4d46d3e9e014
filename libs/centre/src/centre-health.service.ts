import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type CentreHealthReply } from '@hub/contracts';
import { type HealthStatus, RedisPinger, probe } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

/** What `GET /health` answers. */
export interface CentreHealth {
  status: HealthStatus;
  centre: string;
  database: HealthStatus;
  redis: HealthStatus;
}

export type { HealthStatus };

/** Whether the centre can work: its database and Redis answer. */
@Injectable()
export class CentreHealthService implements OnModuleDestroy {
  private readonly logger = new Logger(CentreHealthService.name);
  private readonly redis: RedisPinger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
  ) {
    this.redis = new RedisPinger(config.REDIS_URL);
  }

  async check(): Promise<CentreHealth> {
    const [database, redis] = await Promise.all([this.probeDatabase(), this.probeRedis()]);
    return {
      status: database === 'up' && redis === 'up' ? 'up' : 'down',
      centre: this.config.centre,
      database,
      redis,
    };
  }

  /** The answer to the gateway's `health` message; it arrived over Redis, so Redis is up. */
  async reply(): Promise<CentreHealthReply> {
    const database = await this.probeDatabase();
    return { centre: this.config.centre, status: database, database };
  }

  private probeDatabase(): Promise<HealthStatus> {
    return probe(
      () => this.dataSource.query('SELECT 1'),
      (reason) => this.down('database', reason),
    );
  }

  private probeRedis(): Promise<HealthStatus> {
    return probe(
      () => this.redis.ping(),
      (reason) => this.down('redis', reason),
    );
  }

  private down(dependency: string, reason: string): void {
    this.logger.warn({ dependency, error: reason }, `${dependency} is down`);
  }

  onModuleDestroy(): void {
    this.redis.close();
  }
}
