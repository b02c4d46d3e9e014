import {
  Controller,
  Get,
  Header,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type DicomJson } from '@hub/dicom';
import { IMAGING_CONFIG, type ImagingConfig } from '../imaging-config';
import { type Accessor, AccessorGuard, CurrentAccessor } from './accessor';
import { dicomwebUrls } from './dicomweb-urls';
import { type MultipartAnswer, WadoService } from './wado.service';
import { type QidoTarget, QidoService } from './qido.service';
import { StowService } from './stow.service';

const DICOM_JSON = 'application/dicom+json';

/**
 * The DICOMweb archive (PS3.18) under `/dicomweb`, reached through the gateway's proxy: STOW-RS,
 * QIDO-RS and WADO-RS. Thin: it unpacks the request, calls the service and writes its answer.
 */
@Controller('dicomweb')
@UseGuards(AccessorGuard)
export class DicomwebController {
  constructor(
    private readonly stow: StowService,
    private readonly qido: QidoService,
    private readonly wado: WadoService,
    @Inject(IMAGING_CONFIG) private readonly config: ImagingConfig,
  ) {}

  // STOW-RS: 200 all stored, 202 some failed, 409 none stored; 415 for another media type.

  @Post('studies')
  storeInstances(
    @CurrentAccessor() accessor: Accessor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson> {
    return this.store(accessor, request, response);
  }

  @Post('studies/:study')
  storeStudyInstances(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson> {
    return this.store(accessor, request, response, study);
  }

  private async store(
    accessor: Accessor,
    request: Request,
    response: Response,
    study?: string,
  ): Promise<DicomJson> {
    const outcome = await this.stow.storeInstances(
      accessor,
      request,
      request.headers['content-type'],
      study,
      dicomwebUrls(this.config, request),
    );
    response.status(outcome.status).type(DICOM_JSON);
    return outcome.body;
  }

  // QIDO-RS: 200 with the matches ([] when none), 400 for a query the archive cannot answer.

  @Get('studies')
  searchStudies(
    @CurrentAccessor() accessor: Accessor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'study' }, request, response);
  }

  @Get('series')
  searchSeries(
    @CurrentAccessor() accessor: Accessor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'series' }, request, response);
  }

  @Get('instances')
  searchInstances(
    @CurrentAccessor() accessor: Accessor,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'instance' }, request, response);
  }

  @Get('studies/:study/series')
  searchStudySeries(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'series', study }, request, response);
  }

  @Get('studies/:study/instances')
  searchStudyInstances(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'instance', study }, request, response);
  }

  @Get('studies/:study/series/:series/instances')
  searchSeriesInstances(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DicomJson[]> {
    return this.search(accessor, { level: 'instance', study, series }, request, response);
  }

  private async search(
    accessor: Accessor,
    target: QidoTarget,
    request: Request,
    response: Response,
  ): Promise<DicomJson[]> {
    const search = new URL(request.originalUrl, 'http://archive').searchParams;
    const result = await this.qido.search(
      accessor,
      target,
      search,
      dicomwebUrls(this.config, request),
    );
    if (result.truncated)
      response.setHeader(
        'Warning',
        '299 imaging-center "The number of results exceeded the maximum supported by the server. Additional results can be requested."',
      );
    response.type(DICOM_JSON);
    return result.matches;
  }

  // WADO-RS: the stored instances byte for byte (406 for an Accept the archive cannot answer).

  @Get('studies/:study')
  retrieveStudy(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return this.retrieve(accessor, { study }, request);
  }

  @Get('studies/:study/series/:series')
  retrieveSeries(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return this.retrieve(accessor, { study, series }, request);
  }

  @Get('studies/:study/series/:series/instances/:instance')
  retrieveInstance(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return this.retrieve(accessor, { study, series, instance }, request);
  }

  private async retrieve(
    accessor: Accessor,
    target: { study: string; series?: string; instance?: string },
    request: Request,
  ): Promise<StreamableFile> {
    return streamed(await this.wado.retrieve(accessor, target, request.headers.accept));
  }

  @Get('studies/:study/metadata')
  @Header('Content-Type', DICOM_JSON)
  studyMetadata(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Req() request: Request,
  ): Promise<DicomJson[]> {
    return this.wado.metadata(accessor, { study }, dicomwebUrls(this.config, request));
  }

  @Get('studies/:study/series/:series/metadata')
  @Header('Content-Type', DICOM_JSON)
  seriesMetadata(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Req() request: Request,
  ): Promise<DicomJson[]> {
    return this.wado.metadata(accessor, { study, series }, dicomwebUrls(this.config, request));
  }

  @Get('studies/:study/series/:series/instances/:instance/metadata')
  @Header('Content-Type', DICOM_JSON)
  instanceMetadata(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Req() request: Request,
  ): Promise<DicomJson[]> {
    return this.wado.metadata(
      accessor,
      { study, series, instance },
      dicomwebUrls(this.config, request),
    );
  }

  @Get('studies/:study/series/:series/instances/:instance/frames/:frames')
  async frames(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frames') frames: string,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return streamed(
      await this.wado.frames(accessor, { study, series, instance }, frames, request.headers.accept),
    );
  }

  @Get('studies/:study/series/:series/instances/:instance/bulkdata/:tag')
  async bulkData(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('tag') tag: string,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return streamed(
      await this.wado.bulkData(accessor, { study, series, instance }, tag, request.headers.accept),
    );
  }

  @Get('studies/:study/series/:series/instances/:instance/rendered')
  renderedInstance(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Query('window') window: string | undefined,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return this.rendered(accessor, { study, series, instance }, '1', window, request);
  }

  @Get('studies/:study/series/:series/instances/:instance/frames/:frame/rendered')
  renderedFrame(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frame') frame: string,
    @Query('window') window: string | undefined,
    @Req() request: Request,
  ): Promise<StreamableFile> {
    return this.rendered(accessor, { study, series, instance }, frame, window, request);
  }

  private async rendered(
    accessor: Accessor,
    target: { study: string; series: string; instance: string },
    frame: string,
    window: string | undefined,
    request: Request,
  ): Promise<StreamableFile> {
    const image = await this.wado.rendered(accessor, target, frame, request.headers.accept, window);
    return new StreamableFile(image.data, { type: image.contentType, length: image.data.length });
  }
}

function streamed(answer: MultipartAnswer): StreamableFile {
  return new StreamableFile(answer.body, { type: answer.contentType });
}
