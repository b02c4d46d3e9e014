/**
 * Months (YYYY-MM) in China time, as the management figures count them (Asia/Shanghai is UTC+8
 * all year).
 */
const CHINA_OFFSET_MS = 8 * 3600_000;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isMonth(value: string | null | undefined): value is string {
  return Boolean(value && MONTH.test(value));
}

/** The month an instant falls in, China time. */
export function monthOf(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 7);
}

function index(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

export function addMonths(month: string, months: number): string {
  const i = index(month) + months;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** Every month from `from` to `to`, both included. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  for (let i = index(from); i <= index(to); i++) months.push(addMonths(from, i - index(from)));
  return months;
}

/** The first instant of a month in China time, with its offset (for the indicators' `from`/`to`). */
export function monthStart(month: string): string {
  return `${month}-01T00:00:00+08:00`;
}

/** A calendar day (YYYY-MM-DD) `days` after the first of `month`. */
export function dayFrom(month: string, days: number): string {
  const at = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1));
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** The period the figures cover: twelve months to the current one unless the address says. */
export function periodOf(
  from: string | null,
  to: string | null,
  now = new Date(),
): { from: string; to: string } {
  const end = isMonth(to) ? to : monthOf(now);
  const start = isMonth(from) ? from : addMonths(end, -11);
  return index(start) <= index(end) ? { from: start, to: end } : { from: end, to: start };
}
