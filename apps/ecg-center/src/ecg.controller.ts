import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type EcgIngestReply,
  type EcgRecordingView,
  type EcgStatement,
  MessageNames,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { RecordingService } from './recording/recording.service';
import { EcgReadingService } from './reading/ecg-reading.service';

/**
 * Request/reply with the gateway (and the imaging archive, for ECG objects sent by STOW-RS):
 * recordings in, the cardiologists' worklist and reading commands, and the released reports' FHIR
 * content (`report.get`).
 */
@Controller()
export class EcgController {
  constructor(
    private readonly recordings: RecordingService,
    private readonly readings: EcgReadingService,
  ) {}

  @MessagePattern(centreMessagePattern('ecg', MessageNames.EcgIngest))
  ingest(@Payload() request: unknown): Promise<EcgIngestReply> {
    return this.recordings.ingest(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.EcgRecordingGet))
  recording(@Payload() request: unknown): Promise<EcgRecordingView | null> {
    return this.recordings.get(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.EcgStatements))
  statements(): readonly EcgStatement[] {
    return this.readings.statements();
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingWorklist))
  worklist(@Payload() request: unknown): Promise<ReadingItem[]> {
    return this.readings.worklist(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingGet))
  get(@Payload() request: unknown): Promise<ReadingView | null> {
    return this.readings.get(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingClaim))
  claim(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.claim(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.EcgDraft))
  draft(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.draft(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingSign))
  sign(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.sign(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingCosign))
  cosign(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.cosign(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReadingAmend))
  amend(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.amend(request);
  }

  @MessagePattern(centreMessagePattern('ecg', MessageNames.ReportGet))
  report(@Payload() request: unknown): Promise<ReportGetReply | null> {
    return this.readings.reportGet(request);
  }
}
