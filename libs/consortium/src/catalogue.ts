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
}

/** A measured quantity the lab reports, with its unit and adult reference range. */
export interface AnalyteDefinition {
  code: string;
  display: string;
  displayZh: string;
  /** UCUM unit code. */
  unit: string;
  low?: number;
  high?: number;
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
