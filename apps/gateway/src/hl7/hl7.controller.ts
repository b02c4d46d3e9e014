import { Controller, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { FhirError } from '@hub/fhir';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { Hl7InboundService } from './hl7-inbound.service';

export const HL7_CONTENT_TYPE = 'x-application/hl7-v2+er7';

/**
 * `POST /hl7`: one HL7 v2 message per request, for systems that cannot open an MLLP socket. The
 * answer is the ACK (200), in the character set the message declared; MSH-4 must be the caller's
 * own organisation.
 */
@Controller('hl7')
@RequireRoles('clinic-system')
export class Hl7Controller {
  constructor(private readonly inbound: Hl7InboundService) {}

  @Post()
  async receive(
    @Req() request: Request,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new FhirError(415, 'not-supported', `send one HL7 v2 message as ${HL7_CONTENT_TYPE}`);
    }
    const result = await this.inbound.handle(request.body, {
      transport: 'http',
      peer: request.ip ?? '?',
      authenticatedOrg: principal.org,
    });
    // Sent as bytes: the ACK is already encoded in the sender's character set.
    response.status(200).type(`${HL7_CONTENT_TYPE}; charset=${result.charset}`).send(result.ack);
  }
}
