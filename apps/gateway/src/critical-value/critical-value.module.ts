import { Module } from '@nestjs/common';
import { CRITICAL_VALUE_CONFIG, loadCriticalValueConfig } from '@hub/critical-value';
import { FhirModule } from '../fhir/fhir.module';
import { CriticalValueController } from './critical-value.controller';
import { CriticalValueEscalationProcessor } from './critical-value.processor';
import { CriticalValueService } from './critical-value.service';

/**
 * The critical-value (危急值) closed loop shared by every centre. `CriticalValueService.raise` is
 * called by result intake in the transaction that stores a released report.
 */
@Module({
  imports: [FhirModule],
  controllers: [CriticalValueController],
  providers: [
    // Parsed once at start-up: a bad value stops the gateway, naming the variable.
    { provide: CRITICAL_VALUE_CONFIG, useFactory: () => loadCriticalValueConfig(process.env) },
    CriticalValueService,
    CriticalValueEscalationProcessor,
  ],
  exports: [CriticalValueService],
})
export class CriticalValueModule {}
