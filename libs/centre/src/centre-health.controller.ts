import { Controller, Get, Inject, Res, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { type Response } from 'express';
import { type Centre, type CentreHealthReply, MessageNames } from '@hub/contracts';
import { CENTRE_CONFIG, type CentreConfig, centreMessagePattern } from './centre-config';
import { type CentreHealth, CentreHealthService } from './centre-health.service';

/**
 * The centre's health: `GET /health` on its own port (200 when its database and Redis answer, 503
 * naming what is down) and the gateway's `<prefix>:<centre>:health` message. The message pattern
 * names the centre and decorators are fixed when the class is declared, so the class is declared
 * per centre.
 */
export function centreHealthController(centre: Centre): Type<unknown> {
  @Controller('health')
  class CentreHealthController {
    constructor(
      private readonly health: CentreHealthService,
      @Inject(CENTRE_CONFIG) private readonly config: CentreConfig,
    ) {}

    @Get()
    async check(@Res({ passthrough: true }) response: Response): Promise<CentreHealth> {
      const health = await this.health.check();
      response.status(health.status === 'up' ? 200 : 503);
      if (health.status !== 'up')
        response.setHeader('Retry-After', String(this.config.DB_RETRY_AFTER_S));
      response.setHeader('Cache-Control', 'no-store');
      return health;
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.Health))
    reply(): Promise<CentreHealthReply> {
      return this.health.reply();
    }
  }
  return CentreHealthController;
}
