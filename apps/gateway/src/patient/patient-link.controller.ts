import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { z } from 'zod';
import { FhirError } from '@hub/fhir';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { parseBody } from '../http/parse-body';
import { PatientLinkService } from './patient-link.service';

const listQuery = z.object({
  status: z.enum(['candidate', 'confirmed', 'rejected', 'unlinked']).optional(),
});
const decisionBody = z.object({ note: z.string().trim().max(500).optional() });
const STEPS: Record<string, 'confirmed' | 'rejected' | 'unlinked'> = {
  confirmation: 'confirmed',
  rejection: 'rejected',
  unlink: 'unlinked',
};

/**
 * The patient index's links, for administrators (the index's stewards):
 * `GET /api/patients/links?status=candidate`, and for one link `POST …/{id}/confirmation`,
 * `…/rejection` and `…/unlink`, each `{ note? }`. Every decision is kept and audited.
 */
@Controller('api/patients/links')
@RequireRoles('admin')
export class PatientLinkController {
  constructor(private readonly links: PatientLinkService) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    return this.links.list(parseBody(listQuery, query).status);
  }

  /** `confirmation`, `rejection` or `unlink` of one link. */
  @Post(':id/:step')
  @HttpCode(200)
  decide(
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    const action = Object.hasOwn(STEPS, step) ? STEPS[step] : undefined;
    if (!action) throw FhirError.notFound(`no step ${step}: use confirmation, rejection or unlink`);
    const { note } = parseBody(decisionBody, body ?? {});
    return this.links.decide(id, action, p.subject, agentFor(p, r), note);
  }
}
