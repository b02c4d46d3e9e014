import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Reading pathology cases (病理诊断), JSON over HTTP, for pathologists:
 * - `GET /api/pathology/catalogues` histological types (malignant ones need a co-signature), stains
 * - `GET /api/pathology/worklist?clinic=&status=&limit=` by priority and time left
 * - `GET /api/pathology/readings/{orderId}`, `POST|DELETE …/claim`
 * - `PUT …/draft` `{ microscopic, diagnosis, site?, histologicalType?, grade?, margins?, critical? }`
 * - `POST …/signature` (a malignant diagnosis or a trainee's report waits for `…/cosignature`)
 * - `POST …/frozen-result` `{ text }` (术中冰冻: released at once, called back to the theatre)
 * - `POST …/amendment` `{ reason }`
 */
@Controller('api/pathology')
@RequireRoles('pathologist')
export class PathologyReadingController {
  constructor(private readonly readings: PathologyReadingService) {}

  @Get('catalogues')
  @RequireRoles('pathologist', 'admin')
  catalogues() {
    return this.readings.catalogues();
  }

  @Get('worklist')
  @RequireRoles('pathologist', 'admin')
  worklist(@Query() query: Record<string, unknown>) {
    return this.readings.worklist(query);
  }

  @Get('readings/:orderId')
  @RequireRoles('pathologist', 'admin')
  get(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.readings.get(orderId, agentFor(p, r));
  }

  @Post('readings/:orderId/claim')
  @HttpCode(200)
  claim(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.readings.claim(orderId, p, agentFor(p, r));
  }

  @Delete('readings/:orderId/claim')
  release(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.readings.claim(orderId, p, agentFor(p, r), true);
  }

  @Put('readings/:orderId/draft')
  draft(
    @Param('orderId') orderId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.readings.draft(orderId, body, p, agentFor(p, r));
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

  @Post('readings/:orderId/signature')
  @HttpCode(200)
  sign(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.readings.sign(orderId, p, agentFor(p, r));
  }

  @Post('readings/:orderId/cosignature')
  @HttpCode(200)
  cosign(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    return this.readings.cosign(orderId, p, agentFor(p, r));
  }

  @Post('readings/:orderId/amendment')
  @HttpCode(200)
  amend(
    @Param('orderId') orderId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.readings.amend(orderId, body, p, agentFor(p, r));
  }
}
