/**
 * Shapes of the management APIs: `GET /api/management/figures` and `/organizations`
 * (apps/gateway/src/management), `GET /api/critical-values/indicators`, `GET /api/recognition/figures`.
 */

export type Centre = 'lab' | 'imaging' | 'ecg' | 'pathology';
export const CENTRES: readonly Centre[] = ['lab', 'imaging', 'ecg', 'pathology'];
export type Priority = 'stat' | 'asap' | 'urgent' | 'routine';

export interface VolumeFigure {
  month: string;
  member: string;
  centre: Centre;
  orders: number;
  reused: number;
  cancelled: number;
}

export interface TurnaroundFigure {
  centre: Centre;
  priority: Priority;
  orders: number;
  medianMinutes: number;
  p90Minutes: number;
  /** Null when the group mixes items with different targets. */
  targetMinutes: number | null;
  withinTarget: number | null;
}

export interface TurnaroundMonthFigure {
  month: string;
  centre: Centre;
  orders: number;
  medianMinutes: number;
  p90Minutes: number;
}

export interface ManagementFigures {
  from: string;
  to: string;
  volume: VolumeFigure[];
  turnaround: TurnaroundFigure[];
  turnaroundByMonth: TurnaroundMonthFigure[];
}

export interface OrganizationName {
  code: string;
  name: string;
  nameEn: string;
  kind: string;
  centre: Centre | null;
}

/** Times in seconds from release to acknowledgement. */
export interface CriticalValueIndicator {
  total: number;
  acknowledged: number;
  unacknowledged: number;
  late: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface CriticalValueIndicators {
  from: string | null;
  to: string | null;
  targetSeconds: number;
  overall: CriticalValueIndicator;
  byCentre: Array<CriticalValueIndicator & { centre: Centre }>;
  byClinic: Array<CriticalValueIndicator & { org: string }>;
}

export interface RecognitionFigure {
  month: string;
  member: string;
  centre: Centre;
  system: string;
  code: string;
  duplicatesAvoided: number;
  /** Yuan, two decimals, as text (exact). */
  moneySaved: string;
  overrides: number;
  overridesByReason: Record<string, number>;
  undecided: number;
}
