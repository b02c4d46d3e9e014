import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobNames, Queues, type SpecimenUpdatePayload } from '@hub/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { SingleJobConsumer } from '../queue/single-job-consumer';
import { SpecimenMirrorService } from './specimen-mirror.service';

/** Consumes `hub.specimen-events`: each `SpecimenUpdate` re-mirrors the specimen into FHIR. */
@Injectable()
export class SpecimenEventProcessor extends SingleJobConsumer<
  typeof Queues.HubSpecimenEvents,
  typeof JobNames.SpecimenUpdate
> {
  constructor(
    private readonly mirror: SpecimenMirrorService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    super(
      Queues.HubSpecimenEvents,
      JobNames.SpecimenUpdate,
      config,
      new Logger(SpecimenEventProcessor.name),
    );
  }

  protected handle(payload: SpecimenUpdatePayload): Promise<void> {
    return this.mirror.apply(payload);
  }
}
