import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';
import { ResultModule } from './result/result.module';
import { SpecimenModule } from './specimen/specimen.module';
import { SpecimenService } from './specimen/specimen.service';

/** The central lab (检验中心): specimens, results, verification and released reports. */
@Module({
  imports: [
    CentreModule.forCentre('lab', { entities, orderHook: SpecimenService }),
    SpecimenModule,
    ResultModule,
  ],
})
export class LabCentreModule {}
