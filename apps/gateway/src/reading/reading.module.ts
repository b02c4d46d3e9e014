import { Module } from '@nestjs/common';
import { ReadingContextRepository } from './reading-context.repository';

/**
 * What every reading centre's routes share at the gateway: the consortium record's side of a
 * worklist or a reading (patients, clinics, catalogue items, reader names).
 */
@Module({
  providers: [ReadingContextRepository],
  exports: [ReadingContextRepository],
})
export class ReadingModule {}
