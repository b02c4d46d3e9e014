import { Controller, Get, Inject, type OnModuleDestroy, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Response } from 'express';
import { type DataSource } from 'typeorm';
import { RedisPinger, probe } from '@hub/platform';
import { Public } from '../auth/auth.guard';
import { CentreClient } from '../centre-link/centre-client.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** `GET /health`: PostgreSQL, Redis and each centre; 200 when all are up, 503 otherwise. */
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly redis: RedisPinger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly centres: CentreClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.redis = new RedisPinger(config.REDIS_URL);
  }

  @Get()
  @Public()
  async check(@Res({ passthrough: true }) response: Response) {
    const [database, redis, ...centreStatuses] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(() => this.redis.ping()),
      ...this.config.CENTRES.map((centre) =>
        probe(async () => {
          const reply = await this.centres.health(centre);
          if (reply.status !== 'up') throw new Error('centre reports down');
        }),
      ),
    ]);
    const centres = Object.fromEntries(
      this.config.CENTRES.map((centre, i) => [centre, centreStatuses[i]]),
    );
    const up = database === 'up' && redis === 'up' && centreStatuses.every((s) => s === 'up');
    response.status(up ? 200 : 503);
    response.setHeader('Cache-Control', 'no-store');
    return { status: up ? 'up' : 'down', database, redis, centres };
  }

  onModuleDestroy(): void {
    this.redis.close();
  }
}
