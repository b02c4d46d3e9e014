import { type DynamicModule, Module } from '@nestjs/common';
import { CentreModule, type CentreConfig } from '@hub/centre';
import { appEntities, migrations } from './data-source';
import { ResultModule } from './result/result.module';

/** The central lab (检验中心): routed orders, results and reports. */
@Module({})
export class LabCentreModule {
  static forConfig(config: CentreConfig): DynamicModule {
    return {
      module: LabCentreModule,
      imports: [
        CentreModule.forCentre('lab', config, { entities: appEntities, migrations }),
        ResultModule,
      ],
    };
  }
}
