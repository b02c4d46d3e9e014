import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type ReportGetRequest,
  type ResultSubmitRequest,
  centrePattern,
} from '@hub/contracts';
import { patternNamespace } from '@hub/centre';
import { LabResultService } from './lab-result.service';

/** Request/reply from the gateway: results in, report content out. */
@Controller()
export class LabResultController {
  constructor(private readonly results: LabResultService) {}

  @MessagePattern(centrePattern(patternNamespace(), 'lab', MessageNames.ResultSubmit))
  submit(@Payload() request: ResultSubmitRequest) {
    return this.results.submit(request);
  }

  @MessagePattern(centrePattern(patternNamespace(), 'lab', MessageNames.ReportGet))
  get(@Payload() request: ReportGetRequest) {
    return this.results.get(String(request?.reportId ?? ''));
  }
}
