import { Global, Module } from '@nestjs/common';
import { PATHOLOGY_CONFIG, loadPathologyConfig } from '../pathology-config';
import { PathologyReadingService } from './pathology-reading.service';
import { ReadingController } from './reading.controller';

/** The pathology centre's own configuration, parsed once when the app starts. */
@Global()
@Module({
  providers: [{ provide: PATHOLOGY_CONFIG, useFactory: () => loadPathologyConfig() }],
  exports: [PATHOLOGY_CONFIG],
})
export class PathologyConfigModule {}

/** Reading cases (病理诊断): claims, reports, co-signatures, frozen-section call-backs, amendments. */
@Module({
  imports: [PathologyConfigModule],
  controllers: [ReadingController],
  providers: [PathologyReadingService],
})
export class ReadingModule {}
