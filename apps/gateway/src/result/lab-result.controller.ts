import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FhirError } from '@hub/fhir';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { RequireRoles } from '../auth/auth.guard';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';

const resultsBody = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be the ServiceRequest id'),
  results: z
    .array(
      z.object({
        code: z.string().min(1).max(64),
        value: z.number().finite(),
        unit: z.string().min(1).max(32).optional(),
        effectiveDateTime: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .min(1)
    .max(500),
});

/**
 * `POST /api/lab/results`: analyser middleware (or a lab technician) posts the results of one order
 * as JSON. The lab centre validates them against the order, builds the Observations and the final
 * DiagnosticReport; the gateway answers with what was stored or an OperationOutcome.
 */
@Controller('api/lab')
@RequireRoles('lab-tech', 'lab-doctor')
export class LabResultController {
  constructor(private readonly centres: CentreClient) {}

  @Post('results')
  @HttpCode(201)
  async submit(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const parsed = resultsBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      throw FhirError.badRequest(
        `${field || 'body'}: ${issue.message}`,
        field ? [field] : undefined,
      );
    }
    const reply = await this.centres.submitLabResults({
      ...parsed.data,
      performer: principal.subject,
      traceId: randomUUID(),
    });
    if (!reply.ok)
      throw new FhirError(
        reply.status,
        reply.status === 404 ? 'not-found' : 'invalid',
        reply.diagnostics,
        reply.expression,
      );
    return reply;
  }
}
