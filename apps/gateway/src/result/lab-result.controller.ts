import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { LabResultService } from './lab-result.service';

/**
 * Lab results and their verification, JSON over HTTP:
 * - `POST /api/lab/results`: analyser middleware (or a technician) posts one order's results (with
 *   `correction: { reason }` to correct them); the answer is the version the lab stored and its flags;
 * - `GET /api/lab/verifications`: the worklist of versions waiting for a lab physician, with the
 *   patient (identity number masked), the results and the patient's previous values;
 * - `POST /api/lab/reports/{orderId}/verification`: a lab physician verifies (审核) and releases.
 */
@Controller('api/lab')
export class LabResultController {
  constructor(private readonly results: LabResultService) {}

  @Post('results')
  @HttpCode(201)
  @RequireRoles('lab-tech', 'lab-doctor')
  submit(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: Request) {
    return this.results.submit(body, agentFor(principal, request));
  }

  @Get('verifications')
  @RequireRoles('lab-tech', 'lab-doctor')
  pending(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Query('limit') limit?: string,
  ) {
    return this.results.pending(
      limit === undefined ? undefined : Number(limit),
      agentFor(principal, request),
    );
  }

  @Post('reports/:orderId/verification')
  @HttpCode(200)
  @RequireRoles('lab-doctor')
  verify(
    @Param('orderId') orderId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.results.verify(orderId, agentFor(principal, request));
  }
}
