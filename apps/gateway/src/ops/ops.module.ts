import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { HubQueuesService } from './hub-queues.service';
import { OpsController } from './ops.controller';
import { OpsStatusService } from './ops-status.service';

/**
 * IT operations: the hub's status and its queues (counts, failed jobs, retry) as JSON for the
 * workbench, beside the bull-board dashboard at `/admin/queues`.
 */
@Module({
  imports: [HealthModule],
  controllers: [OpsController],
  providers: [HubQueuesService, OpsStatusService],
})
export class OpsModule {}
