import { Module } from '@nestjs/common';
import { ManagementController } from './management.controller';
import { ManagementFiguresService } from './management-figures.service';

/** Management figures (管理指标): volume and turnaround, for consortium managers and administrators. */
@Module({
  controllers: [ManagementController],
  providers: [ManagementFiguresService],
})
export class ManagementModule {}
