import { Module } from '@nestjs/common';
import { OrderCancelService } from '../order/order-cancel.service';
import { OrderIntakeService } from '../order/order-intake.service';
import { OutboxRelayService } from '../order/outbox-relay.service';
import { PatientLinkService } from '../patient/patient-link.service';
import { PatientService } from '../patient/patient.service';
import { RecognitionService } from '../recognition/recognition.service';
import { FhirBundleService } from './fhir-bundle.service';
import { FhirController } from './fhir.controller';
import { FhirSearchService } from './fhir-search.service';
import { FhirStore } from './fhir-store.service';
import { FhirWriteService } from './fhir-write.service';

/**
 * The consortium record and its FHIR API, with order intake and patient linking that write into it.
 */
@Module({
  controllers: [FhirController],
  providers: [
    FhirStore,
    FhirSearchService,
    FhirWriteService,
    FhirBundleService,
    PatientService,
    PatientLinkService,
    OrderIntakeService,
    OrderCancelService,
    OutboxRelayService,
    RecognitionService,
  ],
  exports: [
    FhirStore,
    FhirSearchService,
    OrderIntakeService,
    OrderCancelService,
    PatientService,
    PatientLinkService,
    OutboxRelayService,
    RecognitionService,
  ],
})
export class FhirModule {}
