import { type DynamicModule, Module } from '@nestjs/common';
import { CentreModule, type CentreConfig } from '@hub/centre';
import { appEntities, migrations } from './data-source';

/** The ecg centre. It receives routed orders; reading and reports come with its own issue. */
@Module({})
export class EcgCentreModule {
  static forConfig(config: CentreConfig): DynamicModule {
    return {
      module: EcgCentreModule,
      imports: [CentreModule.forCentre('ecg', config, { entities: appEntities, migrations })],
    };
  }
}
