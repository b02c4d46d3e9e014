import { Module } from '@nestjs/common';
import { FhirModule } from '../fhir/fhir.module';
import { RecognitionAdminController } from './recognition-admin.controller';

/**
 * Mutual recognition (检查检验结果互认): its settings for administrators. The check itself is a FHIR
 * operation (`POST /fhir/ServiceRequest/$recognition-check`) and the HR mark is set where reports
 * are stored; both use RecognitionService (provided by FhirModule).
 */
@Module({ imports: [FhirModule], controllers: [RecognitionAdminController] })
export class RecognitionModule {}
