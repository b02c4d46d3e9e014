import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { readingRoutes } from '../reading/reading-routes';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Reading pathology cases (病理诊断), JSON over HTTP, for pathologists: the shared reading routes
 * under `/api/pathology` (`reading/reading-routes.ts`; the draft is `{ microscopic, diagnosis,
 * site?, histologicalType?, grade?, margins?, critical? }`, and a malignant diagnosis or a trainee's
 * report waits for `…/cosignature`), and:
 * - `GET /api/pathology/catalogues` histological types (malignant ones need a co-signature), stains
 * - `POST …/readings/{orderId}/frozen-result` `{ text }` (术中冰冻: released at once, called back)
 */
@Controller('api/pathology')
export class PathologyReadingController extends readingRoutes('pathologist') {
  constructor(protected readonly readings: PathologyReadingService) {
    super();
  }

  @Get('catalogues')
  @RequireRoles('pathologist', 'admin')
  catalogues() {
    return this.readings.catalogues();
  }

  @Post('readings/:orderId/frozen-result')
  @HttpCode(200)
  frozen(
    @Param('orderId') orderId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.readings.frozenResult(orderId, body, p, agentFor(p, r));
  }
}
