import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { LabResultService } from './lab-result.service';

/**
 * `POST /api/lab/results`: analyser middleware (or a lab technician) posts the results of one order
 * as JSON; the answer is what the lab stored, or an OperationOutcome.
 */
@Controller('api/lab')
@RequireRoles('lab-tech', 'lab-doctor')
export class LabResultController {
  constructor(private readonly results: LabResultService) {}

  @Post('results')
  @HttpCode(201)
  submit(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: Request) {
    return this.results.submit(body, agentFor(principal, request));
  }
}
