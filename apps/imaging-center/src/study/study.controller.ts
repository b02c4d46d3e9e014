import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageNames, type StudyGetRequest, type StudySummary } from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { StudyService } from './study.service';

/** Request/reply with the gateway: a stored study's summary, for its ImagingStudy. */
@Controller()
export class StudyController {
  constructor(private readonly studies: StudyService) {}

  @MessagePattern(centreMessagePattern('imaging', MessageNames.StudyGet))
  get(@Payload() request: StudyGetRequest): Promise<StudySummary | null> {
    return this.studies.summary(request);
  }
}
