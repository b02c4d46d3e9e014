import { Body, Controller, Get, Param, Post, Put, Query, Req } from '@nestjs/common';
import { type Request } from 'express';
import { z } from 'zod';
import { FhirError } from '@hub/fhir';
import { agentFor } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { RequireRoles } from '../auth/auth.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { type Principal } from '../auth/principal';
import { FhirStore } from '../fhir/fhir-store.service';
import { parseBody } from '../http/parse-body';

const ruleBody = z.object({
  recognized: z.boolean(),
  validityDays: z.number().int().min(1).max(3650),
});
const eqaBody = z.object({
  centre: z.string().trim().min(1).max(32),
  system: z.string().trim().min(1).max(200),
  code: z.string().trim().min(1).max(64),
  passed: z.boolean(),
  /** The day the result takes effect (a failure: recognition is lost from this day). */
  effectiveFrom: z.iso.date(),
  scheme: z.string().trim().max(200).optional(),
});
const figuresQuery = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});
const eqaQuery = z.object({
  centre: z.string().max(32).optional(),
  code: z.string().max(64).optional(),
});

/**
 * The consortium's recognition settings (管理), for administrators: per catalogue item whether its
 * results are recognized and for how many days (`GET /api/recognition/rules`,
 * `PUT /api/recognition/rules/{system}|{code}` `{ recognized, validityDays }`), and each centre's
 * EQA results (`GET /api/recognition/eqa?centre=&code=`, `POST /api/recognition/eqa`
 * `{ centre, system, code, passed, effectiveFrom, scheme? }`: append-only, a failure is a new entry
 * from its date), and the figures (`GET /api/recognition/figures?from=&to=`). Every change is
 * audited.
 */
@Controller('api/recognition')
@RequireRoles('admin')
export class RecognitionAdminController {
  constructor(
    private readonly store: FhirStore,
    private readonly audit: AuditService,
  ) {}

  @Get('rules')
  rules() {
    return this.store.manager.query(
      `SELECT r.system, r.code, c.display, c.display_zh AS "displayZh", c.centre, r.recognized,
              r.validity_days AS "validityDays", r.updated_by AS "updatedBy", r.updated_at AS "updatedAt"
         FROM gateway.recognition_rule r JOIN gateway.catalogue_item c USING (system, code)
        ORDER BY c.centre, r.code`,
    );
  }

  @Put('rules/:item')
  async setRule(
    @Param('item') item: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    const { recognized, validityDays } = parseBody(ruleBody, body);
    const split = item.lastIndexOf('|');
    if (split <= 0 || split === item.length - 1)
      throw FhirError.badRequest(`name the item as {system}|{code}, not ${item}`, ['item']);
    const [system, code] = [item.slice(0, split), item.slice(split + 1)];
    const [rows] = await this.store.manager.query<[Array<Record<string, unknown>>, number]>(
      `UPDATE gateway.recognition_rule SET recognized = $3, validity_days = $4, updated_by = $5,
              updated_at = now()
        WHERE system = $1 AND code = $2
        RETURNING system, code, recognized, validity_days AS "validityDays"`,
      [system, code, recognized, validityDays, principal.subject],
    );
    await this.audit.record({
      type: '110110',
      subtype: 'recognition-rule',
      action: 'U',
      agent: agentFor(principal, request),
      entities: [{ type: 'CatalogueItem', id: `${system}|${code}` }],
      ...(rows.length ? {} : { outcome: '4' as const, outcomeDesc: 'no such catalogue item' }),
    });
    if (!rows.length)
      throw FhirError.notFound(`no catalogue item ${item} (write it as {system}|{code})`);
    return rows[0];
  }

  /**
   * The figures (管理指标): per month, member, centre and item, the orders that met a recognized
   * prior: duplicates avoided (reused) and the money saved at catalogue prices, overrides by reason,
   * and orders where the clinic said nothing. Consortium managers read them too (aggregates only).
   */
  @Get('figures')
  @RequireRoles('admin', 'manager')
  figures(@Query() query: Record<string, unknown>) {
    const { from, to } = parseBody(figuresQuery, query);
    return this.store.manager.query(
      `SELECT to_char(date_trunc('month', decided_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM') AS month,
              requester_org AS member, centre, system, code,
              count(*) FILTER (WHERE decision = 'reuse')::int AS "duplicatesAvoided",
              coalesce(sum(price) FILTER (WHERE decision = 'reuse'), 0)::text AS "moneySaved",
              count(*) FILTER (WHERE decision = 'override')::int AS overrides,
              coalesce(jsonb_object_agg(reason_code, n) FILTER (WHERE reason_code IS NOT NULL), '{}')
                AS "overridesByReason",
              count(*) FILTER (WHERE decision = 'none')::int AS undecided
         FROM (SELECT d.*,
                      count(*) OVER (PARTITION BY date_trunc('month', decided_at AT TIME ZONE 'Asia/Shanghai'),
                                     requester_org, centre, system, code, reason_code) AS n
                 FROM gateway.recognition_decision d
                -- Days and months are China's, as the figures are read there.
                WHERE ($1::date IS NULL OR (decided_at AT TIME ZONE 'Asia/Shanghai')::date >= $1::date)
                  AND ($2::date IS NULL OR (decided_at AT TIME ZONE 'Asia/Shanghai')::date <= $2::date)) d
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 5`,
      [from ?? null, to ?? null],
    );
  }

  @Get('eqa')
  eqa(@Query() query: Record<string, unknown>) {
    const { centre, code } = parseBody(eqaQuery, query);
    return this.store.manager.query(
      `SELECT id::text, centre_org AS centre, system, code, passed,
              effective_from::text AS "effectiveFrom", scheme, recorded_by AS "recordedBy",
              recorded_at AS "recordedAt"
         FROM gateway.eqa_record
        WHERE ($1::text IS NULL OR centre_org = $1) AND ($2::text IS NULL OR code = $2)
        ORDER BY centre_org, code, effective_from DESC, id DESC`,
      [centre ?? null, code ?? null],
    );
  }

  @Post('eqa')
  async recordEqa(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
  ) {
    const record = parseBody(eqaBody, body);
    const known = await this.store.manager.query<unknown[]>(
      `SELECT 1 FROM gateway.recognition_rule WHERE system = $1 AND code = $2`,
      [record.system, record.code],
    );
    const centre = await this.store.manager.query<unknown[]>(
      `SELECT 1 FROM gateway.organization WHERE code = $1`,
      [record.centre],
    );
    if (!known.length || !centre.length)
      throw FhirError.unprocessable(
        !known.length
          ? `no catalogue item ${record.system}|${record.code}`
          : `no organisation ${record.centre}`,
      );
    const [row] = await this.store.manager.query<Array<{ id: string }>>(
      `INSERT INTO gateway.eqa_record (centre_org, system, code, passed, effective_from, scheme, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text`,
      [
        record.centre,
        record.system,
        record.code,
        record.passed,
        record.effectiveFrom,
        record.scheme ?? null,
        principal.subject,
      ],
    );
    await this.audit.record({
      type: '110110',
      subtype: 'eqa-record',
      action: 'C',
      agent: agentFor(principal, request),
      entities: [{ type: 'EqaRecord', id: row.id }],
    });
    return { id: row.id, ...record };
  }
}
