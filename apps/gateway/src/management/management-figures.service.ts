import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource } from 'typeorm';
import { type Centre, type OrderPriority, OrderPriorities } from '@hub/contracts';
import {
  type CatalogueItem,
  type OrganizationKind,
  type TurnaroundTargets,
  turnaroundFor,
} from '@hub/consortium';
import { REPORT_VERSION_URL } from '../result/result-intake.service';
import { type FigurePeriod } from './figure-period';

/** Orders a member placed with a centre in a month (China time). */
export interface VolumeFigure {
  month: string;
  /** The ordering member's organisation code. */
  member: string;
  centre: Centre;
  /** Every order accepted at the hub, reused and cancelled ones included. */
  orders: number;
  /** Of those, orders completed with a recognized prior result (结果互认): nothing was routed. */
  reused: number;
  /** Of those, orders the member cancelled. */
  cancelled: number;
}

/** Turnaround of one centre's orders of one priority: acceptance at the hub → first released report. */
export interface TurnaroundFigure {
  centre: Centre;
  priority: OrderPriority;
  /** Orders with a released report (those without one are not counted here). */
  orders: number;
  medianMinutes: number;
  p90Minutes: number;
  /** The catalogue's target when every order of the group has the same one, else null. */
  targetMinutes: number | null;
  /** Share (0..1) of the orders reported within their own item's target. */
  withinTarget: number | null;
}

export interface TurnaroundMonthFigure {
  month: string;
  centre: Centre;
  orders: number;
  medianMinutes: number;
  p90Minutes: number;
}

/** An organisation of the consortium by name, so the figures' codes can be shown as names. */
export interface OrganizationName {
  code: string;
  name: string;
  nameEn: string;
  kind: OrganizationKind;
  /** The centre the organisation hosts, if any. */
  centre: Centre | null;
}

/** `GET /api/management/figures`. */
export interface ManagementFigures {
  from: string;
  to: string;
  volume: VolumeFigure[];
  turnaround: TurnaroundFigure[];
  turnaroundByMonth: TurnaroundMonthFigure[];
}

const MONTH_SQL = `to_char(o.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`;

/**
 * Orders accepted in the period ($1 ≤ created_at < $2) that have a released report, with the
 * minutes from acceptance to the first one and the item's target for the order's priority ($3,
 * JSON rows { system, code, priority, minutes }). Released means a version the hub stored from a
 * centre (it carries the centre's report version, $4) that is final, amended or corrected, or a
 * preliminary one that raised a critical value (a frozen section's call-back). A reuse has no
 * report of its own (the prior is based on another order), so it is not here.
 */
const RELEASED_SQL = `
  WITH target AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS t(system text, code text, priority text, minutes int)
  ), released AS (
    SELECT o.centre, o.priority, ${MONTH_SQL} AS month, t.minutes AS target,
           (extract(epoch FROM r.released_at - o.created_at) / 60)::float8 AS minutes
      FROM gateway.service_order o
      LEFT JOIN target t ON t.system = o.code_system AND t.code = o.code AND t.priority = o.priority
      CROSS JOIN LATERAL (
        SELECT min(h.last_updated) AS released_at
          FROM gateway.fhir_search_reference f
          JOIN gateway.fhir_resource_history h
            ON h.resource_type = 'DiagnosticReport' AND h.id = f.resource_id
          CROSS JOIN LATERAL (
            SELECT (jsonb_path_query_first(h.content, '$.extension[*] ? (@.url == $url).valueInteger',
                      jsonb_build_object('url', $4::text)) #>> '{}')::int AS version
          ) v
         WHERE f.resource_type = 'DiagnosticReport' AND f.param = 'based-on'
           AND f.target_type = 'ServiceRequest' AND f.target_id = o.order_id
           AND v.version IS NOT NULL
           AND (h.content ->> 'status' IN ('final', 'amended', 'corrected')
                OR (h.content ->> 'status' = 'preliminary'
                    AND EXISTS (SELECT 1 FROM gateway.critical_alert a
                                 WHERE a.report_id = h.id AND a.report_version = v.version)))
      ) r
     WHERE o.created_at >= $1 AND o.created_at < $2 AND r.released_at IS NOT NULL
  )`;

