import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { ReportDeliveryProcessor } from './report-delivery.processor';
import { ReportDeliveryService } from './report-delivery.service';

/** Reports out to the clinics' own systems (ORU^R01 over MLLP). */
@Module({ imports: [FhirModule], providers: [ReportDeliveryService, ReportDeliveryProcessor] })
export class DeliveryModule {}
