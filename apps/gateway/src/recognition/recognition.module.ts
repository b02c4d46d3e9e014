import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { PatientLinkController } from '../patient/patient-link.controller';
import { PatientMergeController } from '../patient/patient-merge.controller';
import { PatientMergeService } from '../patient/patient-merge.service';
import { RecognitionAdminController } from './recognition-admin.controller';

/**
 * Mutual recognition (检查检验结果互认) and the patient index it relies on: the settings and the
 * patient links, for administrators. The check itself is a FHIR
 * operation (`POST /fhir/ServiceRequest/$recognition-check`) and the HR mark is set where reports
 * are stored; both use RecognitionService (provided by FhirModule).
 */
@Module({
  imports: [FhirModule],
  controllers: [RecognitionAdminController, PatientLinkController, PatientMergeController],
  providers: [PatientMergeService],
})
export class RecognitionModule {}