const minutes = (fraction: number) =>
  `round(percentile_cont(${fraction}) WITHIN GROUP (ORDER BY minutes)::numeric, 1)::float8`;

/**
 * The management figures (管理指标) a consortium is assessed on, computed in SQL from the gateway's
 * own record: order volume per member, centre and month, and turnaround per centre and priority
 * (median, P90, share within target) and per month. Aggregates only: no patient data.
 */
@Injectable()
export class ManagementFiguresService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async figures(period: FigurePeriod): Promise<ManagementFigures> {
    // One snapshot, so the volume and the turnaround count the same orders.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const items = await manager.query<
        Array<{ system: string; code: string; turnaround_minutes: TurnaroundTargets }>
      >(`SELECT system, code, turnaround_minutes FROM gateway.catalogue_item`);
      // The targets as the reading worklists apply them (asap counts as urgent): one rule, in libs.
      const targets = items.flatMap((item) =>
        OrderPriorities.map((priority) => ({
          system: item.system,
          code: item.code,
          priority,
          minutes: turnaroundFor(
            { turnaroundMinutes: item.turnaround_minutes } as CatalogueItem,
            priority,
          ),
        })),
      );
      const range = [period.start, period.end];
      const volume = await manager.query<VolumeFigure[]>(
        `SELECT ${MONTH_SQL} AS month, o.requester_org AS member, o.centre,
                count(*)::int AS orders,
                count(*) FILTER (WHERE d.decision = 'reuse')::int AS reused,
                count(*) FILTER (WHERE o.status = 'cancelled')::int AS cancelled
           FROM gateway.service_order o
           LEFT JOIN gateway.recognition_decision d ON d.order_id = o.order_id
          WHERE o.created_at >= $1 AND o.created_at < $2
          GROUP BY 1, 2, 3
          ORDER BY 1, 2, 3`,
        range,
      );
      const releasedParams = [...range, JSON.stringify(targets), REPORT_VERSION_URL];
      const turnaround = await manager.query<TurnaroundFigure[]>(
        `${RELEASED_SQL}
         SELECT centre, priority, count(*)::int AS orders,
                ${minutes(0.5)} AS "medianMinutes", ${minutes(0.9)} AS "p90Minutes",
                CASE WHEN count(target) = count(*) AND min(target) = max(target) THEN min(target) END
                  AS "targetMinutes",
                round(avg((minutes <= target)::int) FILTER (WHERE target IS NOT NULL), 4)::float8
                  AS "withinTarget"
           FROM released
          GROUP BY centre, priority
          ORDER BY centre, array_position(ARRAY['stat', 'asap', 'urgent', 'routine'], priority)`,
        releasedParams,
      );
      const turnaroundByMonth = await manager.query<TurnaroundMonthFigure[]>(
        `${RELEASED_SQL}
         SELECT month, centre, count(*)::int AS orders,
                ${minutes(0.5)} AS "medianMinutes", ${minutes(0.9)} AS "p90Minutes"
           FROM released
          GROUP BY month, centre
          ORDER BY month, centre`,
        releasedParams,
      );
      return { from: period.from, to: period.to, volume, turnaround, turnaroundByMonth };
    });
  }

  /**
   * The consortium's organisations (codes, Chinese and English names, kind), the directory the
   * figures' member and centre codes are named from. No patient data.
   */
  async organizations(): Promise<OrganizationName[]> {
    return this.dataSource.query<OrganizationName[]>(
      `SELECT code, name, name_en AS "nameEn", kind, centre
         FROM gateway.organization
        ORDER BY code`,
    );
  }
}
