import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MessageNames,
  type PathologyBatchReply,
  type PathologyCaseReply,
  type PathologyCaseView,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { CaseService } from './case.service';

/**
 * Request/reply with the gateway: the specimen → block → slide commands, the transport boxes and
 * the case views. Every
 * request is checked by the service (it crossed a process boundary).
 */
@Controller()
export class CaseController {
  constructor(private readonly cases: CaseService) {}

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyCollect))
  collect(@Payload() request: unknown): Promise<PathologyCaseReply> {
    return this.cases.collect(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyReceive))
  receive(@Payload() request: unknown): Promise<PathologyCaseReply> {
    return this.cases.receive(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyShip))
  ship(@Payload() request: unknown): Promise<PathologyBatchReply> {
    return this.cases.ship(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyBatchReceive))
  receiveBox(@Payload() request: unknown): Promise<PathologyBatchReply> {
    return this.cases.receiveBox(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyReject))
  reject(@Payload() request: unknown): Promise<PathologyCaseReply> {
    return this.cases.reject(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyGross))
  gross(@Payload() request: unknown): Promise<PathologyCaseReply> {
    return this.cases.gross(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologySlides))
  slides(@Payload() request: unknown): Promise<PathologyCaseReply> {
    return this.cases.slides(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyCaseGet))
  get(@Payload() request: unknown): Promise<PathologyCaseView | null> {
    return this.cases.get(request);
  }

  @MessagePattern(centreMessagePattern('pathology', MessageNames.PathologyLookup))
  lookup(@Payload() request: unknown): Promise<PathologyCaseView | null> {
    return this.cases.lookup(request);
  }
}
