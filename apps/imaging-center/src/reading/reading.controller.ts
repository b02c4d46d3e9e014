import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageNames, type ReadingReply } from '@hub/contracts';
import { centreMessagePattern, readingMessages } from '@hub/centre';
import { ReadingService } from './reading.service';

/**
 * Request/reply with the gateway: the radiologists' worklist and reading commands (the shared
 * reading messages, libs/centre), the draft (findings and impression), and the released reports'
 * FHIR content (`report.get`).
 */
@Controller()
export class ReadingController extends readingMessages('imaging') {
  constructor(protected readonly readings: ReadingService) {
    super();
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingDraft))
  draft(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.draft(request);
  }
}
