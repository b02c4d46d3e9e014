import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { StudyService, type UnmatchedStudy } from '../study/study.service';
import { type Accessor, AccessorGuard, CurrentAccessor, assertSeesEverything } from './accessor';

/**
 * For imaging staff: the studies no order claims and linking one to its order. Under
 * `/dicomweb-admin` so the gateway's `/dicomweb*` proxy (and its accessor header) reaches it.
 */
@Controller('dicomweb-admin')
@UseGuards(AccessorGuard)
export class DicomwebAdminController {
  constructor(private readonly studies: StudyService) {}

  /** 200 with the unmatched studies, newest first (`limit` default 100, at most 1000; `offset`). */
  @Get('unmatched')
  unmatched(
    @CurrentAccessor() accessor: Accessor,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ): Promise<UnmatchedStudy[]> {
    assertSeesEverything(accessor);
    return this.studies.unmatched(
      Math.min(whole(limit, 'limit', 100, 1), 1000),
      whole(offset, 'offset', 0, 0),
    );
  }

  /** 200 once linked (again: 200, nothing changes); 404 unknown study or order; 409 linked elsewhere. */
  @Post('studies/:study/link')
  @HttpCode(200)
  link(
    @CurrentAccessor() accessor: Accessor,
    @Param('study') study: string,
    @Body() body: { orderId?: unknown } | undefined,
  ): Promise<{ studyInstanceUid: string; orderId: string }> {
    assertSeesEverything(accessor);
    return this.studies.link(study, body?.orderId);
  }
}

function whole(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min)
    throw new BadRequestException(`${name} must be a whole number of at least ${min}`);
  return Number(value);
}
