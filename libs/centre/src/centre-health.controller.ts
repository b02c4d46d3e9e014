import { Controller, Get, Res } from '@nestjs/common';
import { type Response } from 'express';
import { CentreHealthService } from './centre-health.service';

/** `GET /health` on the centre's own port: 200 when its database and Redis answer, 503 otherwise. */
@Controller('health')
export class CentreHealthController {
  constructor(private readonly health: CentreHealthService) {}

  @Get()
  async check(@Res({ passthrough: true }) response: Response) {
    const health = await this.health.check();
    response.status(health.status === 'up' ? 200 : 503);
    response.setHeader('Cache-Control', 'no-store');
    return health;
  }
}
