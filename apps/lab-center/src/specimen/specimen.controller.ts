import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type BatchReceiveRequest,
  type BatchShipRequest,
  MessageNames,
  type SpecimenCollectRequest,
  type SpecimenCommandReply,
  type SpecimenGetRequest,
  type SpecimenReceiveRequest,
  type SpecimenRejectRequest,
  type SpecimenView,
} from '@hub/contracts';
import { centreMessagePattern } from '@hub/centre';
import { SpecimenService } from './specimen.service';

/** Request/reply with the gateway: the specimen commands and the specimen's current state. */
@Controller()
export class SpecimenController {
  constructor(private readonly specimens: SpecimenService) {}

  @MessagePattern(centreMessagePattern('lab', MessageNames.SpecimenGet))
  get(@Payload() request: SpecimenGetRequest): Promise<SpecimenView | null> {
    return this.specimens.get(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.SpecimenCollect))
  collect(@Payload() request: SpecimenCollectRequest): Promise<SpecimenCommandReply> {
    return this.specimens.collect(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.BatchShip))
  ship(@Payload() request: BatchShipRequest): Promise<SpecimenCommandReply> {
    return this.specimens.ship(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.BatchReceive))
  receiveBatch(@Payload() request: BatchReceiveRequest): Promise<SpecimenCommandReply> {
    return this.specimens.receiveBatch(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.SpecimenReceive))
  receive(@Payload() request: SpecimenReceiveRequest): Promise<SpecimenCommandReply> {
    return this.specimens.receive(request);
  }

  @MessagePattern(centreMessagePattern('lab', MessageNames.SpecimenReject))
  reject(@Payload() request: SpecimenRejectRequest): Promise<SpecimenCommandReply> {
    return this.specimens.reject(request);
  }
}
