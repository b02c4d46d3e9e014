import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { ResultModule } from '../result/result.module';
import { Hl7InboundService } from './hl7-inbound.service';
import { Hl7Controller } from './hl7.controller';
import { Hl7MessageLogController } from './hl7-message-log.controller';
import { Hl7MessageLogService } from './hl7-message-log.service';
import { MllpListener } from './mllp.listener';

/** HL7 v2: the MLLP listener, `POST /hl7`, and the inbound path into order intake. */
@Module({
  imports: [FhirModule, ResultModule],
  controllers: [Hl7Controller, Hl7MessageLogController],
  providers: [Hl7InboundService, MllpListener, Hl7MessageLogService],
})
export class Hl7Module {}
