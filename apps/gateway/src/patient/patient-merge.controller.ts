import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { z } from 'zod';
import { agentFor } from '../audit/accessor';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { parseBody } from '../http/parse-body';
import { PatientMergeService } from './patient-merge.service';

/** `Patient/abc` or `abc`, as the id. */
const patientId = z
  .string()
  .trim()
  .transform((value) => value.replace(/^Patient\//, ''));
const mergeBody = z.object({
  source: patientId,
  target: patientId,
  note: z.string().trim().max(500).optional(),
});
const unmergeBody = z.object({ note: z.string().trim().max(500).optional() });
const listQuery = z.object({ patient: patientId.optional() });

/**
 * Merges in the patient index, for administrators (the index's stewards):
 * `POST /api/patients/merges` `{ source, target, note? }` replaces the duplicate `source` by the
 * surviving `target`; `POST /api/patients/merges/{id}/unmerge` `{ note? }` undoes it;
 * `GET /api/patients/merges?patient=` lists merges with what each moved. Audited.
 */
@Controller('api/patients/merges')
@RequireRoles('admin')
export class PatientMergeController {
  constructor(private readonly merges: PatientMergeService) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    return this.merges.list(parseBody(listQuery, query).patient);
  }

  @Post()
  merge(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() r: Request) {
    const input = parseBody(mergeBody, body ?? {});
    return this.merges.merge(
      { sourceId: input.source, targetId: input.target, note: input.note },
      p.subject,
      agentFor(p, r),
    );
  }

  @Post(':id/unmerge')
  @HttpCode(200)
  unmerge(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    const { note } = parseBody(unmergeBody, body ?? {});
    return this.merges.unmerge(id, p.subject, agentFor(p, r), note);
  }
}
