import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { LabSpecimenController } from './lab-specimen.controller';
import { LabSpecimenService } from './lab-specimen.service';
import { SpecimenEventProcessor } from './specimen-event.processor';
import { SpecimenMirrorService } from './specimen-mirror.service';

/** Lab specimens: the logistics API, and the FHIR Specimen kept in step with the lab. */
@Module({
  imports: [FhirModule],
  controllers: [LabSpecimenController],
  providers: [LabSpecimenService, SpecimenMirrorService, SpecimenEventProcessor],
})
export class SpecimenModule {}
