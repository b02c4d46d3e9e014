import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobNames, Queues, type StudyUpdatePayload } from '@hub/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { SingleJobConsumer } from '../queue/single-job-consumer';
import { ImagingStudyService } from './imaging-study.service';

/** Consumes `hub.imaging-events`: each `StudyUpdate` re-reads the study into its ImagingStudy. */
@Injectable()
export class ImagingEventProcessor extends SingleJobConsumer<
  typeof Queues.HubImagingEvents,
  typeof JobNames.StudyUpdate
> {
  constructor(
    private readonly studies: ImagingStudyService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    super(
      Queues.HubImagingEvents,
      JobNames.StudyUpdate,
      config,
      new Logger(ImagingEventProcessor.name),
    );
  }

  protected handle(payload: StudyUpdatePayload): Promise<void> {
    return this.studies.apply(payload);
  }
}
