import { Controller, Get, Inject, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Public } from '../auth/auth.guard';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { HubProbesService } from './hub-probes.service';

/**
 * `GET /health`: PostgreSQL, Redis and each centre; 200 when all are up, 503 (with Retry-After)
 * otherwise.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly probes: HubProbesService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  @Public()
  async check(@Res({ passthrough: true }) response: Response) {
    const { database, redis, centres } = await this.probes.probeAll();
    const up =
      database === 'up' && redis === 'up' && centres.every(({ status }) => status === 'up');
    response.status(up ? 200 : 503);
    if (!up) response.setHeader('Retry-After', String(this.config.DB_RETRY_AFTER_S));
    response.setHeader('Cache-Control', 'no-store');
    return {
      status: up ? 'up' : 'down',
      database,
      redis,
      centres: Object.fromEntries(centres.map(({ name, status }) => [name, status])),
    };
  }
}
