import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FhirModule } from '../fhir/fhir.module';
import { ReadingModule } from '../reading/reading.module';
import { EcgController } from './ecg.controller';
import { EcgEventProcessor } from './ecg-event.processor';
import { EcgObservationService } from './ecg-observation.service';
import { EcgReadingService } from './ecg-reading.service';
import { EcgRecordingService } from './ecg-recording.service';

/**
 * ECG: recordings in (to the ECG centre), their Observations in the record, the render on ECG
 * paper, and the cardiologists' reading API.
 */
@Module({
  imports: [AuthModule, FhirModule, ReadingModule],
  controllers: [EcgController],
  providers: [EcgObservationService, EcgEventProcessor, EcgReadingService, EcgRecordingService],
})
export class EcgModule {}
