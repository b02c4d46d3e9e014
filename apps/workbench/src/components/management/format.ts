/** How the management screens write their numbers (the tables show them exactly as counted). */

/** Minutes as the API gives them (rounded to 0.1). */
export function minutesText(minutes: number | null | undefined): string {
  return minutes === null || minutes === undefined ? '—' : String(minutes);
}

/** Seconds as minutes with one decimal. */
export function secondsAsMinutes(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10;
}

/** A share (0..1) as a percentage with one decimal. */
export function percentText(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
}

/** A share of a count, or "—" when there is nothing to share. */
export function rateText(part: number, whole: number): string {
  return whole > 0 ? percentText(part / whole) : '—';
}

/** Yuan with two decimals and the currency sign. */
export function yuanText(yuan: number, language: string): string {
  return new Intl.NumberFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    minimumFractionDigits: 2,
  }).format(yuan);
}

/** Month "2025-03" as the person reads it: "2025年3月" or "Mar 2025". */
export function monthText(month: string, language: string): string {
  const [year, m] = month.split('-').map(Number);
  return language === 'en'
    ? new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
        new Date(Date.UTC(year, m - 1, 1)),
      )
    : `${year}年${m}月`;
}
