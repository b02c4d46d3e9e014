import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { CLINIC_ROLES, type Principal, hasAnyRole } from '../auth/principal';
import { LabSpecimenService } from './lab-specimen.service';

/**
 * Specimen logistics (标本物流), JSON over HTTP:
 * - clinics: `POST /api/lab/specimens/{accession}/collection`, `POST /api/lab/batches` (ship a box);
 * - lab staff: `POST /api/lab/batches/{batchId}/receipt` (the whole box in one scan),
 *   `POST /api/lab/specimens/{accession}/receipt`, `POST /api/lab/specimens/{accession}/rejection`;
 * - both: `GET /api/lab/specimens/{accession}` (a clinic sees only its own).
 */
@Controller('api/lab')
export class LabSpecimenController {
  constructor(private readonly specimens: LabSpecimenService) {}

  @Get('specimens/:accession')
  @RequireRoles('clinic-system', 'clinic-doctor', 'lab-tech', 'lab-doctor', 'admin')
  get(
    @Param('accession') accession: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    const org = hasAnyRole(principal, CLINIC_ROLES) ? principal.org : undefined;
    return this.specimens.get(accession, org, agentFor(principal, request));
  }

  @Post('specimens/:accession/collection')
  @HttpCode(200)
  @RequireRoles('clinic-system', 'clinic-doctor')
  collect(
    @Param('accession') accession: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.specimens.collect(accession, body, agentFor(principal, request));
  }

  @Post('batches')
  @HttpCode(201)
  @RequireRoles('clinic-system', 'clinic-doctor')
  ship(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() request: Request) {
    return this.specimens.ship(body, agentFor(principal, request));
  }

  @Post('batches/:batchId/receipt')
  @HttpCode(200)
  @RequireRoles('lab-tech', 'lab-doctor')
  receiveBatch(
    @Param('batchId') batchId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.specimens.receiveBatch(batchId, body, agentFor(principal, request));
  }

  @Post('specimens/:accession/receipt')
  @HttpCode(200)
  @RequireRoles('lab-tech', 'lab-doctor')
  receive(
    @Param('accession') accession: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.specimens.receive(accession, body, agentFor(principal, request));
  }

  @Post('specimens/:accession/rejection')
  @HttpCode(200)
  @RequireRoles('lab-tech', 'lab-doctor')
  reject(
    @Param('accession') accession: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    return this.specimens.reject(accession, body, agentFor(principal, request));
  }
}
