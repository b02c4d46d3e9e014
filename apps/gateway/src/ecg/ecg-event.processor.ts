import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EcgRecordingStoredPayload, JobNames, Queues } from '@hub/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { SingleJobConsumer } from '../queue/single-job-consumer';
import { EcgObservationService } from './ecg-observation.service';

/** Consumes `hub.ecg-events`: each `EcgRecordingStored` writes the recording's Observation. */
@Injectable()
export class EcgEventProcessor extends SingleJobConsumer<
  typeof Queues.HubEcgEvents,
  typeof JobNames.EcgRecordingStored
> {
  constructor(
    private readonly observations: EcgObservationService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    super(
      Queues.HubEcgEvents,
      JobNames.EcgRecordingStored,
      config,
      new Logger(EcgEventProcessor.name),
    );
  }

  protected handle(payload: EcgRecordingStoredPayload): Promise<void> {
    return this.observations.apply(payload);
  }
}
