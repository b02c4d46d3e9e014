import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { type DataSource } from 'typeorm';
import { type CentreHealthReply } from '@hub/contracts';
import { redisOptions } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

export type HealthStatus = 'up' | 'down';

/** What `GET /health` answers. */
export interface CentreHealth {
  status: HealthStatus;
  centre: string;
  database: HealthStatus;
  redis: HealthStatus;
}

/** A dependency that does not answer within this time counts as down. */
const PROBE_TIMEOUT_MS = 2500;

/** Whether the centre can work: its database and Redis answer. */
@Injectable()
export class CentreHealthService implements OnModuleDestroy {
  private readonly logger = new Logger(CentreHealthService.name);
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
  ) {
    this.redis = new Redis({
      ...redisOptions(config.REDIS_URL),
      lazyConnect: true,
      // Fail a ping at once while Redis is away instead of queueing it until it returns.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    // Connection errors are reported by the probe as `redis: down`; without a listener ioredis
    // would raise them as an unhandled 'error' event.
    this.redis.on('error', () => undefined);
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
    return this.probe('database', () => this.dataSource.query('SELECT 1'));
  }

  private probeRedis(): Promise<HealthStatus> {
    return this.probe('redis', async () => {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await this.redis.ping();
    });
  }

  private async probe(name: string, check: () => Promise<unknown>): Promise<HealthStatus> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([check(), deadline]);
      return 'up';
    } catch (error) {
      this.logger.warn({ dependency: name, error: String(error) }, `${name} is down`);
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
