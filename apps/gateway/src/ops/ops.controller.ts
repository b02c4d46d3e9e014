import { Controller, Get, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { z } from 'zod';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { parseBody } from '../http/parse-body';
import { HubQueuesService } from './hub-queues.service';
import { OpsStatusService } from './ops-status.service';

const failedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/**
 * IT operations (运维) for the workbench: the hub's status with every queue's job counts
 * (`GET /api/ops/status`), a queue's failed jobs (`GET /api/ops/queues/{queue}/failed?limit=50`)
 * and the retry of one failed job (`POST /api/ops/queues/{queue}/jobs/{id}/retry`, audited).
 * Job payloads carry ids, not patient data, so IT staff may see them.
 */
@Controller('api/ops')
@RequireRoles('it-ops', 'admin')
export class OpsController {
  constructor(
    private readonly statusService: OpsStatusService,
    private readonly queues: HubQueuesService,
  ) {}

  @Get('status')
  @Header('Cache-Control', 'no-store')
  status() {
    return this.statusService.status();
  }

  @Get('queues/:queue/failed')
  failed(@Param('queue') queue: string, @Query() query: Record<string, unknown>) {
    const { limit } = parseBody(failedQuery, query);
    return this.queues.failed(queue, limit);
  }

  @Post('queues/:queue/jobs/:id/retry')
  @HttpCode(200)
  retry(
    @Param('queue') queue: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.queues.retry(queue, id, agentFor(principal, request));
  }
}
