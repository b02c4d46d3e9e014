import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HubProbesService } from './hub-probes.service';

/** `GET /health`, and the probes behind it for whoever else reports on the hub (IT operations). */
@Module({
  controllers: [HealthController],
  providers: [HubProbesService],
  exports: [HubProbesService],
})
export class HealthModule {}
