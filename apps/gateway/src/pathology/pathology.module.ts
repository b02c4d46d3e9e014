import { Module } from '@nestjs/common';
import { ReadingModule } from '../reading/reading.module';
import { PathologyCaseController } from './pathology-case.controller';
import { PathologyCaseService } from './pathology-case.service';
import { PathologyReadingController } from './pathology-reading.controller';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Pathology over HTTP: specimen → block → slide tracking at the pathology centre, and the
 * pathologists' reading.
 */
@Module({
  imports: [ReadingModule],
  controllers: [PathologyCaseController, PathologyReadingController],
  providers: [PathologyCaseService, PathologyReadingService],
})
export class PathologyModule {}
