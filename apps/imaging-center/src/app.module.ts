import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';
import { DicomwebModule } from './dicomweb/dicomweb.module';
import { ImagingConfigModule } from './imaging-config.module';
import { ReadingModule } from './reading/reading.module';
import { StorageModule } from './storage/storage.module';
import { OrderAccessionService } from './study/order-accession.service';
import { StudyModule } from './study/study.module';

/**
 * The imaging centre (影像中心): its DICOMweb archive (STOW-RS, QIDO-RS, WADO-RS under
 * `/dicomweb`), studies linked to their orders by accession number, the study summary the hub
 * writes its ImagingStudy from, and reading: the radiologists' worklist, signed reports and their
 * amendments.
 */
@Module({
  imports: [
    CentreModule.forCentre('imaging', { entities, orderHook: OrderAccessionService }),
    ImagingConfigModule,
    StorageModule,
    StudyModule,
    DicomwebModule,
    ReadingModule,
  ],
})
export class ImagingCentreModule {}
