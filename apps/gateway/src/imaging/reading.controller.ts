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
import { ReadingService } from './reading.service';

/**
 * Reading imaging studies (阅片), JSON over HTTP, for radiologists (trainees included; their
 * signature needs a co-signature):
 * - `GET /api/imaging/worklist?modality=&clinic=&status=&limit=`
 * - `GET /api/imaging/readings/{orderId}`
 * - `POST|DELETE /api/imaging/readings/{orderId}/claim`
 * - `PUT /api/imaging/readings/{orderId}/draft` `{ findings, impression, critical?: { text } | null }`
 * - `POST /api/imaging/readings/{orderId}/signature`, `…/cosignature`
 * - `POST /api/imaging/readings/{orderId}/amendment` `{ reason }`
 */
@Controller('api/imaging')
@RequireRoles('radiologist')
export class ReadingController {
  constructor(private readonly readings: ReadingService) {}

  @Get('worklist')
  @RequireRoles('radiologist', 'admin')
  worklist(@Query() query: Record<string, unknown>) {
    return this.readings.worklist(query);
  }

  @Get('readings/:orderId')
  @RequireRoles('radiologist', 'admin')
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
