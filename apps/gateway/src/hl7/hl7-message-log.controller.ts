import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { Hl7MessageLogService } from './hl7-message-log.service';

/** The HL7 message log for IT staff: search, read (masked) and replay. */
@Controller('api/hl7/messages')
@RequireRoles('it-ops', 'admin')
export class Hl7MessageLogController {
  constructor(private readonly log: Hl7MessageLogService) {}

  @Get()
  search(
    @Query() query: Record<string, string>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.log.search(query, agentFor(principal, request));
  }

  @Get(':id')
  read(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: Request) {
    return this.log.read(id, agentFor(principal, request));
  }

  @Post(':id/replay')
  @HttpCode(200)
  replay(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.log.replay(id, agentFor(principal, request));
  }
}
