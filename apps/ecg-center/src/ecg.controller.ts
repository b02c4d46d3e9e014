import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type EcgIngestReply,
  type EcgRecordingView,
  type EcgStatement,
  MessageNames,
  type ReadingReply,
} from '@hub/contracts';
import { centreMessagePattern, readingMessages } from '@hub/centre';
import { RecordingService } from './recording/recording.service';
import { EcgReadingService } from './reading/ecg-reading.service';

/**
 * Request/reply with the gateway (and the imaging archive, for ECG objects sent by STOW-RS):
 * recordings in, the statement catalogue, the draft, and the shared reading messages (libs/centre:
 * worklist, claim, sign, co-sign, amend, `report.get`).
 */
@Controller()
export class EcgController extends readingMessages('ecg') {
  constructor(
    private readonly recordings: RecordingService,
    protected readonly readings: EcgReadingService,
  ) {
    super();
  }

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

  @MessagePattern(centreMessagePattern('ecg', MessageNames.EcgDraft))
  draft(@Payload() request: unknown): Promise<ReadingReply> {
    return this.readings.draft(request);
  }
}
