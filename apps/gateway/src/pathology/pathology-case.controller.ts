import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { PathologyCaseService, actorOf } from './pathology-case.service';

/**
 * Pathology specimen tracking (病理标本追踪), JSON over HTTP; every answer is the whole case
 * (specimens → blocks → slides, the gross description and every step with who and when):
 * - clinics (their own orders) and the centre: `POST /api/pathology/cases/{orderId}/specimens`
 *   `{ specimens: [{ site, fixative, fixationStartedAt?, collectedAt?, container? }] }` (201),
 *   `POST /api/pathology/batches` `{ labels, courier? }` (a transport box; 201, the box);
 * - the centre's staff: `POST /api/pathology/batches/{batchId}/receipt`
 *   `{ acceptDespite?: { <label>: reason } }` (the whole box in one scan; 200, the box),
 *   `POST /api/pathology/specimens/{label}/receipt` `{ acceptDespite? }`,
 *   `POST …/specimens/{label}/rejection` `{ reason }` (200),
 *   `POST /api/pathology/cases/{orderId}/gross` `{ description, blocks: [{ specimenLabel, count,
 *   description? }] }`, `POST /api/pathology/blocks/{barcode}/slides` `{ stains }` (201),
 *   `GET /api/pathology/lookup/{barcode}` (any barcode of a case);
 * - both: `GET /api/pathology/cases/{orderId}` (a clinic sees only its own).
 */
@Controller('api/pathology')
export class PathologyCaseController {
  constructor(private readonly cases: PathologyCaseService) {}

  @Post('cases/:orderId/specimens')
  @RequireRoles('clinic-system', 'clinic-doctor', 'pathologist', 'admin')
  collect(
    @Param('orderId') orderId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.collect(orderId, body, p, agentFor(p, r));
  }

  @Post('batches')
  @RequireRoles('clinic-system', 'clinic-doctor', 'pathologist', 'admin')
  ship(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.cases.ship(body, p, agentFor(p, r));
  }

  @Post('batches/:batchId/receipt')
  @HttpCode(200)
  @RequireRoles('pathologist', 'admin')
  receiveBox(
    @Param('batchId') batchId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.receiveBox(batchId, body, p, agentFor(p, r));
  }

  @Post('specimens/:label/receipt')
  @HttpCode(200)
  @RequireRoles('pathologist', 'admin')
  receive(
    @Param('label') label: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.receive(label, body, p, agentFor(p, r));
  }

  @Post('specimens/:label/rejection')
  @HttpCode(200)
  @RequireRoles('pathologist', 'admin')
  reject(
    @Param('label') label: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.reject(label, body, p, agentFor(p, r));
  }

  @Post('cases/:orderId/gross')
  @RequireRoles('pathologist', 'admin')
  gross(
    @Param('orderId') orderId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.gross(orderId, body, p, agentFor(p, r));
  }

  @Post('blocks/:barcode/slides')
  @RequireRoles('pathologist', 'admin')
  slides(
    @Param('barcode') barcode: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.cases.slides(barcode, body, p, agentFor(p, r));
  }

  @Get('cases/:orderId')
  @RequireRoles('clinic-system', 'clinic-doctor', 'pathologist', 'admin')
  get(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    // Clinics see only the cases they ordered: the centre filters by the caller's organisation.
    const requesterOrg = actorOf(p).centreStaff ? undefined : p.org;
    return this.cases.get(orderId, requesterOrg, agentFor(p, r));
  }

  @Get('lookup/:barcode')
  @RequireRoles('pathologist', 'admin')
  lookup(@Param('barcode') barcode: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.cases.lookup(barcode, agentFor(p, r));
  }
}
