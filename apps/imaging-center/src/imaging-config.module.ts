import { Global, Module } from '@nestjs/common';
import { IMAGING_CONFIG, loadImagingConfig } from './imaging-config';

/** The imaging centre's own configuration, parsed once when the app starts. */
@Global()
@Module({
  providers: [{ provide: IMAGING_CONFIG, useFactory: () => loadImagingConfig() }],
  exports: [IMAGING_CONFIG],
})
export class ImagingConfigModule {}
