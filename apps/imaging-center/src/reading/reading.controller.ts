import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type ReadingAmendRequest,
  type ReadingClaimRequest,
  type ReadingDraftRequest,
  type ReadingGetRequest,
  type ReadingItem,
  type ReadingReply,
  type ReadingSignRequest,
  type ReadingView,
  type ReadingWorklistRequest,
  type ReportGetReply,
  type ReportGetRequest,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { ReadingService } from './reading.service';

/**
 * Request/reply with the gateway: the radiologists' worklist and reading commands, and the
 * released reports' FHIR content (`report.get`).
 */
@Controller()
export class ReadingController {
  constructor(private readonly readings: ReadingService) {}

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingWorklist))
  worklist(@Payload() request: ReadingWorklistRequest | undefined): Promise<ReadingItem[]> {
    return this.readings.worklist(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingGet))
  get(@Payload() request: ReadingGetRequest | undefined): Promise<ReadingView | null> {
    return this.readings.get(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingClaim))
  claim(@Payload() request: ReadingClaimRequest | undefined): Promise<ReadingReply> {
    return this.readings.claim(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingDraft))
  draft(@Payload() request: ReadingDraftRequest | undefined): Promise<ReadingReply> {
    return this.readings.draft(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingSign))
  sign(@Payload() request: ReadingSignRequest | undefined): Promise<ReadingReply> {
    return this.readings.sign(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingCosign))
  cosign(@Payload() request: ReadingSignRequest | undefined): Promise<ReadingReply> {
    return this.readings.cosign(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReadingAmend))
  amend(@Payload() request: ReadingAmendRequest | undefined): Promise<ReadingReply> {
    return this.readings.amend(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.ReportGet))
  report(@Payload() request: ReportGetRequest | undefined): Promise<ReportGetReply | null> {
    return this.readings.reportGet(request);
  }
}
