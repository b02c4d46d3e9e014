import { type Centre, type OrderPriority } from '@hub/contracts';

/** Target turnaround in minutes, from receipt at the centre to the final report, per priority. */
export type TurnaroundTargets = Record<'routine' | 'urgent' | 'stat', number>;

/** One orderable item of the consortium catalogue (检查检验项目). Routing is this data, not code. */
export interface CatalogueItem {
  system: string;
  code: string;
  display: string;
  displayZh: string;
  centre: Centre;
  /** Price in yuan (CNY), two decimals. */
  price: string;
  turnaroundMinutes: TurnaroundTargets;
  /** For lab panels: the analytes a result is expected to carry. */
  members?: string[];
  /** Lab items: the specimen type collected (a key of the lab's specimen types). */
  specimenType?: string;
  /** Imaging items: the DICOM modalities a study for it has (for matching without accession). */
  modalities?: string[];
}

/** Administrative sex as FHIR codes it. */
export type Sex = 'male' | 'female';

/**
 * Who a range or limit applies to: a sex, an age band in days `[fromDays, toDays)`, or both.
 * Absent conditions match everyone; the first matching entry of a list is used.
 */
export interface Applicability {
  sex?: Sex;
  ageFromDays?: number;
  ageToDays?: number;
}

/** A reference range (参考区间) for the people it applies to. */
export interface ReferenceRange extends Applicability {
  low?: number;
  high?: number;
}

/** Critical limits (危急值界限): beyond them the result is LL or HH and starts the closed loop. */
export interface CriticalLimits extends Applicability {
  low?: number;
  high?: number;
}

/**
 * Delta check: the change from the patient's previous released value of the analyte (within
 * `withinDays`) is implausible when it exceeds `absolute` (in the analyte's unit) or `percent` of
 * the previous value.
 */
export interface DeltaRule {
  absolute?: number;
  percent?: number;
  withinDays: number;
}

/** A measured quantity the lab reports: unit, reference ranges, critical limits and delta rule. */
export interface AnalyteDefinition {
  code: string;
  display: string;
  displayZh: string;
  /** UCUM unit code. */
  unit: string;
  /** Reference ranges by sex and age band, most specific first. */
  ranges: ReferenceRange[];
  critical?: CriticalLimits[];
  delta?: DeltaRule;
}

/** The turnaround target for an order of this priority (asap counts as urgent). */
export function turnaroundFor(item: CatalogueItem, priority: OrderPriority): number {
  switch (priority) {
    case 'stat':
      return item.turnaroundMinutes.stat;
    case 'asap':
    case 'urgent':
      return item.turnaroundMinutes.urgent;
    case 'routine':
      return item.turnaroundMinutes.routine;
  }
}

/** Interpretation of a numeric value against a reference range: L, H or N. */
export function interpret(value: number, low?: number, high?: number): 'L' | 'H' | 'N' {
  if (low !== undefined && value < low) return 'L';
  if (high !== undefined && value > high) return 'H';
  return 'N';
}

/** The first entry of `list` that applies to a person of this sex and age (unknowns match only
 * entries that do not ask for them). */
export function applicable<T extends Applicability>(
  list: readonly T[] | undefined,
  sex: Sex | undefined,
  ageDays: number | undefined,
): T | undefined {
  return (list ?? []).find(
    (entry) =>
      (entry.sex === undefined || entry.sex === sex) &&
      (entry.ageFromDays === undefined ||
        (ageDays !== undefined && ageDays >= entry.ageFromDays)) &&
      (entry.ageToDays === undefined || (ageDays !== undefined && ageDays < entry.ageToDays)),
  );
}
