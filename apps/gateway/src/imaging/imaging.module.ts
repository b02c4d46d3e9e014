import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FhirModule } from '../fhir/fhir.module';
import { ReadingModule } from '../reading/reading.module';
import { DicomwebProxyController } from './dicomweb-proxy.controller';
import { ImagingEventProcessor } from './imaging-event.processor';
import { ImagingStudyService } from './imaging-study.service';
import { ReadingController } from './reading.controller';
import { ReadingService } from './reading.service';

/**
 * Imaging: the public DICOMweb edge (proxied to the archive), ImagingStudy in the record, and the
 * radiologists' reading API.
 */
@Module({
  imports: [AuthModule, FhirModule, ReadingModule],
  controllers: [DicomwebProxyController, ReadingController],
  providers: [ImagingStudyService, ImagingEventProcessor, ReadingService],
})
export class ImagingModule {}
