import { Global, Module } from '@nestjs/common';
import { IMAGING_CONFIG, type ImagingConfig } from '../imaging-config';
import { FilesystemInstanceStore } from './filesystem-instance-store';
import { INSTANCE_STORE } from './instance-store';

/** The instance store: files under DATA_DIR. */
@Global()
@Module({
  providers: [
    {
      provide: INSTANCE_STORE,
      inject: [IMAGING_CONFIG],
      useFactory: async (config: ImagingConfig) => {
        const store = new FilesystemInstanceStore(config.DATA_DIR);
        await store.init();
        return store;
      },
    },
  ],
  exports: [INSTANCE_STORE],
})
export class StorageModule {}
