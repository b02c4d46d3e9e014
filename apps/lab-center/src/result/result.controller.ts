import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type PendingVerification,
  type ReportGetReply,
  type ReportGetRequest,
  type ReportVerifyReply,
  type ReportVerifyRequest,
  type ResultSubmitReply,
  type ResultSubmitRequest,
  type VerificationListRequest,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { LabResultService } from './result.service';

/** Request/reply with the gateway: results in, verification, released report content out. */
@Controller()
export class LabResultController {
  constructor(private readonly results: LabResultService) {}

  @MessagePattern(centreMessagePattern('lab', MessageNames.ResultSubmit))
  submit(@Payload() request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    return this.results.submit(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.ReportVerify))
  verify(@Payload() request: ReportVerifyRequest): Promise<ReportVerifyReply> {
    return this.results.verify(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.VerificationList))
  pending(@Payload() request: VerificationListRequest | undefined): Promise<PendingVerification[]> {
    return this.results.pending(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.ReportGet))
  get(@Payload() request: ReportGetRequest | undefined): Promise<ReportGetReply | null> {
    return this.results.get(request?.reportId, request?.version);
  }
}
