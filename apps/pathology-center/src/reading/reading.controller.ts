import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MessageNames, type PathologyCatalogues, type ReadingReply } from '@hub/contracts';
import { centreMessagePattern, readingMessages } from '@hub/centre';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Request/reply with the gateway: the pathologists' worklist and reading commands (the shared
 * reading messages, libs/centre), the report draft, the frozen section's call-back, the catalogues,
 * and the released reports' FHIR content (`report.get`).
 */
@Controller()
export class ReadingController extends readingMessages('pathology') {
  constructor(protected readonly readings: PathologyReadingService) {
    super();
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyCatalogues))
  catalogues(): PathologyCatalogues {
    return this.readings.catalogues();
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyDraft))
  draft(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.draft(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyFrozenResult))
  frozen(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.frozenResult(request);
  }
}
