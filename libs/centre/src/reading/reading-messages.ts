import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type Centre,
  MessageNames,
  type ReadingItem,
  type ReadingReply,
  type ReadingView,
  type ReportGetReply,
} from '@hub/contracts';
import { centreMessagePattern } from '../centre-config';

/** What a reading centre's service answers; the draft is the centre's own message. */
export interface ReadingMessageHandler {
  worklist(request: unknown): Promise<ReadingItem[]>;
  get(request: unknown): Promise<ReadingView | null>;
  claim(request: unknown): Promise<ReadingReply>;
  sign(request: unknown): Promise<ReadingReply>;
  cosign(request: unknown): Promise<ReadingReply>;
  amend(request: unknown): Promise<ReadingReply>;
  reportGet(request: unknown): Promise<ReportGetReply | null>;
}

/**
 * The request/reply messages every reading centre answers the same way (`reading.worklist`,
 * `.get`, `.claim`, `.sign`, `.cosign`, `.amend` and `report.get`), on the centre's channels. A
 * centre's controller extends the class this returns, gives it `readings`, and adds its draft
 * message and whatever else it answers.
 */
export function readingMessages(centre: Centre) {
  abstract class ReadingMessages {
    protected abstract readonly readings: ReadingMessageHandler;

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingWorklist))
    worklist(@Payload() request: unknown): Promise<ReadingItem[]> {
      return this.readings.worklist(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingGet))
    get(@Payload() request: unknown): Promise<ReadingView | null> {
      return this.readings.get(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingClaim))
    claim(@Payload() request: unknown): Promise<ReadingReply> {
      return this.readings.claim(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingSign))
    sign(@Payload() request: unknown): Promise<ReadingReply> {
      return this.readings.sign(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingCosign))
    cosign(@Payload() request: unknown): Promise<ReadingReply> {
      return this.readings.cosign(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReadingAmend))
    amend(@Payload() request: unknown): Promise<ReadingReply> {
      return this.readings.amend(request);
    }

    @MessagePattern(centreMessagePattern(centre, MessageNames.ReportGet))
    report(@Payload() request: unknown): Promise<ReportGetReply | null> {
      return this.readings.reportGet(request);
    }
  }
  return ReadingMessages;
}
