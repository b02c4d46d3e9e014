import { Module } from '@nestjs/common';
import { SpecimenController } from './specimen.controller';
import { SpecimenService } from './specimen.service';

@Module({
  controllers: [SpecimenController],
  providers: [SpecimenService],
  exports: [SpecimenService],
})
export class SpecimenModule {}
