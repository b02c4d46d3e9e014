import { Global, Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';
import { ECG_CONFIG, loadEcgConfig } from './ecg-config';
import { EcgController } from './ecg.controller';
import { EcgReadingService } from './reading/ecg-reading.service';
import { OrderAccessionService } from './recording/order-accession.service';
import { RecordingService } from './recording/recording.service';

/** The ECG centre's own configuration, parsed once when the app starts. */
@Global()
@Module({
  providers: [{ provide: ECG_CONFIG, useFactory: () => loadEcgConfig() }],
  exports: [ECG_CONFIG],
})
class EcgConfigModule {}

/**
 * The ECG centre (心电诊断中心): recordings in (DICOM 12-lead/General ECG waveforms and HL7 aECG,
 * linked to their orders by accession number), measured by the hub from the signal, machine flags
 * for critical criteria, the cardiologists' worklist and reading, and the released reports.
 */
@Module({
  imports: [
    CentreModule.forCentre('ecg', { entities, orderHook: OrderAccessionService }),
    EcgConfigModule,
  ],
  controllers: [EcgController],
  providers: [RecordingService, EcgReadingService],
})
export class EcgCentreModule {}
