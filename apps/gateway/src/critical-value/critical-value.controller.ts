import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { CENTRE_ROLES, CLINIC_ROLES, type Principal } from '../auth/principal';
import { CriticalValueService } from './critical-value.service';

/**
 * `/api/critical-values`: the critical-value (危急值) alerts a caller may see, their
 * acknowledgement with read-back by the ordering member, and the closed-loop indicators. IT
 * operations have no access (patient data).
 */
@Controller('api/critical-values')
@RequireRoles(...CLINIC_ROLES, ...CENTRE_ROLES, 'admin')
export class CriticalValueController {
  constructor(private readonly alerts: CriticalValueService) {}

  @Get()
  list(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.alerts.list(query, principal, agentFor(principal, request));
  }

  @Get('indicators')
  @RequireRoles(...CENTRE_ROLES, 'admin', 'manager')
  indicators(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    return this.alerts.indicators(query, principal);
  }

  @Get(':id')
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: Request) {
    return this.alerts.get(id, principal, agentFor(principal, request));
  }

  @Post(':id/acknowledgement')
  @HttpCode(200)
  @RequireRoles(...CLINIC_ROLES)
  acknowledge(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.alerts.acknowledge(id, body, principal, agentFor(principal, request));
  }
}
