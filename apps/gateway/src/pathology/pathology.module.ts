import { Module } from '@nestjs/common';
import { PathologyCaseController } from './pathology-case.controller';
import { PathologyCaseService } from './pathology-case.service';
import { PathologyReadingController } from './pathology-reading.controller';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Pathology over HTTP: specimen → block → slide tracking at the pathology centre, and the
 * pathologists' reading.
 */
@Module({
  controllers: [PathologyCaseController, PathologyReadingController],
  providers: [PathologyCaseService, PathologyReadingService],
})
export class PathologyModule {}
