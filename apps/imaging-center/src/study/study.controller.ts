import { Controller, HttpException } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CentreRefusal,
  MessageNames,
  type StudyGetRequest,
  type StudyLinkReply,
  type StudyLinkRequest,
  type StudySummary,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { StudyService } from './study.service';

/**
 * Request/reply with the gateway: a stored study's summary, for its ImagingStudy, and linking an
 * unmatched study to the order the hub found for it (patient + procedure).
 */
@Controller()
export class StudyController {
  constructor(private readonly studies: StudyService) {}

  @MessagePattern(centreMessagePattern('imaging', MessageNames.StudyGet))
  get(@Payload() request: StudyGetRequest): Promise<StudySummary | null> {
    return this.studies.summary(request);
  }

  @MessagePattern(centreMessagePattern('imaging', MessageNames.StudyLink))
  async link(@Payload() request: StudyLinkRequest): Promise<StudyLinkReply> {
    try {
      await this.studies.link(request?.studyInstanceUid, request?.orderId);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      const status = error.getStatus();
      return {
        ok: false,
        status: (status === 404 || status === 409 ? status : 400) as CentreRefusal['status'],
        diagnostics: error.message,
      };
    }
  }
}
