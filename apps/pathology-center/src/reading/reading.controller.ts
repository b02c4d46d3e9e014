import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type PathologyCatalogues,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { PathologyReadingService } from './pathology-reading.service';

/**
 * Request/reply with the gateway: the pathologists' worklist and reading commands, the frozen
 * section's call-back, the catalogues, and the released reports' FHIR content (`report.get`).
 */
@Controller()
export class ReadingController {
  constructor(private readonly readings: PathologyReadingService) {}

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyCatalogues))
  catalogues(): PathologyCatalogues {
    return this.readings.catalogues();
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingWorklist))
  worklist(@Payload() request: unknown): Promise<ReadingItem[]> {
    return this.readings.worklist(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingGet))
  get(@Payload() request: unknown): Promise<ReadingView | null> {
    return this.readings.get(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingClaim))
  claim(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.claim(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyDraft))
  draft(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.draft(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyFrozenResult))
  frozen(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.frozenResult(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingSign))
  sign(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.sign(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingCosign))
  cosign(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.cosign(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReadingAmend))
  amend(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.amend(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.ReportGet))
  report(@Payload() request: unknown): Promise<ReportGetReply | null> {
    return this.readings.reportGet(request);
  }
}
