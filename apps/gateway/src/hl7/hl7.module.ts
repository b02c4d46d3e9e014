import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { ResultModule } from '../result/result.module';
import { Hl7InboundService } from './hl7-inbound.service';
import { Hl7Controller } from './hl7.controller';
import { MllpListener } from './mllp.listener';

/** HL7 v2: the MLLP listener, `POST /hl7`, and the inbound path into order intake. */
@Module({
  imports: [FhirModule, ResultModule],
  controllers: [Hl7Controller],
  providers: [Hl7InboundService, MllpListener],
})
export class Hl7Module {}
