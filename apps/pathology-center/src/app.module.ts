import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { CaseNumberService } from './case/case-number.service';
import { CaseController } from './case/case.controller';
import { CaseService } from './case/case.service';
import { entities } from './data-source';
import { ReadingModule } from './reading/reading.module';

/**
 * The pathology centre (病理中心): each routed order opens a case under its case number (病理号);
 * specimens are collected, received (fixation checked) or rejected, grossed into blocks and cut
 * into slides, every step recorded with who and when; pathologists read the cases (a malignant
 * diagnosis is co-signed, a frozen section's result is called back first) and release the reports.
 */
@Module({
  imports: [
    CentreModule.forCentre('pathology', { entities, orderHook: CaseNumberService }),
    ReadingModule,
  ],
  controllers: [CaseController],
  providers: [CaseService],
})
export class PathologyCentreModule {}
