import { type TFunction } from 'i18next';

/**
 * A 居民身份证号 shown masked (first 6 and last 4 characters: area and check, not the birth date),
 * as worklists show patients; an MRN or anything shorter is shown as it is.
 */
export function maskResidentId(value: string | undefined): string {
  if (!value) return '';
  if (!/^\d{17}[\dX]$/i.test(value)) return value;
  return `${value.slice(0, 6)}********${value.slice(-4)}`;
}

/** Minutes as "N 分钟" / "H 小时 M 分". */
export function formatMinutes(t: TFunction, minutes: number): string {
  const whole = Math.max(0, Math.round(Math.abs(minutes)));
  if (whole < 60) return t('time.minutes', { count: whole });
  return t('time.hoursMinutes', { hours: Math.floor(whole / 60), minutes: whole % 60 });
}

/** "剩余 …" or "已超时 …" from the minutes left to a target (negative when overdue). */
export function formatTimeLeft(t: TFunction, minutesLeft: number): string {
  const time = formatMinutes(t, minutesLeft);
  return minutesLeft < 0 ? t('time.overdue', { time }) : t('time.left', { time });
}

/** A date-time in the person's language, China time. */
export function formatDateTime(value: string | undefined, language: string): string {
  if (!value) return '';
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(value));
}
