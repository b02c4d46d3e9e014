import { type DynamicModule, Module } from '@nestjs/common';
import { CentreModule, type CentreConfig } from '@hub/centre';
import { appEntities, migrations } from './data-source';

/** The imaging centre. It receives routed orders; reading and reports come with its own issue. */
@Module({})
export class ImagingCentreModule {
  static forConfig(config: CentreConfig): DynamicModule {
    return {
      module: ImagingCentreModule,
      imports: [CentreModule.forCentre('imaging', config, { entities: appEntities, migrations })],
    };
  }
}
