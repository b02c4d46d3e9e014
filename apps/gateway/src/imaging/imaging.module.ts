import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FhirModule } from '../fhir/fhir.module';
import { DicomwebProxyController } from './dicomweb-proxy.controller';
import { ImagingEventProcessor } from './imaging-event.processor';
import { ImagingStudyService } from './imaging-study.service';

/** Imaging: the public DICOMweb edge (proxied to the archive) and ImagingStudy in the record. */
@Module({
  imports: [AuthModule, FhirModule],
  controllers: [DicomwebProxyController],
  providers: [ImagingStudyService, ImagingEventProcessor],
})
export class ImagingModule {}
