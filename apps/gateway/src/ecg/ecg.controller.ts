import { randomUUID } from 'node:crypto';
import { Controller, Get, Header, Param, Post, Query, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { readingRoutes } from '../reading/reading-routes';
import { EcgReadingService } from './ecg-reading.service';
import { EcgRecordingService } from './ecg-recording.service';

/**
 * The ECG centre over HTTP:
 * - `POST /api/ecg/recordings[?order={ServiceRequest id}]` with a DICOM 12-lead/General ECG object
 *   (`application/dicom`) or HL7 aECG (`application/xml`): clinics (for their own orders), the
 *   ECG centre's staff and admins. 201 with the recording and the hub's measurements (200 when the
 *   same file was stored before); a refused file is answered with an OperationOutcome and stored
 *   nowhere.
 * - `GET /api/ecg/recordings/{id}/render?gain=10|20|5` the 12 leads on ECG paper (SVG, 25 mm/s).
 * - `GET /api/ecg/statements` the report statement catalogue.
 * - Reading, for cardiologists: the shared reading routes (`reading/reading-routes.ts`), with
 *   `GET /api/ecg/readings/{orderId}` adding the order's recordings and the patient's previous
 *   ECGs, and the draft `{ statements: [codes], text?, critical?: { text } | null }`.
 */
@Controller('api/ecg')
export class EcgController extends readingRoutes('cardiologist') {
  constructor(
    private readonly recordings: EcgRecordingService,
    protected readonly readings: EcgReadingService,
  ) {
    super();
  }

  @Post('recordings')
  @RequireRoles('clinic-system', 'clinic-doctor', 'cardiologist', 'admin')
  async upload(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query('order') order: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    const { recording, duplicate } = await this.recordings.upload(
      request.headers['content-type'],
      request.body as unknown,
      order,
      principal,
      agentFor(principal, request),
      randomUUID(),
    );
    response.status(duplicate ? 200 : 201);
    response.setHeader('Location', `/fhir/Observation/${recording.recordingId}`);
    return recording;
  }

  @Get('recordings/:id/render')
  @RequireRoles('clinic-system', 'clinic-doctor', 'cardiologist', 'admin')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'private, no-store')
  render(
    @Param('id') id: string,
    @Query('gain') gain: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ): Promise<string> {
    return this.recordings.render(id, gain, principal, request);
  }

  @Get('statements')
  @RequireRoles('cardiologist', 'admin')
  statements() {
    return this.readings.statements();
  }

  /** The reading with the order's recordings and the patient's previous ECGs. */
  @Get('readings/:orderId')
  @RequireRoles('cardiologist', 'admin')
  override get(
    @Param('orderId') orderId: string,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.readings.view(orderId, agentFor(p, r));
  }
}
