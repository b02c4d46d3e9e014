import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal, type Role } from '../auth/principal';
import { type CentreReadingService } from './centre-reading.service';

/**
 * The reading routes every reading centre has, for its readers (`readerRole`; administrators may
 * look at the worklist and a reading), under the subclass's `@Controller('api/<centre>')`:
 * - `GET worklist?modality=&clinic=&status=&limit=`, `GET readings/{orderId}`: each order with its
 *   `patient` (name, 居民身份证号, sex, birth date), `clinic` and catalogue `item` from the record
 * - every reading answer also carries them, the order's `clinical` notes and `readers` (username →
 *   display name)
 * - `POST|DELETE readings/{orderId}/claim`, `PUT readings/{orderId}/draft` (the centre's body)
 * - `POST readings/{orderId}/signature`, `…/cosignature`, `POST …/amendment` `{ reason }`
 * A centre's controller extends the class this returns and adds its own routes.
 */
export function readingRoutes(readerRole: Role) {
  @RequireRoles(readerRole)
  abstract class ReadingRoutes {
    protected abstract readonly readings: CentreReadingService;

    @Get('worklist')
    @RequireRoles(readerRole, 'admin')
    worklist(
      @Query() query: Record<string, unknown>,
      @CurrentPrincipal() p: Principal,
      @Req() r: Request,
    ) {
      return this.readings.worklist(query, agentFor(p, r));
    }

    @Get('readings/:orderId')
    @RequireRoles(readerRole, 'admin')
    get(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
      return this.readings.get(orderId, agentFor(p, r));
    }

    @Post('readings/:orderId/claim')
    @HttpCode(200)
    claim(@Param('orderId') orderId: string, @CurrentPrincipal() p: Principal, @Req() r: Request) {
      return this.readings.claim(orderId, p, agentFor(p, r));
    }

    @Delete('readings/:orderId/claim')
    release(
      @Param('orderId') orderId: string,
      @CurrentPrincipal() p: Principal,
      @Req() r: Request,
    ) {
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
  return ReadingRoutes;
}
