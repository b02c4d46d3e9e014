import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { z } from 'zod';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { parseBody } from '../http/parse-body';
import { PatientLinkService } from './patient-link.service';

const listQuery = z.object({
  status: z.enum(['candidate', 'confirmed', 'rejected', 'unlinked']).optional(),
});
const decisionBody = z.object({ note: z.string().trim().max(500).optional() });

/**
 * The patient index's links, for administrators (the index's stewards):
 * `GET /api/patients/links?status=candidate`, and for one link `POST …/{id}/confirmation`,
 * `…/rejection` and `…/unlink`, each `{ note? }`. Every decision is kept and audited.
 */
@Controller('api/patients/links')
@RequireRoles('admin')
export class PatientLinkController {
  constructor(private readonly links: PatientLinkService) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    return this.links.list(parseBody(listQuery, query).status);
  }

  @Post(':id/confirmation')
  @HttpCode(200)
  confirm(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.links.decide(
      id,
      'confirmed',
      p.subject,
      agentFor(p, r),
      parseBody(decisionBody, body ?? {}).note,
    );
  }

  @Post(':id/rejection')
  @HttpCode(200)
  reject(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.links.decide(
      id,
      'rejected',
      p.subject,
      agentFor(p, r),
      parseBody(decisionBody, body ?? {}).note,
    );
  }

  @Post(':id/unlink')
  @HttpCode(200)
  unlink(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.links.decide(
      id,
      'unlinked',
      p.subject,
      agentFor(p, r),
      parseBody(decisionBody, body ?? {}).note,
    );
  }
}
