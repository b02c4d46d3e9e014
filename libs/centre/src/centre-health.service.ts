import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { type DataSource } from 'typeorm';
import { type CentreHealthReply } from '@hub/contracts';
import { redisOptions } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig } from './centre-config';

export type Status = 'up' | 'down';

export interface CentreHealth {
  status: Status;
  centre: string;
  database: Status;
  redis: Status;
}

/** Whether the centre can work: its database and Redis answer. */
@Injectable()
export class CentreHealthService implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
  ) {
    this.redis = new Redis({
      ...redisOptions(config.REDIS_URL),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.redis.on('error', () => undefined);
  }

  async check(): Promise<CentreHealth> {
    const [database, redis] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(async () => {
        if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
        await this.redis.ping();
      }),
    ]);
    return {
      status: database === 'up' && redis === 'up' ? 'up' : 'down',
      centre: this.config.centre,
      database,
      redis,
    };
  }

  /** The answer to the gateway's health message (it came over Redis, so only the database is checked). */
  async reply(): Promise<CentreHealthReply> {
    const database = await probe(() => this.dataSource.query('SELECT 1'));
    return { centre: this.config.centre, status: database, database };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

async function probe(check: () => Promise<unknown>): Promise<Status> {
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2500).unref()),
    ]);
    return 'up';
  } catch {
    return 'down';
  }
}
