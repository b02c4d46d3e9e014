import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CriticalValueEscalatePayload, JobNames, Queues } from '@hub/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { SingleJobConsumer } from '../queue/single-job-consumer';
import { CriticalValueService } from './critical-value.service';

/**
 * Consumes `hub.critical-values`: each delayed `CriticalValueEscalate` job escalates its alert
 * unless it was acknowledged meanwhile.
 */
@Injectable()
export class CriticalValueEscalationProcessor extends SingleJobConsumer<
  typeof Queues.HubCriticalValues,
  typeof JobNames.CriticalValueEscalate
> {
  constructor(
    private readonly alerts: CriticalValueService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    super(
      Queues.HubCriticalValues,
      JobNames.CriticalValueEscalate,
      config,
      new Logger(CriticalValueEscalationProcessor.name),
    );
  }

  protected handle(payload: CriticalValueEscalatePayload): Promise<unknown> {
    return this.alerts.escalate(payload);
  }
}
