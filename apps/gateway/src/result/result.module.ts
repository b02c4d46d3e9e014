import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { LabResultController } from './lab-result.controller';
import { LabResultService } from './lab-result.service';
import { ResultIntakeService } from './result-intake.service';
import { ResultProcessor } from './result.processor';

@Module({
  imports: [FhirModule],
  controllers: [LabResultController],
  providers: [ResultIntakeService, ResultProcessor, LabResultService],
  exports: [LabResultService],
})
export class ResultModule {}
