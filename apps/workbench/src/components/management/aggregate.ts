import { type RecognitionFigure, type VolumeFigure } from './types';

/** Orders per month and per group (a member or a centre), with the totals of each. */
export interface VolumeMatrix {
  months: string[];
  groups: string[];
  /** `cell(month, group)`: orders, 0 where there were none. */
  cell: (month: string, group: string) => number;
  monthTotal: (month: string) => number;
  groupTotal: (group: string) => number;
  total: number;
}

/** The volume rows summed per month and `by` (member or centre), every month of the period kept. */
export function volumeMatrix(
  volume: VolumeFigure[],
  months: string[],
  by: 'member' | 'centre',
  order: readonly string[] = [],
): VolumeMatrix {
  const cells = new Map<string, number>();
  const byMonth = new Map<string, number>();
  const byGroup = new Map<string, number>();
  for (const row of volume) {
    const group = row[by];
    const key = `${row.month}|${group}`;
    cells.set(key, (cells.get(key) ?? 0) + row.orders);
    byMonth.set(row.month, (byMonth.get(row.month) ?? 0) + row.orders);
    byGroup.set(group, (byGroup.get(group) ?? 0) + row.orders);
  }
  const rank = (group: string) => {
    const i = order.indexOf(group);
    return i < 0 ? order.length : i;
  };
  const groups = [...byGroup.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return {
    months,
    groups,
    cell: (month, group) => cells.get(`${month}|${group}`) ?? 0,
    monthTotal: (month) => byMonth.get(month) ?? 0,
    groupTotal: (group) => byGroup.get(group) ?? 0,
    total: volume.reduce((sum, row) => sum + row.orders, 0),
  };
}

/** Yuan as text ("25.00") summed exactly, in fen. */
export function sumYuan(values: string[]): number {
  return values.reduce((fen, value) => fen + Math.round(Number(value) * 100), 0) / 100;
}

export interface RecognitionMonth {
  month: string;
  duplicatesAvoided: number;
  moneySaved: number;
  overrides: number;
  undecided: number;
}

/** Duplicates avoided, money saved, overrides and undecided checks per month of the period. */
export function recognitionByMonth(
  rows: RecognitionFigure[],
  months: string[],
): RecognitionMonth[] {
  return months.map((month) => {
    const of = rows.filter((row) => row.month === month);
    return {
      month,
      duplicatesAvoided: of.reduce((n, row) => n + row.duplicatesAvoided, 0),
      moneySaved: sumYuan(of.map((row) => row.moneySaved)),
      overrides: of.reduce((n, row) => n + row.overrides, 0),
      undecided: of.reduce((n, row) => n + row.undecided, 0),
    };
  });
}

export interface RecognitionItemRow {
  key: string;
  member: string;
  centre: string;
  system: string;
  code: string;
  duplicatesAvoided: number;
  moneySaved: number;
  overrides: number;
  undecided: number;
}

/** The recognition figures over the whole period, per member and item. */
export function recognitionByMemberItem(rows: RecognitionFigure[]): RecognitionItemRow[] {
  const grouped = new Map<string, RecognitionItemRow & { yuan: string[] }>();
  for (const row of rows) {
    const key = `${row.member}|${row.system}|${row.code}`;
    const entry = grouped.get(key) ?? {
      key,
      member: row.member,
      centre: row.centre,
      system: row.system,
      code: row.code,
      duplicatesAvoided: 0,
      moneySaved: 0,
      overrides: 0,
      undecided: 0,
      yuan: [],
    };
    entry.duplicatesAvoided += row.duplicatesAvoided;
    entry.overrides += row.overrides;
    entry.undecided += row.undecided;
    entry.yuan.push(row.moneySaved);
    grouped.set(key, entry);
  }
  return [...grouped.values()]
    .map(({ yuan, ...entry }) => ({ ...entry, moneySaved: sumYuan(yuan) }))
    .sort((a, b) => b.duplicatesAvoided - a.duplicatesAvoided || a.key.localeCompare(b.key));
}
