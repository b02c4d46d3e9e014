import { type DynamicModule, Module } from '@nestjs/common';
import { CentreModule, type CentreConfig } from '@hub/centre';
import { appEntities, migrations } from './data-source';

/** The pathology centre. It receives routed orders; reading and reports come with its own issue. */
@Module({})
export class PathologyCentreModule {
  static forConfig(config: CentreConfig): DynamicModule {
    return {
      module: PathologyCentreModule,
      imports: [CentreModule.forCentre('pathology', config, { entities: appEntities, migrations })],
    };
  }
}
