import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { CriticalValueModule } from '../critical-value/critical-value.module';
import { LabResultController } from './lab-result.controller';
import { LabResultService } from './lab-result.service';
import { ResultIntakeService } from './result-intake.service';
import { ResultProcessor } from './result.processor';

@Module({
  imports: [FhirModule, CriticalValueModule],
  controllers: [LabResultController],
  providers: [ResultIntakeService, ResultProcessor, LabResultService],
  exports: [LabResultService],
})
export class ResultModule {}
