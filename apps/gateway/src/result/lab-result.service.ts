import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type ResultSubmitReply } from '@hub/contracts';
import { FhirError } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
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
 * Results posted by analyser middleware or a technician: checked for shape here, validated against
 * the order by the lab (which builds and stores the report), and audited as a write of the order's
 * patient data by whoever posted them.
 */
@Injectable()
export class LabResultService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
  ) {}

  async submit(
    body: unknown,
    agent: AuditAgent,
  ): Promise<Extract<ResultSubmitReply, { ok: true }>> {
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
      performer: agent.subject,
      traceId: randomUUID(),
    });
    await this.audit.record({
      type: '110110',
      subtype: 'lab-results',
      action: 'C',
      agent,
      entities: [{ type: 'ServiceRequest', id: parsed.data.orderId }],
      ...(reply.ok ? {} : { outcome: '4' as const, outcomeDesc: reply.diagnostics }),
    });
    if (!reply.ok) {
      throw new FhirError(
        reply.status,
        reply.status === 404 ? 'not-found' : 'invalid',
        reply.diagnostics,
        reply.expression,
      );
    }
    return reply;
  }
}
