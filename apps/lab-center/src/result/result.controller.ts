import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type ReportGetReply,
  type ReportGetRequest,
  type ResultSubmitReply,
  type ResultSubmitRequest,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { LabResultService } from './result.service';

/** Request/reply with the gateway: results in, report content out. */
@Controller()
export class LabResultController {
  constructor(private readonly results: LabResultService) {}

  @MessagePattern(centreMessagePattern('lab', MessageNames.ResultSubmit))
  submit(@Payload() request: ResultSubmitRequest): Promise<ResultSubmitReply> {
    return this.results.submit(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.ReportGet))
  get(@Payload() request: ReportGetRequest | undefined): Promise<ReportGetReply | null> {
    return this.results.get(request?.reportId);
  }
}
